package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.GenerationRequest;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.testing.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssd generate} reports a bad request with the library's own rule and wording, the parameter name replaced by
 * the option: the message after the option is exactly what {@link SmallStableDiffusion#validate} says.
 */
class RequestValidationCliTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> badRequestsAreUsageErrorsWithTheLibrarysMessage() {
        // option, value, the same request through the API
        List<Object[]> cases = List.of(
                new Object[] {"--strength", "1.5", (UnaryOperator<GenerationRequest.Builder>) b -> b.strength(1.5)},
                new Object[] {"--steps", "0", (UnaryOperator<GenerationRequest.Builder>) b -> b.steps(0)},
                new Object[] {"--steps", "5000", (UnaryOperator<GenerationRequest.Builder>) b -> b.steps(5000)},
                new Object[] {"--guidance", "-1", (UnaryOperator<GenerationRequest.Builder>) b -> b.guidanceScale(-1)},
                new Object[] {"--num-images", "0", (UnaryOperator<GenerationRequest.Builder>) b -> b.imagesPerPrompt(0)});
        List<DynamicTest> tests = new ArrayList<>();
        for (Object[] c : cases) {
            String option = (String) c[0];
            String value = (String) c[1];
            @SuppressWarnings("unchecked")
            UnaryOperator<GenerationRequest.Builder> api = (UnaryOperator<GenerationRequest.Builder>) c[2];
            tests.add(DynamicTest.dynamicTest(option + " " + value, () -> {
                String apiMessage = apiMessage(api.apply(GenerationRequest.builder("an apple").size(64, 64).steps(3))
                        .build());
                Path out = tmp.resolve(option.substring(2) + value + ".png");
                List<String> args = new ArrayList<>(List.of("generate", "--model", Golden.tinyModel().toString(),
                        "--prompt", "an apple", "--size", "64x64", "--steps", "3", "--no-safety", "--progress", "none",
                        "--output", out.toString()));
                int given = args.indexOf(option);
                if (given >= 0) {
                    args.set(given + 1, value);
                } else {
                    args.addAll(List.of(option, value));
                }
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertThat(r.exitCode()).as(r.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
                assertThat(r.errLines()).as(r.toString())
                        .contains("ssd: " + option + apiMessage.substring(apiMessage.indexOf(':')));
                assertThat(out).doesNotExist();
            }));
        }
        return tests.stream();
    }

    private static String apiMessage(GenerationRequest request) {
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .disableSafetyChecker().build()) {
            sd.validate(request);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError(request + " was accepted by the API");
    }
}

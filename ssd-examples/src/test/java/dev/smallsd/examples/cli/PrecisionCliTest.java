package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.testing.Golden;
import dev.smallsd.testing.SeededCase;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --precision}: {@code bf16} runs every seeded case and writes an image within the bfloat16 bound of
 * diffusers' float32 PNG (ssd-core's {@code Bf16PipelineTest} bounds the float images by 0.06, i.e. 16 of 255
 * levels); an unknown value is a usage error naming the option.
 */
class PrecisionCliTest {
    /** ssd-core's bound on max |bf16 − fp32| of the images (0.06) in 8-bit levels, rounded up. */
    private static final int BF16_MAX_LEVELS = 16;

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> bf16StaysNearDiffusersFloat32() {
        return SeededCase.all().stream().map(c -> DynamicTest.dynamicTest(c.displayName() + " --precision bf16",
                () -> {
                    Path out = tmp.resolve(c.name() + ".png");
                    List<String> args = new ArrayList<>(SeededGoldenCliTest.arguments(c, out));
                    args.addAll(List.of("--precision", "bf16", "--no-safety"));
                    CliRun r = CliRun.of(args.toArray(String[]::new));
                    assertThat(r.exitCode()).as(r.toString()).isZero();
                    BufferedImage image = ImageIO.read(OutputPaths.forImages(out, c.imagesPerPrompt()).get(0)
                            .toFile());
                    assertThat(c.maxLevelDiffToPng(image)).as(c.name() + " bf16 vs diffusers' PNG")
                            .isLessThanOrEqualTo(BF16_MAX_LEVELS);
                }));
    }

    @Test
    void unknownPrecisionIsAUsageError() {
        String out = tmp.resolve("x.png").toString();
        CliRun r = CliRun.of("generate", "-m", Golden.tinyModel().toString(), "-p", "x", "--precision", "fp16",
                "-o", out);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(r.err()).contains("--precision").contains("fp16");
    }
}

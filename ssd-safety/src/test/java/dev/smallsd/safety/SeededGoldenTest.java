package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.internal.pipeline.PipelineHooks;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Lazy;
import dev.smallsd.testing.SeededCase;
import dev.smallsd.testing.Tolerance;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every case of {@code golden/seeded} (every mode, read through {@link SeededCase}): diffusers' unmodified pipeline on
 * the tiny model with only a seed, run here through the public API
 * ({@code SmallStableDiffusion.builder().modelPath(..).scheduler(..)}, the case's {@link GenerationRequest},
 * {@link SmallStableDiffusion#generate}) with the safety checker found on the class path.
 *
 * <p>Checked per case: the nsfw flags exactly; the 8-bit result images against {@code <case>.png} within
 * {@code png_max_level_diff} and against the float images of {@code <case>.safetensors} within
 * {@code |u8/255 - f| <= images_atol + 0.5/255}; and the float images themselves within {@code images_atol}: the same
 * request is run a second time with an observer ({@link PipelineHooks}, same seed) that records the decoded floats,
 * to which the run's flags are applied as diffusers does (flagged images zeroed). The two runs must give identical
 * 8-bit images.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeededGoldenTest {
    private NDManager manager;
    private final List<SmallStableDiffusion> instances = new ArrayList<>();

    @BeforeAll
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    void tearDown() {
        instances.forEach(SmallStableDiffusion::close);
        manager.close();
    }

    private record Run(GenerationResult publicApi, GenerationResult observed, NDArray decoded) {}

    @TestFactory
    Stream<DynamicNode> everySeededCase() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (SeededCase c : SeededCase.all()) {
            String name = c.name();
            Supplier<Run> run = Lazy.of(() -> run(c));
            Tolerance tol = c.imagesTolerance();
            int maxLevels = c.pngMaxLevelDiff();
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(DynamicTest.dynamicTest(name + " nsfw", () -> {
                List<Boolean> expected = c.nsfw();
                assertThat(run.get().publicApi().nsfw()).as(name + " nsfw").isEqualTo(expected);
                System.out.printf("%s nsfw: %s (exact)%n", name, expected);
            }));
            tests.add(DynamicTest.dynamicTest(name + ".png within " + maxLevels + " level(s)",
                    () -> assertThat(c.maxLevelDiffToPng(run.get().publicApi().image()))
                            .as(name + ".png max level difference").isLessThanOrEqualTo(maxLevels)));
            tests.add(DynamicTest.dynamicTest(name + " 8-bit images vs float images (" + tol + " + 0.5/255)", () -> {
                double worst = PipelineCases.assertQuantisedClose(name, run.get().publicApi().images(),
                        c.images(manager), tol.atol());
                System.out.printf("%s 8-bit: max |u8/255 - golden| = %.3g (bound %.3g)%n", name, worst,
                        tol.atol() + 0.5 / 255);
            }));
            tests.add(DynamicTest.dynamicTest(name + " float images (" + tol + ")", () -> {
                Run r = run.get();
                assertThat(r.observed().images().size()).isEqualTo(r.publicApi().images().size());
                for (int i = 0; i < r.publicApi().images().size(); i++) {
                    assertThat(pixels(r.observed().images().get(i))).as(name + " image " + i + " repeatable")
                            .isEqualTo(pixels(r.publicApi().images().get(i)));
                }
                NDArray golden = c.images(manager);
                NDArray filtered = ClipSafetyChecker.filter(r.decoded(), flags(r.observed()));
                tol.assertClose(name + " images", filtered, golden);
                System.out.printf("%s float: max |java - golden| = %.3g (%s)%n", name,
                        filtered.sub(golden).abs().max().getFloat(), tol);
            }));
            nodes.add(DynamicContainer.dynamicContainer(c.displayName(), tests));
        }
        return nodes.stream();
    }

    private Run run(SeededCase c) {
        GenerationRequest request = c.request();
        SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .scheduler(c.scheduler()).build();
        instances.add(sd);
        GenerationResult publicApi = sd.generate(request);
        PipelineCases.DecodedImages decoded = new PipelineCases.DecodedImages(manager);
        GenerationResult observed = InternalAccess.engine(sd).run(request, new PipelineHooks(null, decoded),
                () -> false);
        return new Run(publicApi, observed, decoded.images());
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static boolean[] flags(GenerationResult r) {
        boolean[] flags = new boolean[r.images().size()];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = r.isNsfw(i);
        }
        return flags;
    }
}

package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.nn.KernelFallback;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Lazy;
import dev.smallsd.testing.SeededCase;
import dev.smallsd.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code golden/seeded} in ssd-core, which has no safety checker: every case (every mode, {@link SeededCase}) is
 * replayed through the public API with only its request and seed, and the images diffusers' checker left alone are
 * compared before any checker: the decoded floats within {@code images_atol} and image 0's PNG within
 * {@code png_max_level_diff}. Images the reference flagged are black in the fixtures (checked here); comparing the
 * flags and the filtered images needs the checker and is ssd-safety's {@code SeededGoldenTest}. The first case runs
 * a second time without the TorchScript kernels, so the DJL fallback stays covered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeededUnfilteredGoldenTest {
    // one instance for the class (PER_CLASS lifecycle): built once, closed after the last case
    private final NDManager manager = NDManager.newBaseManager();
    private final SmallStableDiffusion sd =
            SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(SafetyMode.OFF).build();

    @AfterAll
    void close() {
        sd.close();
        manager.close();
    }

    /** The two runs of one case: the public API, and the same request observed for its decoded floats. */
    private record Run(GenerationResult result, NDArray decoded) {}

    @TestFactory
    Stream<DynamicNode> seededCases() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (SeededCase c : SeededCase.all()) {
            Supplier<Run> run = Lazy.of(() -> run(c));
            Tolerance tol = c.imagesTolerance();
            List<Boolean> nsfw = c.nsfw();
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(DynamicTest.dynamicTest(c.name() + " request and image count", () -> {
                assertThat(run.get().result().seed()).isEqualTo(c.seed());
                assertThat(run.get().decoded().getShape()).as(c.name() + " decoded images vs image_shape")
                        .isEqualTo(c.imageShape());
                assertThat(nsfw).as(c.name() + " nsfw flags, one per image").hasSize((int) c.imageShape().get(0));
            }));
            for (int i = 0; i < nsfw.size(); i++) {
                int image = i;
                tests.add(nsfw.get(i)
                        ? DynamicTest.dynamicTest(c.name() + " image " + i + " flagged: black in the reference", () -> {
                            NDArray golden = c.images(manager).get(image);
                            assertThat(golden.abs().max().getFloat()).as(c.name() + " flagged image " + image)
                                    .isZero();
                        })
                        : DynamicTest.dynamicTest(c.name() + " image " + i + " float (" + tol + ")", () -> {
                            NDArray golden = c.images(manager).get(image);
                            NDArray ours = run.get().decoded().get(image);
                            tol.assertClose(c.name() + " image " + image, ours, golden);
                            System.out.printf("%s image %d: max |java - golden| = %.3g (%s)%n", c.name(), image,
                                    ours.sub(golden).abs().max().getFloat(), tol);
                        }));
            }
            if (!nsfw.get(0)) {
                tests.add(DynamicTest.dynamicTest(c.name() + ".png within " + c.pngMaxLevelDiff() + " level(s)",
                        () -> assertThat(c.maxLevelDiffToPng(run.get().result().image()))
                                .as(c.name() + ".png max level difference")
                                .isLessThanOrEqualTo(c.pngMaxLevelDiff())));
            }
            nodes.add(DynamicContainer.dynamicContainer(c.displayName(), tests));
        }
        nodes.add(withoutKernels(SeededCase.all().get(0)));
        return nodes.stream();
    }

    /**
     * The first case once more on the plain DJL formulations (no TorchScript kernels, as with
     * {@code -Dssd.kernels.disable=true}): its unflagged images within the same tolerance.
     */
    private DynamicContainer withoutKernels(SeededCase c) {
        Supplier<NDArray> decoded = Lazy.of(() -> KernelFallback.run(() -> decoded(c)));
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < c.nsfw().size(); i++) {
            int image = i;
            if (!c.nsfw().get(i)) {
                tests.add(DynamicTest.dynamicTest(c.name() + " image " + i + " without kernels ("
                        + c.imagesTolerance() + ")", () -> {
                            NDArray golden = c.images(manager).get(image);
                            NDArray ours = decoded.get().get(image);
                            c.imagesTolerance().assertClose(c.name() + " image " + image + " without kernels", ours,
                                    golden);
                            System.out.printf("%s image %d without kernels: max |java - golden| = %.3g%n", c.name(),
                                    image, ours.sub(golden).abs().max().getFloat());
                        }));
            }
        }
        return DynamicContainer.dynamicContainer(c.displayName() + " without kernels", tests);
    }

    private Run run(SeededCase c) {
        return new Run(sd.generate(c.request()), decoded(c));
    }

    /** The decoded floats of a case's request, observed inside the engine. */
    private NDArray decoded(SeededCase c) {
        NDArray[] decoded = new NDArray[1];
        InternalAccess.engine(sd).run(c.request(), new PipelineHooks(null, new PipelineHooks.Observer() {
            @Override
            public void onDecoded(NDArray images) {
                decoded[0] = manager.create(images.toFloatArray(), images.getShape());
                NDScope.unregister(decoded[0]); // called inside the run's scope: keep the copy
            }
        }), () -> false);
        assertThat(decoded[0]).as(c.name() + ": the run reported its decoded images").isNotNull();
        return decoded[0];
    }
}

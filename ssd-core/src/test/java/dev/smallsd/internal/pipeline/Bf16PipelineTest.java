package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.smallsd.GenerationRequest;
import dev.smallsd.Precision;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.SeededCase;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link Precision#BF16} against {@link Precision#FP32} on the tiny golden pipelines: every seeded case of
 * {@code golden/seeded} and every seeded case of {@code golden/features} (fused LoRA, inpainting, the tiny
 * autoencoder) is run in both precisions, and the final latents and the decoded float images (in [0, 1]) of the
 * bfloat16 run must stay within a fixed bound of the float32 run's; FP32 set explicitly must be bit-identical to the
 * default.
 *
 * <p>The bounds are the largest differences measured on the fixtures (libtorch 2.7.1, 2 threads, AMD EPYC with
 * AVX-512 BF16), plus a margin: images max |bf16 − fp32| measured {@value #MEASURED_IMAGES} (about 10 of 255 levels,
 * mean 0.003–0.005; bound {@value #IMAGES_BOUND}), final latents measured {@value #MEASURED_LATENTS} relative to their largest magnitude
 * (bound {@value #LATENTS_BOUND}). Per case (images, latents; the last digits move with the layer kernels' summation
 * order): seeded_pndm 0.018, 0.019; inpaint_pndm 0.041, 0.027; inpaint_ddim_strength 0.033, 0.025; inpaint9_dpmpp
 * 0.025, 0.030; seeded_lora 0.038, 0.057; seeded_taesd 0.027, 0.034.
 * The margin (about 1.5×) covers other CPUs' kernel choices; bfloat16 keeps 8 mantissa bits (relative rounding
 * 2^-9), and ten guided steps of a random-weight UNet amplify it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Bf16PipelineTest {
    /** Largest max |bf16 − fp32| of the decoded images over all cases, as measured (see the class comment). */
    static final double MEASURED_IMAGES = 0.041;
    /** {@link #MEASURED_IMAGES} plus the margin. */
    static final double IMAGES_BOUND = 0.06;
    /** Largest max |bf16 − fp32| / max |fp32| of the final latents over all cases, as measured. */
    static final double MEASURED_LATENTS = 0.057;
    /** {@link #MEASURED_LATENTS} plus the margin. */
    static final double LATENTS_BOUND = 0.085;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterAll
    void close() {
        manager.close();
    }

    /** The final latents and the decoded images of one run. */
    private record Outputs(NDArray latents, NDArray images) {}

    @TestFactory
    Stream<DynamicNode> seededCasesStayCloseToFloat32() {
        List<DynamicNode> tests = new ArrayList<>();
        for (SeededCase c : SeededCase.all()) {
            tests.add(DynamicTest.dynamicTest(c.displayName() + " bf16 vs fp32", () -> {
                SmallStableDiffusion.Builder b = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                        .safetyMode(SafetyMode.OFF);
                Outputs fp32 = run(b, c.request());
                Outputs bf16 = run(b.precision(Precision.BF16), c.request());
                assertClose(c.name(), fp32, bf16);
            }));
        }
        for (FeatureCase c : FeatureCase.all()) {
            if (!c.seeded()) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c + " bf16 vs fp32", () -> {
                Outputs fp32 = run(featureBuilder(c), c.request().build());
                Outputs bf16 = run(featureBuilder(c).precision(Precision.BF16), c.request().build());
                assertClose(c.name(), fp32, bf16);
            }));
        }
        tests.add(DynamicTest.dynamicTest("explicit FP32 is bit-identical to the default", () -> {
            SeededCase c = SeededCase.all().get(0);
            SmallStableDiffusion.Builder b = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                    .safetyMode(SafetyMode.OFF);
            Outputs byDefault = run(b, c.request());
            Outputs explicit = run(b.precision(Precision.FP32), c.request());
            assertThat(explicit.images().toFloatArray()).isEqualTo(byDefault.images().toFloatArray());
            assertThat(explicit.latents().toFloatArray()).isEqualTo(byDefault.latents().toFloatArray());
        }));
        return tests.stream();
    }

    private static SmallStableDiffusion.Builder featureBuilder(FeatureCase c) {
        return c.builder().safetyMode(SafetyMode.OFF);
    }

    private Outputs run(SmallStableDiffusion.Builder builder, GenerationRequest request) {
        NDArray[] latents = new NDArray[1];
        NDArray[] images = new NDArray[1];
        try (SmallStableDiffusion sd = builder.build()) {
            InternalAccess.engine(sd).run(request, new PipelineHooks(null, new PipelineHooks.Observer() {
                @Override
                public void onStepLatents(int step, NDArray x) {
                    latents[0] = copy(x, latents[0]);
                }

                @Override
                public void onDecoded(NDArray imagesNhwc) {
                    images[0] = copy(imagesNhwc, null);
                }
            }), () -> false);
        }
        assertThat(latents[0]).as("the run reported its latents").isNotNull();
        assertThat(images[0]).as("the run reported its images").isNotNull();
        return new Outputs(latents[0], images[0]);
    }

    private NDArray copy(NDArray x, NDArray previous) {
        if (previous != null) {
            previous.close();
        }
        NDArray c = manager.create(x.toFloatArray(), x.getShape());
        NDScope.unregister(c); // called inside the run's scope: keep the copy
        return c;
    }

    private static void assertClose(String name, Outputs fp32, Outputs bf16) {
        assertThat(bf16.images().getShape()).isEqualTo(fp32.images().getShape());
        double images = fp32.images().sub(bf16.images()).abs().max().getFloat();
        double meanImages = fp32.images().sub(bf16.images()).abs().mean().getFloat();
        double latents = fp32.latents().sub(bf16.latents()).abs().max().getFloat()
                / fp32.latents().abs().max().getFloat();
        System.out.printf(Locale.ROOT, "%s: bf16 vs fp32 images max |diff| %.4f (bound %.4f, mean %.5f), final "
                + "latents max |diff| / max |fp32| %.4f (bound %.4f)%n", name, images, IMAGES_BOUND, meanImages,
                latents, LATENTS_BOUND);
        assertThat(images).as(name + " images, max |bf16 - fp32|").isLessThanOrEqualTo(IMAGES_BOUND);
        assertThat(latents).as(name + " final latents, max |bf16 - fp32| / max |fp32|")
                .isLessThanOrEqualTo(LATENTS_BOUND);
        assertThat(images).as(name + ": bf16 really ran (it differs from fp32)").isPositive();
    }
}

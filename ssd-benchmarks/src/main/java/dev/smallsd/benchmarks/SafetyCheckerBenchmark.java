package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.clip.ClipVisionTransformer;
import dev.smallsd.io.ModelDirectory;
import dev.smallsd.io.config.SafetyCheckerConfig;
import dev.smallsd.nn.Linear;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
import dev.smallsd.safety.ClipImageProcessor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Stable Diffusion safety check of one 512×512 image, assembled from its parts because the checker class itself
 * is not on this branch yet: {@link ClipImageProcessor#preprocess(NDArray, NDManager)} (quantise to 8 bits, bicubic
 * resize to 224, centre crop, normalise), {@link ClipVisionTransformer#pooledOutput} (ViT-L/14, 24 layers),
 * {@code visual_projection} (1024 → 768), and the concept check: cosine similarity against the 17 concept and 3
 * special-care embeddings compared with their thresholds. The tower and the projection are more than 99 % of the
 * checker's arithmetic.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public class SafetyCheckerBenchmark {
    /** Side of the checked image in pixels. */
    static final int IMAGE_SIZE = 512;

    /** The parts of the checker. */
    public static final class Checker {
        final ClipImageProcessor processor;
        final ClipVisionTransformer vision;
        final Linear visualProjection;
        final NDArray conceptEmbeds;
        final NDArray conceptThresholds;
        final NDArray specialCareEmbeds;
        final NDArray specialCareThresholds;

        Checker(ModelDirectory architecture, Weights root) {
            SafetyCheckerConfig c = architecture.safetyCheckerConfig().orElseThrow(
                    () -> new IllegalStateException("bundled architecture has no safety_checker/config.json"));
            processor = new ClipImageProcessor(architecture.featureExtractorConfig().orElseThrow(
                    () -> new IllegalStateException("bundled architecture has no preprocessor_config.json")));
            vision = new ClipVisionTransformer(root.child("vision_model").child("vision_model"), c.visionConfig());
            visualProjection = new Linear(root.child("visual_projection"), c.visionConfig().hiddenSize(),
                    c.projectionDim(), false);
            // unit rows, transposed, computed once at build time (long-lived, owned by the weights' manager)
            conceptEmbeds = unitColumns(root.get("concept_embeds", 17, c.projectionDim()));
            conceptThresholds = root.get("concept_embeds_weights", 17);
            specialCareEmbeds = unitColumns(root.get("special_care_embeds", 3, c.projectionDim()));
            specialCareThresholds = root.get("special_care_embeds_weights", 3);
        }

        /**
         * @param images {@code [B, H, W, 3]} floats in [0, 1]
         * @return per image and concept, {@code 1} where the cosine similarity exceeds the threshold: {@code [B, 20]}
         */
        NDArray check(NDArray images) {
            return Scopes.run(() -> {
                NDArray clipInput = processor.preprocess(images, images.getManager());
                NDArray embeds = visualProjection.forward(vision.pooledOutput(clipInput));
                NDArray unit = embeds.div(embeds.norm(new int[] {-1}, true));
                NDArray special = unit.matMul(specialCareEmbeds).gt(specialCareThresholds);
                NDArray concepts = unit.matMul(conceptEmbeds).gt(conceptThresholds);
                return special.concat(concepts, 1);
            });
        }

        private static NDArray unitColumns(NDArray e) {
            try (NDArray n = e.norm(new int[] {-1}, true); NDArray u = e.div(n); NDArray t = u.transpose()) {
                return Weights.keep(t.duplicate());
            }
        }
    }

    /** The checker and one image. */
    @State(Scope.Benchmark)
    public static class CheckerState extends ComponentState<Checker> {
        NDArray image;

        @Override
        protected Checker build(ModelDirectory architecture, Weights weights) {
            return new Checker(architecture, weights);
        }

        @Override
        protected void prepareInputs(Checker checker, NDManager manager) {
            image = Inputs.uniform01(manager, 5, 1, IMAGE_SIZE, IMAGE_SIZE, 3);
        }
    }

    /**
     * @param s the state
     * @return the number of concept flags
     */
    @Benchmark
    public long check(CheckerState s) {
        return ComponentState.measure(() -> s.component().check(s.image));
    }
}

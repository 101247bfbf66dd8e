package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.safety.ClipImageProcessor;
import dev.smallsd.safety.ClipSafetyChecker;
import dev.smallsd.safety.FeatureExtractorConfig;
import dev.smallsd.safety.SafetyCheckerConfig;
import dev.smallsd.safety.StableDiffusionSafetyChecker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The Stable Diffusion safety check of one 512×512 image through {@link ClipSafetyChecker}, exactly as the pipeline
 * runs it: CLIP preprocessing (8-bit quantisation, PIL bicubic resize to 224, centre crop, normalise), the ViT-L/14
 * vision tower, {@code visual_projection} and the concept / special-care scoring.
 */
public class SafetyCheckerBenchmark extends SingleShotBenchmark {
    /** Side of the checked image in pixels. */
    static final int IMAGE_SIZE = 512;

    /**
     * Builds the full-size checker with random weights from the bundled architecture. The checker owns a sub-manager
     * of the weights' manager, so closing it frees only its own arrays.
     *
     * @param architecture the bundled configs
     * @param root weights view of the {@code safety_checker} component
     * @return the checker
     */
    static ClipSafetyChecker build(ModelDirectory architecture, Weights root) {
        SafetyCheckerConfig c = SafetyCheckerConfig.of(architecture).orElseThrow(
                () -> new IllegalStateException("bundled architecture has no safety_checker/config.json"));
        ClipImageProcessor processor = new ClipImageProcessor(FeatureExtractorConfig.of(architecture).orElseThrow(
                () -> new IllegalStateException("bundled architecture has no preprocessor_config.json")));
        StableDiffusionSafetyChecker model = new StableDiffusionSafetyChecker(root, c,
                StableDiffusionSafetyChecker.DEFAULT_CONCEPTS, StableDiffusionSafetyChecker.DEFAULT_SPECIAL_CARE);
        return new ClipSafetyChecker(processor, model, root.manager().newSubManager());
    }

    /** The checker and one image. */
    @State(Scope.Benchmark)
    public static class CheckerState extends ComponentState<ClipSafetyChecker> {
        NDArray image;

        @Override
        protected ClipSafetyChecker build(ModelDirectory architecture, Weights weights) {
            return SafetyCheckerBenchmark.build(architecture, weights);
        }

        @Override
        protected void prepareInputs(ClipSafetyChecker checker, NDManager manager) {
            image = Inputs.uniform01(manager, 5, 1, IMAGE_SIZE, IMAGE_SIZE, 3);
        }
    }

    /**
     * @param s the state
     * @return the number of flagged images
     */
    @Benchmark
    public long check(CheckerState s) {
        long flagged = 0;
        for (boolean f : s.component().check(s.image)) {
            flagged += f ? 1 : 0;
        }
        return flagged;
    }
}

package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDArray;
import dev.smallsd.schedulers.NoiseSource;

/**
 * Test and diagnostics hooks into one pipeline run (internal API, not for applications): a noise source that replaces
 * the seeded generator, and observers of the values diffusers' reference fixtures record. Arrays passed to an observer
 * are valid only during the call.
 *
 * @param noise replaces the run's seeded generator (every draw, in diffusers' order), or {@code null}
 * @param observer receives intermediate values, or {@code null}
 */
public record PipelineHooks(NoiseSource noise, Observer observer) {

    /** No hooks. */
    public static final PipelineHooks NONE = new PipelineHooks(null, null);

    /** Receives the intermediate values of a run. Every method has an empty default. */
    public interface Observer {
        /**
         * @param inputIds token ids of every text-encoder call, in call order ({@code [P, 77]} each)
         * @param embeddings the encoder output for those ids ({@code [P, 77, D]})
         */
        default void onTextEncoded(NDArray inputIds, NDArray embeddings) {}

        /** @param latents the latents entering the loop (after {@code init_noise_sigma} or img2img noising) */
        default void onInitialLatents(NDArray latents) {}

        /**
         * @param call 0-based UNet call index
         * @param input the scaled model input (CFG-doubled when guidance is on)
         * @param timestep the timesteps passed to the UNet
         * @param output the UNet output before guidance
         */
        default void onUnetCall(int call, NDArray input, NDArray timestep, NDArray output) {}

        /**
         * @param step 0-based step index
         * @param latents the latents after the scheduler step
         */
        default void onStepLatents(int step, NDArray latents) {}

        /** @param imagesNhwc decoded images in [0, 1], before the safety checker */
        default void onDecoded(NDArray imagesNhwc) {}
    }
}

package dev.smallsd.schedulers;

import java.util.OptionalInt;

/**
 * Where an image-to-image generation starts, as computed by diffusers' img2img pipeline {@code get_timesteps}.
 *
 * @param tStart the number of inference steps skipped ({@code t_start})
 * @param numInferenceSteps the number of inference steps left ({@code num_inference_steps - t_start})
 * @param timesteps the timesteps still to run ({@code scheduler.timesteps[t_start * order:]}); the first one is the
 *     timestep the init latents are noised to
 * @param beginIndex the begin index set on the run ({@code t_start * order}), empty for schedulers without
 *     {@code set_begin_index} (PNDM, DDIM, DDPM)
 */
public record Img2ImgStart(int tStart, int numInferenceSteps, double[] timesteps, OptionalInt beginIndex) {

    /** Copies the timesteps so the record stays immutable. */
    public Img2ImgStart {
        timesteps = timesteps.clone();
    }

    /**
     * Returns a copy of the remaining timesteps.
     *
     * @return the timesteps to run
     */
    @Override
    public double[] timesteps() {
        return timesteps.clone();
    }

    /**
     * Returns the timestep to noise the init latents to ({@code timesteps[0]}).
     *
     * @return the first remaining timestep
     * @throws IllegalStateException if no timestep is left (strength too small)
     */
    public double latentTimestep() {
        if (timesteps.length == 0) {
            throw new IllegalStateException("strength leaves no denoising step");
        }
        return timesteps[0];
    }
}

package dev.smallsd;

import ai.djl.ndarray.NDArray;

/** Progress callback, called after every denoising step on the generating thread. */
@FunctionalInterface
public interface StepListener {

    /**
     * @param step the step just finished, 1-based
     * @param totalSteps the number of denoising steps of this run (after img2img truncation)
     * @param timestep the scheduler timestep of the step
     * @param latents the latents after the step; valid only during the call (do not keep or modify them)
     */
    void onStep(int step, int totalSteps, double timestep, NDArray latents);
}

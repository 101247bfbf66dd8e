package dev.smallsd;

import ai.djl.ndarray.NDArray;

/**
 * <b>Advanced</b> progress callback that sees the raw latents (a DJL {@link NDArray}), called after every model call
 * on the generating thread. Most applications want {@link ProgressListener} (step counts, timestep and optional
 * preview images, no engine types), registered with {@link GenerationRequest.Builder#progress}; use this one only to
 * inspect or copy the latents themselves. A request has one listener: {@code listener(...)} and {@code progress(...)}
 * replace each other.
 */
@FunctionalInterface
public interface StepListener {

    /**
     * @param step the model call just finished, 1-based
     * @param totalSteps the number of model calls of this run (PNDM makes {@code steps + 1}; image-to-image only
     *     the last {@code strength · steps}), see {@link StepProgress}
     * @param timestep the scheduler timestep of the call
     * @param latents the latents after the call; valid only during the call (do not keep or modify them)
     */
    void onStep(int step, int totalSteps, double timestep, NDArray latents);
}

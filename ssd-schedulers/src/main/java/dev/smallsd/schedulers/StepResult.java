package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * The result of one {@link SchedulerRun#step} call.
 *
 * @param prevSample the sample at the previous (less noisy) timestep
 * @param predOriginalSample the predicted denoised sample where the scheduler returns one (diffusers'
 *     {@code pred_original_sample}, or {@code denoised} for LCM), otherwise {@code null}
 */
public record StepResult(NDArray prevSample, NDArray predOriginalSample) {}

package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.Map;

/**
 * The state of one generation with a {@link Scheduler}; not thread-safe.
 *
 * <p>Arrays returned by {@link #step}, {@link #scaleModelInput} and {@link #addNoise} belong to the manager of the
 * sample / model-output argument. Arrays the run keeps between steps (multistep history) live in the run's own
 * manager and are freed by {@link #close()}.
 */
public interface SchedulerRun extends AutoCloseable {

    /**
     * Returns the timesteps to loop over, exactly diffusers' {@code scheduler.timesteps} (float32 values widened to
     * double for schedulers with float timesteps).
     *
     * @return a copy of the timesteps
     */
    double[] timesteps();

    /**
     * Tells whether diffusers' timesteps tensor is int64 for this scheduler.
     *
     * @return true for integer timesteps
     */
    boolean integerTimesteps();

    /**
     * Returns diffusers' {@code scheduler.sigmas} (float32 widened), or {@code null} where there are none.
     *
     * @return a copy of the sigmas or null
     */
    double[] sigmas();

    /**
     * Returns the standard deviation of the initial noise ({@code init_noise_sigma}).
     *
     * @return the factor to multiply unit-normal initial latents by
     */
    double initNoiseSigma();

    /**
     * Returns diffusers' {@code scheduler.order} (2 for Heun and KDPM2 which call the model twice per step).
     *
     * @return the order
     */
    int order();

    /**
     * Applies diffusers' img2img {@code get_timesteps}: computes {@code t_start} for the strength, returns the
     * remaining timesteps, and sets the run's begin index where the scheduler supports it. Call before the first
     * step.
     *
     * @param strength the img2img strength in [0, 1]
     * @return the start
     */
    Img2ImgStart startForStrength(double strength);

    /**
     * Scales the denoising model input (diffusers' {@code scale_model_input}). May return {@code sample} itself
     * where the scheduler does not scale.
     *
     * @param sample the current sample
     * @param t the current timestep, one of {@link #timesteps()}
     * @return the scaled input
     */
    NDArray scaleModelInput(NDArray sample, double t);

    /**
     * Advances one step (diffusers' {@code step}).
     *
     * @param modelOutput the model output (noise prediction)
     * @param t the current timestep, one of {@link #timesteps()}
     * @param sample the current sample
     * @param options per-request step arguments
     * @param noise where stochastic schedulers draw their noise
     * @return the previous sample and, where defined, the predicted original sample
     */
    StepResult step(NDArray modelOutput, double t, NDArray sample, StepOptions options, NoiseSource noise);

    /**
     * Advances one step with default options.
     *
     * @param modelOutput the model output
     * @param t the current timestep
     * @param sample the current sample
     * @param noise where stochastic schedulers draw their noise
     * @return the step result
     */
    default StepResult step(NDArray modelOutput, double t, NDArray sample, NoiseSource noise) {
        return step(modelOutput, t, sample, StepOptions.DEFAULT, noise);
    }

    /**
     * Noises clean samples to the given timesteps (diffusers' {@code add_noise}).
     *
     * @param original the clean samples, batch first
     * @param noise unit-normal noise of the same shape
     * @param timestepPerBatchItem one timestep per batch element
     * @return the noised samples
     */
    NDArray addNoise(NDArray original, NDArray noise, double[] timestepPerBatchItem);

    /**
     * Noises clean samples to one timestep, broadcast over the batch (diffusers' {@code add_noise} with a single
     * timestep).
     *
     * @param original the clean samples, batch first
     * @param noise unit-normal noise of the same shape
     * @param timestep the timestep of every batch element
     * @return the noised samples
     */
    default NDArray addNoise(NDArray original, NDArray noise, double timestep) {
        double[] ts = new double[Math.toIntExact(original.getShape().get(0))];
        Arrays.fill(ts, timestep);
        return addNoise(original, noise, ts);
    }

    /**
     * Returns the config values that diffusers' {@code set_timesteps} would rewrite on its scheduler for this run
     * (e.g. DPM-Solver singlestep switching {@code lower_order_final} on). Here the scheduler's configuration stays
     * as constructed; the run applies these values to itself only.
     *
     * @return key to the value this run uses; empty when nothing differs
     */
    default Map<String, Object> configChanges() {
        return Map.of();
    }

    /**
     * Returns further schedule values for inspection and tests (e.g. {@code sigmas_interpol}, {@code sigmas_up},
     * {@code sigmas_down}, {@code order_list}, {@code final_alpha_cumprod}, {@code lms_coefficients}).
     *
     * @return name to values; empty by default
     */
    default Map<String, double[]> extraSchedules() {
        return Map.of();
    }

    /** Frees the arrays the run keeps between steps. */
    @Override
    void close();
}

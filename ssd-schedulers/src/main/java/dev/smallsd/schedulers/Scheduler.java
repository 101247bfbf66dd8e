package dev.smallsd.schedulers;

/**
 * A noise scheduler: the immutable, thread-safe part (configuration, betas, ᾱ products).
 *
 * <p>Each generation takes its own {@link SchedulerRun} from {@link #newRun(int)}; runs hold the per-generation
 * state (step index, multistep history) that diffusers keeps on the scheduler object.
 */
public interface Scheduler {

    /**
     * Returns the diffusers class this scheduler ports.
     *
     * @return the diffusers class name, e.g. {@code "PNDMScheduler"}
     */
    String className();

    /**
     * Returns the resolved configuration (class defaults, then the base config, then overrides).
     *
     * @return the configuration
     */
    SchedulerConfig config();

    /**
     * Starts a generation: diffusers' {@code set_timesteps(numInferenceSteps)} on fresh state.
     *
     * @param numInferenceSteps the number of denoising steps
     * @return the per-generation state
     * @throws IllegalArgumentException if {@code numInferenceSteps <= 0} or more than the scheduler allows
     */
    SchedulerRun newRun(int numInferenceSteps);

    /**
     * Returns the number of training timesteps.
     *
     * @return {@code num_train_timesteps}
     */
    int numTrainTimesteps();
}

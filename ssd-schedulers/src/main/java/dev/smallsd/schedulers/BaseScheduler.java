package dev.smallsd.schedulers;

/**
 * What every scheduler class shares: its resolved configuration, the training noise schedule derived from it
 * (diffusers' {@code betas}, {@code alphas_cumprod}, and the sigmas {@code sqrt((1 − ᾱ) / ᾱ)} with their logs), the
 * accessors, and {@link #newRun(int)}, which validates the step count and asks the class for its run.
 *
 * <p>A scheduler is immutable and thread-safe; everything that changes during a generation lives in its run.
 */
abstract class BaseScheduler implements Scheduler {

    /** The resolved configuration. */
    protected final SchedulerConfig config;
    /** {@code num_train_timesteps}. */
    protected final int numTrain;
    /** ᾱ_t for every training timestep (float32, as diffusers computes it). */
    protected final float[] alphasCumprod;
    /** σ_t = sqrt((1 − ᾱ_t) / ᾱ_t) for every training timestep. */
    protected final float[] trainSigmas;
    /** log σ_t, for converting sigmas back to (fractional) timesteps. */
    protected final float[] logSigmas;

    /**
     * Derives the training schedule from the configuration.
     *
     * @param config the resolved configuration
     * @throws UnsupportedOperationException for settings this port does not implement
     */
    BaseScheduler(SchedulerConfig config) {
        ConfigDefaults.requireSupported(config);
        this.config = config;
        this.numTrain = config.getInt("num_train_timesteps");
        this.alphasCumprod = NoiseSchedules.alphasCumprod(NoiseSchedules.betas(config));
        this.trainSigmas = NoiseSchedules.trainSigmas(alphasCumprod);
        this.logSigmas = NoiseSchedules.logF32(trainSigmas);
    }

    @Override
    public final String className() {
        return config.className();
    }

    @Override
    public final SchedulerConfig config() {
        return config;
    }

    @Override
    public final int numTrainTimesteps() {
        return numTrain;
    }

    @Override
    public final SchedulerRun newRun(int numInferenceSteps) {
        if (numInferenceSteps <= 0 || numInferenceSteps > numTrain) {
            throw new IllegalArgumentException(
                    "numInferenceSteps must be in [1, " + numTrain + "], got " + numInferenceSteps);
        }
        return createRun(numInferenceSteps);
    }

    /**
     * diffusers' {@code set_timesteps(numInferenceSteps)} on fresh state.
     *
     * @param numInferenceSteps the validated number of steps
     * @return the run
     */
    protected abstract SchedulerRun createRun(int numInferenceSteps);

    /** The (fractional) training timesteps of the given sigmas, as diffusers' {@code _sigma_to_t}. */
    protected final double[] timestepsOfSigmas(double[] sigmas) {
        double[] ts = new double[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            ts[i] = NoiseSchedules.sigmaToT(sigmas[i], logSigmas);
        }
        return ts;
    }
}

package dev.smallsd.schedulers;

import java.util.Map;

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

    /** Timesteps and their sigmas (without the final 0) of a k-diffusion style schedule. */
    record SigmaSchedule(double[] timesteps, double[] sigmas) {
        /** The sigmas as float32 with the final 0 appended ({@code n + 1} values), as the runs hold them. */
        float[] withZero() {
            return SigmaSchedulerRun.withZeroF32(sigmas);
        }
    }

    /**
     * The k-diffusion schedule of Heun, LMS and KDPM2: timesteps by {@code timestep_spacing}, the training sigmas
     * interpolated at them, or with {@code use_karras_sigmas} Karras sigmas over the same range and the timesteps
     * they map back to.
     *
     * @param n the number of steps
     * @param roundKarrasTimesteps whether Karras timesteps are rounded to integers (KDPM2) or kept fractional
     * @return the schedule
     */
    protected final SigmaSchedule sigmaSchedule(int n, boolean roundKarrasTimesteps) {
        double[] ts = NoiseSchedules.sigmaFamilyTimesteps(config, n, numTrain);
        double[] sig = NoiseSchedules.interp(ts, trainSigmas);
        if (config.getBoolean("use_karras_sigmas")) {
            sig = NoiseSchedules.karras(sig[sig.length - 1], sig[0], n);
            ts = roundKarrasTimesteps ? roundedTimestepsOfSigmas(sig) : timestepsOfSigmas(sig);
        }
        return new SigmaSchedule(ts, sig);
    }

    /** Integer timesteps and their float32 sigmas (with the final one) of a DEIS / UniPC schedule. */
    record VpSchedule(double[] timesteps, float[] sigmas) {}

    /**
     * The schedule of DEIS and UniPC: rounded linspace/leading/trailing timesteps with the training sigmas at them
     * and σ_min last, or with {@code use_karras_sigmas} Karras sigmas over the training range, their rounded
     * timesteps and the smallest Karras sigma repeated last.
     *
     * @param n the number of steps
     * @return the schedule
     */
    protected final VpSchedule multistepSchedule(int n) {
        if (config.getBoolean("use_karras_sigmas")) {
            double[] k = karrasSigmas(n);
            return new VpSchedule(roundedTimestepsOfSigmas(k), VpSchedulerRun.withLast(k, k[n - 1]));
        }
        double[] ts = NoiseSchedules.multistepTimesteps(config, n, numTrain, numTrain);
        return new VpSchedule(ts, VpSchedulerRun.withLast(NoiseSchedules.interp(ts, trainSigmas), sigmaMin()));
    }

    /** ᾱ "before" the first training step: 1 with {@code set_alpha_to_one}, else ᾱ_0 (DDIM, PNDM, LCM). */
    protected final float finalAlphaCumprod() {
        return config.getBoolean("set_alpha_to_one") ? 1.0f : alphasCumprod[0];
    }

    /** {@link #finalAlphaCumprod()} as the run's {@code final_alpha_cumprod} extra schedule. */
    protected final Map<String, double[]> finalAlphaSchedule() {
        return Map.of("final_alpha_cumprod", new double[] {finalAlphaCumprod()});
    }

    /** Karras sigmas from the largest to the smallest training sigma (the DPM-Solver family's). */
    protected final double[] karrasSigmas(int n) {
        return NoiseSchedules.karras(trainSigmas[0], trainSigmas[numTrain - 1], n);
    }

    /** σ at ᾱ_0, the smallest training sigma: the last sigma of "sigma_min" schedules. */
    protected final float sigmaMin() {
        return NoiseSchedules.sigmaOf(alphasCumprod[0]);
    }

    /** {@link #timestepsOfSigmas} rounded to integers, as the DPM-Solver family does. */
    protected final double[] roundedTimestepsOfSigmas(double[] sigmas) {
        double[] ts = timestepsOfSigmas(sigmas);
        for (int i = 0; i < ts.length; i++) {
            ts[i] = NoiseSchedules.npRound(ts[i]);
        }
        return ts;
    }

    /** The (fractional) training timesteps of the given sigmas, as diffusers' {@code _sigma_to_t}. */
    protected final double[] timestepsOfSigmas(double[] sigmas) {
        double[] ts = new double[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            ts[i] = NoiseSchedules.sigmaToT(sigmas[i], logSigmas);
        }
        return ts;
    }
}

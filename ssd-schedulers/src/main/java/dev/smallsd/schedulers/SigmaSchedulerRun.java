package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;

/**
 * Base of the runs of the k-diffusion style schedulers (Euler, Euler ancestral, LMS, Heun, KDPM2, KDPM2
 * ancestral): a float32 sigma table indexed by the step index, {@code init_noise_sigma} from the largest sigma and
 * {@code add_noise} as x0 + ε·σ.
 */
abstract class SigmaSchedulerRun extends AbstractSchedulerRun {

    protected final float[] sigmas;
    private final boolean linspaceOrTrailing;

    SigmaSchedulerRun(double[] timesteps, float[] sigmas, int n, int order, String timestepSpacing) {
        super(timesteps, false, n, order, true);
        this.sigmas = sigmas;
        this.linspaceOrTrailing = "linspace".equals(timestepSpacing) || "trailing".equals(timestepSpacing);
    }

    @Override
    public double[] sigmas() {
        return NoiseSchedules.widen(sigmas);
    }

    @Override
    public double initNoiseSigma() {
        float max = Float.NEGATIVE_INFINITY;
        for (float s : sigmas) {
            if (Float.isNaN(s)) {
                return Double.NaN;
            }
            max = Math.max(max, s);
        }
        if (linspaceOrTrailing) {
            return max;
        }
        return (float) Math.sqrt(max * max + 1.0f);
    }

    /** Makes sure the step index is set (diffusers initialises it lazily in scale_model_input and step). */
    protected final void ensureStepIndex(double t) {
        if (stepIndex < 0) {
            initStepIndex(t, false);
        }
    }

    /** diffusers' {@code scale_model_input} of the Euler family: sample / √(σ² + 1) at the current step. */
    @Override
    public NDArray scaleModelInput(NDArray sample, double t) {
        ensureStepIndex(t);
        return scaleBySigma(sample, sigmas[stepIndex]);
    }

    /** sample / √(σ² + 1) with float32 σ. */
    protected static NDArray scaleBySigma(NDArray sample, float sigma) {
        float denom = (float) Math.sqrt(sigma * sigma + 1.0f);
        return sample.div(denom);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] ts) {
        return addNoiseWithSigmas(sigmas, original, noise, ts);
    }

    /** Appends a final 0 and casts to float32. */
    static float[] withZeroF32(double[] sig) {
        float[] out = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) {
            out[i] = (float) sig[i];
        }
        out[sig.length] = 0f;
        return out;
    }
}

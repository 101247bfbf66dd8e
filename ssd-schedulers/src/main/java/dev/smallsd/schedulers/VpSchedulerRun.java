package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;

/**
 * Base of the runs of the variance-preserving multistep solvers (DPM-Solver multistep / singlestep, UniPC, DEIS):
 * integer timesteps, a float32 sigma table, unscaled model input, {@code init_noise_sigma} 1 and a history of the
 * last {@code solver_order} converted model outputs kept in the run's manager.
 */
abstract class VpSchedulerRun extends AbstractSchedulerRun {

    protected final float[] sigmas;
    /** Converted model outputs, oldest first (diffusers' {@code model_outputs}); null entries are unset. */
    protected final NDArray[] modelOutputs;

    /** diffusers' {@code lower_order_nums}: how many warm-up steps ran at a lower order (capped at the order). */
    protected int lowerOrderNums;

    VpSchedulerRun(double[] timesteps, float[] sigmas, int n, int solverOrder) {
        super(timesteps, true, n, 1, true);
        this.sigmas = sigmas;
        this.modelOutputs = new NDArray[solverOrder];
    }

    VpSchedulerRun(BaseScheduler.VpSchedule schedule, int solverOrder) {
        this(schedule.timesteps(), schedule.sigmas(), schedule.timesteps().length, solverOrder);
    }

    /** Counts one more warm-up step, as diffusers does after each step until the full order is reached. */
    protected final void countLowerOrderStep() {
        if (lowerOrderNums < modelOutputs.length) {
            lowerOrderNums++;
        }
    }

    @Override
    public double[] sigmas() {
        return NoiseSchedules.widen(sigmas);
    }

    /** Sets the step index on the first step (missing timesteps map to the last index, as in diffusers). */
    protected final void ensureStepIndex(double t) {
        if (stepIndex < 0) {
            initStepIndex(t, true);
        }
    }

    /** Shifts the history and appends {@code converted} (moved to the run's manager); returns the dropped entry. */
    protected final NDArray pushModelOutput(Scope s, NDArray converted) {
        NDArray dropped = modelOutputs[0];
        System.arraycopy(modelOutputs, 1, modelOutputs, 0, modelOutputs.length - 1);
        modelOutputs[modelOutputs.length - 1] = s.keep(converted);
        return dropped;
    }

    /** Attaches the history to the scope so that arithmetic on it allocates there. */
    protected final void historyIn(Scope s) {
        for (NDArray m : modelOutputs) {
            s.in(m);
        }
    }

    /** The k-th newest model output ({@code model_outputs[-k]}, k ≥ 1). */
    protected final NDArray m(int k) {
        return modelOutputs[modelOutputs.length - k];
    }

    /** α_t, σ_t = σ·α_t and λ_t = log α_t − log σ_t of one sigma, in float32 (diffusers' _sigma_to_alpha_sigma_t). */
    record Point(float alpha, float sigma, float lambda) {}

    /** The {@link Point} of {@code sigmas[i]}. */
    protected final Point at(int i) {
        float alpha = VpMath.alpha(sigmas[i]);
        float sigma = sigmas[i] * alpha;
        return new Point(alpha, sigma, VpMath.log(alpha) - VpMath.log(sigma));
    }

    /** x0 prediction from an epsilon prediction: (x − σ_t·ε) / α_t. */
    protected final NDArray x0FromEpsilon(NDArray sample, NDArray eps, float sigma) {
        float alpha = VpMath.alpha(sigma);
        float sigmaT = sigma * alpha;
        return sample.sub(eps.mul(sigmaT)).div(alpha);
    }

    @Override
    public NDArray addNoise(NDArray original, NDArray noise, double[] ts) {
        return addNoiseVp(sigmas, original, noise, ts);
    }

    @Override
    public void close() {
        Arrays.fill(modelOutputs, null);
        super.close();
    }

    /** Sigmas interpolated at integer timesteps plus a final sigma, cast to float32. */
    static float[] withLast(double[] sig, double last) {
        float[] out = new float[sig.length + 1];
        for (int i = 0; i < sig.length; i++) {
            out[i] = (float) sig[i];
        }
        out[sig.length] = (float) last;
        return out;
    }

    /** λ_t = log α_t − log σ_t over the training schedule (float32), used for lambda_min_clipped. */
    static int clippedIndex(float[] alphasCumprod, double lambdaMinClipped) {
        int n = alphasCumprod.length;
        int count = 0;
        for (int i = n - 1; i >= 0; i--) {
            float a = (float) Math.sqrt(alphasCumprod[i]);
            float s = (float) Math.sqrt(1.0f - alphasCumprod[i]);
            float lambda = (float) Math.log(a) - (float) Math.log(s);
            if (lambda < lambdaMinClipped) {
                count++;
            } else {
                break;
            }
        }
        return count;
    }
}

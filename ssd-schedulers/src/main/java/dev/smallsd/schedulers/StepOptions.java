package dev.smallsd.schedulers;

/**
 * Per-request arguments of {@code step} that are not part of the scheduler configuration.
 *
 * <p>Each scheduler reads only the options it understands (as diffusers' {@code step} keyword arguments) and
 * ignores the rest.
 *
 * @param eta DDIM: weight of the added noise (0 = deterministic DDIM, 1 = DDPM-like)
 * @param useClippedModelOutput DDIM: recompute the noise from the clipped predicted sample
 * @param sChurn Euler: stochasticity amount (0 = none)
 * @param sTmin Euler: lowest sigma at which churn applies
 * @param sTmax Euler: highest sigma at which churn applies
 * @param sNoise Euler: scale of the added noise
 */
public record StepOptions(
        double eta, boolean useClippedModelOutput, double sChurn, double sTmin, double sTmax, double sNoise) {

    /** Diffusers' defaults: eta 0, no clipped output, s_churn 0, s_tmin 0, s_tmax inf, s_noise 1. */
    public static final StepOptions DEFAULT =
            new StepOptions(0.0, false, 0.0, 0.0, Double.POSITIVE_INFINITY, 1.0);

    /**
     * Returns a copy with another DDIM {@code eta}.
     *
     * @param newEta the eta value
     * @return the new options
     */
    public StepOptions withEta(double newEta) {
        return new StepOptions(newEta, useClippedModelOutput, sChurn, sTmin, sTmax, sNoise);
    }

    /**
     * Returns a copy with other Euler churn settings.
     *
     * @param churn s_churn
     * @param tmin s_tmin
     * @param tmax s_tmax
     * @param noise s_noise
     * @return the new options
     */
    public StepOptions withChurn(double churn, double tmin, double tmax, double noise) {
        return new StepOptions(eta, useClippedModelOutput, churn, tmin, tmax, noise);
    }
}

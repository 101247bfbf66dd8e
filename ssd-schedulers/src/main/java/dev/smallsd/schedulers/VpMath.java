package dev.smallsd.schedulers;

/**
 * Float32 scalar helpers for variance-preserving schedules, mirroring diffusers' 0-dim float32 tensor math
 * ({@code _sigma_to_alpha_sigma_t}, λ = log α − log σ).
 */
final class VpMath {

    private VpMath() {}

    /** α_t = 1 / √(σ² + 1) in float32. */
    static float alpha(float sigma) {
        float s2 = sigma * sigma + 1.0f;
        return 1.0f / (float) Math.sqrt(s2);
    }

    /** σ_t = σ·α_t in float32. */
    static float sigmaT(float sigma) {
        return sigma * alpha(sigma);
    }

    /** λ = log α_t − log σ_t in float32 (+∞ at σ = 0). */
    static float lambda(float sigma) {
        float a = alpha(sigma);
        float s = sigma * a;
        return (float) Math.log(a) - (float) Math.log(s);
    }

    /** float32 exp. */
    static float exp(float x) {
        return (float) Math.exp(x);
    }

    /** float32 expm1. */
    static float expm1(float x) {
        return (float) Math.expm1(x);
    }

    /** float32 log. */
    static float log(float x) {
        return (float) Math.log(x);
    }

    /** float32 sqrt. */
    static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }
}

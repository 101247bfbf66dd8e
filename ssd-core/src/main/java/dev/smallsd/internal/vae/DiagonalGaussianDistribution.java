package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * diffusers' {@code DiagonalGaussianDistribution}, the VAE posterior: the encoder's moments split along channels into
 * {@code mean} and {@code logvar} (clamped to [-30, 20]); {@code std = exp(0.5·logvar)}. The arrays belong to the
 * caller's manager and scope, like any operation result.
 *
 * @param mean {@code [N, latent, h, w]}
 * @param logvar {@code [N, latent, h, w]}, clamped
 * @param std {@code [N, latent, h, w]}
 */
public record DiagonalGaussianDistribution(NDArray mean, NDArray logvar, NDArray std) {
    private static final float LOGVAR_MIN = -30f;
    private static final float LOGVAR_MAX = 20f;

    /**
     * @param moments {@code [N, 2·latent, h, w]}: means then log-variances
     * @return the distribution
     */
    public static DiagonalGaussianDistribution fromMoments(NDArray moments) {
        Shape s = moments.getShape();
        long c = s.get(1);
        if (s.dimension() != 4 || c % 2 != 0) {
            throw new IllegalArgumentException("moments must be [N, 2*latent, h, w], got " + s);
        }
        long half = c / 2;
        NDArray mean = moments.get(":, 0:" + half);
        NDArray logvar = moments.get(":, " + half + ":").clip(LOGVAR_MIN, LOGVAR_MAX);
        NDArray std = logvar.mul(0.5f).exp();
        return new DiagonalGaussianDistribution(mean, logvar, std);
    }

    /**
     * {@code mean + std · noise}: a sample with caller-supplied standard normal noise (so any generator, e.g. a
     * reproduction of torch's, can be used).
     *
     * @param noise {@code [N, latent, h, w]} standard normal values
     * @return a new array
     */
    public NDArray sample(NDArray noise) {
        if (!noise.getShape().equals(mean.getShape())) {
            throw new IllegalArgumentException("noise shape " + noise.getShape() + " != latent shape "
                    + mean.getShape());
        }
        NDArray scaled = std.mul(noise);
        return scaled.addi(mean);
    }

    /** @return the mode (= the mean) */
    public NDArray mode() {
        return mean;
    }

    /** @return {@code exp(logvar)}, a new array */
    public NDArray var() {
        return logvar.exp();
    }
}

package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * AUTOMATIC1111's "Approx cheap" live preview ({@code sd_vae_approx.cheap_approximation} with
 * {@code sd_samplers_common.samples_to_images_tensor}): each latent position of a Stable Diffusion v1 model is mapped to
 * one RGB value by a fixed linear combination of its 4 channels, {@code rgb[r] = Σ_l latent[l] · F[l][r]} (no bias),
 * read as an image in [-1, 1]. The latents are the pipeline's (already multiplied by the VAE's scaling factor), as the
 * sampler holds them. The factors are those of the Hugging Face forum thread A1111 cites ("decoding latents to RGB
 * without upscaling").
 */
public final class LatentRgbApproximation {
    /** {@code F[l][r]}: the weight of latent channel {@code l} in colour {@code r} (R, G, B). */
    private static final float[][] FACTORS = {
        {0.298f, 0.207f, 0.208f},
        {0.187f, 0.286f, 0.173f},
        {-0.158f, 0.189f, 0.264f},
        {-0.184f, -0.271f, -0.473f},
    };

    /** The number of latent channels the factors are made for. */
    public static final int LATENT_CHANNELS = FACTORS.length;

    private LatentRgbApproximation() {}

    /**
     * @param latents pipeline latents {@code [N, 4, h, w]}
     * @return the approximate image {@code [N, 3, h, w]}, nominally in [-1, 1], not clamped
     * @throws IllegalArgumentException when the latents do not have 4 channels
     */
    public static NDArray rgb(NDArray latents) {
        if (latents.getShape().dimension() != 4 || latents.getShape().get(1) != LATENT_CHANNELS) {
            throw new IllegalArgumentException("latents must be [batch, " + LATENT_CHANNELS + ", h, w] for the "
                    + "approximate preview, got " + latents.getShape());
        }
        NDManager m = latents.getManager();
        float[] flat = new float[LATENT_CHANNELS * 3];
        for (int l = 0; l < LATENT_CHANNELS; l++) {
            System.arraycopy(FACTORS[l], 0, flat, l * 3, 3);
        }
        NDArray factors = m.create(flat, new Shape(LATENT_CHANNELS, 3));
        // [N, h, w, 4] x [4, 3] -> [N, h, w, 3] -> [N, 3, h, w]
        return latents.transpose(0, 2, 3, 1).matMul(factors).transpose(0, 3, 1, 2);
    }

    /**
     * The preview as the pipeline shows it: {@link #rgb}, {@code (x / 2 + 0.5).clamp(0, 1)}, every latent position
     * repeated {@code factor × factor} times (nearest neighbour), channels last.
     *
     * @param latents pipeline latents {@code [N, 4, h, w]}
     * @param factor the enlargement (the autoencoder's spatial factor; 1 = latent resolution)
     * @return images {@code [N, h·factor, w·factor, 3]} in [0, 1]
     */
    public static NDArray images(NDArray latents, int factor) {
        NDArray x = rgb(latents).div(2).add(0.5f).clip(0, 1).transpose(0, 2, 3, 1);
        return factor == 1 ? x : x.repeat(1, factor).repeat(2, factor);
    }
}

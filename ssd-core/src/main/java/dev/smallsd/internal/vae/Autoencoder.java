package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.config.LatentSpace;
import dev.smallsd.schedulers.NoiseSource;

/**
 * What a pipeline needs of its image ↔ latent autoencoder: {@link AutoencoderKL} (the model's own VAE) or
 * {@link AutoencoderTiny} (TAESD), chosen when the pipeline is built. Implementations are immutable and thread-safe.
 */
public interface Autoencoder {

    /** @return the config the model was built from, and with it the latent space */
    LatentSpace config();

    /**
     * @return the precision of the weights and of the computation inside {@link #decode} and
     *     {@link #encodeLatents} (their inputs and results are float32 either way)
     */
    Precision precision();

    /** @return the pipelines' {@code vae_scale_factor}: image height/width per latent position (8 for SD) */
    default int spatialFactor() {
        return config().spatialFactor();
    }

    /** @return the number of latent channels */
    default int latentChannels() {
        return config().latentChannels();
    }

    /** @return {@code scaling_factor}: pipeline latents = scaling factor × encoder latents */
    default double scalingFactor() {
        return config().scalingFactor();
    }

    /**
     * Checks that {@code z} is a batch of latents of this autoencoder: {@code [N, latentChannels, h, w]}.
     *
     * @param z the decoder input
     * @return its shape
     * @throws IllegalArgumentException for another shape
     */
    default Shape requireLatentShape(NDArray z) {
        Shape s = z.getShape();
        if (s.dimension() != 4 || s.get(1) != latentChannels()) {
            throw new IllegalArgumentException("latents must be [batch, " + latentChannels() + ", h, w], got " + s);
        }
        return s;
    }

    /**
     * {@code vae.decode(z).sample}.
     *
     * @param z {@code [N, latent, h, w]}: pipeline latents divided by {@link #scalingFactor()}
     * @return the image {@code [N, out, h·f, w·f]}, nominally in [-1, 1], not clamped
     */
    NDArray decode(NDArray z);

    /**
     * diffusers' pipeline decode: {@code vae.decode(latents / scaling_factor)}, {@code (x / 2 + 0.5).clamp(0, 1)},
     * channels last.
     *
     * @param latents pipeline latents {@code [N, latent, h, w]}
     * @return images {@code [N, h·f, w·f, out]} in [0, 1]
     */
    default NDArray decodeImages(NDArray latents) {
        return decode(latents.div((float) scalingFactor())).div(2).add(0.5f).clip(0, 1).transpose(0, 2, 3, 1);
    }

    /**
     * diffusers' {@code retrieve_latents(vae.encode(image), generator)} (not yet multiplied by the scaling factor):
     * a sample of the posterior for {@link AutoencoderKL} (one draw of {@code noise}, of the latents' shape), the
     * encoder's latents for {@link AutoencoderTiny} (no draw).
     *
     * @param image {@code [N, in, H, W]} in [-1, 1]
     * @param noise the run's generator
     * @param manager owner of the drawn noise
     * @return the latents {@code [N, latent, H/f, W/f]}
     */
    NDArray encodeLatents(NDArray image, NoiseSource noise, NDManager manager);
}

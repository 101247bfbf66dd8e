package dev.smallsd.internal.io.config;

/**
 * What the pipelines need to know of an autoencoder's latent space, whichever class it is ({@code AutoencoderKL},
 * {@code AutoencoderTiny}): its spatial factor, its channels and the scaling between latents and the decoder input.
 */
public interface LatentSpace {

    /** @return image height/width per latent position (diffusers' {@code vae_scale_factor}, 8 for SD) */
    int spatialFactor();

    /** @return {@code latent_channels} */
    int latentChannels();

    /** @return {@code scaling_factor}: pipeline latents = scaling factor × encoder output */
    double scalingFactor();
}

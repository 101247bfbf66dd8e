package dev.smallsd;

/**
 * How the preview images of {@link GenerationRequest.Builder#progress(ProgressListener, int, PreviewMode)} are made
 * from the latents of a running request: AUTOMATIC1111's "Live preview" choices (Full, Approx cheap, TAESD) and
 * ComfyUI's latent previews. Previews never change the result: they draw no random numbers and the final images
 * always come from the instance's own autoencoder.
 */
public enum PreviewMode {
    /**
     * The default: {@link #TINY} when a tiny decoder is available, else {@link #APPROX} when the latents have the 4
     * channels of Stable Diffusion v1, else {@link #FULL}.
     */
    AUTO,
    /**
     * Decoded by the instance's autoencoder exactly as the final images (the last call's preview is the result):
     * a whole VAE decode per preview, seconds at 512×512 with the model's own VAE.
     */
    FULL,
    /**
     * Decoded by a tiny autoencoder (TAESD, diffusers' {@code AutoencoderTiny}): the one given to
     * {@link SmallStableDiffusion.Builder#previewVae}, else the instance's own autoencoder when it is a tiny one
     * ({@link SmallStableDiffusion.Builder#vae}). Full-size previews at a small fraction of a VAE decode. A request
     * asking for it on an instance with no tiny decoder is rejected ({@code previewMode: ...}).
     */
    TINY,
    /**
     * AUTOMATIC1111's "Approx cheap": a fixed linear map of the 4 Stable Diffusion v1 latent channels to RGB per
     * latent position (no network, practically free), shown at latent resolution and enlarged by the autoencoder's
     * factor (8) with nearest-neighbour sampling, so the preview has the final image's size. Blurry colours and
     * shapes only. Rejected ({@code previewMode: ...}) for a model whose latents do not have 4 channels.
     */
    APPROX
}

package dev.smallsd.internal.pipeline;

import ai.djl.ndarray.NDArray;
import dev.smallsd.PreviewMode;
import dev.smallsd.internal.vae.Autoencoder;
import dev.smallsd.internal.vae.AutoencoderTiny;
import dev.smallsd.internal.vae.LatentRgbApproximation;
import java.util.Objects;

/**
 * Turns a run's latents into preview images in a {@link PreviewMode}: the instance's autoencoder ({@code FULL}), a
 * tiny one ({@code TINY}: the builder's {@code previewVae}, else the instance's own autoencoder when it is an
 * {@link AutoencoderTiny}) or A1111's linear approximation ({@code APPROX}). Immutable and thread-safe.
 */
final class PreviewDecoder {
    private final Autoencoder vae;
    private final Autoencoder tiny;

    /**
     * @param vae the instance's autoencoder (the final images' decoder)
     * @param previewVae a decoder used only for previews, or {@code null}
     */
    PreviewDecoder(Autoencoder vae, Autoencoder previewVae) {
        this.vae = Objects.requireNonNull(vae, "vae");
        this.tiny = previewVae != null ? previewVae : vae instanceof AutoencoderTiny ? vae : null;
    }

    /**
     * @param requested the request's mode
     * @return the mode previews are made in ({@link PreviewMode#AUTO} resolved)
     * @throws IllegalArgumentException ({@code previewMode: ...}) when this instance cannot make that kind of preview
     */
    PreviewMode resolve(PreviewMode requested) {
        boolean approx = vae.latentChannels() == LatentRgbApproximation.LATENT_CHANNELS;
        switch (requested) {
            case AUTO:
                return tiny != null ? PreviewMode.TINY : approx ? PreviewMode.APPROX : PreviewMode.FULL;
            case TINY:
                if (tiny == null) {
                    throw new IllegalArgumentException("previewMode: TINY needs a tiny autoencoder: load one with "
                            + "SmallStableDiffusion.builder().previewVae(folder) (e.g. madebyollin/taesd)");
                }
                return requested;
            case APPROX:
                if (!approx) {
                    throw new IllegalArgumentException("previewMode: APPROX maps the "
                            + LatentRgbApproximation.LATENT_CHANNELS + " latent channels of Stable Diffusion v1 to "
                            + "RGB; this model's latents have " + vae.latentChannels());
                }
                return requested;
            default:
                return requested;
        }
    }

    /**
     * @param requested the request's mode
     * @param latents the run's current latents {@code [N, C, h, w]}
     * @return preview images {@code [N, H, W, 3]} in [0, 1], the final images' size
     */
    NDArray images(PreviewMode requested, NDArray latents) {
        switch (resolve(requested)) {
            case TINY:
                return tiny.decodeImages(latents);
            case APPROX:
                return LatentRgbApproximation.images(latents, vae.spatialFactor());
            default:
                return vae.decodeImages(latents);
        }
    }
}

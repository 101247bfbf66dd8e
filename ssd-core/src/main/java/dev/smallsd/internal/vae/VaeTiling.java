package dev.smallsd.internal.vae;

import dev.smallsd.internal.io.config.AutoencoderKLConfig;

/**
 * Tiled decoding settings, diffusers' {@code enable_vae_tiling()}: latents larger than one tile are decoded in
 * overlapping tiles of {@code tileLatentMinSize} latent pixels, advancing by
 * {@code int(tileLatentMinSize·(1−overlap))}; the decoded tiles are cross-faded over
 * {@code int(tileSampleMinSize·overlap)} pixels ({@code blend_v} / {@code blend_h}) and cropped to
 * {@code tileSampleMinSize − blend} pixels before being joined. Bounds the decoder's memory for large images at the
 * cost of small seams.
 *
 * @param enabled whether tiling is used
 * @param tileSampleMinSize tile size in image pixels ({@code sample_size})
 * @param tileLatentMinSize tile size in latent pixels ({@code sample_size / 2^(blocks-1)})
 * @param overlapFactor fraction of a tile shared with its neighbour (0.25)
 */
public record VaeTiling(boolean enabled, int tileSampleMinSize, int tileLatentMinSize, double overlapFactor) {
    /** diffusers' {@code tile_overlap_factor}. */
    public static final double DEFAULT_OVERLAP = 0.25;

    /**
     * Validates the settings.
     *
     * @param enabled whether tiling is used
     * @param tileSampleMinSize tile size in image pixels
     * @param tileLatentMinSize tile size in latent pixels
     * @param overlapFactor fraction of a tile shared with its neighbour
     * @throws IllegalArgumentException for non-positive sizes or an overlap outside [0, 1)
     */
    public VaeTiling {
        if (enabled && (tileSampleMinSize <= 0 || tileLatentMinSize <= 0)) {
            throw new IllegalArgumentException("tile sizes must be positive, got " + tileSampleMinSize + " / "
                    + tileLatentMinSize);
        }
        if (!(overlapFactor >= 0 && overlapFactor < 1)) {
            throw new IllegalArgumentException("overlap factor must be in [0, 1), got " + overlapFactor);
        }
        if (enabled && (int) (tileLatentMinSize * (1 - overlapFactor)) <= 0) {
            throw new IllegalArgumentException("tiles of " + tileLatentMinSize + " latent pixels with overlap "
                    + overlapFactor + " do not advance");
        }
    }

    /** @return tiling off (the default) */
    public static VaeTiling disabled() {
        return new VaeTiling(false, 0, 0, DEFAULT_OVERLAP);
    }

    /**
     * diffusers' settings for a model: {@code tile_sample_min_size = sample_size},
     * {@code tile_latent_min_size = int(sample_size / 2^(len(block_out_channels) − 1))}, overlap 0.25.
     *
     * @param config the VAE config
     * @return tiling on, with those settings
     */
    public static VaeTiling of(AutoencoderKLConfig config) {
        int sample = config.sampleSize();
        return new VaeTiling(true, sample, (int) (sample / (double) config.spatialFactor()), DEFAULT_OVERLAP);
    }

    /** @return latent pixels between the starts of neighbouring tiles */
    public int latentStride() {
        return (int) (tileLatentMinSize * (1 - overlapFactor));
    }

    /** @return image pixels over which neighbouring tiles are blended */
    public int blendExtent() {
        return (int) (tileSampleMinSize * overlapFactor);
    }

    /** @return image pixels kept of each tile */
    public int rowLimit() {
        return tileSampleMinSize - blendExtent();
    }
}

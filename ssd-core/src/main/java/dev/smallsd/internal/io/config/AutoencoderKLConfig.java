package dev.smallsd.internal.io.config;

import com.google.gson.JsonElement;
import java.nio.file.Path;
import java.util.List;

/**
 * The configuration of diffusers' {@code AutoencoderKL} ({@code vae/config.json}), with diffusers v0.27.2 defaults
 * for absent keys. The spatial factor between image and latents is {@code 2^(blocks-1)}.
 *
 * @param inChannels {@code in_channels} (default 3)
 * @param outChannels {@code out_channels} (default 3)
 * @param downBlockTypes {@code down_block_types} (default [DownEncoderBlock2D]); only DownEncoderBlock2D is supported
 * @param upBlockTypes {@code up_block_types} (default [UpDecoderBlock2D]); only UpDecoderBlock2D is supported
 * @param blockOutChannels {@code block_out_channels} (default [64])
 * @param layersPerBlock {@code layers_per_block} (default 1; SD: 2); decoder blocks have one more
 * @param actFn {@code act_fn} (default "silu")
 * @param latentChannels {@code latent_channels} (default 4)
 * @param normNumGroups {@code norm_num_groups} (default 32)
 * @param sampleSize {@code sample_size} (default 32; the first entry when the config holds a list)
 * @param scalingFactor {@code scaling_factor} (default 0.18215): latents = scaling_factor * posterior sample
 * @param forceUpcast {@code force_upcast} (default true): run the VAE in float32 even when the pipeline is float16
 */
public record AutoencoderKLConfig(
        int inChannels,
        int outChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        String actFn,
        int latentChannels,
        int normNumGroups,
        int sampleSize,
        double scalingFactor,
        boolean forceUpcast) implements LatentSpace {

    /** The file name inside the component folder. */
    public static final String FILE_NAME = "config.json";

    /** The default {@code scaling_factor} of Stable Diffusion v1. */
    public static final double DEFAULT_SCALING_FACTOR = 0.18215;

    /** Copies the lists. */
    public AutoencoderKLConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = List.copyOf(blockOutChannels);
    }

    /**
     * Reads {@code vae/config.json}.
     *
     * @param file the file
     * @return the config
     * @throws dev.smallsd.ModelLoadException when the file is missing, malformed or asks for unsupported options
     */
    public static AutoencoderKLConfig read(Path file) {
        return parse(ConfigJson.read(file));
    }

    /**
     * Parses and validates the config.
     *
     * @param j the parsed file
     * @return the config
     * @throws dev.smallsd.ModelLoadException naming the file and key on a wrong type, inconsistent lengths or an
     *     unsupported option
     */
    public static AutoencoderKLConfig parse(ConfigJson j) {
        j.requireMarker("_class_name", "AutoencoderKL");
        List<String> down = j.stringListOr("down_block_types", List.of("DownEncoderBlock2D"));
        List<String> up = j.stringListOr("up_block_types", List.of("UpDecoderBlock2D"));
        List<Integer> channels = j.intListOr("block_out_channels", List.of(64));
        for (String t : down) {
            if (!"DownEncoderBlock2D".equals(t)) {
                throw j.error("down_block_types", "block type \"" + t + "\" is not supported; only DownEncoderBlock2D is");
            }
        }
        for (String t : up) {
            if (!"UpDecoderBlock2D".equals(t)) {
                throw j.error("up_block_types", "block type \"" + t + "\" is not supported; only UpDecoderBlock2D is");
            }
        }
        if (channels.isEmpty()) {
            throw j.error("block_out_channels", "must not be empty");
        }
        if (down.size() != channels.size()) {
            throw j.error("down_block_types", "has " + down.size() + " entries but block_out_channels has "
                    + channels.size());
        }
        if (up.size() != channels.size()) {
            throw j.error("up_block_types", "has " + up.size() + " entries but block_out_channels has "
                    + channels.size());
        }
        int groups = j.intOr("norm_num_groups", 32);
        for (int i = 0; i < channels.size(); i++) {
            j.requireBlockChannels(i, channels.get(i), groups);
        }
        // Options of later diffusers versions that change the weights: accept only their defaults.
        Unsupported.requireBool(j, "use_quant_conv", true);
        Unsupported.requireBool(j, "use_post_quant_conv", true);
        Unsupported.requireBool(j, "mid_block_add_attention", true);
        int sample;
        JsonElement ss = j.get("sample_size");
        if (ss != null && ss.isJsonArray()) {
            List<Integer> l = j.intListOr("sample_size", List.of());
            if (l.isEmpty()) {
                throw j.error("sample_size", "must not be an empty list");
            }
            sample = l.get(0);
        } else {
            sample = j.intOr("sample_size", 32);
        }
        int layers = j.intOr("layers_per_block", 1);
        if (layers <= 0) {
            throw j.error("layers_per_block", "must be positive, is " + layers);
        }
        int latent = j.intOr("latent_channels", 4);
        if (latent <= 0) {
            throw j.error("latent_channels", "must be positive, is " + latent);
        }
        double scaling = j.doubleOr("scaling_factor", DEFAULT_SCALING_FACTOR);
        if (!(scaling > 0) || Double.isInfinite(scaling)) {
            throw j.error("scaling_factor", "must be a positive number, is " + scaling);
        }
        return new AutoencoderKLConfig(
                j.intOr("in_channels", 3),
                j.intOr("out_channels", 3),
                down, up, channels, layers,
                j.stringOr("act_fn", "silu"),
                latent, groups, sample, scaling,
                j.boolOr("force_upcast", true));
    }

    /** @return the factor between image and latent height/width, {@code 2^(blocks-1)} (8 for SD) */
    @Override
    public int spatialFactor() {
        return 1 << (blockOutChannels.size() - 1);
    }
}

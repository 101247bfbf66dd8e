package dev.smallsd.internal.io.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The configuration of diffusers' {@code AutoencoderTiny} (the TAESD architecture, {@code config.json}), with
 * diffusers v0.27.2 defaults for absent keys. diffusers ignores a {@code block_out_channels} key (it re-registers it
 * as {@code decoder_block_out_channels}), and so does this record.
 *
 * @param inChannels {@code in_channels} (default 3)
 * @param outChannels {@code out_channels} (default 3)
 * @param encoderBlockOutChannels {@code encoder_block_out_channels} (default [64, 64, 64, 64])
 * @param decoderBlockOutChannels {@code decoder_block_out_channels} (default [64, 64, 64, 64])
 * @param actFn {@code act_fn} (default "relu")
 * @param latentChannels {@code latent_channels} (default 4)
 * @param upsamplingScalingFactor {@code upsampling_scaling_factor} (default 2)
 * @param numEncoderBlocks {@code num_encoder_blocks} (default [1, 3, 3, 3])
 * @param numDecoderBlocks {@code num_decoder_blocks} (default [3, 3, 3, 1])
 * @param scalingFactor {@code scaling_factor} (default 1.0)
 */
public record AutoencoderTinyConfig(
        int inChannels,
        int outChannels,
        List<Integer> encoderBlockOutChannels,
        List<Integer> decoderBlockOutChannels,
        String actFn,
        int latentChannels,
        int upsamplingScalingFactor,
        List<Integer> numEncoderBlocks,
        List<Integer> numDecoderBlocks,
        double scalingFactor) implements LatentSpace {

    /** The class name in {@code _class_name}. */
    public static final String CLASS_NAME = "AutoencoderTiny";

    /**
     * @param file a {@code config.json}
     * @return the config
     * @throws dev.smallsd.ModelLoadException when the file is missing, malformed or inconsistent
     */
    public static AutoencoderTinyConfig read(Path file) {
        return parse(ConfigJson.read(file));
    }

    /**
     * @param j the parsed file
     * @return the validated config
     * @throws dev.smallsd.ModelLoadException naming the file and key
     */
    public static AutoencoderTinyConfig parse(ConfigJson j) {
        j.requireMarker("_class_name", CLASS_NAME);
        List<Integer> four = List.of(64, 64, 64, 64);
        List<Integer> enc = j.intListOr("encoder_block_out_channels", four);
        List<Integer> dec = j.intListOr("decoder_block_out_channels", four);
        List<Integer> nEnc = j.intListOr("num_encoder_blocks", List.of(1, 3, 3, 3));
        List<Integer> nDec = j.intListOr("num_decoder_blocks", List.of(3, 3, 3, 1));
        if (enc.isEmpty() || enc.size() != nEnc.size()) {
            throw j.error("num_encoder_blocks", "has " + nEnc.size() + " entries but encoder_block_out_channels has "
                    + enc.size());
        }
        if (dec.isEmpty() || dec.size() != nDec.size()) {
            throw j.error("num_decoder_blocks", "has " + nDec.size() + " entries but decoder_block_out_channels has "
                    + dec.size());
        }
        for (List<Integer> l : List.of(enc, dec)) {
            for (int c : l) {
                if (c <= 0) {
                    throw j.error("block_out_channels", "entry " + c + " must be positive");
                }
            }
        }
        for (List<Integer> l : List.of(nEnc, nDec)) {
            for (int c : l) {
                if (c < 0) {
                    throw j.error("num_blocks", "entry " + c + " must not be negative");
                }
            }
        }
        int up = j.intOr("upsampling_scaling_factor", 2);
        if (up <= 0) {
            throw j.error("upsampling_scaling_factor", "must be positive, is " + up);
        }
        double scaling = j.doubleOr("scaling_factor", 1.0);
        if (!(scaling > 0) || Double.isInfinite(scaling)) {
            throw j.error("scaling_factor", "must be a positive number, is " + scaling);
        }
        return new AutoencoderTinyConfig(j.positive("in_channels", j.intOr("in_channels", 3)),
                j.positive("out_channels", j.intOr("out_channels", 3)), enc, dec,
                j.stringOr("act_fn", "relu"),
                j.positive("latent_channels", j.intOr("latent_channels", 4)), up, nEnc, nDec, scaling);
    }

    /**
     * The pipelines' {@code vae_scale_factor}: {@code 2^(len(block_out_channels) - 1)}, where diffusers registers
     * {@code block_out_channels = decoder_block_out_channels}.
     *
     * @return the factor between image and latent height/width
     */
    @Override
    public int spatialFactor() {
        return 1 << (decoderBlockOutChannels.size() - 1);
    }
}

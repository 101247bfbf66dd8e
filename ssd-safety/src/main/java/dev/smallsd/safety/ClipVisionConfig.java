package dev.smallsd.safety;

import dev.smallsd.internal.clip.ClipEncoderSpec;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.config.ConfigJson;

/**
 * The configuration of transformers' {@code CLIPVisionModel} (the vision tower of a {@code CLIPConfig}), with
 * transformers' {@code CLIPVisionConfig} defaults for absent keys.
 *
 * @param hiddenSize {@code hidden_size} (default 768)
 * @param intermediateSize {@code intermediate_size} (default 3072)
 * @param numHiddenLayers {@code num_hidden_layers} (default 12)
 * @param numAttentionHeads {@code num_attention_heads} (default 12)
 * @param imageSize {@code image_size} (default 224)
 * @param patchSize {@code patch_size} (default 32)
 * @param numChannels {@code num_channels} (default 3)
 * @param hiddenAct {@code hidden_act} (default "quick_gelu")
 * @param layerNormEps {@code layer_norm_eps} (default 1e-5)
 * @param projectionDim {@code projection_dim} (default 512; the safety checker uses the CLIPConfig's own)
 */
public record ClipVisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int imageSize,
        int patchSize,
        int numChannels,
        String hiddenAct,
        double layerNormEps,
        int projectionDim) {

    /**
     * Parses and validates the config.
     *
     * @param j the parsed object
     * @return the config
     * @throws ModelLoadException naming the file and key on a wrong type or inconsistent sizes
     */
    public static ClipVisionConfig parse(ConfigJson j) {
        j.requireMarker("model_type", "clip_vision_model");
        int hidden = j.positive("hidden_size", j.intOr("hidden_size", 768));
        int heads = j.positive("num_attention_heads", j.intOr("num_attention_heads", 12));
        j.requireDivides("num_attention_heads", heads, "hidden_size", hidden);
        int image = j.positive("image_size", j.intOr("image_size", 224));
        int patch = j.positive("patch_size", j.intOr("patch_size", 32));
        j.requireDivides("patch_size", patch, "image_size", image);
        return new ClipVisionConfig(
                hidden,
                j.positive("intermediate_size", j.intOr("intermediate_size", 3072)),
                j.positive("num_hidden_layers", j.intOr("num_hidden_layers", 12)),
                heads, image, patch,
                j.positive("num_channels", j.intOr("num_channels", 3)),
                j.stringOr("hidden_act", "quick_gelu"),
                j.doubleOr("layer_norm_eps", 1e-5),
                j.intOr("projection_dim", 512));
    }

    /** @return the number of patches, {@code (image_size / patch_size)^2} */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** @return the number of positions, patches plus the class token */
    public int numPositions() {
        return numPatches() + 1;
    }

    /** @return the transformer sizes of the tower */
    public ClipEncoderSpec encoderSpec() {
        return new ClipEncoderSpec(hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
                layerNormEps);
    }

    /** @return the size of one attention head */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}

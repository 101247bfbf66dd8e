package dev.smallsd.internal.clip;

import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.internal.nn.Activations;

/**
 * The sizes of a CLIP transformer tower (text or vision), named after the {@code config.json} keys they come from.
 *
 * @param hiddenSize {@code hidden_size}, the embedding width
 * @param numHiddenLayers {@code num_hidden_layers}
 * @param numAttentionHeads {@code num_attention_heads}; divides {@code hiddenSize}
 * @param intermediateSize {@code intermediate_size}, the MLP's inner width
 * @param hiddenAct {@code hidden_act}: {@code quick_gelu} or {@code gelu}
 * @param layerNormEps {@code layer_norm_eps}
 */
public record ClipEncoderSpec(int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
        String hiddenAct, double layerNormEps) {

    /**
     * Validates the sizes.
     *
     * @throws IllegalArgumentException naming the offending key when a size is not positive, the heads do not divide
     *     the width, the activation is unsupported or the epsilon is not positive
     */
    public ClipEncoderSpec {
        positive("hidden_size", hiddenSize);
        positive("num_attention_heads", numAttentionHeads);
        positive("intermediate_size", intermediateSize);
        if (numHiddenLayers < 0) {
            throw new IllegalArgumentException("CLIP num_hidden_layers must be >= 0, got " + numHiddenLayers);
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("CLIP hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (hiddenAct == null) {
            throw new IllegalArgumentException("CLIP hidden_act is missing");
        }
        Activations.require(hiddenAct, "CLIP hidden_act");
        if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps)) {
            throw new IllegalArgumentException("CLIP layer_norm_eps must be a positive number, got " + layerNormEps);
        }
    }

    /**
     * @param config a text tower config ({@code text_encoder/config.json})
     * @return its transformer sizes
     */
    public static ClipEncoderSpec of(ClipTextConfig config) {
        return new ClipEncoderSpec(config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(),
                config.intermediateSize(), config.hiddenAct(), config.layerNormEps());
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("CLIP " + key + " must be positive, got " + value);
        }
    }

    /** @return the size of one attention head, {@code hidden_size / num_attention_heads} */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}

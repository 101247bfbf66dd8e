package dev.smallsd.internal.io.config;

import java.nio.file.Path;

/**
 * The configuration of transformers' {@code CLIPTextModel} ({@code text_encoder/config.json}, or the text tower of
 * a {@code CLIPConfig}), with transformers' {@code CLIPTextConfig} defaults for absent keys.
 *
 * @param vocabSize {@code vocab_size} (default 49408)
 * @param hiddenSize {@code hidden_size} (default 512)
 * @param intermediateSize {@code intermediate_size} (default 2048)
 * @param numHiddenLayers {@code num_hidden_layers} (default 12)
 * @param numAttentionHeads {@code num_attention_heads} (default 8)
 * @param maxPositionEmbeddings {@code max_position_embeddings} (default 77)
 * @param hiddenAct {@code hidden_act} (default "quick_gelu")
 * @param layerNormEps {@code layer_norm_eps} (default 1e-5)
 * @param projectionDim {@code projection_dim} (default 512; unused by CLIPTextModel)
 * @param bosTokenId {@code bos_token_id} (default 49406; SD v1 configs say 0, which the model never uses)
 * @param eosTokenId {@code eos_token_id} (default 49407; SD v1 configs say 2)
 * @param padTokenId {@code pad_token_id} (default 1)
 */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps,
        int projectionDim,
        int bosTokenId,
        int eosTokenId,
        int padTokenId) {

    /** The file name inside the component folder. */
    public static final String FILE_NAME = "config.json";

    /**
     * Reads {@code text_encoder/config.json}.
     *
     * @param file the file
     * @return the config
     * @throws dev.smallsd.ModelLoadException when the file is missing or malformed
     */
    public static ClipTextConfig read(Path file) {
        return parse(ConfigJson.read(file));
    }

    /**
     * Parses and validates the config.
     *
     * @param j the parsed object
     * @return the config
     * @throws dev.smallsd.ModelLoadException naming the file and key on a wrong type or inconsistent sizes
     */
    public static ClipTextConfig parse(ConfigJson j) {
        j.requireMarker("model_type", "clip_text_model");
        int hidden = j.positive("hidden_size", j.intOr("hidden_size", 512));
        int heads = j.positive("num_attention_heads", j.intOr("num_attention_heads", 8));
        j.requireDivides("num_attention_heads", heads, "hidden_size", hidden);
        return new ClipTextConfig(
                j.positive("vocab_size", j.intOr("vocab_size", 49408)),
                hidden,
                j.positive("intermediate_size", j.intOr("intermediate_size", 2048)),
                j.positive("num_hidden_layers", j.intOr("num_hidden_layers", 12)),
                heads,
                j.positive("max_position_embeddings", j.intOr("max_position_embeddings", 77)),
                j.stringOr("hidden_act", "quick_gelu"),
                j.doubleOr("layer_norm_eps", 1e-5),
                j.intOr("projection_dim", 512),
                j.intOr("bos_token_id", 49406),
                j.intOr("eos_token_id", 49407),
                j.intOr("pad_token_id", 1));
    }

    /** @return the size of one attention head, {@code hidden_size / num_attention_heads} */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}

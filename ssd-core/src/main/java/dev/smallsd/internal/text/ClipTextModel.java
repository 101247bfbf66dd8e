package dev.smallsd.internal.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.clip.ClipEncoder;
import dev.smallsd.internal.clip.ClipEncoderSpec;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.internal.nn.LayerNorm;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLIP text encoder of Stable Diffusion (Hugging Face {@code CLIPTextModel}, keys under {@code text_model.}):
 * token + position embeddings, pre-LayerNorm transformer layers under a causal mask, and the final layer norm.
 * {@link #encode} returns {@code last_hidden_state} {@code [B, L, hidden]} at every position (no padding mask, as SD
 * v1 calls it), or with CLIP skip the hidden state {@code n} layers before the last, final-layer-normed as diffusers
 * does.
 *
 * <p>Immutable after construction and safe to call from several threads. Each call's intermediates are closed before
 * it returns; the result belongs to the manager (and enclosing {@link ai.djl.ndarray.NDScope}) of the input ids.
 */
public final class ClipTextModel {
    /** The key prefix of every parameter in a {@code text_encoder} checkpoint. */
    public static final String PREFIX = "text_model";

    private static final Logger LOG = LoggerFactory.getLogger(ClipTextModel.class);

    private final ClipTextEmbeddings embeddings;
    private final ClipEncoder encoder;
    private final LayerNorm finalLayerNorm;
    private final ClipEncoderSpec spec;

    /**
     * Builds the model, asking {@code root} for {@code text_model.*} parameters.
     *
     * @param root the weights source at the checkpoint's top level (call {@link Weights#finish()} afterwards)
     * @param vocabSize {@code vocab_size}
     * @param maxPositionEmbeddings {@code max_position_embeddings}
     * @param spec the transformer's sizes
     */
    public ClipTextModel(Weights root, int vocabSize, int maxPositionEmbeddings, ClipEncoderSpec spec) {
        Weights w = root.child(PREFIX);
        this.spec = spec;
        this.embeddings = new ClipTextEmbeddings(w.child("embeddings"), vocabSize, maxPositionEmbeddings,
                spec.hiddenSize());
        this.encoder = new ClipEncoder(w.child("encoder"), spec);
        this.finalLayerNorm = new LayerNorm(w.child("final_layer_norm"), spec.hiddenSize(), spec.layerNormEps());
    }

    private ClipTextModel(ClipTextEmbeddings embeddings, ClipEncoder encoder, LayerNorm finalLayerNorm,
            ClipEncoderSpec spec) {
        this.embeddings = embeddings;
        this.encoder = encoder;
        this.finalLayerNorm = finalLayerNorm;
        this.spec = spec;
    }

    /**
     * The same model with new token embedding rows (textual inversion); shares every other weight with this one.
     *
     * @param firstId the id of the first new token (the tokenizer's size before the tokens were added)
     * @param rows {@code [n, hidden]} the new tokens' vectors
     * @return the new model
     * @throws IllegalArgumentException when {@code firstId} is out of range or the rows have another width
     * @see ClipTextEmbeddings#withTokenRows
     */
    public ClipTextModel withTokenEmbeddings(int firstId, NDArray rows) {
        return new ClipTextModel(embeddings.withTokenRows(firstId, rows), encoder, finalLayerNorm, spec);
    }

    /** Frees this model's token table after {@link #withTokenEmbeddings} replaced it (this model is unusable). */
    void closeTokenTable() {
        embeddings.closeTokenTable();
    }

    /**
     * Builds the model from its config, asking {@code root} for {@code text_model.*} parameters.
     *
     * @param config {@code text_encoder/config.json}
     * @param root the weights source at the checkpoint's top level (call {@link Weights#finish()} afterwards)
     */
    public ClipTextModel(ClipTextConfig config, Weights root) {
        this(root, config.vocabSize(), config.maxPositionEmbeddings(), ClipEncoderSpec.of(config));
    }

    /**
     * Loads the model from an opened checkpoint ({@code .safetensors} or {@code .bin}); the int64
     * {@code text_model.embeddings.position_ids} buffer of older checkpoints is ignored.
     *
     * @param config {@code text_encoder/config.json}
     * @param file the checkpoint (the caller closes it; the loaded weights do not alias it)
     * @param manager owner of the weights
     * @return the model
     * @throws ModelLoadException naming the file and every missing, mismatched or unexpected key
     */
    public static ClipTextModel load(ClipTextConfig config, TensorFile file, NDManager manager) {
        return Weights.load(file, manager, w -> new ClipTextModel(config, w));
    }

    /**
     * Loads the {@code text_encoder} component of a diffusers model folder: its config and its weight file, chosen
     * as diffusers does ({@code .safetensors} before {@code .bin}; the variant first when given).
     *
     * @param model the model folder
     * @param variant a weight variant such as {@code "fp16"} (weights are widened to float32), or {@code null}
     * @param manager owner of the weights
     * @return the model
     * @throws ModelLoadException when the config or weights are missing, malformed or do not match
     */
    public static ClipTextModel load(ModelDirectory model, String variant, NDManager manager) {
        ClipTextConfig config = model.textEncoderConfig();
        try (TensorFile file = model.openWeights(ModelDirectory.TEXT_ENCODER, variant, LOG::warn)) {
            return load(config, file, manager);
        }
    }

    /**
     * {@code last_hidden_state} of the prompt tokens.
     *
     * @param inputIds {@code [B, L]} int64 token ids, {@code L <= max_position_embeddings} (77 for SD)
     * @return {@code [B, L, hidden]}
     */
    public NDArray encode(NDArray inputIds) {
        return encode(inputIds, 0);
    }

    /**
     * The prompt embedding with optional CLIP skip, as diffusers' {@code clip_skip}: {@code final_layer_norm(
     * hidden_states[-(clipSkip + 1)])}; {@code clipSkip = 0} gives {@code last_hidden_state}. Only the layers
     * needed are run.
     *
     * @param inputIds {@code [B, L]} int64 token ids
     * @param clipSkip number of final layers to skip, {@code 0..numLayers()}
     * @return {@code [B, L, hidden]}
     * @throws IllegalArgumentException for bad ids or an out-of-range {@code clipSkip}
     */
    public NDArray encode(NDArray inputIds, int clipSkip) {
        int layers = encoder.numLayers();
        if (clipSkip < 0 || clipSkip > layers) {
            throw new IllegalArgumentException("clipSkip " + clipSkip + " is outside [0, " + layers
                    + "] (the text encoder has " + layers + " layers)");
        }
        return Scopes.run(() -> {
            NDArray x = embeddings.forward(inputIds);
            NDArray mask = causalMask(inputIds.getManager(), x.getShape().get(1));
            NDArray h = encoder.forward(x, mask, layers - clipSkip);
            return finalLayerNorm.forward(h);
        });
    }

    /**
     * The additive causal mask: 0 on and below the diagonal, {@code -inf} above it (token {@code i} attends to
     * tokens {@code 0..i}), as openai CLIP builds it.
     *
     * @param manager owner of the new mask
     * @param n sequence length
     * @return {@code [n, n]} float32
     */
    static NDArray causalMask(NDManager manager, long n) {
        int size = Math.toIntExact(n);
        float[] values = new float[size * size];
        for (int i = 0; i < size; i++) {
            for (int j = i + 1; j < size; j++) {
                values[i * size + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return manager.create(values, new Shape(n, n));
    }

    /** @return the transformer's sizes */
    public ClipEncoderSpec spec() {
        return spec;
    }

    /** @return {@code hidden_size}, the width of the embeddings returned by {@link #encode} */
    public int hiddenSize() {
        return spec.hiddenSize();
    }

    /** @return {@code max_position_embeddings}, the longest accepted token sequence */
    public int maxPositionEmbeddings() {
        return embeddings.maxPositionEmbeddings();
    }

    /** @return {@code vocab_size} */
    public int vocabSize() {
        return embeddings.vocabSize();
    }

    /** @return the number of transformer layers (the largest accepted CLIP skip) */
    public int numLayers() {
        return encoder.numLayers();
    }
}

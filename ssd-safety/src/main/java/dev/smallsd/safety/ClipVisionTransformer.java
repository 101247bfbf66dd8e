package dev.smallsd.safety;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.clip.ClipEncoder;
import dev.smallsd.internal.clip.ClipEncoderSpec;
import dev.smallsd.internal.nn.LayerNorm;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * CLIP's vision tower ({@code CLIPVisionTransformer}, the body of Hugging Face {@code CLIPVisionModel}): patch
 * embeddings, {@code pre_layrnorm} (sic, the checkpoint's spelling), the encoder layers without a mask, and
 * {@code post_layernorm} applied to the class token, giving {@code pooled_output}. The key prefix is the caller's:
 * {@code vision_model.vision_model} in the Stable Diffusion safety checker.
 *
 * <p>Immutable after construction and safe to call from several threads; each call's intermediates are closed before
 * it returns and the result belongs to the manager (and enclosing scope) of the input.
 */
public final class ClipVisionTransformer {
    private final ClipVisionEmbeddings embeddings;
    private final LayerNorm preLayrnorm;
    private final ClipEncoder encoder;
    private final LayerNorm postLayernorm;
    private final ClipEncoderSpec spec;

    /**
     * @param w weights view of the tower (keys {@code embeddings.*}, {@code pre_layrnorm.*}, {@code encoder.*},
     *     {@code post_layernorm.*} below it)
     * @param imageSize {@code image_size}
     * @param patchSize {@code patch_size}
     * @param numChannels {@code num_channels}
     * @param spec the transformer's sizes
     */
    public ClipVisionTransformer(Weights w, int imageSize, int patchSize, int numChannels, ClipEncoderSpec spec) {
        this.spec = spec;
        this.embeddings = new ClipVisionEmbeddings(w.child("embeddings"), spec.hiddenSize(), imageSize, patchSize,
                numChannels);
        this.preLayrnorm = new LayerNorm(w.child("pre_layrnorm"), spec.hiddenSize(), spec.layerNormEps());
        this.encoder = new ClipEncoder(w.child("encoder"), spec);
        this.postLayernorm = new LayerNorm(w.child("post_layernorm"), spec.hiddenSize(), spec.layerNormEps());
    }

    /**
     * Builds the tower from its config, e.g. the {@code vision_config} of {@code safety_checker/config.json}.
     *
     * @param w weights view of the tower (e.g. {@code root.child("vision_model").child("vision_model")} for the
     *     safety checker)
     * @param config the vision config
     */
    public ClipVisionTransformer(Weights w, ClipVisionConfig config) {
        this(w, config.imageSize(), config.patchSize(), config.numChannels(), config.encoderSpec());
    }

    /**
     * The encoder output at every token ({@code last_hidden_state}, before {@code post_layernorm}).
     *
     * @param pixelValues normalised images {@code [B, C, image_size, image_size]} float32
     * @return {@code [B, tokens, hidden]}
     */
    public NDArray lastHiddenState(NDArray pixelValues) {
        return Scopes.run(() -> encoder.forward(preLayrnorm.forward(embeddings.forward(pixelValues)), null));
    }

    /**
     * {@code pooled_output = post_layernorm(last_hidden_state[:, 0])}, the input of the safety checker's
     * {@code visual_projection}.
     *
     * @param pixelValues normalised images {@code [B, C, image_size, image_size]} float32
     * @return {@code [B, hidden]}
     */
    public NDArray pooledOutput(NDArray pixelValues) {
        return Scopes.run(() -> postLayernorm.forward(lastHiddenState(pixelValues).get(":, 0, :")));
    }

    /** @return the transformer's sizes */
    public ClipEncoderSpec spec() {
        return spec;
    }

    /** @return the number of tokens per image (patches + class token) */
    public int numPositions() {
        return embeddings.numPositions();
    }
}

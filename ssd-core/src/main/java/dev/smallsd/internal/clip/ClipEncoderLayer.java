package dev.smallsd.internal.clip;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.LayerNorm;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * One pre-LayerNorm transformer block of CLIP ({@code CLIPEncoderLayer}), shared by the text and vision towers:
 * {@code h = x + self_attn(layer_norm1(x), mask)}, then {@code h + mlp(layer_norm2(h))}.
 */
public final class ClipEncoderLayer {
    private final LayerNorm layerNorm1;
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final ClipMlp mlp;

    /**
     * @param w weights view of this layer, e.g. {@code text_model.encoder.layers.3} (keys {@code layer_norm1.*},
     *     {@code self_attn.*}, {@code layer_norm2.*}, {@code mlp.*})
     * @param spec the tower's sizes
     */
    public ClipEncoderLayer(Weights w, ClipEncoderSpec spec) {
        this.layerNorm1 = new LayerNorm(w.child("layer_norm1"), spec.hiddenSize(), spec.layerNormEps());
        this.selfAttn = new ClipAttention(w.child("self_attn"), spec.hiddenSize(), spec.numAttentionHeads());
        this.layerNorm2 = new LayerNorm(w.child("layer_norm2"), spec.hiddenSize(), spec.layerNormEps());
        this.mlp = new ClipMlp(w.child("mlp"), spec.hiddenSize(), spec.intermediateSize(), spec.hiddenAct());
    }

    /**
     * @param x input {@code [B, N, hidden]}
     * @param additiveMask {@code [N, N]} added to the attention scores (the causal mask), or {@code null}
     * @return output {@code [B, N, hidden]}
     */
    public NDArray forward(NDArray x, NDArray additiveMask) {
        return Scopes.run(() -> {
            NDArray h = x.add(selfAttn.forward(layerNorm1.forward(x), additiveMask));
            return h.addi(mlp.forward(layerNorm2.forward(h)));
        });
    }
}

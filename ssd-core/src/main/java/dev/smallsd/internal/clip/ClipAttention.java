package dev.smallsd.internal.clip;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.ScaledDotProductAttention;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * CLIP's multi-head self-attention ({@code CLIPAttention}): separate {@code q_proj}, {@code k_proj}, {@code v_proj}
 * and {@code out_proj} linear layers with biases, scores scaled by {@code 1/sqrt(head_dim)}, an optional additive
 * mask (the text tower's causal mask; the vision tower passes none).
 */
public final class ClipAttention {
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;
    private final int heads;
    private final int hidden;

    /**
     * @param w weights view of this block (keys {@code q_proj.weight}, {@code q_proj.bias}, … {@code out_proj.bias})
     * @param hidden embedding width ({@code hidden_size})
     * @param heads number of heads ({@code num_attention_heads}); must divide {@code hidden}
     * @throws IllegalArgumentException when {@code heads} does not divide {@code hidden}
     */
    public ClipAttention(Weights w, int hidden, int heads) {
        if (heads <= 0 || hidden <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("CLIP attention: hidden_size " + hidden
                    + " is not divisible by num_attention_heads " + heads);
        }
        this.hidden = hidden;
        this.heads = heads;
        this.qProj = new Linear(w.child("q_proj"), hidden, hidden, true);
        this.kProj = new Linear(w.child("k_proj"), hidden, hidden, true);
        this.vProj = new Linear(w.child("v_proj"), hidden, hidden, true);
        this.outProj = new Linear(w.child("out_proj"), hidden, hidden, true);
    }

    /**
     * @param x input {@code [B, N, hidden]}
     * @param additiveMask {@code [N, N]} added to the attention scores before the softmax, or {@code null}
     * @return {@code [B, N, hidden]}
     */
    public NDArray forward(NDArray x, NDArray additiveMask) {
        return Scopes.run(() -> {
            NDArray q = qProj.forward(x);
            NDArray k = kProj.forward(x);
            NDArray v = vProj.forward(x);
            NDArray attended = ScaledDotProductAttention.multiHead(q, k, v, heads, additiveMask, 0);
            return outProj.forward(attended);
        });
    }

    /** @return the number of heads */
    public int heads() {
        return heads;
    }

    /** @return the embedding width */
    public int hidden() {
        return hidden;
    }
}

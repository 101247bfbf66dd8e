package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.blocks.Attention;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.LayerNorm;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code BasicTransformerBlock} ({@code norm_type="layer_norm"}, no attention biases):
 * <pre>
 * x = attn1(norm1(x)) + x                         (self-attention)
 * x = attn2(norm2(x), encoder_hidden_states) + x  (cross-attention on the text states)
 * x = ff(norm3(x)) + x                            (GEGLU feed-forward)
 * </pre>
 * LayerNorm epsilon 1e-5. Immutable and thread-safe.
 */
public final class BasicTransformerBlock {
    private static final double NORM_EPS = 1e-5;

    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final FeedForward ff;

    /**
     * @param w weights view of this block
     * @param dim width of the hidden states
     * @param heads number of attention heads
     * @param headDim size of each head
     * @param crossAttentionDim width of the encoder hidden states
     */
    public BasicTransformerBlock(Weights w, int dim, int heads, int headDim, int crossAttentionDim) {
        this.norm1 = new LayerNorm(w.child("norm1"), dim, NORM_EPS);
        this.attn1 = new Attention(w.child("attn1"), Attention.Spec.transformer(dim, 0, heads, headDim));
        this.norm2 = new LayerNorm(w.child("norm2"), dim, NORM_EPS);
        this.attn2 = new Attention(w.child("attn2"),
                Attention.Spec.transformer(dim, crossAttentionDim, heads, headDim));
        this.norm3 = new LayerNorm(w.child("norm3"), dim, NORM_EPS);
        this.ff = new FeedForward(w.child("ff"), dim, 4);
    }

    /**
     * @param x {@code [N, L, dim]}
     * @param encoderHiddenStates {@code [N, S, crossAttentionDim]}
     * @param slicing attention slicing
     * @return {@code [N, L, dim]}
     */
    public NDArray forward(NDArray x, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        return Scopes.run(() -> {
            NDArray h = attn1.forward(norm1.forward(x), null, slicing).addi(x);
            h = attn2.forward(norm2.forward(h), encoderHiddenStates, slicing).addi(h);
            return ff.forward(norm3.forward(h)).addi(h);
        });
    }
}

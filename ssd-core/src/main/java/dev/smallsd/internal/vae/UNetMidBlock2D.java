package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.blocks.Attention;
import dev.smallsd.internal.blocks.ResnetBlock2D;

/**
 * diffusers' {@code UNetMidBlock2D} as the VAE uses it: {@code resnets.0}, {@code attentions.0}, {@code resnets.1}.
 * The attention is diffusers' {@code Attention} over the {@code H·W} positions with {@code group_norm}, heads of size
 * {@code attention_head_dim} (one head of size {@code C} in the VAE), biased {@code to_q/to_k/to_v},
 * {@code to_out.0}, a residual connection and division by the output scale factor. Immutable and thread-safe.
 */
public final class UNetMidBlock2D {
    private final ResnetBlock2D resnet0;
    private final Attention attention;
    private final ResnetBlock2D resnet1;

    /**
     * @param w weights view of this block (e.g. {@code decoder.mid_block})
     * @param channels channels (input = output)
     * @param eps GroupNorm epsilon (resnets and attention)
     * @param act activation name
     * @param groups GroupNorm groups
     * @param outputScaleFactor divisor of the resnet and attention outputs
     * @param attentionHeadDim size of each attention head
     * @param addAttention whether the block has its attention layer
     */
    public UNetMidBlock2D(Weights w, int channels, double eps, String act, int groups, double outputScaleFactor,
            int attentionHeadDim, boolean addAttention) {
        if (channels % attentionHeadDim != 0) {
            throw new IllegalArgumentException("UNetMidBlock2D: " + channels + " channels not divisible into heads of "
                    + attentionHeadDim);
        }
        Weights rw = w.child("resnets");
        ResnetBlock2D.Spec resnet = new ResnetBlock2D.Spec(channels, channels, 0, groups, eps, act, outputScaleFactor);
        this.resnet0 = new ResnetBlock2D(rw.child(0), resnet);
        this.attention = addAttention ? new Attention(w.child("attentions").child(0),
                Attention.Spec.spatial(channels, attentionHeadDim, groups, eps, outputScaleFactor)) : null;
        this.resnet1 = new ResnetBlock2D(rw.child(1), resnet);
    }

    /**
     * @param x {@code [N, C, H, W]}
     * @param slicing attention slicing
     * @return {@code [N, C, H, W]}
     */
    public NDArray forward(NDArray x, AttentionSlicing slicing) {
        return Scopes.run(() -> {
            NDArray h = resnet0.forward(x, null);
            if (attention != null) {
                h = attention.forward(h, null, slicing);
            }
            return resnet1.forward(h, null);
        });
    }
}

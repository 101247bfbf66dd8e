package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.nn.Activations;
import dev.smallsd.nn.Conv2d;
import dev.smallsd.nn.GroupNorm;
import dev.smallsd.nn.Linear;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;

/**
 * diffusers' {@code ResnetBlock2D} (pre-norm, {@code time_embedding_norm="default"}):
 * <pre>
 * h = conv1(act(norm1(x)))
 * h = h + time_emb_proj(act(temb))[:, :, None, None]      (when the block has a time projection)
 * h = conv2(dropout(act(norm2(h))))                       (dropout is the identity at inference)
 * out = (conv_shortcut(x) or x) + h) / output_scale_factor
 * </pre>
 * Keys {@code norm1}, {@code conv1} (3×3), {@code time_emb_proj}, {@code norm2}, {@code conv2} (3×3) and
 * {@code conv_shortcut} (1×1, only when the channel count changes). Immutable and thread-safe.
 */
public final class ResnetBlock2D {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final String act;
    private final double outputScaleFactor;
    private final int outChannels;

    /**
     * @param w weights view of this block
     * @param inChannels input channels
     * @param outChannels output channels
     * @param tembChannels width of the time embedding, or {@code 0} for a block without time projection (VAE)
     * @param groups GroupNorm groups of both norms
     * @param eps GroupNorm epsilon
     * @param act activation name
     * @param outputScaleFactor divisor of the output
     */
    public ResnetBlock2D(Weights w, int inChannels, int outChannels, int tembChannels, int groups, double eps,
            String act, double outputScaleFactor) {
        if (outputScaleFactor == 0) {
            throw new IllegalArgumentException("output_scale_factor must not be 0");
        }
        this.norm1 = new GroupNorm(w.child("norm1"), groups, inChannels, eps);
        this.conv1 = new Conv2d(w.child("conv1"), inChannels, outChannels, 3, 1, 1, true);
        this.timeEmbProj = tembChannels > 0 ? new Linear(w.child("time_emb_proj"), tembChannels, outChannels, true)
                : null;
        this.norm2 = new GroupNorm(w.child("norm2"), groups, outChannels, eps);
        this.conv2 = new Conv2d(w.child("conv2"), outChannels, outChannels, 3, 1, 1, true);
        this.convShortcut = inChannels != outChannels
                ? new Conv2d(w.child("conv_shortcut"), inChannels, outChannels, 1, 1, 0, true) : null;
        this.act = Activations.require(act, "act_fn");
        this.outputScaleFactor = outputScaleFactor;
        this.outChannels = outChannels;
    }

    /**
     * @param x input {@code [N, in, H, W]}
     * @param temb time embedding {@code [N, temb]}; ignored (may be {@code null}) when the block has no time
     *     projection
     * @return {@code [N, out, H, W]}
     */
    public NDArray forward(NDArray x, NDArray temb) {
        return Scopes.run(() -> {
            NDArray h = conv1.forward(Activations.applyInPlace(act, norm1.forward(x)));
            if (timeEmbProj != null) {
                if (temb == null) {
                    throw new IllegalArgumentException("ResnetBlock2D with time_emb_proj needs a time embedding");
                }
                long n = temb.getShape().get(0);
                NDArray t = timeEmbProj.forward(Activations.apply(act, temb)).reshape(n, outChannels, 1, 1);
                h = h.addi(t);
            }
            h = conv2.forward(Activations.applyInPlace(act, norm2.forward(h)));
            NDArray shortcut = convShortcut == null ? x : convShortcut.forward(x);
            NDArray out = h.addi(shortcut);
            return outputScaleFactor == 1.0 ? out : out.divi((float) outputScaleFactor);
        });
    }

    /** @return output channels */
    public int outChannels() {
        return outChannels;
    }
}

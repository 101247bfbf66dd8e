package dev.smallsd.internal.blocks;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Bfloat16;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.GroupNorm;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;

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
     * The arguments of a {@code ResnetBlock2D} (diffusers passes them as keywords).
     *
     * @param inChannels input channels
     * @param outChannels output channels
     * @param tembChannels width of the time embedding, or {@code 0} for a block without time projection (VAE)
     * @param groups GroupNorm groups of both norms
     * @param eps GroupNorm epsilon
     * @param act activation name ({@code non_linearity})
     * @param outputScaleFactor divisor of the output
     */
    public record Spec(int inChannels, int outChannels, int tembChannels, int groups, double eps, String act,
            double outputScaleFactor) {}

    /**
     * @param w weights view of this block
     * @param spec its arguments
     */
    public ResnetBlock2D(Weights w, Spec spec) {
        if (spec.outputScaleFactor() == 0) {
            throw new IllegalArgumentException("output_scale_factor must not be 0");
        }
        int in = spec.inChannels();
        int out = spec.outChannels();
        this.norm1 = new GroupNorm(w.child("norm1"), spec.groups(), in, spec.eps());
        this.conv1 = new Conv2d(w.child("conv1"), in, out, 3, 1, 1, true);
        this.timeEmbProj = spec.tembChannels() > 0
                ? new Linear(w.child("time_emb_proj"), spec.tembChannels(), out, true) : null;
        this.norm2 = new GroupNorm(w.child("norm2"), spec.groups(), out, spec.eps());
        this.conv2 = new Conv2d(w.child("conv2"), out, out, 3, 1, 1, true);
        this.convShortcut = in != out ? new Conv2d(w.child("conv_shortcut"), in, out, 1, 1, 0, true) : null;
        this.act = Activations.require(spec.act(), "act_fn");
        this.outputScaleFactor = spec.outputScaleFactor();
        this.outChannels = out;
    }

    /**
     * The {@code resnets.0 … resnets.(count-1)} of a block in which the first resnet takes the block's input and the
     * others its output (diffusers' down blocks, the VAE's encoder and decoder blocks).
     *
     * @param resnets weights view of the block's {@code resnets}
     * @param count number of resnets
     * @param first the first resnet's arguments (the others take {@code outChannels} in)
     * @return the resnets in order
     */
    public static List<ResnetBlock2D> chain(Weights resnets, int count, Spec first) {
        Spec rest = new Spec(first.outChannels(), first.outChannels(), first.tembChannels(), first.groups(),
                first.eps(), first.act(), first.outputScaleFactor());
        List<ResnetBlock2D> rs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            rs.add(new ResnetBlock2D(resnets.child(i), i == 0 ? first : rest));
        }
        return List.copyOf(rs);
    }

    /**
     * @param x input {@code [N, in, H, W]}
     * @param temb time embedding {@code [N, temb]}; ignored (may be {@code null}) when the block has no time
     *     projection
     * @return {@code [N, out, H, W]}
     */
    public NDArray forward(NDArray x, NDArray temb) {
        return Scopes.run(() -> {
            NDArray h = conv1.forward(norm1.forward(x, act));
            if (timeEmbProj != null) {
                if (temb == null) {
                    throw new IllegalArgumentException("ResnetBlock2D with time_emb_proj needs a time embedding");
                }
                long n = temb.getShape().get(0);
                NDArray t = timeEmbProj.forward(Activations.apply(act, temb)).reshape(n, outChannels, 1, 1);
                h = h.addi(t);
            }
            h = conv2.forward(norm2.forward(h, act));
            NDArray shortcut = convShortcut == null ? x : convShortcut.forward(x);
            NDArray out = h.addi(shortcut);
            return outputScaleFactor == 1.0 ? out : Bfloat16.divide(out, outputScaleFactor);
        });
    }

    /** @return output channels */
    public int outChannels() {
        return outChannels;
    }
}

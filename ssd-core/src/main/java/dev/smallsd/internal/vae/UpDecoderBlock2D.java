package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.blocks.ResnetBlock2D;
import dev.smallsd.internal.blocks.Upsample2D;
import java.util.List;

/**
 * diffusers' {@code UpDecoderBlock2D}: {@code num_layers} {@code resnets.i} ({@link ResnetBlock2D} without time
 * projection) and an optional {@code upsamplers.0} ({@link Upsample2D}, nearest 2× then 3×3 convolution). Immutable and
 * thread-safe.
 */
public final class UpDecoderBlock2D {
    private final List<ResnetBlock2D> resnets;
    private final Upsample2D upsampler;

    /**
     * @param w weights view of this block (e.g. {@code decoder.up_blocks.0})
     * @param numLayers number of resnets ({@code layers_per_block + 1})
     * @param inChannels input channels
     * @param outChannels output channels
     * @param eps GroupNorm epsilon
     * @param act activation name
     * @param groups GroupNorm groups
     * @param addUpsample whether the block ends with an upsampler
     */
    public UpDecoderBlock2D(Weights w, int numLayers, int inChannels, int outChannels, double eps, String act,
            int groups, boolean addUpsample) {
        this.resnets = ResnetBlock2D.chain(w.child("resnets"), numLayers,
                new ResnetBlock2D.Spec(inChannels, outChannels, 0, groups, eps, act, 1.0));
        this.upsampler = addUpsample ? new Upsample2D(w.child("upsamplers").child(0), outChannels, outChannels) : null;
    }

    /**
     * @param x {@code [N, in, H, W]}
     * @return {@code [N, out, 2H, 2W]} (or {@code [N, out, H, W]} without upsampler)
     */
    public NDArray forward(NDArray x) {
        return Scopes.run(() -> {
            NDArray h = x;
            for (ResnetBlock2D r : resnets) {
                h = r.forward(h, null);
            }
            return upsampler == null ? h : upsampler.forward(h, null);
        });
    }
}

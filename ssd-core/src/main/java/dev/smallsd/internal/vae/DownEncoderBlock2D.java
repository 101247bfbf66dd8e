package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.blocks.Downsample2D;
import dev.smallsd.internal.blocks.ResnetBlock2D;
import java.util.List;

/**
 * diffusers' {@code DownEncoderBlock2D}: {@code num_layers} {@code resnets.i} ({@link ResnetBlock2D} without time
 * projection) and an optional {@code downsamplers.0} ({@link Downsample2D}; with padding 0 it pads the bottom and right
 * by one before the stride-2 convolution). Immutable and thread-safe.
 */
public final class DownEncoderBlock2D {
    private final List<ResnetBlock2D> resnets;
    private final Downsample2D downsampler;

    /**
     * @param w weights view of this block (e.g. {@code encoder.down_blocks.0})
     * @param numLayers number of resnets ({@code layers_per_block})
     * @param inChannels input channels
     * @param outChannels output channels
     * @param eps GroupNorm epsilon
     * @param act activation name
     * @param groups GroupNorm groups
     * @param addDownsample whether the block ends with a downsampler
     * @param downsamplePadding padding of the downsampler (0 in the VAE)
     */
    public DownEncoderBlock2D(Weights w, int numLayers, int inChannels, int outChannels, double eps, String act,
            int groups, boolean addDownsample, int downsamplePadding) {
        this.resnets = ResnetBlock2D.chain(w.child("resnets"), numLayers,
                new ResnetBlock2D.Spec(inChannels, outChannels, 0, groups, eps, act, 1.0));
        this.downsampler = addDownsample
                ? new Downsample2D(w.child("downsamplers").child(0), outChannels, outChannels, downsamplePadding)
                : null;
    }

    /**
     * @param x {@code [N, in, H, W]}
     * @return {@code [N, out, H', W']}
     */
    public NDArray forward(NDArray x) {
        return Scopes.run(() -> {
            NDArray h = x;
            for (ResnetBlock2D r : resnets) {
                h = r.forward(h, null);
            }
            return downsampler == null ? h : downsampler.forward(h);
        });
    }
}

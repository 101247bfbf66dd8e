package dev.smallsd.internal.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code Downsample2D} with {@code use_conv=True}: a 3×3 convolution with stride 2 and the given padding.
 * With {@code padding=0} (the VAE encoder) the input is first zero-padded asymmetrically by one row at the bottom and
 * one column at the right, as diffusers does. Key {@code conv}. Immutable and thread-safe.
 */
public final class Downsample2D {
    private final Conv2d conv;
    private final int padding;

    /**
     * @param w weights view of this module (e.g. {@code downsamplers.0})
     * @param channels input channels
     * @param outChannels output channels
     * @param padding convolution padding ({@code downsample_padding}); 0 means asymmetric (0,1,0,1) padding
     */
    public Downsample2D(Weights w, int channels, int outChannels, int padding) {
        if (padding < 0) {
            throw new IllegalArgumentException("downsample_padding must be >= 0, got " + padding);
        }
        this.conv = new Conv2d(w.child("conv"), channels, outChannels, 3, 2, padding, true);
        this.padding = padding;
    }

    /**
     * @param x {@code [N, C, H, W]}
     * @return {@code [N, out, ⌈H/2⌉, ⌈W/2⌉]} (for padding 0 or 1)
     */
    public NDArray forward(NDArray x) {
        if (padding != 0) {
            return Scopes.run(() -> conv.forward(x));
        }
        return Scopes.run(() -> conv.forward(x.pad(new Shape(0, 1, 0, 1), 0)));
    }
}

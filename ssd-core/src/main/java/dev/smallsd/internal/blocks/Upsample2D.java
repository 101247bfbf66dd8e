package dev.smallsd.internal.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code Upsample2D} with {@code use_conv=True}: nearest-neighbour upsampling by 2 (or to an explicit
 * size, used when a skip connection has an odd size) followed by a 3×3 convolution. Key {@code conv}. Immutable and
 * thread-safe.
 */
public final class Upsample2D {
    /** DJL's code for nearest-neighbour interpolation. */
    private static final int NEAREST = 0;

    private final Conv2d conv;

    /**
     * @param w weights view of this module (e.g. {@code upsamplers.0})
     * @param channels input channels
     * @param outChannels output channels
     */
    public Upsample2D(Weights w, int channels, int outChannels) {
        this.conv = new Conv2d(w.child("conv"), channels, outChannels, 3, 1, 1, true);
    }

    /**
     * @param x {@code [N, C, H, W]}
     * @param outputSize {@code {height, width}} to upsample to, or {@code null} for {@code 2H × 2W}
     * @return {@code [N, out, H', W']}
     */
    public NDArray forward(NDArray x, long[] outputSize) {
        Shape s = x.getShape();
        long[] size = outputSize != null ? outputSize : new long[] {2 * s.get(2), 2 * s.get(3)};
        return Scopes.run(() -> conv.forward(x.getNDArrayInternal().interpolation(size, NEAREST, false)));
    }
}

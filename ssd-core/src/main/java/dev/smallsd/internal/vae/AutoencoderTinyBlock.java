package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code AutoencoderTinyBlock}: {@code relu(conv(x) + skip(x))} where {@code conv} is 3×3 conv, act,
 * 3×3 conv, act, 3×3 conv (keys {@code conv.0}, {@code conv.2}, {@code conv.4}) and {@code skip} is a bias-free 1×1
 * convolution when the channel count changes, else the identity. Immutable and thread-safe.
 */
public final class AutoencoderTinyBlock {
    private final Conv2d conv0;
    private final Conv2d conv2;
    private final Conv2d conv4;
    private final Conv2d skip;
    private final String act;

    /**
     * @param w weights view of this block
     * @param in input channels
     * @param out output channels
     * @param act activation name ({@code act_fn})
     */
    public AutoencoderTinyBlock(Weights w, int in, int out, String act) {
        Weights c = w.child("conv");
        this.conv0 = new Conv2d(c.child(0), in, out, 3, 1, 1, true);
        this.conv2 = new Conv2d(c.child(2), out, out, 3, 1, 1, true);
        this.conv4 = new Conv2d(c.child(4), out, out, 3, 1, 1, true);
        this.skip = in != out ? new Conv2d(w.child("skip"), in, out, 1, 1, 0, false) : null;
        this.act = act;
    }

    /**
     * @param x {@code [N, in, H, W]}
     * @return {@code [N, out, H, W]}
     */
    public NDArray forward(NDArray x) {
        return Scopes.run(() -> {
            NDArray h = Activations.applyInPlace(act, conv0.forward(x));
            h = Activations.applyInPlace(act, conv2.forward(h));
            h = conv4.forward(h);
            h = h.addi(skip == null ? x : skip.forward(x));
            return h.getNDArrayInternal().relu();
        });
    }
}

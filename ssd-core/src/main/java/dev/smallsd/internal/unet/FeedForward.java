package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code FeedForward} with {@code activation_fn="geglu"}: {@code net.0} = {@link GEGLU}
 * ({@code C → 2·mult·C}, gated down to {@code mult·C}), {@code net.1} = dropout (identity at inference),
 * {@code net.2} = Linear {@code mult·C → C}. Immutable and thread-safe.
 */
public final class FeedForward {
    private final GEGLU geglu;
    private final Linear out;

    /**
     * @param w weights view of this module ({@code ff})
     * @param dim input and output width
     * @param mult inner width multiplier (4 in Stable Diffusion)
     */
    public FeedForward(Weights w, int dim, int mult) {
        int inner = dim * mult;
        Weights net = w.child("net");
        this.geglu = new GEGLU(net.child(0), dim, inner);
        this.out = new Linear(net.child(2), inner, dim, true);
    }

    /**
     * @param x {@code [..., dim]}
     * @return {@code [..., dim]}
     */
    public NDArray forward(NDArray x) {
        return Scopes.run(() -> out.forward(geglu.forward(x)));
    }
}

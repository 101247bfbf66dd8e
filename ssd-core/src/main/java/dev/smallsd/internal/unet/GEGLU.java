package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code GEGLU}: {@code proj} maps {@code C → 2·inner}; the first half is the value, the second the gate;
 * output {@code value · gelu(gate)} (exact erf GELU). Key {@code proj}. Immutable and thread-safe.
 */
public final class GEGLU {
    private final Linear proj;
    private final int inner;

    /**
     * @param w weights view of this module (e.g. {@code ff.net.0})
     * @param dimIn input width
     * @param dimOut output width ({@code inner})
     */
    public GEGLU(Weights w, int dimIn, int dimOut) {
        this.proj = new Linear(w.child("proj"), dimIn, 2 * dimOut, true);
        this.inner = dimOut;
    }

    /**
     * @param x {@code [..., dimIn]}
     * @return {@code [..., dimOut]}
     */
    public NDArray forward(NDArray x) {
        return Scopes.run(() -> {
            NDArray both = proj.forward(x);
            int last = both.getShape().dimension() - 1;
            String lead = ":, ".repeat(last);
            NDArray value = both.get(lead + "0:" + inner);
            NDArray gate = both.get(lead + inner + ":");
            return Activations.gelu(gate).muli(value);
        });
    }
}

package dev.smallsd.internal.clip;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/** CLIP's feed-forward block ({@code CLIPMLP}): {@code fc2(act(fc1(x)))}, {@code fc1} hidden → intermediate. */
public final class ClipMlp {
    private final Linear fc1;
    private final Linear fc2;
    private final String activation;

    /**
     * @param w weights view of this block (keys {@code fc1.weight}, {@code fc1.bias}, {@code fc2.weight},
     *     {@code fc2.bias})
     * @param hidden embedding width ({@code hidden_size})
     * @param intermediate inner width ({@code intermediate_size})
     * @param activation {@code hidden_act}: {@code quick_gelu} or {@code gelu} (checked here)
     * @throws IllegalArgumentException for an unsupported activation
     */
    public ClipMlp(Weights w, int hidden, int intermediate, String activation) {
        this.activation = Activations.require(activation, "CLIP hidden_act");
        this.fc1 = new Linear(w.child("fc1"), hidden, intermediate, true);
        this.fc2 = new Linear(w.child("fc2"), intermediate, hidden, true);
    }

    /**
     * @param x input {@code [..., hidden]}
     * @return output {@code [..., hidden]}
     */
    public NDArray forward(NDArray x) {
        return Scopes.run(() -> fc2.forward(Activations.applyInPlace(activation, fc1.forward(x))));
    }
}

package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * diffusers' {@code TimestepEmbedding} ({@code time_embedding}): {@code linear_2(act(linear_1(t)))}. Keys
 * {@code linear_1.{weight,bias}}, {@code linear_2.{weight,bias}}. Immutable and thread-safe.
 */
public final class TimestepEmbedding {
    private final Linear linear1;
    private final Linear linear2;
    private final String act;

    /**
     * @param w weights view of this module
     * @param inChannels width of the sinusoidal embedding
     * @param timeEmbedDim output width
     * @param act activation name ({@code act_fn})
     */
    public TimestepEmbedding(Weights w, int inChannels, int timeEmbedDim, String act) {
        this.linear1 = new Linear(w.child("linear_1"), inChannels, timeEmbedDim, true);
        this.linear2 = new Linear(w.child("linear_2"), timeEmbedDim, timeEmbedDim, true);
        this.act = Activations.require(act, "act_fn");
    }

    /**
     * @param sample {@code [B, inChannels]}
     * @return {@code [B, timeEmbedDim]}
     */
    public NDArray forward(NDArray sample) {
        return Scopes.run(() -> linear2.forward(Activations.applyInPlace(act, linear1.forward(sample))));
    }
}

package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The unfused LoRA path of one request: while {@link #with} runs its body on the calling thread, every
 * {@link Linear} and 1×1 {@link Conv2d} whose weight has adapters adds {@code Σ scale · up(down(x))} to its output.
 * The base weights are never modified and other threads (other requests) do not see the adapters.
 */
public final class LowRankAdapters {
    private static final ThreadLocal<Map<NDArray, List<Adapter>>> CURRENT = new ThreadLocal<>();

    private LowRankAdapters() {}

    /**
     * One low-rank term {@code scale · up · down} added to a layer's weight.
     *
     * @param down {@code [rank, in]} (linear layers) or {@code [rank, in, 1, 1]} (1×1 convolutions)
     * @param up {@code [out, rank]} or {@code [out, rank, 1, 1]}, shaped like the layer
     * @param scale the request's scale times {@code alpha / rank}
     */
    public record Adapter(NDArray down, NDArray up, float scale) {}

    /**
     * Runs {@code body} with the given adapters active on this thread.
     *
     * @param adapters base weight array (by identity) → its adapters
     * @param body the work
     * @param <T> the result type
     * @return the body's result
     */
    public static <T> T with(Map<NDArray, List<Adapter>> adapters, Supplier<T> body) {
        Map<NDArray, List<Adapter>> previous = CURRENT.get();
        IdentityHashMap<NDArray, List<Adapter>> copy = new IdentityHashMap<>(adapters);
        CURRENT.set(Collections.unmodifiableMap(copy));
        try {
            return body.get();
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }

    /**
     * @param weight a layer's base weight
     * @return the adapters active on this thread for it, or {@code null}
     */
    static List<Adapter> forWeight(NDArray weight) {
        Map<NDArray, List<Adapter>> m = CURRENT.get();
        return m == null ? null : m.get(weight);
    }

    /** Adds the linear adapters' terms to {@code y = linear(x)} in place. */
    static NDArray addLinear(NDArray y, NDArray x, List<Adapter> adapters) {
        for (Adapter a : adapters) {
            NDArray h = x.getNDArrayInternal().linear(x, a.down(), null).singletonOrThrow();
            NDArray d = h.getNDArrayInternal().linear(h, a.up(), null).singletonOrThrow();
            y = y.addi(d.muli(a.scale()));
            h.close();
            d.close();
        }
        return y;
    }
}

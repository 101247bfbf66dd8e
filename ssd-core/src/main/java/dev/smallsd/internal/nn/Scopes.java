package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * The one memory-scoping idiom of the project: a block of array code runs in its own {@link NDScope}, so every
 * intermediate it creates is closed when it returns. What survives depends on the variant: {@link #run} /
 * {@link #runList} hand the result to the enclosing scope (a model block's output), {@link #detached} keeps it
 * for the lifetime of its manager (a constant computed at load time), and {@link #compute} keeps no array at all
 * (a Java value read out of the arrays). Arrays derived from weights at load time use {@link Weights#keep}.
 */
public final class Scopes {
    private Scopes() {}

    /**
     * @param body code producing one array
     * @return the array produced by {@code body}, registered with the enclosing scope
     */
    public static NDArray run(Supplier<NDArray> body) {
        NDArray out = detached(body);
        NDScope.register(out);
        return out;
    }

    /**
     * Like {@link #run} for code producing several arrays.
     *
     * @param body code producing a list of arrays
     * @return the arrays produced by {@code body}, registered with the enclosing scope
     */
    public static NDList runList(Supplier<NDList> body) {
        NDList out = compute(() -> {
            NDList list = body.get();
            NDScope.unregister(list);
            return list;
        });
        out.forEach(NDScope::register);
        return out;
    }

    /**
     * Runs code whose result is long-lived (a constant computed once at construction): the intermediates are closed,
     * the result belongs to no scope and lives as long as its manager.
     *
     * @param body code producing one array
     * @return the array produced by {@code body}, outside every scope
     */
    public static NDArray detached(Supplier<NDArray> body) {
        return compute(() -> {
            NDArray out = body.get();
            NDScope.unregister(out);
            return out;
        });
    }

    /**
     * Runs code that reads a plain value out of arrays: every array it creates is closed when it returns.
     *
     * @param body code producing a Java value (not an array)
     * @param <T> the value type
     * @return the value
     */
    public static <T> T compute(Supplier<T> body) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return body.get();
        }
    }
}

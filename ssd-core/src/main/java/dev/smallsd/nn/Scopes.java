package dev.smallsd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Runs a block of array code in its own {@link NDScope}: every intermediate it creates is closed when it returns,
 * except the result, which moves to the enclosing scope (if any). Keeps peak memory to one block's working set.
 */
public final class Scopes {
    private Scopes() {}

    /**
     * @param body code producing one array
     * @return the array produced by {@code body}, registered with the enclosing scope
     */
    public static NDArray run(Supplier<NDArray> body) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = body.get();
            NDScope.unregister(out);
        }
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
        NDList out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = body.get();
            NDScope.unregister(out);
        }
        out.forEach(NDScope::register);
        return out;
    }
}

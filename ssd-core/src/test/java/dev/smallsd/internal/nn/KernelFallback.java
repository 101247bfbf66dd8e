package dev.smallsd.internal.nn;

import java.util.function.Supplier;

/** Runs code with {@link TorchKernels#get()} empty, so tests of any package can cover the DJL fallback. */
public final class KernelFallback {
    private KernelFallback() {}

    /**
     * @param body code to run on the plain DJL formulations
     * @param <T> its result type
     * @return what {@code body} returns
     */
    public static <T> T run(Supplier<T> body) {
        TorchKernels.forceFallback(true);
        try {
            return body.get();
        } finally {
            TorchKernels.forceFallback(false);
        }
    }
}

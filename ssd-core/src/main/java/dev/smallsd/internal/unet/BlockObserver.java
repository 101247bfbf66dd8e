package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;

/**
 * Receives intermediate results of a model call, for tests and diagnostics (e.g. to compare block outputs with a
 * reference). Called synchronously on the calling thread; the array is only valid during the call (copy it, e.g.
 * with {@code toFloatArray()}, to keep it) and must not be modified or closed.
 */
@FunctionalInterface
public interface BlockObserver {
    /** An observer that ignores everything. */
    BlockObserver NONE = (name, value) -> { };

    /**
     * @param name the module name as in the checkpoint keys, e.g. {@code "conv_in"}, {@code "down_blocks.0"},
     *     {@code "mid_block"}, {@code "up_blocks.3"}, {@code "time_embedding"}, {@code "conv_out"}
     * @param value that module's output
     */
    void observe(String name, NDArray value);
}

package dev.smallsd;

import ai.djl.ndarray.NDArray;

/**
 * Checks decoded images for unsafe content. Implemented by the {@code ssd-safety} module (found through
 * {@link SafetyCheckerProvider} and {@link java.util.ServiceLoader}) or supplied to the builder.
 * Implementations must be thread-safe.
 */
public interface SafetyChecker extends AutoCloseable {

    /**
     * Checks a batch of images, once per batch.
     *
     * @param images float32 {@code [B, H, W, 3]} in {@code [0, 1]}, as the pipeline decoded them (not modified)
     * @return one flag per image: {@code true} when the image is flagged
     */
    boolean[] check(NDArray images);

    /** Releases the checker's weights. */
    @Override
    void close();
}

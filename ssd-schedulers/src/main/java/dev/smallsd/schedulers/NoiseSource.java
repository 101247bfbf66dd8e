package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Supplies the standard-normal noise that stochastic schedulers draw during {@code step}.
 *
 * <p>Schedulers call {@link #next} exactly where diffusers calls {@code randn_tensor(model_output.shape, ...)}, in
 * the same order and with the same shapes, so a pipeline can pass its seeded generator and tests can replay recorded
 * draws. A draw is requested even where diffusers multiplies it by zero, to keep the generator in step.
 */
@FunctionalInterface
public interface NoiseSource {

    /**
     * Returns a new float32 array of standard-normal noise.
     *
     * @param shape the shape of the noise
     * @param manager the manager the returned array must belong to
     * @return float32 noise of the given shape
     */
    NDArray next(Shape shape, NDManager manager);

    /**
     * A source for deterministic schedulers: fails if a draw is requested.
     *
     * @return a noise source that throws {@link IllegalStateException} when used
     */
    static NoiseSource none() {
        return (shape, manager) -> {
            throw new IllegalStateException("this scheduler needs a NoiseSource, none was given");
        };
    }
}

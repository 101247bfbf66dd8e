package dev.smallsd.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.schedulers.NoiseSource;
import java.util.List;

/** Feeds a case's stored {@code noise_draws} in order, checking each requested shape. */
final class FeedNoise implements NoiseSource {
    private final List<float[]> draws;
    private final List<Shape> shapes;
    private int next;

    FeedNoise(List<float[]> draws, List<Shape> shapes) {
        this.draws = draws;
        this.shapes = shapes;
    }

    @Override
    public NDArray next(Shape shape, NDManager manager) {
        if (next >= draws.size()) {
            throw new AssertionError("pipeline drew noise #" + next + " " + shape + " but the case stores only "
                    + draws.size() + " draws");
        }
        if (!shapes.get(next).equals(shape)) {
            throw new AssertionError("noise draw #" + next + ": pipeline asked for " + shape + ", the case stored "
                    + shapes.get(next));
        }
        return manager.create(draws.get(next++), shape);
    }

    int used() {
        return next;
    }
}

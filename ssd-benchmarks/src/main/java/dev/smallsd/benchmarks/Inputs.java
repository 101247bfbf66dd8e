package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/** Deterministic benchmark inputs, independent of libtorch's random generator. */
final class Inputs {
    private Inputs() {}

    /**
     * @param manager owner of the result
     * @param seed the seed
     * @param shape the shape
     * @return standard normal float32 values (Box–Muller on a {@link SplittableRandom})
     */
    static NDArray normal(NDManager manager, long seed, long... shape) {
        int n = Math.toIntExact(new Shape(shape).size());
        float[] v = new float[n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < n; i += 2) {
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            v[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) {
                v[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return manager.create(v, new Shape(shape));
    }

    /**
     * @param manager owner of the result
     * @param seed the seed
     * @param shape the shape
     * @return float32 values uniform in [0, 1)
     */
    static NDArray uniform01(NDManager manager, long seed, long... shape) {
        int n = Math.toIntExact(new Shape(shape).size());
        float[] v = new float[n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble();
        }
        return manager.create(v, new Shape(shape));
    }
}

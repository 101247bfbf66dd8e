package dev.smallsd.benchmarks;

import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * A {@link ComponentState} measured at several image sizes: JMH runs each benchmark once per {@link #size}.
 *
 * @param <T> the component type
 */
@State(Scope.Benchmark)
public abstract class SizedComponentState<T> extends ComponentState<T> {
    /** Image width and height in pixels. */
    @Param({"256", "512"})
    public int size;

    /**
     * @param factor the VAE's spatial factor (8 in Stable Diffusion)
     * @return the latent side, {@code size / factor}
     * @throws IllegalArgumentException when {@code size} is not a positive multiple of {@code factor}
     */
    protected int latentSide(int factor) {
        if (size < factor || size % factor != 0) {
            throw new IllegalArgumentException("parameter size=" + size + " must be a positive multiple of " + factor);
        }
        return size / factor;
    }
}

package dev.smallsd.benchmarks;

import dev.smallsd.Precision;
import dev.smallsd.internal.nn.Weights;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * A {@link SizedComponentState} whose UNet / VAE is built in each {@link Precision} as well: JMH runs each benchmark
 * once per {@link #precision} (and size). The component's parameters then come from {@link #inPrecision}.
 *
 * @param <T> the component type
 */
@State(Scope.Benchmark)
public abstract class PrecisionComponentState<T> extends SizedComponentState<T> {
    /** The precision of the UNet and VAE weights and computation ({@code FP32} or {@code BF16}). */
    @Param({"FP32", "BF16"})
    public Precision precision;

    /**
     * @param weights the trial's random parameters (or a child view)
     * @return the view that hands them out in {@link #precision}
     */
    protected Weights inPrecision(Weights weights) {
        return weights.withPrecision(precision);
    }
}

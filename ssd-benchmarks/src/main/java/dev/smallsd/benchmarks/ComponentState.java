package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Base of the JMH states that hold one full-size small-stable-diffusion-v0 component: once per trial it builds the
 * component from the architecture configs bundled in ssd-core ({@link ModelDirectory#builtinArchitecture()}) with
 * deterministic random parameters ({@link Weights#random(long, NDManager)} with {@link #SEED}), so every run
 * measures the same model; at the end of the trial it closes the component and every array it owns.
 *
 * <p>A subclass is annotated {@code @State(Scope.Benchmark)}, implements {@link #build} and, when the benchmark
 * needs fixed inputs, {@link #prepareInputs}; it declares no {@code @Setup}/{@code @TearDown} of its own, so the
 * order of setup steps never depends on JMH's ordering of inherited helper methods. Benchmark methods run their
 * call through {@link #measure(Supplier)}, which frees every intermediate array of the call.
 *
 * @param <T> the component type
 */
public abstract class ComponentState<T> {
    /** The seed of the random parameters, fixed so results compare run to run. */
    public static final long SEED = 20240229L;

    private NDManager manager;
    private T component;
    private long parameterCount;

    /**
     * Builds the component and its inputs (JMH calls this once per trial).
     *
     * @throws RuntimeException whatever {@link #build} or {@link #prepareInputs} throws; the arrays made so far are
     *     closed first
     */
    @Setup(Level.Trial)
    public final void setUpComponent() {
        BenchmarkEnvironment.init();
        NDManager m = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE);
        try {
            Weights weights = Weights.random(SEED, m);
            T built = build(ModelDirectory.builtinArchitecture(), weights);
            weights.finish();
            manager = m;
            component = built;
            parameterCount = weights.parameterCount();
            prepareInputs(built, m);
        } catch (RuntimeException e) {
            closeQuietly(component);
            m.close();
            manager = null;
            component = null;
            throw e;
        }
        System.out.println("# smallsd: " + getClass().getSimpleName() + " built " + describe(component) + " with "
                + parameterCount + " random parameters (seed " + SEED + ")");
    }

    /**
     * Builds the component. Parameters must come from {@code weights} (they are owned by its manager).
     *
     * @param architecture the bundled small-stable-diffusion-v0 configs
     * @param weights deterministic random parameters
     * @return the component
     */
    protected abstract T build(ModelDirectory architecture, Weights weights);

    /**
     * Creates the fixed inputs of the benchmark after the component is built. Arrays created on {@code manager}
     * are closed at the end of the trial. The default creates nothing.
     *
     * @param built the component
     * @param manager the trial's manager
     */
    protected void prepareInputs(T built, NDManager manager) {
        // no inputs by default
    }

    /**
     * Closes the component (when it is {@link AutoCloseable}) and every array of the trial (JMH calls this once per
     * trial).
     */
    @TearDown(Level.Trial)
    public final void tearDownComponent() {
        try {
            closeQuietly(component);
        } finally {
            component = null;
            if (manager != null) {
                manager.close();
                manager = null;
            }
        }
    }

    /**
     * @return the component built for this trial
     * @throws IllegalStateException outside a trial
     */
    public T component() {
        if (component == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": no component outside a trial");
        }
        return component;
    }

    /**
     * @return the manager owning the parameters and inputs of this trial
     * @throws IllegalStateException outside a trial
     */
    public NDManager manager() {
        if (manager == null) {
            throw new IllegalStateException(getClass().getSimpleName() + ": no manager outside a trial");
        }
        return manager;
    }

    /** @return the number of parameter values of the component (0 before the first trial) */
    public long parameterCount() {
        return parameterCount;
    }

    /**
     * Runs one measured call in its own scope ({@link Scopes#compute}): every array the call creates, including its result, is
     * closed before this returns, so repeated invocations do not accumulate memory.
     *
     * @param call the call, e.g. {@code () -> unet.forward(sample, t, context)}
     * @return the number of elements of the result (consume it so the call is not dead code)
     */
    public static long measure(Supplier<NDArray> call) {
        return Scopes.compute(() -> call.get().getShape().size());
    }

    private static String describe(Object c) {
        return c == null ? "nothing" : c.getClass().getSimpleName();
    }

    private static void closeQuietly(Object c) {
        if (c instanceof AutoCloseable ac) {
            try {
                ac.close();
            } catch (Exception e) {
                System.err.println("# smallsd: closing " + describe(c) + " failed: " + e);
            }
        }
    }
}

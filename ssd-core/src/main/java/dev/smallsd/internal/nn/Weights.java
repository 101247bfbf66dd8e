package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.ModelLoadException;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Where a model's parameters come from while it is being built: a checkpoint file, or deterministic random values for
 * benchmarks and memory tests. Layers ask for each parameter by its full checkpoint key and expected shape; the answer
 * is a float32 array owned by the long-lived weights manager (bfloat16 through a {@link #withPrecision} view).
 *
 * <p>Missing keys and shape mismatches do not fail at the first request: they are collected, and {@link #finish()}
 * reports every missing, mismatched and unexpected key in one error, naming the file.
 */
public final class Weights {
    private final State state;
    private final String prefix;
    private final Precision precision;

    private Weights(State state, String prefix) {
        this(state, prefix, Precision.FP32);
    }

    private Weights(State state, String prefix, Precision precision) {
        this.state = state;
        this.prefix = prefix;
        this.precision = precision;
    }

    /**
     * Builds a model from a checkpoint with the diffusers/transformers key conventions ({@link CheckpointKeys}: legacy
     * renames, ignorable buffers) and verifies that the checkpoint holds exactly the model's parameters.
     *
     * @param file the open checkpoint (may be closed after this returns)
     * @param manager owner of the loaded weights
     * @param build builds the model from the weights
     * @param <M> the model type
     * @return the model
     * @throws ModelLoadException naming the file and every missing, mismatched or unexpected key
     */
    public static <M> M load(TensorFile file, NDManager manager, Function<Weights, M> build) {
        Weights w = fromFile(file, manager, CheckpointKeys::canonicalName, CheckpointKeys::isIgnorable);
        M model = build.apply(w);
        w.finish();
        return model;
    }

    /**
     * Parameters read from a checkpoint.
     *
     * @param file the open checkpoint (close it after {@link #finish()})
     * @param manager owner of the loaded weights
     * @param canonicalName maps a checkpoint key to the model's key (legacy renames); identity when none apply
     * @param ignorable checkpoint keys that are not parameters (e.g. {@code position_ids} buffers)
     * @return the source
     * @throws ModelLoadException when two checkpoint keys map to the same parameter (e.g. {@code query} and
     *     {@code to_q})
     */
    public static Weights fromFile(TensorFile file, NDManager manager, Function<String, String> canonicalName,
            Predicate<String> ignorable) {
        Map<String, String> byCanonical = new LinkedHashMap<>();
        for (String name : file.names()) {
            if (!ignorable.test(name)) {
                String key = canonicalName.apply(name);
                String previous = byCanonical.putIfAbsent(key, name);
                if (previous != null) {
                    throw new ModelLoadException(file.path(), "tensors '" + previous + "' and '" + name
                            + "' both provide parameter '" + key + "'");
                }
            }
        }
        return new Weights(new State(manager, file, byCanonical, 0, false), "");
    }

    /**
     * Deterministic random parameters (same seed and key give the same values): weights uniform in
     * ±1/sqrt(fan-in), norm scales near 1, biases small.
     *
     * @param seed the seed
     * @param manager owner of the weights
     * @return the source
     */
    public static Weights random(long seed, NDManager manager) {
        return new Weights(new State(manager, null, null, seed, false), "");
    }

    /**
     * Parameters that only have the right shapes: every array is allocated but never written (its memory pages are
     * not touched, so building even the full-size model costs almost no resident memory). For parameter counts and
     * structure checks only; the values are undefined and must never be used for computation.
     *
     * @param manager owner of the placeholder arrays
     * @return the source
     */
    public static Weights shapesOnly(NDManager manager) {
        return new Weights(new State(manager, null, null, 0, true), "");
    }

    /**
     * Marks an array derived from parameters at load time (e.g. a pre-shaped view) as long-lived: removes it from the
     * calling thread's open {@link NDScope}, if any, so that building a model inside a scope does not release it.
     *
     * @param a the array, owned by the weights manager
     * @return {@code a}
     */
    public static NDArray keep(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    /**
     * A view whose keys are prefixed with {@code name + "."}.
     *
     * @param name the child module name, e.g. {@code "down_blocks"} or {@code "0"}
     * @return the view
     */
    public Weights child(String name) {
        return new Weights(state, prefix + name + ".", precision);
    }

    /**
     * A view whose keys are prefixed with {@code index + "."}.
     *
     * @param index the child index in a module list
     * @return the view
     */
    public Weights child(int index) {
        return child(Integer.toString(index));
    }

    /**
     * A view that hands out its parameters (and its children's) in {@code p}: {@link Precision#BF16} converts each
     * parameter right after it is read, and frees the float32 copy at once, so a model never holds both.
     *
     * @param p the precision of the parameters taken through the view
     * @return the view
     * @throws IllegalStateException for {@link Precision#BF16} when libtorch's kernel module is unavailable
     */
    public Weights withPrecision(Precision p) {
        if (p == Precision.BF16) {
            Bfloat16.kernels();
        }
        return new Weights(state, prefix, Objects.requireNonNull(p, "precision"));
    }

    /** @return the precision of the parameters this view hands out (the model's compute precision) */
    public Precision precision() {
        return precision;
    }

    /** @return the manager that owns the weights */
    public NDManager manager() {
        return state.manager;
    }

    /**
     * Takes one parameter.
     *
     * @param name key relative to this view, e.g. {@code "weight"}
     * @param shape the expected shape
     * @return an array of that shape in this view's {@link #precision()} (zeros when missing or mismatched;
     *     {@link #finish()} then fails)
     */
    public NDArray get(String name, long... shape) {
        NDArray a = keep(take(name, shape));
        if (precision == Precision.BF16 && !state.shapesOnly) {
            NDArray b = keep(Bfloat16.kernels().call("to_bf16", a));
            a.close();
            a = b;
        }
        synchronized (state) {
            state.bytes += state.shapesOnly ? a.getShape().size() * Float.BYTES : Bfloat16.bytes(a);
        }
        return a;
    }

    private NDArray take(String name, long... shape) {
        String key = prefix + name;
        Shape expected = new Shape(shape);
        synchronized (state) {
            if (!state.requested.add(key)) {
                throw new IllegalStateException("parameter requested twice: " + key);
            }
            state.count += expected.size();
        }
        if (state.shapesOnly) {
            return state.manager.create(expected, DataType.FLOAT32);
        }
        if (state.file == null) {
            return random(key, shape);
        }
        String fileKey = state.byCanonical.get(key);
        if (fileKey == null) {
            synchronized (state) {
                state.missing.add(key);
            }
            return state.manager.zeros(expected);
        }
        TensorInfo info = state.file.info(fileKey);
        if (!Arrays.equals(info.shape(), shape)) {
            synchronized (state) {
                state.mismatched.add(key + " is " + Arrays.toString(info.shape()) + ", expected "
                        + Arrays.toString(shape));
            }
            return state.manager.zeros(expected);
        }
        if (!info.dtype().isFloating()) {
            synchronized (state) {
                state.mismatched.add(key + " has element type " + info.dtype() + ", expected a float type");
            }
            return state.manager.zeros(expected);
        }
        NDArray a = state.file.load(fileKey, state.manager);
        if (a.getDataType() != DataType.FLOAT32) {
            NDArray f = a.toType(DataType.FLOAT32, false);
            NDScope.unregister(a);
            a.close();
            a = f;
        }
        return a;
    }

    private NDArray random(String key, long[] shape) {
        int n = Math.toIntExact(new Shape(shape).size());
        SplittableRandom rnd = new SplittableRandom(state.seed * 0x9E3779B97F4A7C15L ^ key.hashCode());
        boolean vector = shape.length == 1;
        boolean scale = vector && key.endsWith(".weight");
        long fanIn = 1;
        for (int i = 1; i < shape.length; i++) {
            fanIn *= shape[i];
        }
        double bound = vector ? 0.1 : 1.0 / Math.sqrt(Math.max(1, fanIn));
        synchronized (state) {
            // one reusable direct buffer: an array created from a direct buffer keeps referencing it (and direct
            // memory is capped by the JVM), so the values are copied into memory owned by the engine
            if (state.scratch == null || state.scratch.capacity() < n * 4) {
                state.scratch = state.manager.allocateDirect(Math.max(n * 4, 1 << 20)).order(ByteOrder.nativeOrder());
            }
            ByteBuffer buf = state.scratch;
            buf.clear();
            for (int i = 0; i < n; i++) {
                double u = (rnd.nextDouble() * 2 - 1) * bound;
                buf.putFloat((float) (scale ? 1 + u : u));
            }
            buf.flip();
            try (NDArray view = state.manager.create(buf, new Shape(shape), DataType.FLOAT32)) {
                NDScope.unregister(view);
                return view.duplicate();
            }
        }
    }

    /** @return the number of parameter values requested so far (the model's parameter count once built) */
    public long parameterCount() {
        synchronized (state) {
            return state.count;
        }
    }

    /**
     * @return the bytes of the parameter values handed out so far, each in the type libtorch holds it in (half the
     *     float32 figure for a model built through a {@link Precision#BF16} view)
     */
    public long parameterBytes() {
        synchronized (state) {
            return state.bytes;
        }
    }

    /**
     * Verifies that every requested key was found with its shape and that the checkpoint has no unused parameter.
     *
     * @throws ModelLoadException listing every missing, mismatched and unexpected key, naming the file
     */
    public void finish() {
        if (state.file == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        Set<String> unexpected = new TreeSet<>(state.byCanonical.keySet());
        unexpected.removeAll(state.requested);
        if (!state.missing.isEmpty()) {
            problems.add("missing keys " + state.missing);
        }
        if (!state.mismatched.isEmpty()) {
            problems.add("mismatched " + state.mismatched);
        }
        if (!unexpected.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (String k : unexpected) {
                names.add(state.byCanonical.get(k));
            }
            problems.add("unexpected keys " + names);
        }
        if (!problems.isEmpty()) {
            Path p = state.file.path();
            throw new ModelLoadException(p, "checkpoint does not match the model built from its config: "
                    + String.join("; ", problems));
        }
    }

    private static final class State {
        final NDManager manager;
        final TensorFile file;
        final Map<String, String> byCanonical;
        final long seed;
        final boolean shapesOnly;
        ByteBuffer scratch;
        final Set<String> requested = new LinkedHashSet<>();
        final Set<String> missing = new LinkedHashSet<>();
        final List<String> mismatched = new ArrayList<>();
        long count;
        long bytes;

        State(NDManager manager, TensorFile file, Map<String, String> byCanonical, long seed, boolean shapesOnly) {
            this.manager = manager;
            this.shapesOnly = shapesOnly;
            this.file = file;
            this.byCanonical = byCanonical;
            this.seed = seed;
        }
    }
}

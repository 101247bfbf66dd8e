package dev.smallsd.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Prepares the PyTorch engine inside a forked benchmark JVM, once per JVM: offline mode, the requested intra-op
 * thread count, and one line on standard output naming the engine and the thread counts so that every result file
 * says what it measured.
 *
 * <p>JMH replaces the {@code jvmArgsAppend} of the {@code @Fork} annotation when {@code -jvmArgsAppend} is given on
 * the command line, so the annotation alone cannot guarantee {@code ai.djl.offline=true}; this class sets it unless
 * the user chose a value. {@code ai.djl.pytorch.num_threads} is read here as well: DJL applies it when the engine
 * starts, and this class applies it again if the engine had been started before with another count.
 */
public final class BenchmarkEnvironment {
    /** The DJL system property that keeps DJL from downloading anything. */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";
    /** The DJL system property with libtorch's intra-op thread count. */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    /** The engine every benchmark runs on. */
    public static final String ENGINE = "PyTorch";

    private static Engine engine;

    private BenchmarkEnvironment() {}

    /**
     * Starts the engine on first use (offline, with the requested thread count) and prints its description.
     *
     * @return the PyTorch engine
     * @throws IllegalArgumentException when {@code ai.djl.pytorch.num_threads} is not a positive integer
     */
    public static synchronized Engine init() {
        if (engine != null) {
            return engine;
        }
        Integer requested = requestedThreads();
        if (System.getProperty(OFFLINE_PROPERTY) == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
        Engine e = Engine.getEngine(ENGINE);
        if (requested != null && JniUtils.getNumThreads() != requested) {
            JniUtils.setNumThreads(requested);
        }
        engine = e;
        System.out.println("# smallsd: " + describe());
        return e;
    }

    /**
     * @return the thread count requested with {@code -Dai.djl.pytorch.num_threads}, or {@code null} when unset
     * @throws IllegalArgumentException when the value is not a positive integer
     */
    static Integer requestedThreads() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null || value.isBlank()) {
            return null;
        }
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("system property " + THREADS_PROPERTY + "='" + value
                    + "' is not an integer", ex);
        }
        if (n < 1) {
            throw new IllegalArgumentException("system property " + THREADS_PROPERTY + "=" + n
                    + " must be at least 1");
        }
        return n;
    }

    /**
     * @return e.g. {@code "PyTorch 2.7.1, intra-op threads 2, inter-op threads 2 (ai.djl.pytorch.num_threads unset),
     *     ai.djl.offline=true, 2 CPUs"}
     */
    public static synchronized String describe() {
        Engine e = engine != null ? engine : init();
        String requested = System.getProperty(THREADS_PROPERTY);
        return e.getEngineName() + " " + e.getVersion()
                + ", intra-op threads " + JniUtils.getNumThreads()
                + ", inter-op threads " + JniUtils.getNumInteropThreads()
                + " (" + THREADS_PROPERTY + (requested == null ? " unset" : "=" + requested) + ")"
                + ", " + OFFLINE_PROPERTY + "=" + System.getProperty(OFFLINE_PROPERTY)
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs";
    }
}

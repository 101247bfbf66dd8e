package dev.smallsd.internal.pipeline;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts DJL's PyTorch engine with the intra-op thread count a builder asked for, and logs the count that is really
 * in effect. Internal: used by {@code SmallStableDiffusion.Builder}.
 *
 * <p>DJL logs {@code Number of intra-op threads is n} once, when the engine loads, from its system property
 * {@value #DJL_THREADS}; when the builder's {@code threads(n)} is the first use of the engine (and the user did not set
 * that property), the property is set for the load, so DJL's line already tells the truth. In every case the count is
 * then applied ({@code torch.set_num_threads}) and logged by this class.
 *
 * <p>Before the first load, DJL's CUDA probe is quietened when only a CPU libtorch can load ({@link CudaProbe}).
 */
public final class EngineSetup {
    /** DJL's system property read once when the PyTorch engine loads. */
    static final String DJL_THREADS = "ai.djl.pytorch.num_threads";
    private static final Logger LOG = LoggerFactory.getLogger(EngineSetup.class);

    private static boolean probeChecked;

    private EngineSetup() {}

    /**
     * Loads the engine if needed and applies the thread count.
     *
     * @param threads intra-op threads to use in the whole JVM, or {@code null} to keep libtorch's current setting
     */
    public static synchronized void start(Integer threads) {
        if (!probeChecked) {
            probeChecked = true;
            CudaProbe.quietWhenCpuOnly();
        }
        boolean setProperty = threads != null && System.getProperty(DJL_THREADS) == null;
        if (setProperty) {
            System.setProperty(DJL_THREADS, threads.toString());
        }
        try {
            Engine.getEngine("PyTorch");
        } finally {
            if (setProperty) {
                System.clearProperty(DJL_THREADS);
            }
        }
        if (threads != null) {
            JniUtils.setNumThreads(threads);
        }
        LOG.info("libtorch intra-op threads: {} ({})", JniUtils.getNumThreads(),
                threads != null ? "threads(" + threads + "), for the whole JVM" : "libtorch's setting, threads(n) not "
                        + "called");
    }
}

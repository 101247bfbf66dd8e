package dev.smallsd.internal.pipeline;

import ai.djl.util.ClassLoaderUtils;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps DJL's CUDA probe quiet when only a CPU libtorch can be used.
 *
 * <p>While the PyTorch engine loads, DJL 0.36 asks the CUDA runtime for the GPU count twice
 * ({@code ai.djl.util.Platform.fromSystem()}, called by {@code Platform.detectPlatform}, once for the system and once
 * per bundled {@code native/lib/pytorch.properties}). On a machine that has a CUDA runtime library ({@code libcudart})
 * but no usable driver or GPU, {@code ai.djl.util.cuda.CudaUtils.getGpuCount()} then logs
 * {@code WARN Failed to detect GPU count: CUDA driver version is insufficient for CUDA runtime version (35)} each time.
 * DJL has no setting for this: the only switch, {@code ai.djl.util.cuda.fork}, moves the probe into a child JVM.
 * {@code CudaUtils} silences itself through its private static {@code logging} flag (its own {@code main} clears it).
 *
 * <p>When the only libtorch DJL can load is a CPU build bundled on the class path (every
 * {@code native/lib/pytorch.properties} has a {@code cpu} flavor) and none of DJL's overrides
 * ({@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_FLAVOR}, {@code PYTORCH_VERSION}) is set, the probe's answer changes
 * nothing ({@code Platform.matches}: a CPU package runs on every system flavor), so this class clears that flag. The
 * probe still runs and returns the same count; only its log lines go. With a CUDA native artifact, an override, or no
 * bundled libtorch (DJL then downloads the flavor the probe picks), nothing is changed and DJL's warnings stay.
 */
final class CudaProbe {
    /** DJL's class that probes the CUDA runtime. */
    static final String CUDA_UTILS = "ai.djl.util.cuda.CudaUtils";
    /** The bundled libtorch descriptors DJL's {@code Platform.detectPlatform("pytorch")} reads. */
    static final String NATIVE_PROPERTIES = "native/lib/pytorch.properties";
    /** DJL's environment variables / system properties that make it load another libtorch than the bundled one. */
    static final List<String> OVERRIDES = List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR", "PYTORCH_VERSION");
    private static final Logger LOG = LoggerFactory.getLogger(CudaProbe.class);

    private CudaProbe() {}

    /** Clears DJL's CUDA-probe logging when {@link #reasonToKeep} finds no reason to keep it. */
    static void quietWhenCpuOnly() {
        Optional<String> keep;
        try {
            keep = reasonToKeep(bundledNatives(), CudaProbe::envOrSystemProperty);
        } catch (IOException e) {
            keep = Optional.of("the bundled libtorch descriptors could not be read: " + e);
        }
        if (keep.isPresent()) {
            LOG.debug("DJL's CUDA probe logs as usual: {}", keep.get());
            return;
        }
        try {
            Field logging = Class.forName(CUDA_UTILS).getDeclaredField("logging");
            logging.setAccessible(true);
            logging.setBoolean(null, false);
            LOG.debug("only a CPU libtorch is on the class path: DJL's CUDA probe ({}) runs without its log lines",
                    CUDA_UTILS);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("DJL's CUDA probe could not be quietened ({}); its warnings may appear", e.toString());
        }
    }

    /**
     * Decides whether DJL's CUDA probe matters for the libtorch that will load.
     *
     * @param natives the bundled {@code native/lib/pytorch.properties} files
     * @param envOrProperty DJL's lookup: environment variable, else system property, else {@code null}
     * @return why the probe's warnings must stay, or empty when only a CPU libtorch can load
     */
    static Optional<String> reasonToKeep(List<Properties> natives, UnaryOperator<String> envOrProperty) {
        for (String name : OVERRIDES) {
            String value = envOrProperty.apply(name);
            if (value != null && !value.isEmpty()) {
                return Optional.of(name + "=" + value + " is set");
            }
        }
        if (natives.isEmpty()) {
            return Optional.of("no bundled libtorch (" + NATIVE_PROPERTIES + "): DJL picks one to download by the probe");
        }
        for (Properties p : natives) {
            String flavor = p.getProperty("flavor");
            if (p.getProperty("placeholder") != null || flavor == null || !flavor.startsWith("cpu")) {
                return Optional.of("a bundled libtorch of flavor " + flavor + " (" + p.getProperty("classifier")
                        + ") depends on the probe");
            }
        }
        return Optional.empty();
    }

    private static List<Properties> bundledNatives() throws IOException {
        List<Properties> natives = new ArrayList<>();
        Enumeration<URL> urls = ClassLoaderUtils.getContextClassLoader().getResources(NATIVE_PROPERTIES);
        while (urls.hasMoreElements()) {
            Properties p = new Properties();
            try (InputStream in = urls.nextElement().openStream()) {
                p.load(in);
            }
            natives.add(p);
        }
        return natives;
    }

    private static String envOrSystemProperty(String name) {
        String env = System.getenv(name);
        return env != null ? env : System.getProperty(name);
    }
}

package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * DJL's CUDA probe: quiet exactly when only a CPU libtorch can load, and really quiet in a fresh JVM.
 */
class CudaProbeTest {
    private static final String PROBE_WARNING = "WARN " + CudaProbe.CUDA_UTILS;

    @Test
    void quietOnlyWhenEveryBundledLibtorchIsCpu() {
        assertThat(CudaProbe.reasonToKeep(List.of(natives("cpu", "linux-x86_64")), name -> null)).isEmpty();
        assertThat(CudaProbe.reasonToKeep(List.of(natives("cpu-precxx11", "linux-aarch64"),
                natives("cpu", "linux-x86_64")), name -> null)).isEmpty();
        assertThat(CudaProbe.reasonToKeep(List.of(natives("cpu", "linux-x86_64"), natives("cu124", "linux-x86_64")),
                name -> null)).hasValueSatisfying(r -> assertThat(r).contains("cu124"));
        assertThat(CudaProbe.reasonToKeep(List.of(), name -> null))
                .hasValueSatisfying(r -> assertThat(r).contains("no bundled libtorch"));
        Properties placeholder = natives("cpu", "linux-x86_64");
        placeholder.setProperty("placeholder", "true");
        assertThat(CudaProbe.reasonToKeep(List.of(placeholder), name -> null)).isPresent();
    }

    @Test
    void djlOverridesKeepTheProbeLoud() {
        for (String name : CudaProbe.OVERRIDES) {
            Map<String, String> env = Map.of(name, "x");
            assertThat(CudaProbe.reasonToKeep(List.of(natives("cpu", "linux-x86_64")), env::get))
                    .hasValueSatisfying(r -> assertThat(r).startsWith(name + "=x"));
        }
        assertThat(CudaProbe.reasonToKeep(List.of(natives("cpu", "linux-x86_64")), Map.of("PYTORCH_FLAVOR", "")::get))
                .isEmpty();
    }

    /**
     * Loads the engine in two fresh JVMs with this test class path (the bundled CPU libtorch): once plainly, once
     * through {@link EngineSetup}. The second must log no line of DJL's CUDA probe. On a machine with a CUDA runtime
     * but no usable GPU (this project's CI), the plain load shows the warnings, which proves the check can fail.
     */
    @Test
    void engineSetupLeavesNoCudaProbeWarningInAFreshJvm() throws Exception {
        String plain = runEngineStart("plain");
        String setUp = runEngineStart("setup");
        assertThat(setUp).contains("Number of intra-op threads is").doesNotContain(PROBE_WARNING);
        assertThat(setUp).contains("only a CPU libtorch is on the class path");
        assertThat(plain).contains("Number of intra-op threads is");
        System.out.println("DJL CUDA-probe warnings in a fresh JVM: plain engine load " + count(plain)
                + ", through EngineSetup " + count(setUp));
    }

    private static long count(String log) {
        return log.lines().filter(l -> l.contains(PROBE_WARNING)).count();
    }

    private static String runEngineStart(String mode) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dorg.slf4j.simpleLogger.log." + CudaProbe.class.getName() + "=debug");
        cmd.add(EngineStartMain.class.getName());
        cmd.add(mode);
        File log = File.createTempFile("engine-start-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("engine start finished").isTrue();
            String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            return out;
        } finally {
            log.delete();
        }
    }

    private static Properties natives(String flavor, String classifier) {
        Properties p = new Properties();
        p.setProperty("version", "2.7.1-20250812");
        p.setProperty("flavor", flavor);
        p.setProperty("classifier", classifier);
        return p;
    }

    /** The child JVM: loads the PyTorch engine plainly or through {@link EngineSetup}. */
    static final class EngineStartMain {
        private EngineStartMain() {}

        public static void main(String[] args) {
            if ("setup".equals(args[0])) {
                EngineSetup.start(null);
            } else {
                Engine.getEngine("PyTorch");
            }
        }
    }
}

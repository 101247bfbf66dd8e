package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.smallsd.schedulers.TorchGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cross-check against the libtorch that DJL ships: the same seed and the same sequence of {@code randn} calls on
 * torch's (global) CPU generator must give the same values, covering what the golden case does not: tails of
 * {@code n % 16 != 0}, the cached scalar sample across calls, mixed small and large draws and 64-bit seeds.
 *
 * <p>libtorch's kernel is chosen by the CPU: x86-64 with AVX2 runs the AVX2 kernel (then bit-exact is required), other
 * hosts or {@code ATEN_CPU_CAPABILITY=default} the portable one (then within 1e-6).
 */
class TorchGeneratorLibtorchTest {

    static Stream<Arguments> drawSequences() {
        return Stream.of(
                Arguments.of(0L, new long[][] {{1, 4, 8, 8}, {2, 4, 64, 64}, {7}}),
                Arguments.of(42L, new long[][] {{7}, {7}, {16}, {1}}),
                Arguments.of(1234L, new long[][] {{3}, {16}, {3}, {5}}),
                Arguments.of(7L, new long[][] {{17}, {1}, {17}, {31}, {33}}),
                Arguments.of(99L, new long[][] {{2, 4, 8, 16}, {1, 4, 8, 8}, {1, 4, 8, 8}, {1, 4, 8, 8}}),
                Arguments.of(5L, new long[][] {{15}, {100}, {1000}, {4099}, {2}}),
                Arguments.of(0x9E3779B97F4A7C15L, new long[][] {{1, 4, 8, 8}, {9}}),
                Arguments.of(-3L, new long[][] {{3, 3, 3}, {3}, {20}}),
                Arguments.of(2024L, new long[][] {{0}, {1}, {16384}, {0, 4}, {3}}));
    }

    @ParameterizedTest(name = "seed {0}: {2}")
    @MethodSource("namedSequences")
    void sameDrawsAsLibtorch(long seed, long[][] shapes, String label) {
        TorchGenerator.Kernel kernel = libtorchKernel();
        TorchGenerator java = new TorchGenerator(seed, kernel);
        double worst = 0;
        int exact = 0;
        int total = 0;
        synchronized (JniUtils.class) {
            Engine.getEngine("PyTorch");
            JniUtils.setSeed(seed);
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                for (long[] shape : shapes) {
                    float[] expected;
                    try (NDArray t = manager.randomNormal(0f, 1f, new Shape(shape), DataType.FLOAT32)) {
                        expected = t.toFloatArray();
                    }
                    float[] actual = java.randn(shape);
                    assertThat(actual).as("draw %s", Arrays.toString(shape)).hasSameSizeAs(expected);
                    for (int i = 0; i < expected.length; i++) {
                        total++;
                        if (Float.floatToRawIntBits(actual[i]) == Float.floatToRawIntBits(expected[i])) {
                            exact++;
                        }
                        double d = Math.abs((double) actual[i] - expected[i]);
                        if (kernel == TorchGenerator.Kernel.AVX2) {
                            assertThat(Float.floatToRawIntBits(actual[i]))
                                    .as("draw %s element %d: java %s, libtorch %s", Arrays.toString(shape), i,
                                            actual[i], expected[i])
                                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
                        }
                        worst = Math.max(worst, d);
                    }
                }
            }
        }
        System.out.printf("libtorch %s kernel, seed %d %s: %d/%d bit-exact, max |diff| %.3g%n", kernel, seed, label,
                exact, total, worst);
        assertThat(worst).isLessThanOrEqualTo(1e-6);
    }

    static Stream<Arguments> namedSequences() {
        return drawSequences().map(a -> {
            long[][] shapes = (long[][]) a.get()[1];
            StringBuilder label = new StringBuilder();
            for (long[] s : shapes) {
                label.append(label.length() == 0 ? "" : " then ").append(Arrays.toString(s));
            }
            return Arguments.of(a.get()[0], shapes, label.toString());
        });
    }

    /** The kernel libtorch dispatches to on this host. */
    private static TorchGenerator.Kernel libtorchKernel() {
        String capability = System.getenv("ATEN_CPU_CAPABILITY");
        if (capability != null && capability.toLowerCase(Locale.ROOT).equals("default")) {
            return TorchGenerator.Kernel.PORTABLE;
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return TorchGenerator.Kernel.PORTABLE;
        }
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try {
                return Files.readString(cpuinfo).contains(" avx2") ? TorchGenerator.Kernel.AVX2
                        : TorchGenerator.Kernel.PORTABLE;
            } catch (IOException e) {
                return TorchGenerator.Kernel.AVX2;
            }
        }
        return TorchGenerator.Kernel.AVX2;
    }
}

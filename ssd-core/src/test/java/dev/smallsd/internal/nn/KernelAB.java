package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.text.ClipTextModel;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.AutoencoderKL;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A/B wall-clock measurement in one JVM (not a test): full-size components with random weights, each call timed
 * with the kernel module and with the DJL fallback, alternately, with the load average beside each pair.
 * Arguments: {@code unet|vae|encode|text} (comma-separated), image size, repetitions, and optionally a boolean system
 * property: then A runs with it {@code true} and B with it {@code false} (both with the kernels) instead of B being
 * the fallback. Prints wall-clock and process CPU milliseconds; the minimum of each is the figure to compare when
 * the machine is shared.
 */
public final class KernelAB {
    private KernelAB() {}

    /**
     * @param args components, size, repetitions
     * @throws Exception on I/O errors reading the load average
     */
    public static void main(String[] args) throws Exception {
        String[] parts = (args.length > 0 ? args[0] : "unet,vae,text").split(",");
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String property = args.length > 3 ? args[3] : null;
        ModelDirectory arch = ModelDirectory.builtinArchitecture();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            for (String part : parts) {
                Weights w = Weights.random(20240229L, m);
                Supplier<NDArray> call;
                switch (part) {
                    case "unet" -> {
                        UNet2DConditionModel unet = new UNet2DConditionModel(arch.unetConfig(), w);
                        NDArray sample = m.randomNormal(new Shape(2, 4, size / 8, size / 8));
                        NDArray t = m.create(new float[] {500f, 500f});
                        NDArray context = m.randomNormal(new Shape(2, 77, 768));
                        call = () -> unet.forward(sample, t, context);
                    }
                    case "vae" -> {
                        AutoencoderKL vae = new AutoencoderKL(arch.vaeConfig(), w);
                        NDArray latents = m.randomNormal(new Shape(1, 4, size / 8, size / 8));
                        call = () -> vae.decodeLatents(latents);
                    }
                    case "encode" -> {
                        AutoencoderKL vae = new AutoencoderKL(arch.vaeConfig(), w);
                        NDArray image = m.randomUniform(-1, 1, new Shape(1, 3, size, size));
                        call = () -> vae.encode(image).mode();
                    }
                    case "text" -> {
                        ClipTextModel text = new ClipTextModel(arch.textEncoderConfig(), w);
                        long[][] ids = new long[2][77];
                        for (int i = 0; i < 77; i++) {
                            ids[0][i] = i < 20 ? 1000 + i * 37 : 49407;
                            ids[1][i] = i == 0 ? 49406 : 49407;
                        }
                        NDArray tokens = m.create(ids);
                        call = () -> text.encode(tokens);
                    }
                    default -> throw new IllegalArgumentException("unknown component " + part);
                }
                w.finish();
                Supplier<double[]> a = () -> {
                    System.out.println("-- A");
                    if (property != null) {
                        System.setProperty(property, "true");
                    }
                    return time(call);
                };
                Supplier<double[]> b = () -> {
                    System.out.println("-- B");
                    if (property == null) {
                        return KernelFallback.run(() -> time(call));
                    }
                    System.setProperty(property, "false");
                    return time(call);
                };
                a.get(); // warm-ups
                b.get();
                double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
                for (int r = 0; r < reps; r++) {
                    double[] ta = a.get();
                    double[] tb = b.get();
                    best[0] = Math.min(best[0], ta[0]);
                    best[1] = Math.min(best[1], ta[1]);
                    best[2] = Math.min(best[2], tb[0]);
                    best[3] = Math.min(best[3], tb[1]);
                    System.out.printf(Locale.ROOT, "%s %d: A %.0f ms (cpu %.0f), B %.0f ms (cpu %.0f)  load %s%n",
                            part, size, ta[0], ta[1], tb[0], tb[1], Files.readString(Path.of("/proc/loadavg")).trim());
                }
                System.out.printf(Locale.ROOT, "%s %d BEST: A %.0f ms (cpu %.0f), B %.0f ms (cpu %.0f), B/A wall %.2f cpu %.2f"
                        + " [A = %s, B = %s]%n", part, size, best[0], best[1], best[2], best[3], best[2] / best[0],
                        best[3] / best[1], property == null ? "kernels" : property + "=true",
                        property == null ? "fallback" : property + "=false");
            }
        }
    }

    private static double[] time(Supplier<NDArray> call) {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return Scopes.compute(() -> {
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            NDArray out = call.get();
            out.toFloatArray(); // forces the computation to be finished
            return new double[] {(System.nanoTime() - t0) / 1e6, (os.getProcessCpuTime() - c0) / 1e6};
        });
    }
}

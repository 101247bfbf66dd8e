package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Per-operation A/B in one JVM (not a test): each layer that uses a kernel, at the shapes of the full-size model at
 * 256×256 and 512×512, timed with the kernel module and with its DJL fallback alternately (best of the repetitions),
 * with the load average. Argument: repetitions.
 */
public final class KernelOpsAB {
    private KernelOpsAB() {}

    /**
     * @param args repetitions (default 5)
     * @throws Exception reading the load average
     */
    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Weights w = Weights.random(1, m);
            for (int side : new int[] {32, 64}) {
                long n = (long) side * side;
                NDArray q = m.randomNormal(new Shape(2, n, 320));
                NDArray text = m.randomNormal(new Shape(2, 77, 320));
                int self = AttentionSlicing.auto().sliceFor(16, n, n);
                int cross = AttentionSlicing.auto().sliceFor(16, n, 77);
                report("UNet self-attention 2x" + n + "x320, 8 heads", reps,
                        () -> ScaledDotProductAttention.multiHead(q, q, q, 8, null, self));
                report("UNet cross-attention 2x" + n + "x320 to 77", reps,
                        () -> ScaledDotProductAttention.multiHead(q, text, text, 8, null, cross));
                NDArray v = m.randomNormal(new Shape(1, n, 512));
                int vs = AttentionSlicing.auto().sliceFor(1, n, n);
                report("VAE mid attention 1x" + n + "x512, 1 head", reps,
                        () -> ScaledDotProductAttention.multiHead(v, v, v, 1, null, vs));
                GroupNorm gn = new GroupNorm(w.child("gn" + side), 32, 512, 1e-6);
                NDArray map = m.randomNormal(new Shape(1, 512, side * 2, side * 2));
                report("GroupNorm+SiLU 1x512x" + side * 2 + "x" + side * 2, reps, () -> gn.forward(map, "silu"));
                GroupNorm gn2 = new GroupNorm(w.child("gnb" + side), 32, 128, 1e-6);
                NDArray big = m.randomNormal(new Shape(1, 128, side * 8, side * 8));
                report("GroupNorm+SiLU 1x128x" + side * 8 + "x" + side * 8, reps, () -> gn2.forward(big, "silu"));
            }
            float[] mask = new float[77 * 77];
            for (int i = 0; i < 77; i++) {
                for (int j = i + 1; j < 77; j++) {
                    mask[i * 77 + j] = Float.NEGATIVE_INFINITY;
                }
            }
            NDArray causal = m.create(mask, new Shape(77, 77));
            NDArray t = m.randomNormal(new Shape(2, 77, 768));
            report("CLIP text attention 2x77x768, 12 heads, causal", reps,
                    () -> ScaledDotProductAttention.multiHead(t, t, t, 12, causal, 0));
        }
    }

    private static void report(String what, int reps, Supplier<NDArray> op) throws Exception {
        String only = System.getProperty("only");
        if (only != null && !what.contains(only)) {
            return;
        }
        time(op);
        KernelFallback.run(() -> time(op));
        double a = Double.MAX_VALUE;
        double b = Double.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            a = Math.min(a, time(op));
            b = Math.min(b, KernelFallback.run(() -> time(op)));
        }
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.2f× | %s |%n", what, b, a, b / a,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    private static double time(Supplier<NDArray> op) {
        return Scopes.compute(() -> {
            long t0 = System.nanoTime();
            op.get().toFloatArray();
            return (System.nanoTime() - t0) / 1e6;
        });
    }
}

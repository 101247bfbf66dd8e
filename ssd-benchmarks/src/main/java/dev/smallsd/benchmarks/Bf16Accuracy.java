package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.AutoencoderKL;
import java.util.Locale;
import java.util.function.Function;

/**
 * The accuracy side of {@link Precision#BF16} on the full-size architecture: one classifier-free-guidance UNet call
 * and one VAE decode (the inputs of {@link UNetBenchmark} and {@link VaeDecodeBenchmark}, the random parameters of
 * {@link ComponentState#SEED}) in bfloat16 and in float32, and the relative L2 error {@code ‖bf16 − fp32‖ / ‖fp32‖}
 * of each. A plain {@code main} (heavy: builds each network twice), not a unit test:
 * {@code java -cp ssd-benchmarks/target/benchmarks.jar dev.smallsd.benchmarks.Bf16Accuracy [size]} (default 256).
 */
public final class Bf16Accuracy {
    private Bf16Accuracy() {}

    /**
     * @param args optional image size in pixels (a multiple of 8; default 256)
     */
    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        BenchmarkEnvironment.init();
        ModelDirectory arch = ModelDirectory.builtinArchitecture();
        int latent = size / arch.vaeConfig().spatialFactor();
        try (NDManager m = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE)) {
            NDArray sample = Inputs.normal(m, 1, 2, arch.unetConfig().inChannels(), latent, latent);
            NDArray timesteps = m.create(new float[] {500f, 500f});
            NDArray context = Inputs.normal(m, 2, 2, 77, arch.unetConfig().crossAttentionDim());
            double unet = relativeError(m, w -> {
                UNet2DConditionModel u = new UNet2DConditionModel(arch.unetConfig(), w);
                return u.forward(sample, timesteps, context);
            });
            System.out.printf(Locale.ROOT, "# smallsd: full-size UNet CFG call at %d: bf16 vs fp32 relative L2 "
                    + "error %.5f%n", size, unet);
            NDArray z = Inputs.normal(m, 3, 1, arch.vaeConfig().latentChannels(), latent, latent);
            double vae = relativeError(m, w -> new AutoencoderKL(arch.vaeConfig(), w).decodeLatents(z));
            System.out.printf(Locale.ROOT, "# smallsd: full-size VAE decode at %d: bf16 vs fp32 relative L2 "
                    + "error %.5f%n", size, vae);
        }
    }

    /** Builds the network in each precision (one at a time, freed after its call) and compares the outputs. */
    private static double relativeError(NDManager m, Function<Weights, NDArray> call) {
        float[][] outputs = new float[2][];
        Precision[] order = {Precision.FP32, Precision.BF16};
        for (int i = 0; i < 2; i++) {
            try (NDManager weights = m.newSubManager()) {
                Weights w = Weights.random(ComponentState.SEED, weights).withPrecision(order[i]);
                outputs[i] = Scopes.compute(() -> call.apply(w).toFloatArray());
            }
        }
        double diff = 0;
        double norm = 0;
        for (int j = 0; j < outputs[0].length; j++) {
            double d = outputs[1][j] - (double) outputs[0][j];
            diff += d * d;
            norm += (double) outputs[0][j] * outputs[0][j];
        }
        return Math.sqrt(diff / norm);
    }
}

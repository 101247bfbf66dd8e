package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.vae.AutoencoderKL;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** VAE decode of one {@code [1, 4, size/8, size/8]} latent to a {@code size × size} image (no tiling). */
public class VaeDecodeBenchmark extends SingleShotBenchmark {

    /** The VAE and one latent. */
    @State(Scope.Benchmark)
    public static class VaeState extends PrecisionComponentState<AutoencoderKL> {
        NDArray latents;

        @Override
        protected AutoencoderKL build(ModelDirectory architecture, Weights weights) {
            return new AutoencoderKL(architecture.vaeConfig(), inPrecision(weights));
        }

        @Override
        protected void prepareInputs(AutoencoderKL vae, NDManager manager) {
            int side = latentSide(vae.config().spatialFactor());
            latents = Inputs.normal(manager, 3, 1, vae.config().latentChannels(), side, side);
        }
    }

    /**
     * @param s the state
     * @return the size of the decoded image
     */
    @Benchmark
    public long decode(VaeState s) {
        return ComponentState.measure(() -> s.component().decodeLatents(s.latents));
    }
}

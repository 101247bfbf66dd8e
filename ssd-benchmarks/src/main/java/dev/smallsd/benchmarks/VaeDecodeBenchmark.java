package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.io.ModelDirectory;
import dev.smallsd.nn.Weights;
import dev.smallsd.vae.AutoencoderKL;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** VAE decode of one {@code [1, 4, size/8, size/8]} latent to a {@code size × size} image (no tiling). */
public class VaeDecodeBenchmark extends SingleShotBenchmark {

    /** The VAE and one latent. */
    @State(Scope.Benchmark)
    public static class VaeState extends ComponentState<AutoencoderKL> {
        /** Image size in pixels. */
        @Param({"256", "512"})
        public int size;

        NDArray latents;

        @Override
        protected AutoencoderKL build(ModelDirectory architecture, Weights weights) {
            return new AutoencoderKL(architecture.vaeConfig(), weights);
        }

        @Override
        protected void prepareInputs(AutoencoderKL vae, NDManager manager) {
            int f = vae.config().spatialFactor();
            if (size < f || size % f != 0) {
                throw new IllegalArgumentException("parameter size=" + size + " must be a positive multiple of " + f);
            }
            latents = Inputs.normal(manager, 3, 1, vae.config().latentChannels(), size / f, size / f);
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

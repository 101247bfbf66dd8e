package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * One classifier-free-guidance UNet call of the full-size small-SD UNet: batch 2 latents of {@code size/8 ×
 * size/8}, one timestep, {@code [2, 77, 768]} text states (≈ 237 GFLOP at 256, ≈ 1046 GFLOP at 512).
 */
public class UNetBenchmark extends SingleShotBenchmark {

    /** The UNet and its inputs. */
    @State(Scope.Benchmark)
    public static class UNetState extends PrecisionComponentState<UNet2DConditionModel> {
        NDArray sample;
        NDArray timesteps;
        NDArray context;

        @Override
        protected UNet2DConditionModel build(ModelDirectory architecture, Weights weights) {
            return new UNet2DConditionModel(architecture.unetConfig(), inPrecision(weights));
        }

        @Override
        protected void prepareInputs(UNet2DConditionModel unet, NDManager manager) {
            int latent = latentSide(8);
            sample = Inputs.normal(manager, 1, 2, unet.config().inChannels(), latent, latent);
            timesteps = manager.create(new float[] {500f, 500f});
            context = Inputs.normal(manager, 2, 2, 77, unet.config().crossAttentionDim());
        }
    }

    /**
     * @param s the state
     * @return the size of the noise prediction
     */
    @Benchmark
    public long cfgCall(UNetState s) {
        return ComponentState.measure(() -> s.component().forward(s.sample, s.timesteps, s.context));
    }
}

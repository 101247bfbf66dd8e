package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.config.AutoencoderTinyConfig;
import dev.smallsd.internal.io.config.ConfigJson;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.internal.vae.AutoencoderTiny;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Decode of one {@code [1, 4, size/8, size/8]} latent to a {@code size × size} image by the tiny autoencoder
 * (diffusers' {@code AutoencoderTiny}, the TAESD architecture of {@code madebyollin/taesd}) that
 * {@code builder().vae(...)} accepts in place of the model's VAE; the counterpart of {@link VaeDecodeBenchmark}.
 * The architecture comes from {@link #CONFIG_RESOURCE} (diffusers v0.27.2's {@code AutoencoderTiny} defaults, which
 * are TAESD's: 64 channels, 3-3-3-1 decoder blocks; 1,222,531 decoder and 1,222,532 encoder parameters), the
 * weights are random like every other benchmark's.
 */
public class TinyVaeDecodeBenchmark extends SingleShotBenchmark {
    /** The classpath resource holding the tiny autoencoder's {@code config.json}. */
    public static final String CONFIG_RESOURCE = "/dev/smallsd/benchmarks/taesd/config.json";

    /**
     * @return the bundled TAESD architecture
     * @throws ModelLoadException when the resource is missing or malformed
     */
    public static AutoencoderTinyConfig taesdConfig() {
        Path label = Path.of(CONFIG_RESOURCE.substring(1));
        try (InputStream in = TinyVaeDecodeBenchmark.class.getResourceAsStream(CONFIG_RESOURCE)) {
            if (in == null) {
                throw new ModelLoadException(label, "missing config file (ssd-benchmarks resource)");
            }
            return AutoencoderTinyConfig.parse(ConfigJson.parse(in.readAllBytes(), label));
        } catch (IOException e) {
            throw new ModelLoadException(label, "cannot read resource: " + e, e);
        }
    }

    /** The tiny autoencoder and one latent. */
    @State(Scope.Benchmark)
    public static class TinyVaeState extends PrecisionComponentState<AutoencoderTiny> {
        NDArray latents;

        @Override
        protected AutoencoderTiny build(ModelDirectory architecture, Weights weights) {
            return new AutoencoderTiny(taesdConfig(), inPrecision(weights));
        }

        @Override
        protected void prepareInputs(AutoencoderTiny vae, NDManager manager) {
            int side = latentSide(vae.spatialFactor());
            latents = Inputs.normal(manager, 3, 1, vae.latentChannels(), side, side);
        }
    }

    /**
     * {@code vae.decode(latents / scaling_factor)}, as the pipeline calls it.
     *
     * @param s the state
     * @return the size of the decoded image
     */
    @Benchmark
    public long decode(TinyVaeState s) {
        return ComponentState.measure(() -> s.component().decode(s.latents.div((float) s.component().scalingFactor())));
    }
}

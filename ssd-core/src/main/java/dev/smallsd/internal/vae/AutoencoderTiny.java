package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.config.AutoencoderTinyConfig;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.schedulers.NoiseSource;

/**
 * diffusers' {@code AutoencoderTiny}, the TAESD architecture (e.g. {@code madebyollin/taesd}): a small
 * {@link EncoderTiny} / {@link DecoderTiny} pair that users pick instead of the model's {@link AutoencoderKL} for
 * speed. Its encoder is deterministic (no posterior, so no random draw) and its latents are used as they are
 * ({@code scaling_factor} 1.0 for TAESD). Immutable and thread-safe.
 */
public final class AutoencoderTiny implements Autoencoder {
    private final AutoencoderTinyConfig config;
    private final EncoderTiny encoder;
    private final DecoderTiny decoder;
    private final Precision precision;

    /**
     * @param config the parsed {@code config.json}
     * @param w weights view at the model root (keys such as {@code decoder.layers.0.weight})
     */
    public AutoencoderTiny(AutoencoderTinyConfig config, Weights w) {
        this.config = config;
        this.precision = w.precision();
        String act = Activations.require(config.actFn(), "act_fn");
        this.encoder = new EncoderTiny(w.child("encoder"), config.inChannels(), config.latentChannels(),
                config.numEncoderBlocks(), config.encoderBlockOutChannels(), act);
        this.decoder = new DecoderTiny(w.child("decoder"), config.latentChannels(), config.outChannels(),
                config.numDecoderBlocks(), config.decoderBlockOutChannels(), config.upsamplingScalingFactor(), act);
    }

    /**
     * Builds the model from a checkpoint and verifies that the checkpoint holds exactly its parameters.
     *
     * @param config the parsed config
     * @param file the open weight file (may be closed after this returns)
     * @param manager owner of the weights
     * @return the model
     * @throws dev.smallsd.ModelLoadException naming the file and every missing, mismatched or unexpected key
     */
    public static AutoencoderTiny load(AutoencoderTinyConfig config, TensorFile file, NDManager manager) {
        return load(config, file, manager, Precision.FP32);
    }

    /**
     * {@link #load(AutoencoderTinyConfig, TensorFile, NDManager)} with the weights held (and the model computed) in
     * {@code precision}.
     *
     * @param config the parsed config
     * @param file the open weight file
     * @param manager owner of the weights
     * @param precision the weights' precision
     * @return the model
     */
    public static AutoencoderTiny load(AutoencoderTinyConfig config, TensorFile file, NDManager manager,
            Precision precision) {
        Weights w = Weights.fromFile(file, manager, CheckpointKeys::canonicalName, CheckpointKeys::isIgnorable);
        AutoencoderTiny m = new AutoencoderTiny(config, w.withPrecision(precision));
        w.finish();
        return m;
    }

    /** @return the config the model was built from */
    @Override
    public AutoencoderTinyConfig config() {
        return config;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public NDArray decode(NDArray z) {
        requireLatentShape(z);
        return decoder.forward(z);
    }

    /**
     * {@code vae.encode(image).latents}.
     *
     * @param image {@code [N, in, H, W]} in [-1, 1]
     * @return the latents
     */
    public NDArray encode(NDArray image) {
        Shape s = image.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("image must be [batch, " + config.inChannels() + ", H, W], got " + s);
        }
        return encoder.forward(image);
    }

    @Override
    public NDArray encodeLatents(NDArray image, NoiseSource noise, NDManager manager) {
        return encode(image);
    }
}

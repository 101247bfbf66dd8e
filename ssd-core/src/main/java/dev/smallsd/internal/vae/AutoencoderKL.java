package dev.smallsd.internal.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.ModelLoadException;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.config.AutoencoderKLConfig;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Bfloat16;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.schedulers.NoiseSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * diffusers' {@code AutoencoderKL}, the image ↔ latent autoencoder, built from its {@code config.json}
 * ({@link AutoencoderKLConfig}): {@code encoder} ({@link Encoder}) + {@code quant_conv} (1×1) → a
 * {@link DiagonalGaussianDistribution}; {@code post_quant_conv} (1×1) + {@code decoder} ({@link Decoder}) → image.
 * Parameter names are the (current) checkpoint keys.
 *
 * <p>{@link #decode} takes {@code z} = pipeline latents already divided by {@link #scalingFactor()};
 * {@link #decodeLatents} divides for you. Optional tiled decoding ({@link #withTiling}) follows diffusers'
 * {@code enable_vae_tiling}.
 *
 * <p><b>Thread safety.</b> Immutable after construction (no per-call state, weights never modified):
 * {@link #decode}, {@link #decodeLatents} and {@link #encode} may be called from several threads at once. Each call runs
 * in its own {@link ai.djl.ndarray.NDScope}s; results are attached to the manager of the input.
 */
public final class AutoencoderKL implements Autoencoder {
    private final AutoencoderKLConfig config;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;
    private final VaeTiling tiling;
    private final AttentionSlicing slicing;
    private final Precision precision;

    /**
     * Builds the model; the caller checks the weights with {@link Weights#finish()} afterwards (or uses
     * {@link #load}).
     *
     * @param config the parsed {@code vae/config.json}
     * @param w weights view at the model root (keys such as {@code decoder.conv_in.weight})
     */
    public AutoencoderKL(AutoencoderKLConfig config, Weights w) {
        this.config = config;
        int latent = config.latentChannels();
        this.encoder = new Encoder(w.child("encoder"), config);
        this.decoder = new Decoder(w.child("decoder"), config);
        this.quantConv = new Conv2d(w.child("quant_conv"), 2 * latent, 2 * latent, 1, 1, 0, true);
        this.postQuantConv = new Conv2d(w.child("post_quant_conv"), latent, latent, 1, 1, 0, true);
        this.tiling = VaeTiling.disabled();
        this.slicing = AttentionSlicing.auto();
        this.precision = w.precision();
    }

    private AutoencoderKL(AutoencoderKL m, VaeTiling tiling, AttentionSlicing slicing) {
        this.config = m.config;
        this.encoder = m.encoder;
        this.decoder = m.decoder;
        this.quantConv = m.quantConv;
        this.postQuantConv = m.postQuantConv;
        this.tiling = tiling;
        this.slicing = slicing;
        this.precision = m.precision;
    }

    /**
     * Builds the model from a checkpoint and verifies that the checkpoint holds exactly its parameters.
     *
     * @param config the parsed {@code vae/config.json}
     * @param file the open weight file, {@code .safetensors} or {@code .bin}; legacy mid-block attention names
     *     ({@code query/key/value/proj_attn}) are mapped by {@link CheckpointKeys} (may be closed after this returns)
     * @param manager owner of the loaded weights
     * @return the model
     * @throws ModelLoadException naming the file and every missing, mismatched or unexpected key
     */
    public static AutoencoderKL load(AutoencoderKLConfig config, TensorFile file, NDManager manager) {
        return load(config, file, manager, Precision.FP32);
    }

    /**
     * {@link #load(AutoencoderKLConfig, TensorFile, NDManager)} with the weights held (and the model computed) in
     * {@code precision}.
     *
     * @param config the parsed {@code vae/config.json}
     * @param file the open weight file
     * @param manager owner of the loaded weights
     * @param precision the weights' precision
     * @return the model
     */
    public static AutoencoderKL load(AutoencoderKLConfig config, TensorFile file, NDManager manager,
            Precision precision) {
        return Weights.load(file, manager, w -> new AutoencoderKL(config, w.withPrecision(precision)));
    }

    /**
     * @param t tiling settings, e.g. {@link VaeTiling#of(AutoencoderKLConfig)} or {@link VaeTiling#disabled()}
     * @return a model sharing this one's weights that decodes with those settings
     */
    public AutoencoderKL withTiling(VaeTiling t) {
        return new AutoencoderKL(this, t, slicing);
    }

    /**
     * @param s attention slicing for the mid-block attention
     * @return a model sharing this one's weights that slices attention as given
     */
    public AutoencoderKL withAttentionSlicing(AttentionSlicing s) {
        return new AutoencoderKL(this, tiling, s);
    }

    /** @return the tiling settings used by {@link #decode} */
    public VaeTiling tiling() {
        return tiling;
    }

    /** @return the config the model was built from */
    @Override
    public AutoencoderKLConfig config() {
        return config;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    /** {@code latent_dist.sample(generator)}: one draw of the posterior's shape. */
    @Override
    public NDArray encodeLatents(NDArray image, NoiseSource noise, NDManager manager) {
        DiagonalGaussianDistribution dist = encode(image);
        return dist.sample(noise.next(dist.mean().getShape(), manager));
    }

    /**
     * {@code vae.decode(z).sample}. Thread-safe.
     *
     * @param z {@code [N, latent, h, w]}: pipeline latents divided by {@link #scalingFactor()}
     * @return the image {@code [N, out, h·f, w·f]}, nominally in [-1, 1], not clamped
     */
    @Override
    public NDArray decode(NDArray z) {
        Shape s = requireLatentShape(z);
        if (z.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("latents must be float32, got " + z.getDataType());
        }
        if (tiling.enabled() && (s.get(3) > tiling.tileLatentMinSize() || s.get(2) > tiling.tileLatentMinSize())) {
            return tiledDecode(z, tiling, this::decodeTile);
        }
        return decodeTile(z);
    }

    /**
     * Decodes what the denoising loop produces: {@code decode(latents / scaling_factor)} (float32 division, as the
     * pipeline does).
     *
     * @param latents pipeline latents {@code [N, latent, h, w]}
     * @return the image {@code [N, out, h·f, w·f]}, not clamped
     */
    public NDArray decodeLatents(NDArray latents) {
        return Scopes.run(() -> decode(latents.div((float) config.scalingFactor())));
    }

    /**
     * {@code vae.encode(image).latent_dist}. Thread-safe.
     *
     * @param image {@code [N, in, H, W]} in [-1, 1], float32
     * @return the posterior; its arrays are attached to the manager of {@code image}
     */
    public DiagonalGaussianDistribution encode(NDArray image) {
        Shape s = image.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("image must be [batch, " + config.inChannels() + ", H, W], got " + s);
        }
        if (image.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("image must be float32, got " + image.getDataType());
        }
        NDArray moments = Scopes.run(() -> Bfloat16.out(precision,
                quantConv.forward(encoder.forward(Bfloat16.in(precision, image), slicing))));
        return DiagonalGaussianDistribution.fromMoments(moments);
    }

    /**
     * diffusers' {@code VaeImageProcessor.postprocess(..., "np")}: {@code (x/2 + 0.5).clamp(0, 1)} as NHWC.
     *
     * @param decoded {@code [N, C, H, W]}
     * @return {@code [N, H, W, C]} in [0, 1], row-major
     */
    public static NDArray postprocess(NDArray decoded) {
        return Scopes.run(() -> decoded.div(2f).addi(0.5f).clip(0f, 1f).transpose(0, 2, 3, 1).reshape(-1)
                .reshape(decoded.getShape().get(0), decoded.getShape().get(2), decoded.getShape().get(3),
                        decoded.getShape().get(1)));
    }

    private NDArray decodeTile(NDArray z) {
        return Scopes.run(() -> Bfloat16.out(precision,
                decoder.forward(postQuantConv.forward(Bfloat16.in(precision, z)), slicing)));
    }

    /**
     * diffusers' {@code tiled_decode} with the tile decoder as a parameter (for tests of the blending).
     *
     * @param z latents larger than one tile
     * @param tiling the settings
     * @param decodeTile decodes one tile of latents ({@code post_quant_conv} + decoder)
     * @return the joined image
     */
    static NDArray tiledDecode(NDArray z, VaeTiling tiling, UnaryOperator<NDArray> decodeTile) {
        Shape s = z.getShape();
        long h = s.get(2);
        long w = s.get(3);
        int stride = tiling.latentStride();
        int tile = tiling.tileLatentMinSize();
        int blend = tiling.blendExtent();
        int limit = tiling.rowLimit();
        return Scopes.run(() -> {
            List<List<NDArray>> rows = new ArrayList<>();
            for (long i = 0; i < h; i += stride) {
                List<NDArray> row = new ArrayList<>();
                for (long j = 0; j < w; j += stride) {
                    NDArray part = z.get(":, :, " + i + ":" + Math.min(h, i + tile) + ", " + j + ":"
                            + Math.min(w, j + tile));
                    row.add(decodeTile.apply(part));
                }
                rows.add(row);
            }
            // diffusers blends in place: a tile already blended with its upper and left neighbours is what its
            // lower and right neighbours blend with, so the blended tile replaces the original in the grid
            NDList joinedRows = new NDList();
            for (int i = 0; i < rows.size(); i++) {
                List<NDArray> row = rows.get(i);
                NDList cropped = new NDList();
                for (int j = 0; j < row.size(); j++) {
                    NDArray t = row.get(j);
                    if (i > 0) {
                        t = blend(rows.get(i - 1).get(j), t, blend, 2);
                    }
                    if (j > 0) {
                        t = blend(row.get(j - 1), t, blend, 3);
                    }
                    row.set(j, t);
                    cropped.add(t.get(":, :, :" + limit + ", :" + limit));
                }
                joinedRows.add(NDArrays.concat(cropped, 3));
            }
            return NDArrays.concat(joinedRows, 2);
        });
    }

    /**
     * diffusers' {@code blend_v} (axis 2) / {@code blend_h} (axis 3): the first {@code e} rows (columns) of {@code b}
     * become {@code a[last e + y]·(1 − y/e) + b[y]·(y/e)}, {@code e = min(extent, a's and b's size)}.
     */
    private static NDArray blend(NDArray a, NDArray b, int extent, int axis) {
        long sizeA = a.getShape().get(axis);
        long sizeB = b.getShape().get(axis);
        int e = (int) Math.min(Math.min(sizeA, sizeB), extent);
        if (e == 0) {
            return b;
        }
        float[] wa = new float[e];
        float[] wb = new float[e];
        for (int y = 0; y < e; y++) {
            double f = y / (double) e;
            wa[y] = (float) (1 - f);
            wb[y] = (float) f;
        }
        Shape coef = axis == 2 ? new Shape(1, 1, e, 1) : new Shape(1, 1, 1, e);
        NDArray ca = b.getManager().create(wa, coef);
        NDArray cb = b.getManager().create(wb, coef);
        String sel = axis == 2 ? ":, :, " : ":, :, :, ";
        NDArray tail = a.get(sel + (sizeA - e) + ":");
        NDArray head = b.get(sel + "0:" + e);
        NDArray mixed = tail.mul(ca).addi(head.mul(cb));
        if (e == sizeB) {
            return mixed;
        }
        return NDArrays.concat(new NDList(mixed, b.get(sel + e + ":")), axis);
    }
}

package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import dev.smallsd.Precision;
import dev.smallsd.internal.nn.Activations;
import dev.smallsd.internal.nn.Bfloat16;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.GroupNorm;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * diffusers' {@code UNet2DConditionModel}, the noise predictor, built from its {@code config.json}
 * ({@link UNet2DConditionConfig}): {@code time_proj} ({@link Timesteps}) and {@code time_embedding}
 * ({@link TimestepEmbedding}), {@code conv_in}, {@code down_blocks} ({@link CrossAttnDownBlock2D} /
 * {@link DownBlock2D}), {@code mid_block} ({@link UNetMidBlock2DCrossAttn}), {@code up_blocks}
 * ({@link CrossAttnUpBlock2D} / {@link UpBlock2D}, consuming the skip connections of the down path),
 * {@code conv_norm_out}, activation, {@code conv_out}. Parameter names are the checkpoint keys.
 *
 * <p><b>Thread safety.</b> The model is immutable after construction (its weights are never modified or reshaped
 * per call, no call state is kept in fields): {@link #forward} may be called from several threads at once. Each call
 * runs in its own {@link ai.djl.ndarray.NDScope}s, so no intermediate outlives the call; only the result is returned,
 * attached to the manager of {@code sample} and registered with the caller's scope, if any.
 */
public final class UNet2DConditionModel {
    /** The down block classes a config may name in {@code down_block_types}. */
    private static final Map<String, BiFunction<Weights, UNetBlockSpec, UNetDownBlock>> DOWN_BLOCKS =
            Map.of("CrossAttnDownBlock2D", CrossAttnDownBlock2D::new, "DownBlock2D", DownBlock2D::new);
    /** The up block classes a config may name in {@code up_block_types}. */
    private static final Map<String, BiFunction<Weights, UNetBlockSpec, UNetUpBlock>> UP_BLOCKS =
            Map.of("CrossAttnUpBlock2D", CrossAttnUpBlock2D::new, "UpBlock2D", UpBlock2D::new);

    private final UNet2DConditionConfig config;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final Conv2d convIn;
    private final List<UNetDownBlock> downBlocks;
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<UNetUpBlock> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;
    private final AttentionSlicing slicing;
    private final int upsamplers;
    private final Precision precision;

    /**
     * Builds the model; the caller checks the weights with {@link Weights#finish()} afterwards (or uses
     * {@link #load}).
     *
     * @param config the parsed {@code unet/config.json}
     * @param w weights view at the model root (keys such as {@code conv_in.weight})
     */
    public UNet2DConditionModel(UNet2DConditionConfig config, Weights w) {
        this(config, w, AttentionSlicing.auto());
    }

    /**
     * @param config the parsed {@code unet/config.json}
     * @param w weights view at the model root
     * @param slicing attention slicing used by {@link #forward}
     */
    public UNet2DConditionModel(UNet2DConditionConfig config, Weights w, AttentionSlicing slicing) {
        this.config = config;
        this.slicing = slicing;
        this.precision = w.precision();
        String act = Activations.require(config.actFn(), "unet/config.json act_fn");
        List<Integer> boc = config.blockOutChannels();
        int n = boc.size();
        int temb = config.timeEmbedDim();
        UNetBlockSpec common = UNetBlockSpec.of(config);

        this.timeProj = new Timesteps(w.manager(), boc.get(0), config.flipSinToCos(), config.freqShift());
        this.timeEmbedding = new TimestepEmbedding(w.child("time_embedding"), boc.get(0), temb, act);
        this.convIn = new Conv2d(w.child("conv_in"), config.inChannels(), boc.get(0), 3, 1, 1, true);

        List<UNetDownBlock> downs = new ArrayList<>();
        int output = boc.get(0);
        for (int i = 0; i < n; i++) {
            int input = output;
            output = boc.get(i);
            boolean isFinal = i == n - 1;
            Weights bw = w.child("down_blocks").child(i);
            UNetBlockSpec spec = common.withChannels(input, output, input).withHeads(config.headsOfDownBlock(i))
                    .withSampler(!isFinal);
            downs.add(block(DOWN_BLOCKS, "down_block_types", i, config.downBlockTypes().get(i)).apply(bw, spec));
        }
        this.downBlocks = List.copyOf(downs);

        this.midBlock = new UNetMidBlock2DCrossAttn(w.child("mid_block"), common.withLayers(1)
                .withChannels(boc.get(n - 1), boc.get(n - 1), boc.get(n - 1)).withHeads(config.headsOfMidBlock())
                .withOutputScaleFactor(config.midBlockScaleFactor()));

        List<UNetUpBlock> ups = new ArrayList<>();
        int upsampling = 0;
        output = boc.get(n - 1);
        for (int i = 0; i < n; i++) {
            boolean isFinal = i == n - 1;
            int prev = output;
            output = boc.get(n - 1 - i);
            int input = boc.get(Math.max(n - 2 - i, 0));
            Weights bw = w.child("up_blocks").child(i);
            UNetBlockSpec spec = common.withLayers(config.layersPerBlock() + 1).withChannels(input, output, prev)
                    .withHeads(config.headsOfUpBlock(i)).withSampler(!isFinal);
            ups.add(block(UP_BLOCKS, "up_block_types", i, config.upBlockTypes().get(i)).apply(bw, spec));
            if (!isFinal) {
                upsampling++;
            }
        }
        this.upBlocks = List.copyOf(ups);
        this.upsamplers = upsampling;

        this.convNormOut = new GroupNorm(w.child("conv_norm_out"), config.normNumGroups(), boc.get(0),
                config.normEps());
        this.convOut = new Conv2d(w.child("conv_out"), boc.get(0), config.outChannels(), 3, 1, 1, true);
    }

    private static <B> BiFunction<Weights, UNetBlockSpec, B> block(
            Map<String, BiFunction<Weights, UNetBlockSpec, B>> kinds, String key, int i, String type) {
        BiFunction<Weights, UNetBlockSpec, B> make = kinds.get(type);
        if (make == null) {
            throw new IllegalArgumentException("unet/config.json " + key + "[" + i + "]: unsupported \"" + type
                    + "\"");
        }
        return make;
    }

    private UNet2DConditionModel(UNet2DConditionModel m, AttentionSlicing slicing) {
        this.config = m.config;
        this.timeProj = m.timeProj;
        this.timeEmbedding = m.timeEmbedding;
        this.convIn = m.convIn;
        this.downBlocks = m.downBlocks;
        this.midBlock = m.midBlock;
        this.upBlocks = m.upBlocks;
        this.convNormOut = m.convNormOut;
        this.convOut = m.convOut;
        this.upsamplers = m.upsamplers;
        this.slicing = slicing;
        this.precision = m.precision;
    }

    /**
     * Builds the model from a checkpoint and verifies that the checkpoint holds exactly its parameters.
     *
     * @param config the parsed {@code unet/config.json}
     * @param file the open weight file, {@code .safetensors} or {@code .bin} (names mapped by
     *     {@link CheckpointKeys}; may be closed after this returns)
     * @param manager owner of the loaded weights
     * @return the model
     * @throws ModelLoadException naming the file and every missing, mismatched or unexpected key
     */
    public static UNet2DConditionModel load(UNet2DConditionConfig config, TensorFile file, NDManager manager) {
        return load(config, file, manager, Precision.FP32);
    }

    /**
     * {@link #load(UNet2DConditionConfig, TensorFile, NDManager)} with the weights held (and the model computed) in
     * {@code precision}.
     *
     * @param config the parsed {@code unet/config.json}
     * @param file the open weight file
     * @param manager owner of the loaded weights
     * @param precision the weights' precision
     * @return the model
     */
    public static UNet2DConditionModel load(UNet2DConditionConfig config, TensorFile file, NDManager manager,
            Precision precision) {
        return Weights.load(file, manager, w -> new UNet2DConditionModel(config, w.withPrecision(precision)));
    }

    /**
     * @param s the attention slicing to use
     * @return a model sharing this one's weights that slices attention as given
     */
    public UNet2DConditionModel withAttentionSlicing(AttentionSlicing s) {
        return new UNet2DConditionModel(this, s);
    }

    /** @return the config the model was built from */
    public UNet2DConditionConfig config() {
        return config;
    }

    /**
     * @return the precision of the weights and of the computation inside {@link #forward} (inputs and output are
     *     float32 either way)
     */
    public Precision precision() {
        return precision;
    }

    /**
     * Predicts the noise ({@code unet(sample, timestep, encoder_hidden_states).sample}). Thread-safe.
     *
     * @param sample latents {@code [B, in_channels, h, w]}, float32
     * @param timesteps {@code [B]} (one per batch item), {@code [1]} or a scalar (broadcast to the batch); int64,
     *     float32 (fractional values, as Euler schedulers pass them) or any other numeric type
     * @param encoderHiddenStates text states {@code [B, S, cross_attention_dim]}, float32
     * @return {@code [B, out_channels, h, w]}
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray encoderHiddenStates) {
        return forward(sample, timesteps, encoderHiddenStates, BlockObserver.NONE);
    }

    /**
     * {@link #forward(NDArray, NDArray, NDArray)} with one timestep for the whole batch.
     *
     * @param sample latents {@code [B, in_channels, h, w]}
     * @param timestep the timestep (converted to float32, as diffusers does)
     * @param encoderHiddenStates text states {@code [B, S, cross_attention_dim]}
     * @return {@code [B, out_channels, h, w]}
     */
    public NDArray forward(NDArray sample, double timestep, NDArray encoderHiddenStates) {
        return Scopes.run(() -> forward(sample, sample.getManager().create((float) timestep), encoderHiddenStates));
    }

    /**
     * {@link #forward(NDArray, NDArray, NDArray)} reporting the outputs of {@code time_embedding}, {@code conv_in},
     * each down block, the mid block, each up block and {@code conv_out} to an observer.
     *
     * @param sample latents {@code [B, in_channels, h, w]}
     * @param timesteps {@code [B]}, {@code [1]} or scalar
     * @param encoderHiddenStates text states {@code [B, S, cross_attention_dim]}
     * @param observer receives intermediate results
     * @return {@code [B, out_channels, h, w]}
     */
    public NDArray forward(NDArray sample, NDArray timesteps, NDArray encoderHiddenStates, BlockObserver observer) {
        Shape s = checkInputs(sample, encoderHiddenStates);
        long batch = s.get(0);
        int factor = 1 << upsamplers;
        boolean forwardUpsampleSize = s.get(2) % factor != 0 || s.get(3) % factor != 0;
        return Scopes.run(() -> {
            NDArray t = batchTimesteps(timesteps, batch);
            // the sample and the text states enter in the weights' precision, as diffusers' pipeline passes them
            // (the sinusoidal embedding is computed in float32 and cast, as diffusers' forward does)
            NDArray x = Bfloat16.in(precision, config.centerInputSample() ? sample.mul(2f).subi(1f) : sample);
            NDArray context = Bfloat16.in(precision, encoderHiddenStates);

            NDArray emb = timeEmbedding.forward(Bfloat16.in(precision, timeProj.forward(t)));
            observer.observe("time_embedding", emb);

            NDArray h = convIn.forward(x);
            observer.observe("conv_in", h);
            List<NDArray> skips = new ArrayList<>();
            skips.add(h);
            for (int i = 0; i < downBlocks.size(); i++) {
                NDList states = downBlocks.get(i).forward(h, emb, context, slicing);
                skips.addAll(states);
                h = states.get(states.size() - 1);
                observer.observe("down_blocks." + i, h);
            }

            h = midBlock.forward(h, emb, context, slicing);
            observer.observe("mid_block", h);

            for (int i = 0; i < upBlocks.size(); i++) {
                UNetUpBlock block = upBlocks.get(i);
                boolean isFinal = i == upBlocks.size() - 1;
                int k = block.resnetCount();
                List<NDArray> res = new ArrayList<>(skips.subList(skips.size() - k, skips.size()));
                skips.subList(skips.size() - k, skips.size()).clear();
                long[] upsampleSize = null;
                if (!isFinal && forwardUpsampleSize) {
                    Shape next = skips.get(skips.size() - 1).getShape();
                    upsampleSize = new long[] {next.get(2), next.get(3)};
                }
                NDArray out = block.forward(h, res, emb, context, upsampleSize, slicing);
                h.close();
                for (NDArray r : res) {
                    r.close();
                }
                h = out;
                observer.observe("up_blocks." + i, h);
            }

            NDArray out = convOut.forward(convNormOut.forward(h, config.actFn()));
            observer.observe("conv_out", out);
            return Bfloat16.out(precision, out);
        });
    }

    private Shape checkInputs(NDArray sample, NDArray ehs) {
        Shape s = sample.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("sample must be [batch, " + config.inChannels() + ", h, w], got " + s);
        }
        if (sample.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("sample must be float32, got " + sample.getDataType());
        }
        Shape e = ehs.getShape();
        if (e.dimension() != 3 || e.get(0) != s.get(0) || e.get(2) != config.crossAttentionDim()) {
            throw new IllegalArgumentException("encoder_hidden_states must be [" + s.get(0) + ", seq, "
                    + config.crossAttentionDim() + "], got " + e);
        }
        if (ehs.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("encoder_hidden_states must be float32, got " + ehs.getDataType());
        }
        return s;
    }

    private static NDArray batchTimesteps(NDArray timesteps, long batch) {
        Shape ts = timesteps.getShape();
        if (ts.dimension() > 1) {
            throw new IllegalArgumentException("timesteps must be a scalar or 1-D, got shape " + ts);
        }
        if (!(timesteps.getDataType().isFloating() || timesteps.getDataType().isInteger())) {
            throw new IllegalArgumentException("timesteps must be numeric, got " + timesteps.getDataType());
        }
        long n = ts.size();
        if (n == batch && ts.dimension() == 1) {
            return timesteps;
        }
        if (n == 1) {
            return timesteps.reshape(1).broadcast(new Shape(batch));
        }
        throw new IllegalArgumentException("got " + n + " timesteps for a batch of " + batch
                + " (give one per batch item, or one for all)");
    }
}

package dev.smallsd.internal.io.config;

import com.google.gson.JsonElement;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * The configuration of diffusers' {@code UNet2DConditionModel} ({@code unet/config.json}), with diffusers v0.27.2
 * defaults for absent keys. Options beyond Stable Diffusion v1/v2 (class or addition embeddings, scale-shift resnets,
 * dual or cross-only attention, Fourier time embedding, several transformer layers per block, ...) are rejected
 * with a {@link dev.smallsd.ModelLoadException} naming the key when set to a non-default value.
 *
 * <p><b>Attention heads.</b> SD v1 configs call the number of heads {@code attention_head_dim} (diffusers keeps that
 * meaning): {@link #numAttentionHeads()} is {@code num_attention_heads} when given, else {@code attention_head_dim},
 * broadcast to one entry per down block. Use {@link #headsOfDownBlock}, {@link #headsOfMidBlock} and
 * {@link #headsOfUpBlock}; the head size is the block's channels divided by its heads.
 *
 * @param sampleSize {@code sample_size}: latent height/width the model was trained at, or {@code null}
 * @param inChannels {@code in_channels} (default 4)
 * @param outChannels {@code out_channels} (default 4)
 * @param centerInputSample {@code center_input_sample} (default false): input is mapped by {@code 2x - 1}
 * @param flipSinToCos {@code flip_sin_to_cos} (default true): time embedding as [cos, sin]
 * @param freqShift {@code freq_shift} (default 0)
 * @param downBlockTypes {@code down_block_types} (CrossAttnDownBlock2D x3, DownBlock2D)
 * @param midBlockType {@code mid_block_type} (UNetMidBlock2DCrossAttn)
 * @param upBlockTypes {@code up_block_types} (UpBlock2D, CrossAttnUpBlock2D x3)
 * @param blockOutChannels {@code block_out_channels} (default [320, 640, 1280, 1280])
 * @param layersPerBlock {@code layers_per_block} (default 2; small-stable-diffusion uses 1); up blocks have one more
 * @param downsamplePadding {@code downsample_padding} (default 1)
 * @param midBlockScaleFactor {@code mid_block_scale_factor} (default 1): mid-block resnet output scale
 * @param actFn {@code act_fn} (default "silu")
 * @param normNumGroups {@code norm_num_groups} (default 32)
 * @param normEps {@code norm_eps} (default 1e-5)
 * @param crossAttentionDim {@code cross_attention_dim} (default 1280; SD v1: 768)
 * @param attentionHeadDim {@code attention_head_dim} per down block (default 8), as written in the config
 * @param numAttentionHeads the resolved number of heads per down block ({@code num_attention_heads}, or
 *     {@code attention_head_dim} when that is null)
 * @param useLinearProjection {@code use_linear_projection} (default false): proj_in/proj_out are Linear, not 1x1
 *     convolutions
 * @param upcastAttention {@code upcast_attention} (default false): attention scores computed in float32
 * @param dropout {@code dropout} (default 0; unused at inference)
 */
public record UNet2DConditionConfig(
        Integer sampleSize,
        int inChannels,
        int outChannels,
        boolean centerInputSample,
        boolean flipSinToCos,
        int freqShift,
        List<String> downBlockTypes,
        String midBlockType,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int downsamplePadding,
        double midBlockScaleFactor,
        String actFn,
        int normNumGroups,
        double normEps,
        int crossAttentionDim,
        List<Integer> attentionHeadDim,
        List<Integer> numAttentionHeads,
        boolean useLinearProjection,
        boolean upcastAttention,
        double dropout) {

    /** The file name inside the component folder. */
    public static final String FILE_NAME = "config.json";

    /** The down block types supported. */
    public static final Set<String> DOWN_BLOCK_TYPES = Set.of("CrossAttnDownBlock2D", "DownBlock2D");
    /** The up block types supported. */
    public static final Set<String> UP_BLOCK_TYPES = Set.of("CrossAttnUpBlock2D", "UpBlock2D");
    /** The mid block type supported. */
    public static final String MID_BLOCK_TYPE = "UNetMidBlock2DCrossAttn";

    /** Copies the lists. */
    public UNet2DConditionConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = List.copyOf(blockOutChannels);
        attentionHeadDim = List.copyOf(attentionHeadDim);
        numAttentionHeads = List.copyOf(numAttentionHeads);
    }

    /**
     * Reads {@code unet/config.json}.
     *
     * @param file the file
     * @return the config
     * @throws dev.smallsd.ModelLoadException when the file is missing, malformed or asks for unsupported options
     */
    public static UNet2DConditionConfig read(Path file) {
        return parse(ConfigJson.read(file));
    }

    /**
     * Parses and validates the config.
     *
     * @param j the parsed file
     * @return the config
     * @throws dev.smallsd.ModelLoadException naming the file and key on a wrong type, inconsistent lengths or an
     *     unsupported option
     */
    public static UNet2DConditionConfig parse(ConfigJson j) {
        j.requireMarker("_class_name", "UNet2DConditionModel");
        rejectUnsupported(j);
        List<String> down = j.stringListOr("down_block_types",
                List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
        List<String> up = j.stringListOr("up_block_types",
                List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"));
        String mid = j.stringOr("mid_block_type", MID_BLOCK_TYPE);
        List<Integer> channels = j.intListOr("block_out_channels", List.of(320, 640, 1280, 1280));
        int n = down.size();
        for (String t : down) {
            if (!DOWN_BLOCK_TYPES.contains(t)) {
                throw j.error("down_block_types", "block type \"" + t + "\" is not supported; supported: "
                        + DOWN_BLOCK_TYPES);
            }
        }
        for (String t : up) {
            if (!UP_BLOCK_TYPES.contains(t)) {
                throw j.error("up_block_types", "block type \"" + t + "\" is not supported; supported: "
                        + UP_BLOCK_TYPES);
            }
        }
        if (!MID_BLOCK_TYPE.equals(mid)) {
            throw j.error("mid_block_type", "\"" + mid + "\" is not supported; only \"" + MID_BLOCK_TYPE + "\" is");
        }
        if (n == 0) {
            throw j.error("down_block_types", "must not be empty");
        }
        if (up.size() != n) {
            throw j.error("up_block_types", "has " + up.size() + " entries but down_block_types has " + n);
        }
        if (channels.size() != n) {
            throw j.error("block_out_channels", "has " + channels.size() + " entries but down_block_types has " + n);
        }
        JsonElement lpb = j.get("layers_per_block");
        if (lpb != null && lpb.isJsonArray()) {
            throw j.error("layers_per_block", "a per-block list is not supported; use one integer");
        }
        int layers = j.intOr("layers_per_block", 2);
        JsonElement cad = j.get("cross_attention_dim");
        if (cad != null && cad.isJsonArray()) {
            throw j.error("cross_attention_dim", "a per-block list is not supported; use one integer");
        }
        int crossDim = j.intOr("cross_attention_dim", 1280);
        List<Integer> headDim = j.intOrIntListOr("attention_head_dim", n, Collections.nCopies(n, 8));
        if (headDim.size() != n) {
            throw j.error("attention_head_dim", "has " + headDim.size() + " entries but down_block_types has " + n);
        }
        List<Integer> heads = j.intOrIntListOr("num_attention_heads", n, headDim);
        if (heads.size() != n) {
            throw j.error("num_attention_heads", "has " + heads.size() + " entries but down_block_types has " + n);
        }
        int groups = j.intOr("norm_num_groups", 32);
        String headKey = j.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
        for (int i = 0; i < n; i++) {
            int c = channels.get(i);
            j.requireBlockChannels(i, c, groups);
            int h = heads.get(i);
            if (h <= 0 || c % h != 0) {
                throw j.error(headKey, "block " + i + ": " + h + " heads do not divide its " + c + " channels");
            }
        }
        int layersChecked = j.positive("layers_per_block", layers);
        return new UNet2DConditionConfig(
                j.intOrNull("sample_size"),
                j.positive("in_channels", j.intOr("in_channels", 4)),
                j.positive("out_channels", j.intOr("out_channels", 4)),
                j.boolOr("center_input_sample", false),
                j.boolOr("flip_sin_to_cos", true),
                j.intOr("freq_shift", 0),
                down, mid, up, channels, layersChecked,
                j.intOr("downsample_padding", 1),
                j.doubleOr("mid_block_scale_factor", 1.0),
                j.stringOr("act_fn", "silu"),
                groups,
                j.doubleOr("norm_eps", 1e-5),
                j.positive("cross_attention_dim", crossDim),
                headDim, heads,
                j.boolOr("use_linear_projection", false),
                j.boolOr("upcast_attention", false),
                j.doubleOr("dropout", 0.0));
    }

    private static void rejectUnsupported(ConfigJson j) {
        JsonElement oca = j.get("only_cross_attention");
        if (oca != null) {
            boolean any = false;
            if (oca.isJsonArray()) {
                for (JsonElement e : oca.getAsJsonArray()) {
                    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
                        throw j.error("only_cross_attention", "expected a boolean or a list of booleans, found " + oca);
                    }
                    any |= e.getAsBoolean();
                }
            } else {
                any = j.boolOr("only_cross_attention", false);
            }
            if (any) {
                throw j.error("only_cross_attention", "cross-attention-only blocks are not supported");
            }
        }
        Unsupported.requireBool(j, "dual_cross_attention", false);
        Unsupported.requireBool(j, "mid_block_only_cross_attention", false);
        Unsupported.requireString(j, "resnet_time_scale_shift", "default");
        Unsupported.requireBool(j, "resnet_skip_time_act", false);
        Unsupported.requireDouble(j, "resnet_out_scale_factor", 1.0);
        Unsupported.requireString(j, "time_embedding_type", "positional");
        Unsupported.requireString(j, "attention_type", "default");
        Unsupported.requireBool(j, "class_embeddings_concat", false);
        Unsupported.requireInt(j, "conv_in_kernel", 3);
        Unsupported.requireInt(j, "conv_out_kernel", 3);
        if (!j.intOrIntListOr("transformer_layers_per_block", 1, List.of(1)).stream().allMatch(x -> x == 1)) {
            throw j.error("transformer_layers_per_block", "value " + j.get("transformer_layers_per_block")
                    + " is not supported; only 1 is");
        }
        Unsupported.requireNull(j, "reverse_transformer_layers_per_block", "per-block transformer depth");
        Unsupported.requireNull(j, "class_embed_type", "class conditioning");
        Unsupported.requireNull(j, "num_class_embeds", "class conditioning");
        Unsupported.requireNull(j, "projection_class_embeddings_input_dim", "class conditioning");
        Unsupported.requireNull(j, "addition_embed_type", "additional embeddings");
        Unsupported.requireNull(j, "addition_time_embed_dim", "additional embeddings");
        Unsupported.requireNull(j, "encoder_hid_dim", "encoder hidden-state projection");
        Unsupported.requireNull(j, "encoder_hid_dim_type", "encoder hidden-state projection");
        Unsupported.requireNull(j, "time_embedding_dim", "a custom time embedding size");
        Unsupported.requireNull(j, "time_embedding_act_fn", "a time embedding activation");
        Unsupported.requireNull(j, "timestep_post_act", "a second time embedding activation");
        Unsupported.requireNull(j, "time_cond_proj_dim", "time condition projection");
        Unsupported.requireNull(j, "cross_attention_norm", "cross-attention normalisation");
    }

    /** @return the time embedding width, {@code 4 * block_out_channels[0]} */
    public int timeEmbedDim() {
        return blockOutChannels.get(0) * 4;
    }

    /**
     * @param i a down block index
     * @return its number of attention heads
     */
    public int headsOfDownBlock(int i) {
        return numAttentionHeads.get(i);
    }

    /** @return the number of attention heads of the mid block (that of the last down block) */
    public int headsOfMidBlock() {
        return numAttentionHeads.get(numAttentionHeads.size() - 1);
    }

    /**
     * @param i an up block index (0 = the deepest, as in {@code up_blocks.0})
     * @return its number of attention heads (the down-block list reversed)
     */
    public int headsOfUpBlock(int i) {
        return numAttentionHeads.get(numAttentionHeads.size() - 1 - i);
    }
}

package dev.smallsd.internal.unet;

import dev.smallsd.internal.blocks.Downsample2D;
import dev.smallsd.internal.blocks.ResnetBlock2D;
import dev.smallsd.internal.blocks.Upsample2D;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * The keyword arguments diffusers' {@code get_down_block} / {@code get_up_block} (and the mid block) pass to a UNet
 * block, as one value: start from {@link #of(UNet2DConditionConfig)} (the arguments every block shares) and name the
 * per-block ones with the {@code with…} methods. It also builds the parts the blocks have in common, so each block
 * class only says how they are wired.
 *
 * @param numLayers resnets (and transformers) of the block: {@code layers_per_block}, {@code + 1} for up blocks
 * @param inChannels input channels (down/mid) or channels of the skip consumed by the last layer (up)
 * @param outChannels output channels
 * @param prevOutputChannel channels of an up block's input (unused by down and mid blocks)
 * @param tembChannels width of the time embedding
 * @param resnetEps GroupNorm epsilon of the resnets
 * @param resnetActFn activation name of the resnets
 * @param resnetGroups GroupNorm groups of the resnets and transformers
 * @param outputScaleFactor divisor of every resnet's output ({@code mid_block_scale_factor} in the mid block)
 * @param attentionHeads attention heads of the transformers
 * @param crossAttentionDim width of the text states
 * @param useLinearProjection linear instead of 1×1 convolution projections in the transformers
 * @param addSampler whether the block ends with a down/upsampler
 * @param downsamplePadding padding of the downsampler
 */
public record UNetBlockSpec(int numLayers, int inChannels, int outChannels, int prevOutputChannel, int tembChannels,
        double resnetEps, String resnetActFn, int resnetGroups, double outputScaleFactor, int attentionHeads,
        int crossAttentionDim, boolean useLinearProjection, boolean addSampler, int downsamplePadding) {

    /**
     * @param config the UNet config
     * @return the arguments shared by every block of that UNet; channels, layers, heads and sampler still to name
     */
    public static UNetBlockSpec of(UNet2DConditionConfig config) {
        return new UNetBlockSpec(config.layersPerBlock(), 0, 0, 0, config.timeEmbedDim(), config.normEps(),
                config.actFn(), config.normNumGroups(), 1.0, 1, config.crossAttentionDim(),
                config.useLinearProjection(), false, config.downsamplePadding());
    }

    /**
     * @param layers resnets of the block
     * @return a copy with that {@code num_layers}
     */
    public UNetBlockSpec withLayers(int layers) {
        return new UNetBlockSpec(layers, inChannels, outChannels, prevOutputChannel, tembChannels, resnetEps,
                resnetActFn, resnetGroups, outputScaleFactor, attentionHeads, crossAttentionDim, useLinearProjection,
                addSampler, downsamplePadding);
    }

    /**
     * @param in {@code in_channels}
     * @param out {@code out_channels}
     * @param prev {@code prev_output_channel} (up blocks; pass {@code in} otherwise)
     * @return a copy with those channels
     */
    public UNetBlockSpec withChannels(int in, int out, int prev) {
        return new UNetBlockSpec(numLayers, in, out, prev, tembChannels, resnetEps, resnetActFn, resnetGroups,
                outputScaleFactor, attentionHeads, crossAttentionDim, useLinearProjection, addSampler,
                downsamplePadding);
    }

    /**
     * @param heads {@code num_attention_heads}
     * @return a copy with that head count
     */
    public UNetBlockSpec withHeads(int heads) {
        return new UNetBlockSpec(numLayers, inChannels, outChannels, prevOutputChannel, tembChannels, resnetEps,
                resnetActFn, resnetGroups, outputScaleFactor, heads, crossAttentionDim, useLinearProjection,
                addSampler, downsamplePadding);
    }

    /**
     * @param sampler {@code add_downsample} / {@code add_upsample}
     * @return a copy with that choice
     */
    public UNetBlockSpec withSampler(boolean sampler) {
        return new UNetBlockSpec(numLayers, inChannels, outChannels, prevOutputChannel, tembChannels, resnetEps,
                resnetActFn, resnetGroups, outputScaleFactor, attentionHeads, crossAttentionDim, useLinearProjection,
                sampler, downsamplePadding);
    }

    /**
     * @param factor {@code output_scale_factor} of the resnets
     * @return a copy with that factor
     */
    public UNetBlockSpec withOutputScaleFactor(double factor) {
        return new UNetBlockSpec(numLayers, inChannels, outChannels, prevOutputChannel, tembChannels, resnetEps,
                resnetActFn, resnetGroups, factor, attentionHeads, crossAttentionDim, useLinearProjection, addSampler,
                downsamplePadding);
    }

    /**
     * @param w weights view of the resnet
     * @param in its input channels
     * @return a resnet with this block's output channels, time embedding, norms and activation
     */
    ResnetBlock2D resnet(Weights w, int in) {
        return new ResnetBlock2D(w, resnetSpec(in));
    }

    private ResnetBlock2D.Spec resnetSpec(int in) {
        return new ResnetBlock2D.Spec(in, outChannels, tembChannels, resnetGroups, resnetEps, resnetActFn,
                outputScaleFactor);
    }

    /** A down block's resnets {@code resnets.i}: the first takes the block's input, the others its output. */
    List<ResnetBlock2D> downResnets(Weights block) {
        return ResnetBlock2D.chain(block.child("resnets"), numLayers, resnetSpec(inChannels));
    }

    /** An up block's resnets {@code resnets.i}, each taking the hidden states concatenated with one skip. */
    List<ResnetBlock2D> upResnets(Weights block) {
        List<ResnetBlock2D> rs = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            int skip = i == numLayers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannel : outChannels;
            rs.add(resnet(block.child("resnets").child(i), resnetIn + skip));
        }
        return List.copyOf(rs);
    }

    /** The block's transformers {@code attentions.i} over {@code outChannels}, one per layer. */
    List<Transformer2DModel> transformers(Weights block, String blockName) {
        if (outChannels % attentionHeads != 0) {
            throw new IllegalArgumentException(blockName + ": " + outChannels + " channels not divisible by "
                    + attentionHeads + " attention heads");
        }
        List<Transformer2DModel> as = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            as.add(new Transformer2DModel(block.child("attentions").child(i), attentionHeads,
                    outChannels / attentionHeads, outChannels, 1, crossAttentionDim, resnetGroups,
                    useLinearProjection));
        }
        return List.copyOf(as);
    }

    /** @return {@code downsamplers.0}, or {@code null} without {@link #addSampler} */
    Downsample2D downsampler(Weights block) {
        return addSampler ? new Downsample2D(block.child("downsamplers").child(0), outChannels, outChannels,
                downsamplePadding) : null;
    }

    /** @return {@code upsamplers.0}, or {@code null} without {@link #addSampler} */
    Upsample2D upsampler(Weights block) {
        return addSampler ? new Upsample2D(block.child("upsamplers").child(0), outChannels, outChannels) : null;
    }
}

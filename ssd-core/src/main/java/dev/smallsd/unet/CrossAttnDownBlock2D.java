package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.smallsd.nn.AttentionSlicing;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code CrossAttnDownBlock2D}: {@code num_layers} pairs of {@code resnets.i} ({@link ResnetBlock2D}) and
 * {@code attentions.i} ({@link Transformer2DModel}), each pair's output kept as a skip connection, then an optional
 * {@code downsamplers.0} ({@link Downsample2D}) whose output is kept as well. Immutable and thread-safe.
 */
public final class CrossAttnDownBlock2D implements UNetDownBlock {
    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;
    private final Downsample2D downsampler;

    /**
     * @param w weights view of this block (e.g. {@code down_blocks.0})
     * @param numLayers number of resnet/attention pairs ({@code layers_per_block})
     * @param inChannels input channels
     * @param outChannels output channels
     * @param tembChannels time embedding width
     * @param eps GroupNorm epsilon of the resnets
     * @param act activation name
     * @param groups GroupNorm groups
     * @param heads attention heads
     * @param crossAttentionDim width of the text states
     * @param addDownsample whether the block ends with a downsampler
     * @param downsamplePadding padding of the downsampler
     * @param useLinearProjection linear projections in the transformers
     */
    public CrossAttnDownBlock2D(Weights w, int numLayers, int inChannels, int outChannels, int tembChannels,
            double eps, String act, int groups, int heads, int crossAttentionDim, boolean addDownsample,
            int downsamplePadding, boolean useLinearProjection) {
        if (outChannels % heads != 0) {
            throw new IllegalArgumentException("CrossAttnDownBlock2D: " + outChannels + " channels not divisible by "
                    + heads + " attention heads");
        }
        List<ResnetBlock2D> rs = new ArrayList<>();
        List<Transformer2DModel> as = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            rs.add(new ResnetBlock2D(w.child("resnets").child(i), i == 0 ? inChannels : outChannels, outChannels,
                    tembChannels, groups, eps, act, 1.0));
            as.add(new Transformer2DModel(w.child("attentions").child(i), heads, outChannels / heads, outChannels, 1,
                    crossAttentionDim, groups, useLinearProjection));
        }
        this.resnets = List.copyOf(rs);
        this.attentions = List.copyOf(as);
        this.downsampler = addDownsample
                ? new Downsample2D(w.child("downsamplers").child(0), outChannels, outChannels, downsamplePadding)
                : null;
    }

    @Override
    public NDList forward(NDArray x, NDArray temb, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        return Scopes.runList(() -> {
            NDList states = new NDList();
            NDArray h = x;
            for (int i = 0; i < resnets.size(); i++) {
                h = resnets.get(i).forward(h, temb);
                h = attentions.get(i).forward(h, encoderHiddenStates, slicing);
                states.add(h);
            }
            if (downsampler != null) {
                states.add(downsampler.forward(h));
            }
            return states;
        });
    }

    @Override
    public int outputCount() {
        return resnets.size() + (downsampler != null ? 1 : 0);
    }
}

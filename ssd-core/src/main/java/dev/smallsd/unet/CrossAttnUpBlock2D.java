package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.smallsd.nn.AttentionSlicing;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code CrossAttnUpBlock2D}: for each of {@code num_layers} layers, the last unused skip connection is
 * concatenated to the hidden states along channels, then {@code resnets.i} ({@link ResnetBlock2D}) and
 * {@code attentions.i} ({@link Transformer2DModel}); then an optional {@code upsamplers.0} ({@link Upsample2D}).
 * Immutable and thread-safe.
 */
public final class CrossAttnUpBlock2D implements UNetUpBlock {
    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;
    private final Upsample2D upsampler;

    /**
     * @param w weights view of this block (e.g. {@code up_blocks.1})
     * @param numLayers number of resnet/attention pairs ({@code layers_per_block + 1})
     * @param inChannels channels of the skip connection consumed by the last layer
     * @param outChannels output channels
     * @param prevOutputChannel channels of the block's input
     * @param tembChannels time embedding width
     * @param eps GroupNorm epsilon of the resnets
     * @param act activation name
     * @param groups GroupNorm groups
     * @param heads attention heads
     * @param crossAttentionDim width of the text states
     * @param addUpsample whether the block ends with an upsampler
     * @param useLinearProjection linear projections in the transformers
     */
    public CrossAttnUpBlock2D(Weights w, int numLayers, int inChannels, int outChannels, int prevOutputChannel,
            int tembChannels, double eps, String act, int groups, int heads, int crossAttentionDim,
            boolean addUpsample, boolean useLinearProjection) {
        if (outChannels % heads != 0) {
            throw new IllegalArgumentException("CrossAttnUpBlock2D: " + outChannels + " channels not divisible by "
                    + heads + " attention heads");
        }
        List<ResnetBlock2D> rs = new ArrayList<>();
        List<Transformer2DModel> as = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            int skip = i == numLayers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannel : outChannels;
            rs.add(new ResnetBlock2D(w.child("resnets").child(i), resnetIn + skip, outChannels, tembChannels, groups,
                    eps, act, 1.0));
            as.add(new Transformer2DModel(w.child("attentions").child(i), heads, outChannels / heads, outChannels, 1,
                    crossAttentionDim, groups, useLinearProjection));
        }
        this.resnets = List.copyOf(rs);
        this.attentions = List.copyOf(as);
        this.upsampler = addUpsample ? new Upsample2D(w.child("upsamplers").child(0), outChannels, outChannels) : null;
    }

    @Override
    public NDArray forward(NDArray x, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
            long[] upsampleSize, AttentionSlicing slicing) {
        UpBlock2D.checkSkips(resHiddenStates, resnets.size(), "CrossAttnUpBlock2D");
        return Scopes.run(() -> {
            NDArray h = x;
            int last = resHiddenStates.size() - 1;
            for (int i = 0; i < resnets.size(); i++) {
                h = NDArrays.concat(new NDList(h, resHiddenStates.get(last - i)), 1);
                h = resnets.get(i).forward(h, temb);
                h = attentions.get(i).forward(h, encoderHiddenStates, slicing);
            }
            return upsampler == null ? h : upsampler.forward(h, upsampleSize);
        });
    }

    @Override
    public int resnetCount() {
        return resnets.size();
    }
}

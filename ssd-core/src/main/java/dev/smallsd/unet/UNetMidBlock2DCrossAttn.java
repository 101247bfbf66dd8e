package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.nn.AttentionSlicing;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code UNetMidBlock2DCrossAttn}: {@code resnets.0}, then {@code num_layers} pairs of
 * {@code attentions.i} ({@link Transformer2DModel}) and {@code resnets.(i+1)}; the resnets divide their output by
 * {@code mid_block_scale_factor}. Immutable and thread-safe.
 */
public final class UNetMidBlock2DCrossAttn {
    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;

    /**
     * @param w weights view of this block ({@code mid_block})
     * @param numLayers number of attention/resnet pairs after the first resnet (1 in Stable Diffusion)
     * @param channels channels (input = output)
     * @param tembChannels time embedding width
     * @param eps GroupNorm epsilon of the resnets
     * @param act activation name
     * @param groups GroupNorm groups
     * @param outputScaleFactor {@code mid_block_scale_factor}
     * @param heads attention heads
     * @param crossAttentionDim width of the text states
     * @param useLinearProjection linear projections in the transformers
     */
    public UNetMidBlock2DCrossAttn(Weights w, int numLayers, int channels, int tembChannels, double eps, String act,
            int groups, double outputScaleFactor, int heads, int crossAttentionDim, boolean useLinearProjection) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException("UNetMidBlock2DCrossAttn: " + channels + " channels not divisible by "
                    + heads + " attention heads");
        }
        List<ResnetBlock2D> rs = new ArrayList<>();
        List<Transformer2DModel> as = new ArrayList<>();
        Weights rw = w.child("resnets");
        rs.add(new ResnetBlock2D(rw.child(0), channels, channels, tembChannels, groups, eps, act, outputScaleFactor));
        for (int i = 0; i < numLayers; i++) {
            as.add(new Transformer2DModel(w.child("attentions").child(i), heads, channels / heads, channels, 1,
                    crossAttentionDim, groups, useLinearProjection));
            rs.add(new ResnetBlock2D(rw.child(i + 1), channels, channels, tembChannels, groups, eps, act,
                    outputScaleFactor));
        }
        this.resnets = List.copyOf(rs);
        this.attentions = List.copyOf(as);
    }

    /**
     * @param x {@code [N, C, H, W]}
     * @param temb time embedding
     * @param encoderHiddenStates text states
     * @param slicing attention slicing
     * @return {@code [N, C, H, W]}
     */
    public NDArray forward(NDArray x, NDArray temb, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        return Scopes.run(() -> {
            NDArray h = resnets.get(0).forward(x, temb);
            for (int i = 0; i < attentions.size(); i++) {
                h = attentions.get(i).forward(h, encoderHiddenStates, slicing);
                h = resnets.get(i + 1).forward(h, temb);
            }
            return h;
        });
    }
}

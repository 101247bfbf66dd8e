package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.blocks.ResnetBlock2D;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;
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
     * @param spec its arguments: {@code num_layers} attention/resnet pairs after the first resnet (1 in Stable
     *     Diffusion), input channels = output channels, {@code mid_block_scale_factor} as the resnets' output factor
     */
    public UNetMidBlock2DCrossAttn(Weights w, UNetBlockSpec spec) {
        this.attentions = spec.transformers(w, "UNetMidBlock2DCrossAttn");
        List<ResnetBlock2D> rs = new ArrayList<>();
        Weights rw = w.child("resnets");
        for (int i = 0; i <= spec.numLayers(); i++) {
            rs.add(spec.resnet(rw.child(i), spec.outChannels()));
        }
        this.resnets = List.copyOf(rs);
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

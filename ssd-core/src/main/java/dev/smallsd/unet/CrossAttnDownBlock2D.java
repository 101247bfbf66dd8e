package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.smallsd.blocks.Downsample2D;
import dev.smallsd.blocks.ResnetBlock2D;
import dev.smallsd.nn.AttentionSlicing;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
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
     * @param spec its arguments ({@code num_layers} resnet/attention pairs)
     */
    public CrossAttnDownBlock2D(Weights w, UNetBlockSpec spec) {
        this.attentions = spec.transformers(w, "CrossAttnDownBlock2D");
        this.resnets = spec.downResnets(w);
        this.downsampler = spec.downsampler(w);
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

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
 * diffusers' {@code DownBlock2D}: {@code num_layers} {@code resnets.i} ({@link ResnetBlock2D}), each output kept as a
 * skip connection, then an optional {@code downsamplers.0} ({@link Downsample2D}). Immutable and thread-safe.
 */
public final class DownBlock2D implements UNetDownBlock {
    private final List<ResnetBlock2D> resnets;
    private final Downsample2D downsampler;

    /**
     * @param w weights view of this block
     * @param spec its arguments ({@code num_layers} resnets; heads and text width unused)
     */
    public DownBlock2D(Weights w, UNetBlockSpec spec) {
        this.resnets = spec.downResnets(w);
        this.downsampler = spec.downsampler(w);
    }

    @Override
    public NDList forward(NDArray x, NDArray temb, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        return Scopes.runList(() -> {
            NDList states = new NDList();
            NDArray h = x;
            for (ResnetBlock2D r : resnets) {
                h = r.forward(h, temb);
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

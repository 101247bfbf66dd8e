package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.smallsd.nn.AttentionSlicing;
import dev.smallsd.nn.Scopes;
import dev.smallsd.nn.Weights;
import java.util.ArrayList;
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
     * @param numLayers number of resnets ({@code layers_per_block})
     * @param inChannels input channels
     * @param outChannels output channels
     * @param tembChannels time embedding width
     * @param eps GroupNorm epsilon
     * @param act activation name
     * @param groups GroupNorm groups
     * @param addDownsample whether the block ends with a downsampler
     * @param downsamplePadding padding of the downsampler
     */
    public DownBlock2D(Weights w, int numLayers, int inChannels, int outChannels, int tembChannels, double eps,
            String act, int groups, boolean addDownsample, int downsamplePadding) {
        List<ResnetBlock2D> rs = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            rs.add(new ResnetBlock2D(w.child("resnets").child(i), i == 0 ? inChannels : outChannels, outChannels,
                    tembChannels, groups, eps, act, 1.0));
        }
        this.resnets = List.copyOf(rs);
        this.downsampler = addDownsample
                ? new Downsample2D(w.child("downsamplers").child(0), outChannels, outChannels, downsamplePadding)
                : null;
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

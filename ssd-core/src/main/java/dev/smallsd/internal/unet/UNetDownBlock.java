package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.smallsd.internal.blocks.Downsample2D;
import dev.smallsd.internal.blocks.ResnetBlock2D;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Scopes;
import java.util.List;

/**
 * A down block of {@link UNet2DConditionModel} ({@link CrossAttnDownBlock2D} or {@link DownBlock2D}): the layers
 * {@code resnets.i}, each followed by {@code attentions.i} when the block has attention, every layer's output kept
 * as a skip connection, then the optional {@code downsamplers.0}, whose output is kept as well. Immutable and
 * thread-safe.
 */
public abstract class UNetDownBlock extends UNetBlock {
    private final Downsample2D downsampler;

    /**
     * @param resnets the resnets
     * @param attentions one transformer per resnet, or none
     * @param downsampler the downsampler, or {@code null}
     */
    UNetDownBlock(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions, Downsample2D downsampler) {
        super(resnets, attentions);
        this.downsampler = downsampler;
    }

    /**
     * @param x input {@code [N, C, H, W]}
     * @param temb time embedding {@code [N, temb]}
     * @param encoderHiddenStates text states {@code [N, S, crossDim]} (unused by blocks without attention)
     * @param slicing attention slicing
     * @return the block's {@code output_states}: the output of every layer, then of the downsampler if any; the last
     *     one is the block's output. All are skip connections for the up path.
     */
    public NDList forward(NDArray x, NDArray temb, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        return Scopes.runList(() -> {
            NDList states = new NDList();
            NDArray h = x;
            for (int i = 0; i < layers(); i++) {
                h = layer(i, h, temb, encoderHiddenStates, slicing);
                states.add(h);
            }
            if (downsampler != null) {
                states.add(downsampler.forward(h));
            }
            return states;
        });
    }

    /** @return the number of skip connections this block produces */
    public int outputCount() {
        return layers() + (downsampler != null ? 1 : 0);
    }
}

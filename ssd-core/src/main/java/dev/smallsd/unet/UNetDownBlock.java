package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.smallsd.nn.AttentionSlicing;

/** A down block of {@link UNet2DConditionModel} ({@link CrossAttnDownBlock2D} or {@link DownBlock2D}). */
public interface UNetDownBlock {
    /**
     * @param x input {@code [N, C, H, W]}
     * @param temb time embedding {@code [N, temb]}
     * @param encoderHiddenStates text states {@code [N, S, crossDim]} (unused by blocks without attention)
     * @param slicing attention slicing
     * @return the block's {@code output_states}: the output of every layer, then of the downsampler if any; the last
     *     one is the block's output. All are skip connections for the up path.
     */
    NDList forward(NDArray x, NDArray temb, NDArray encoderHiddenStates, AttentionSlicing slicing);

    /** @return the number of skip connections this block produces */
    int outputCount();
}

package dev.smallsd.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.nn.AttentionSlicing;
import java.util.List;

/** An up block of {@link UNet2DConditionModel} ({@link CrossAttnUpBlock2D} or {@link UpBlock2D}). */
public interface UNetUpBlock {
    /**
     * @param x input {@code [N, C, H, W]}
     * @param resHiddenStates this block's skip connections in the order the down path produced them; the block
     *     consumes them from the last one backwards (one per resnet)
     * @param temb time embedding {@code [N, temb]}
     * @param encoderHiddenStates text states {@code [N, S, crossDim]} (unused by blocks without attention)
     * @param upsampleSize {@code {height, width}} for the upsampler, or {@code null} for plain 2×
     * @param slicing attention slicing
     * @return the block's output
     */
    NDArray forward(NDArray x, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
            long[] upsampleSize, AttentionSlicing slicing);

    /** @return the number of skip connections this block consumes (its number of resnets) */
    int resnetCount();
}

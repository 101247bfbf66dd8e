package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.smallsd.internal.blocks.ResnetBlock2D;
import dev.smallsd.internal.blocks.Upsample2D;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Scopes;
import java.util.List;

/**
 * An up block of {@link UNet2DConditionModel} ({@link CrossAttnUpBlock2D} or {@link UpBlock2D}): for each layer, the
 * last unused skip connection is concatenated to the hidden states along channels, then {@code resnets.i} and, when
 * the block has attention, {@code attentions.i}; then the optional {@code upsamplers.0}. Immutable and thread-safe.
 */
public abstract class UNetUpBlock extends UNetBlock {
    private final Upsample2D upsampler;

    /**
     * @param resnets the resnets
     * @param attentions one transformer per resnet, or none
     * @param upsampler the upsampler, or {@code null}
     */
    UNetUpBlock(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions, Upsample2D upsampler) {
        super(resnets, attentions);
        this.upsampler = upsampler;
    }

    /**
     * @param x input {@code [N, C, H, W]}
     * @param resHiddenStates this block's skip connections in the order the down path produced them; the block
     *     consumes them from the last one backwards (one per resnet)
     * @param temb time embedding {@code [N, temb]}
     * @param encoderHiddenStates text states {@code [N, S, crossDim]} (unused by blocks without attention)
     * @param upsampleSize {@code {height, width}} for the upsampler, or {@code null} for plain 2×
     * @param slicing attention slicing
     * @return the block's output
     * @throws IllegalArgumentException when fewer skip connections than resnets are given
     */
    public NDArray forward(NDArray x, List<NDArray> resHiddenStates, NDArray temb, NDArray encoderHiddenStates,
            long[] upsampleSize, AttentionSlicing slicing) {
        if (resHiddenStates.size() < layers()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs " + layers()
                    + " skip connections, got " + resHiddenStates.size());
        }
        return Scopes.run(() -> {
            NDArray h = x;
            int last = resHiddenStates.size() - 1;
            for (int i = 0; i < layers(); i++) {
                h = layer(i, NDArrays.concat(new NDList(h, resHiddenStates.get(last - i)), 1), temb,
                        encoderHiddenStates, slicing);
            }
            return upsampler == null ? h : upsampler.forward(h, upsampleSize);
        });
    }

    /** @return the number of skip connections this block consumes (its number of resnets) */
    public int resnetCount() {
        return layers();
    }
}

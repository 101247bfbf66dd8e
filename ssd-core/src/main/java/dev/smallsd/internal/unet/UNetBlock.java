package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import dev.smallsd.internal.blocks.ResnetBlock2D;
import dev.smallsd.internal.nn.AttentionSlicing;
import java.util.List;

/**
 * The layers every UNet down and up block is made of: {@code resnets.i}, each followed by {@code attentions.i} when
 * the block has attention (diffusers' {@code CrossAttn*Block2D}) and not otherwise ({@code DownBlock2D},
 * {@code UpBlock2D}). Immutable and thread-safe.
 */
abstract class UNetBlock {
    private final List<ResnetBlock2D> resnets;
    private final List<Transformer2DModel> attentions;

    /**
     * @param resnets the resnets
     * @param attentions one transformer per resnet, or none
     */
    UNetBlock(List<ResnetBlock2D> resnets, List<Transformer2DModel> attentions) {
        this.resnets = resnets;
        this.attentions = attentions;
    }

    /** @return the number of layers (resnets) */
    final int layers() {
        return resnets.size();
    }

    /**
     * One layer: {@code resnets.i}, then {@code attentions.i} if the block has attention.
     *
     * @return the layer's output
     */
    final NDArray layer(int i, NDArray h, NDArray temb, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        NDArray out = resnets.get(i).forward(h, temb);
        return attentions.isEmpty() ? out : attentions.get(i).forward(out, encoderHiddenStates, slicing);
    }
}

package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Conv2d;
import dev.smallsd.internal.nn.GroupNorm;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Tensors;
import dev.smallsd.internal.nn.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code Transformer2DModel} for continuous (image) input: {@code norm} (GroupNorm, eps 1e-6),
 * {@code proj_in} (1×1 convolution, or Linear when {@code use_linear_projection}), the image flattened to
 * {@code [N, H·W, inner]}, {@code transformer_blocks} ({@link BasicTransformerBlock}), back to {@code [N, inner, H, W]},
 * {@code proj_out}, plus the input (residual). Immutable and thread-safe.
 */
public final class Transformer2DModel {
    private static final double NORM_EPS = 1e-6;

    private final GroupNorm norm;
    private final Conv2d projInConv;
    private final Linear projInLinear;
    private final List<BasicTransformerBlock> blocks;
    private final Conv2d projOutConv;
    private final Linear projOutLinear;
    private final int inner;

    /**
     * @param w weights view of this model (e.g. {@code down_blocks.0.attentions.0})
     * @param heads number of attention heads
     * @param headDim size of each head
     * @param inChannels channels of the image input (and output)
     * @param numLayers number of transformer blocks
     * @param crossAttentionDim width of the encoder hidden states
     * @param normNumGroups groups of {@code norm}
     * @param useLinearProjection Linear {@code proj_in}/{@code proj_out} instead of 1×1 convolutions
     */
    public Transformer2DModel(Weights w, int heads, int headDim, int inChannels, int numLayers, int crossAttentionDim,
            int normNumGroups, boolean useLinearProjection) {
        this.inner = heads * headDim;
        this.norm = new GroupNorm(w.child("norm"), normNumGroups, inChannels, NORM_EPS);
        if (useLinearProjection) {
            this.projInLinear = new Linear(w.child("proj_in"), inChannels, inner, true);
            this.projInConv = null;
        } else {
            this.projInConv = new Conv2d(w.child("proj_in"), inChannels, inner, 1, 1, 0, true);
            this.projInLinear = null;
        }
        List<BasicTransformerBlock> list = new ArrayList<>();
        Weights tb = w.child("transformer_blocks");
        for (int i = 0; i < numLayers; i++) {
            list.add(new BasicTransformerBlock(tb.child(i), inner, heads, headDim, crossAttentionDim));
        }
        this.blocks = List.copyOf(list);
        if (useLinearProjection) {
            this.projOutLinear = new Linear(w.child("proj_out"), inner, inChannels, true);
            this.projOutConv = null;
        } else {
            this.projOutConv = new Conv2d(w.child("proj_out"), inner, inChannels, 1, 1, 0, true);
            this.projOutLinear = null;
        }
    }

    /**
     * @param x {@code [N, C, H, W]}
     * @param encoderHiddenStates {@code [N, S, crossAttentionDim]}
     * @param slicing attention slicing
     * @return {@code [N, C, H, W]}
     */
    public NDArray forward(NDArray x, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        return Scopes.run(() -> {
            Shape s = x.getShape();
            long n = s.get(0);
            long c = s.get(1);
            long h = s.get(2);
            long wd = s.get(3);
            NDArray hs = norm.forward(x);
            if (projInConv != null) {
                hs = projInConv.forward(hs).transpose(0, 2, 3, 1).reshape(n, h * wd, inner);
            } else {
                hs = projInLinear.forward(hs.transpose(0, 2, 3, 1).reshape(n, h * wd, c));
            }
            for (BasicTransformerBlock block : blocks) {
                hs = block.forward(hs, encoderHiddenStates, slicing);
            }
            NDArray out;
            if (projOutConv != null) {
                out = projOutConv.forward(Tensors.contiguous(hs.reshape(n, h, wd, inner).transpose(0, 3, 1, 2)));
            } else {
                out = Tensors.contiguous(projOutLinear.forward(hs).reshape(n, h, wd, c).transpose(0, 3, 1, 2));
            }
            return out.addi(x);
        });
    }
}

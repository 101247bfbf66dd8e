package dev.smallsd.internal.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.Bfloat16;
import dev.smallsd.internal.nn.GroupNorm;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.ScaledDotProductAttention;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.TorchKernels;
import dev.smallsd.internal.nn.Weights;
import java.util.Optional;

/**
 * diffusers' {@code Attention} with its default processor: optional {@code group_norm} of the input, projections
 * {@code to_q}, {@code to_k}, {@code to_v} (keys and values from the encoder states for cross-attention, else from the
 * input), multi-head {@code softmax(q kᵀ/√d) v} (fused, or in query slices on the fallback: see {@link AttentionSlicing}),
 * {@code to_out.0}, then the optional residual and the division by {@code rescale_output_factor}. A 4-D input
 * {@code [N, C, H, W]} is attended over its {@code H·W} positions and returned in the same layout (the VAE mid block);
 * a 3-D input {@code [N, L, C]} is returned as {@code [N, L, C]} (the transformer blocks).
 *
 * <p>Immutable and thread-safe.
 */
public final class Attention {
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final int heads;
    private final boolean residualConnection;
    private final double rescaleOutputFactor;

    /**
     * The arguments of an {@code Attention} module (diffusers passes them as keywords).
     *
     * @param queryDim width of the input (and of the output)
     * @param crossAttentionDim width of the encoder states, or {@code 0} for self-attention
     * @param heads number of heads
     * @param dimHead size of each head
     * @param bias whether {@code to_q/to_k/to_v} have biases ({@code to_out.0} always has one)
     * @param normNumGroups groups of the input {@code group_norm}, or {@code 0} for none
     * @param eps epsilon of the group norm
     * @param residualConnection whether the input is added to the output
     * @param rescaleOutputFactor divisor of the output
     */
    public record Spec(int queryDim, int crossAttentionDim, int heads, int dimHead, boolean bias, int normNumGroups,
            double eps, boolean residualConnection, double rescaleOutputFactor) {

        /**
         * The attention of a {@code BasicTransformerBlock}: no biases, no norm, no residual (the block adds it).
         *
         * @param dim width of the input
         * @param crossAttentionDim width of the text states, or {@code 0} for self-attention
         * @param heads number of heads
         * @param dimHead size of each head
         * @return the arguments
         */
        public static Spec transformer(int dim, int crossAttentionDim, int heads, int dimHead) {
            return new Spec(dim, crossAttentionDim, heads, dimHead, false, 0, 0, false, 1.0);
        }

        /**
         * The self-attention over the {@code H·W} positions of the VAE's mid block: group norm, biases, residual.
         *
         * @param channels channels of the input
         * @param dimHead size of each head ({@code attention_head_dim})
         * @param groups groups of the group norm
         * @param eps epsilon of the group norm
         * @param rescaleOutputFactor divisor of the output
         * @return the arguments
         */
        public static Spec spatial(int channels, int dimHead, int groups, double eps, double rescaleOutputFactor) {
            return new Spec(channels, 0, channels / dimHead, dimHead, true, groups, eps, true, rescaleOutputFactor);
        }
    }

    /**
     * @param w weights view of this module
     * @param spec its arguments
     */
    public Attention(Weights w, Spec spec) {
        int heads = spec.heads();
        int dimHead = spec.dimHead();
        if (heads <= 0 || dimHead <= 0) {
            throw new IllegalArgumentException("attention needs heads > 0 and head size > 0, got " + heads
                    + " heads of " + dimHead);
        }
        int queryDim = spec.queryDim();
        int inner = heads * dimHead;
        int kvDim = spec.crossAttentionDim() > 0 ? spec.crossAttentionDim() : queryDim;
        this.groupNorm = spec.normNumGroups() > 0
                ? new GroupNorm(w.child("group_norm"), spec.normNumGroups(), queryDim, spec.eps()) : null;
        this.toQ = new Linear(w.child("to_q"), queryDim, inner, spec.bias());
        this.toK = new Linear(w.child("to_k"), kvDim, inner, spec.bias());
        this.toV = new Linear(w.child("to_v"), kvDim, inner, spec.bias());
        this.toOut = new Linear(w.child("to_out").child(0), inner, queryDim, true);
        this.heads = heads;
        this.residualConnection = spec.residualConnection();
        this.rescaleOutputFactor = spec.rescaleOutputFactor();
    }

    /**
     * @param hidden {@code [N, L, C]} or {@code [N, C, H, W]}
     * @param encoderHiddenStates {@code [N, S, crossDim]} for cross-attention, or {@code null} for self-attention
     * @param slicing how to bound the score matrix (the DJL fallback only)
     * @return same shape as {@code hidden}
     */
    public NDArray forward(NDArray hidden, NDArray encoderHiddenStates, AttentionSlicing slicing) {
        return Scopes.run(() -> {
            Shape shape = hidden.getShape();
            boolean spatial = shape.dimension() == 4;
            NDArray x = groupNorm == null ? hidden : groupNorm.forward(hidden);
            if (spatial) {
                x = x.reshape(shape.get(0), shape.get(1), shape.get(2) * shape.get(3)).transpose(0, 2, 1);
            }
            NDArray context = encoderHiddenStates == null ? x : encoderHiddenStates;
            NDArray q = toQ.forward(x);
            NDArray k = toK.forward(context);
            NDArray v = toV.forward(context);
            long n = q.getShape().get(0);
            int slice = slicing.sliceFor(n * heads, q.getShape().get(1), k.getShape().get(1));
            NDArray attended = ScaledDotProductAttention.multiHead(q, k, v, heads, null, slice);
            NDArray out = toOut.forward(attended);
            if (spatial) {
                Optional<TorchKernels> kernels = TorchKernels.get();
                out = kernels.isPresent() ? kernels.get().call("tokens_to_map", out, hidden)
                        : out.transpose(0, 2, 1).reshape(shape);
            }
            if (residualConnection) {
                out = out.addi(hidden);
            }
            return rescaleOutputFactor == 1.0 ? out : Bfloat16.divide(out, rescaleOutputFactor);
        });
    }
}

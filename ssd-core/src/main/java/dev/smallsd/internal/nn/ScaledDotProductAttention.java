package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;

/**
 * Multi-head scaled dot-product attention on already projected queries, keys and values: {@code softmax(q k^T / √d + mask) v}
 * per head.
 *
 * <p>With the {@link TorchKernels} module this is one call of libtorch's fused {@code scaled_dot_product_attention}
 * (a flash-attention kernel on CPU that never holds the score matrix: 4096 tokens × 8 heads × batch 2 in a fraction of
 * the time of the explicit products); the query slice size is then irrelevant. Without the module (fallback, or
 * {@code -Dssd.kernels.disable=true}) the scores are formed explicitly, and queries can be processed in slices
 * (diffusers' attention slicing) so the full {@code N×N} score matrix is never held at once.
 */
public final class ScaledDotProductAttention {
    private ScaledDotProductAttention() {}

    /**
     * @param q queries {@code [B, Nq, C]}
     * @param k keys {@code [B, Nk, C]}
     * @param v values {@code [B, Nk, C]}
     * @param heads number of heads ({@code C} divisible by it)
     * @param additiveMask {@code [Nq, Nk]} added to the scores (e.g. a causal mask), or {@code null}
     * @param querySlice queries per slice of the explicit formulation; {@code <= 0} for all at once (ignored by
     *     the fused kernel, which needs no score matrix)
     * @return {@code [B, Nq, C]}
     */
    public static NDArray multiHead(NDArray q, NDArray k, NDArray v, int heads, NDArray additiveMask, int querySlice) {
        Shape qs = q.getShape();
        long b = qs.get(0);
        long nq = qs.get(1);
        long c = qs.get(2);
        long nk = k.getShape().get(1);
        long d = c / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        Optional<TorchKernels> kernels = TorchKernels.get();
        if (kernels.isPresent()) {
            return additiveMask == null
                    ? kernels.get().call("attention", q, k, v, heads, (double) scale)
                    : kernels.get().call("attention_masked", q, k, v, additiveMask, heads, (double) scale);
        }
        return Scopes.run(() -> {
            NDArray qh = toHeads(q.mul(scale), b, nq, heads, d);
            NDArray kt = toHeads(k, b, nk, heads, d).transpose(0, 2, 1);
            NDArray vh = toHeads(v, b, nk, heads, d);
            NDArray out;
            if (querySlice <= 0 || querySlice >= nq) {
                out = attend(qh, kt, vh, additiveMask);
            } else {
                NDList parts = new NDList();
                for (long start = 0; start < nq; start += querySlice) {
                    long end = Math.min(nq, start + querySlice);
                    String idx = ":, " + start + ":" + end;
                    NDArray mask = additiveMask == null ? null : additiveMask.get(start + ":" + end);
                    parts.add(attend(qh.get(idx), kt, vh, mask));
                }
                out = NDArrays.concat(parts, 1);
            }
            return out.reshape(b, heads, nq, d).transpose(0, 2, 1, 3).reshape(b, nq, c);
        });
    }

    private static NDArray toHeads(NDArray x, long b, long n, long heads, long d) {
        return x.reshape(b, n, heads, d).transpose(0, 2, 1, 3).reshape(b * heads, n, d);
    }

    private static NDArray attend(NDArray q, NDArray kt, NDArray v, NDArray mask) {
        return Scopes.run(() -> {
            NDArray scores = q.matMul(kt);
            if (mask != null) {
                scores.addi(mask);
            }
            NDArray probs = scores.softmax(-1);
            scores.close();
            return probs.matMul(v);
        });
    }
}

package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * Multi-head scaled dot-product attention on already projected queries, keys and values: {@code softmax(q k^T / √d + mask) v}
 * per head. Queries can be processed in slices (diffusers' attention slicing) so the full {@code N×N} score matrix is
 * never held at once.
 */
public final class ScaledDotProductAttention {
    private ScaledDotProductAttention() {}

    /**
     * @param q queries {@code [B, Nq, C]}
     * @param k keys {@code [B, Nk, C]}
     * @param v values {@code [B, Nk, C]}
     * @param heads number of heads ({@code C} divisible by it)
     * @param additiveMask {@code [Nq, Nk]} added to the scores (e.g. a causal mask), or {@code null}
     * @param querySlice queries per slice; {@code <= 0} for all at once
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

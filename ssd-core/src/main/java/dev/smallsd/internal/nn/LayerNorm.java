package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code torch.nn.LayerNorm} over the last dimension. Keys {@code weight}, {@code bias}. */
public final class LayerNorm {
    private final NDArray weight;
    private final NDArray bias;
    private final Shape normalized;
    private final float eps;

    /**
     * @param w weights view of this layer
     * @param dim size of the normalised last dimension
     * @param eps variance epsilon
     */
    public LayerNorm(Weights w, int dim, double eps) {
        this.weight = w.get("weight", dim);
        this.bias = w.get("bias", dim);
        this.normalized = new Shape(dim);
        this.eps = (float) eps;
    }

    /**
     * @param x input {@code [..., dim]}
     * @return normalised, scaled and shifted input
     */
    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().layerNorm(x, normalized, weight, bias, eps).singletonOrThrow();
    }
}

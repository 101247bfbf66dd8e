package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** {@code torch.nn.Linear}: {@code y = x W^T + b}, weight {@code [out, in]}. Keys {@code weight}, {@code bias}. */
public final class Linear {
    private final NDArray weight;
    private final NDArray bias;
    private final int in;
    private final int out;

    /**
     * @param w weights view of this layer (keys {@code weight}, {@code bias})
     * @param in input features
     * @param out output features
     * @param hasBias whether the layer has a bias
     */
    public Linear(Weights w, int in, int out, boolean hasBias) {
        this.in = in;
        this.out = out;
        this.weight = w.get("weight", out, in);
        this.bias = hasBias ? w.get("bias", out) : null;
    }

    /**
     * @param x input {@code [..., in]}
     * @return output {@code [..., out]}
     */
    public NDArray forward(NDArray x) {
        NDArray y = x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        List<LowRankAdapters.Adapter> lora = LowRankAdapters.forWeight(weight);
        return lora == null ? y : LowRankAdapters.addLinear(y, x, lora);
    }

    /** @return the weight {@code [out, in]} (read-only use) */
    public NDArray weight() {
        return weight;
    }

    /** @return the bias or {@code null} */
    public NDArray bias() {
        return bias;
    }

    /** @return input features */
    public int inFeatures() {
        return in;
    }
}

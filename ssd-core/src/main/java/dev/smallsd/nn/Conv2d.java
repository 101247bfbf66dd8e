package dev.smallsd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code torch.nn.Conv2d} with square kernel, stride and padding. Keys {@code weight} {@code [out, in, k, k]}, {@code bias}. */
public final class Conv2d {
    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;
    private final Shape dilation = new Shape(1, 1);

    /**
     * @param w weights view of this layer
     * @param in input channels
     * @param out output channels
     * @param kernel kernel size
     * @param stride stride
     * @param padding zero padding on each side
     * @param hasBias whether the layer has a bias
     */
    public Conv2d(Weights w, int in, int out, int kernel, int stride, int padding, boolean hasBias) {
        this.weight = w.get("weight", out, in, kernel, kernel);
        this.bias = hasBias ? w.get("bias", out) : null;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /**
     * @param x input {@code [N, in, H, W]}
     * @return output {@code [N, out, H', W']}
     */
    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().convolution(x, weight, bias, stride, padding, dilation, 1).singletonOrThrow();
    }
}

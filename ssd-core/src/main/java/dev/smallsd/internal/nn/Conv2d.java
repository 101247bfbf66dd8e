package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * {@code torch.nn.Conv2d} with square kernel, stride and padding. Keys {@code weight} {@code [out, in, k, k]},
 * {@code bias}.
 *
 * <p>A 3×3, stride-1, padding-1 convolution over very few output positions (the 4×4 and 8×8 latents of the UNet's
 * deepest blocks) is computed as one matrix product of the gathered 3×3 neighbourhoods ({@code [N·H·W, in·9]}) with the
 * weight viewed as {@code [out, in·9]}: with so few positions libtorch's direct (oneDNN) convolution is bound by
 * re-reading and re-laying-out the weights, and the product is 1.3–2.7× faster (2-core Zen 4: 1280→1280 channels at
 * 4×4, batch 2: 29.8 → 12.4 ms; at 8×8: 34.9 → 26.4 ms; at 16×16 the direct convolution wins, 83.5 vs 89.8 ms). The
 * product path is taken when the gathered column length is at least {@value #GEMM_MIN_COLUMNS_PER_POSITION} times
 * the number of output positions. Same sums in another order: results agree to float rounding.
 */
public final class Conv2d {
    /** Column length per output position from which the matrix-product path is used (see the class comment). */
    static final int GEMM_MIN_COLUMNS_PER_POSITION = 64;

    private final NDArray weight;
    private final NDArray weightMatrix;
    private final NDArray bias;
    /** The weight and bias the direct convolution uses: padded for bfloat16 (see {@link Bfloat16#convolutionChannels}). */
    private final NDArray convWeight;
    private final NDArray convBias;
    private final int out;
    private final int in;
    private final int kernel;
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
        int channels = Bfloat16.convolutionChannels(w.precision(), kernel, out);
        this.convWeight = channels == out ? weight : Weights.keep(Bfloat16.padOutputChannels(weight, channels));
        this.convBias = channels == out || bias == null ? bias
                : Weights.keep(Bfloat16.padOutputChannels(bias, channels));
        this.out = out;
        this.in = in;
        this.kernel = kernel;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        // a view of the same storage, made once: [out, in*k*k] with columns ordered (in, kh, kw)
        this.weightMatrix = kernel == 3 && stride == 1 && padding == 1
                ? Weights.keep(weight.reshape(out, (long) in * kernel * kernel)) : null;
    }

    /**
     * @param x input {@code [N, in, H, W]}
     * @return output {@code [N, out, H', W']}
     */
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (weightMatrix != null && s.dimension() == 4 && s.get(1) == in
                && s.get(0) * s.get(2) * s.get(3) * GEMM_MIN_COLUMNS_PER_POSITION <= (long) in * kernel * kernel) {
            return asMatrixProduct(x, s);
        }
        NDArray y = x.getNDArrayInternal().convolution(x, convWeight, convBias, stride, padding, dilation, 1)
                .singletonOrThrow();
        if (convWeight != weight) {
            y = Tensors.contiguous(y.get(":, 0:" + out));
        }
        List<LowRankAdapters.Adapter> lora = kernel == 1 ? LowRankAdapters.forWeight(weight) : null;
        return lora == null ? y : addLowRank(y, x, lora);
    }

    /** The unfused LoRA path of a 1×1 convolution (adapters shaped {@code [r, in, 1, 1]}, {@code [out, r, 1, 1]}). */
    private NDArray addLowRank(NDArray y, NDArray x, List<LowRankAdapters.Adapter> adapters) {
        for (LowRankAdapters.Adapter a : adapters) {
            NDArray h = x.getNDArrayInternal().convolution(x, a.down(), null, stride, padding, dilation, 1)
                    .singletonOrThrow();
            NDArray d = h.getNDArrayInternal().convolution(h, a.up(), null, new Shape(1, 1), new Shape(0, 0),
                    dilation, 1).singletonOrThrow();
            y = y.addi(d.muli(a.scale()));
            h.close();
            d.close();
        }
        return y;
    }

    private NDArray asMatrixProduct(NDArray x, Shape s) {
        long n = s.get(0);
        long h = s.get(2);
        long w = s.get(3);
        return Scopes.run(() -> {
            // zero-pad H and W by one, then channels last: [N, H+2, W+2, in]
            NDArray padded = x.pad(new Shape(1, 1, 1, 1), 0).transpose(0, 2, 3, 1);
            NDList taps = new NDList(9);
            for (int kh = 0; kh < 3; kh++) {
                for (int kw = 0; kw < 3; kw++) {
                    taps.add(padded.get(":, " + kh + ":" + (kh + h) + ", " + kw + ":" + (kw + w) + ", :"));
                }
            }
            // [N, H, W, in, 9] -> [N*H*W, in*9], columns ordered (in, kh, kw) like weightMatrix
            NDArray columns = NDArrays.stack(taps, 4).reshape(n * h * w, (long) in * 9);
            NDArray y = columns.getNDArrayInternal().linear(columns, weightMatrix, bias).singletonOrThrow();
            return Tensors.contiguous(y.reshape(n, h, w, -1).transpose(0, 3, 1, 2));
        });
    }
}

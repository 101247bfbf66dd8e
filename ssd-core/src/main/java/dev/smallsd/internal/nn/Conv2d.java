package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
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
 *
 * <p>The same product also replaces the convolutions libtorch 2.7.1 would not give to oneDNN
 * ({@link #libtorchSkipsOneDnn}: one small image, or a 1×1 convolution on one thread). For those libtorch asks
 * {@code at::_nnpack_available()} first, which on CPUs without NNPACK support prints
 * {@code Could not initialize NNPACK! Reason: Unsupported hardware.} on every call, then computes the convolution as
 * gathered columns times the weight matrix ({@code slow_conv2d}): the algorithm used here, without the probe.
 */
public final class Conv2d {
    /** Column length per output position from which the matrix-product path is used (see the class comment). */
    static final int GEMM_MIN_COLUMNS_PER_POSITION = 64;
    /** libtorch gives oneDNN a one-image convolution only when its input has more elements than this. */
    static final long ONEDNN_MIN_SINGLE_IMAGE_ELEMENTS = 20480;

    private final NDArray weight;
    private final NDArray weightMatrix;
    private final NDArray bias;
    /** The weight and bias of the direct convolution: padded for bfloat16 ({@link Bfloat16#convolutionChannels}). */
    private final NDArray convWeight;
    private final NDArray convBias;
    private final int out;
    private final int in;
    private final int kernel;
    private final int strideSize;
    private final int paddingSize;
    private final Shape stride;
    private final Shape padding;

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
        this.strideSize = stride;
        this.paddingSize = padding;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
        // a view of the same storage, made once: [out, in*k*k] with columns ordered (in, kh, kw)
        this.weightMatrix = Weights.keep(weight.reshape(out, (long) in * kernel * kernel));
    }

    /**
     * @param x input {@code [N, in, H, W]}
     * @return output {@code [N, out, H', W']}
     */
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        boolean product = s.dimension() == 4 && s.get(1) == in && (fewPositions(s)
                || libtorchSkipsOneDnn(s, kernel, strideSize, JniUtils.getNumThreads()));
        NDArray y = product ? asMatrixProduct(x, weightMatrix, bias, kernel, strideSize, paddingSize)
                : direct(x, convWeight, convBias, stride, padding);
        if (!product && convWeight != weight) {
            y = Tensors.contiguous(y.get(":, 0:" + out));
        }
        List<LowRankAdapters.Adapter> lora = kernel == 1 ? LowRankAdapters.forWeight(weight) : null;
        return lora == null ? y : addLowRank(y, x, lora);
    }

    /** Whether a 3×3, stride-1, padding-1 convolution has so few output positions that the product is faster. */
    private boolean fewPositions(Shape s) {
        return kernel == 3 && strideSize == 1 && paddingSize == 1
                && s.get(0) * s.get(2) * s.get(3) * GEMM_MIN_COLUMNS_PER_POSITION <= (long) in * kernel * kernel;
    }

    /**
     * Whether libtorch 2.7.1 leaves a float32 CPU convolution (groups 1, no dilation) to its fallback path, which
     * probes NNPACK first: {@code ConvParams::use_mkldnn} in {@code aten/src/ATen/native/Convolution.cpp} takes
     * oneDNN only when (strided, or batch &ge; 16, or a kernel other than 1×1, or more than one intra-op thread) and
     * (kernel above 3×3, or batch &gt; 1, or more than {@value #ONEDNN_MIN_SINGLE_IMAGE_ELEMENTS} input elements).
     *
     * @param s input shape {@code [N, C, H, W]}
     * @param kernel square kernel size
     * @param stride stride
     * @param threads libtorch intra-op threads of the calling thread
     * @return whether libtorch would not use oneDNN
     */
    static boolean libtorchSkipsOneDnn(Shape s, int kernel, int stride, int threads) {
        long n = s.get(0);
        boolean shapeOk = stride > 1 || n >= 16 || kernel != 1 || threads > 1;
        boolean sizeOk = kernel > 3 || n > 1 || s.size() > ONEDNN_MIN_SINGLE_IMAGE_ELEMENTS;
        return !(shapeOk && sizeOk);
    }

    private static NDArray direct(NDArray x, NDArray w, NDArray b, Shape stride, Shape padding) {
        return x.getNDArrayInternal().convolution(x, w, b, stride, padding, new Shape(1, 1), 1).singletonOrThrow();
    }

    /** The unfused LoRA path of a 1×1 convolution (adapters shaped {@code [r, in, 1, 1]}, {@code [out, r, 1, 1]}). */
    private NDArray addLowRank(NDArray y, NDArray x, List<LowRankAdapters.Adapter> adapters) {
        int threads = JniUtils.getNumThreads();
        for (LowRankAdapters.Adapter a : adapters) {
            NDArray h = conv1x1(x, a.down(), strideSize, paddingSize, threads);
            NDArray d = conv1x1(h, a.up(), 1, 0, threads);
            y = y.addi(d.muli(a.scale()));
            h.close();
            d.close();
        }
        return y;
    }

    /** A bias-free 1×1 convolution, as a product where libtorch would probe NNPACK. */
    private static NDArray conv1x1(NDArray x, NDArray w, int stride, int padding, int threads) {
        if (x.getShape().dimension() == 4 && libtorchSkipsOneDnn(x.getShape(), 1, stride, threads)) {
            return Scopes.run(() -> asMatrixProduct(x, w.reshape(w.getShape().get(0), w.getShape().get(1)), null, 1,
                    stride, padding));
        }
        return direct(x, w, null, new Shape(stride, stride), new Shape(padding, padding));
    }

    /**
     * The convolution as one matrix product: the gathered k×k neighbourhoods ({@code [N·H'·W', in·k·k]}, columns
     * ordered (in, kh, kw)) times the weight viewed as {@code [out, in·k·k]}.
     */
    private static NDArray asMatrixProduct(NDArray x, NDArray weightMatrix, NDArray bias, int k, int stride,
            int pad) {
        Shape s = x.getShape();
        long n = s.get(0);
        long channels = s.get(1);
        long oh = (s.get(2) + 2L * pad - k) / stride + 1;
        long ow = (s.get(3) + 2L * pad - k) / stride + 1;
        return Scopes.run(() -> {
            if (k == 1 && stride == 1 && pad == 0) {
                // [out, in] x [N, in, H*W] as libtorch's slow_conv2d does it: no gathering, no transposes
                NDArray y = weightMatrix.matMul(x.reshape(n, channels, oh * ow));
                return (bias == null ? y : y.addi(bias.reshape(-1, 1))).reshape(n, -1, oh, ow);
            }
            // zero-pad H and W, then channels last: [N, H+2p, W+2p, in]
            NDArray padded = (pad > 0 ? x.pad(new Shape(pad, pad, pad, pad), 0) : x).transpose(0, 2, 3, 1);
            NDList taps = new NDList(k * k);
            for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                    taps.add(padded.get(":, " + kh + ":" + (kh + stride * (oh - 1) + 1) + ":" + stride + ", "
                            + kw + ":" + (kw + stride * (ow - 1) + 1) + ":" + stride + ", :"));
                }
            }
            // [N, H', W', in, k*k] -> [N*H'*W', in*k*k], columns ordered (in, kh, kw) like weightMatrix
            NDArray columns = NDArrays.stack(taps, 4).reshape(n * oh * ow, channels * k * k);
            NDArray y = columns.getNDArrayInternal().linear(columns, weightMatrix, bias).singletonOrThrow();
            return Tensors.contiguous(y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2));
        });
    }
}

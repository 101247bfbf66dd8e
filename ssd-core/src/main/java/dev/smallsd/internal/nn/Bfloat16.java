package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.smallsd.Precision;

/**
 * The bfloat16 mode of the UNet and the VAE ({@link Precision#BF16}): the conversions at a network's entry and exit
 * and the few operations whose DJL form would make DJL build a bfloat16 value itself. DJL carries bfloat16 tensors
 * made by libtorch (their {@link NDArray#getDataType()} reads {@link DataType#UNKNOWN}) and runs array-array
 * operations on them, but asking it to create or convert to bfloat16 aborts the JVM: a scalar operation such as
 * {@code x.div(2f)} builds its operand in {@code x}'s type, so those go through {@link TorchKernels} here. With
 * {@link Precision#FP32} every method is the float32 operation the layers always used, bit for bit.
 */
public final class Bfloat16 {
    private Bfloat16() {}

    /**
     * @return the kernel module, which the bfloat16 mode needs
     * @throws IllegalStateException when it is unavailable here or disabled
     */
    public static TorchKernels kernels() {
        return TorchKernels.get().orElseThrow(() -> new IllegalStateException("precision BF16 needs libtorch's "
                + "TorchScript kernel module, which is unavailable (see the log line of TorchKernels) or disabled by "
                + "-D" + TorchKernels.DISABLE_PROPERTY + "=true; use Precision.FP32"));
    }

    /**
     * A network's input in the network's precision: float32 as it is, else converted to bfloat16 (a new array).
     *
     * @param precision the network's precision
     * @param x a float32 input
     * @return {@code x} in that precision
     */
    public static NDArray in(Precision precision, NDArray x) {
        return precision == Precision.FP32 ? x : kernels().call("to_bf16", x);
    }

    /**
     * A network's output as float32: {@code y} itself in float32 mode, else converted (a new array).
     *
     * @param precision the network's precision
     * @param y the network's output
     * @return {@code y} in float32
     */
    public static NDArray out(Precision precision, NDArray y) {
        return precision == Precision.FP32 ? y : kernels().call("to_f32", y);
    }

    /**
     * Divides an intermediate the caller owns by a constant: in place for float32 ({@code x.divi(d)}), through the
     * kernel module (a new array) for any other type.
     *
     * @param x an intermediate the caller created and no longer needs otherwise
     * @param d the divisor
     * @return {@code x / d}
     */
    public static NDArray divide(NDArray x, double d) {
        return x.getDataType() == DataType.FLOAT32 ? x.divi((float) d) : kernels().call("div_scalar", x, d);
    }

    /**
     * The output channels a convolution is computed with. libtorch 2.7.1's CPU bfloat16 convolution with a kernel
     * larger than 1×1 gets the last {@code out % 16} output channels wrong when {@code out} is not a multiple of 16
     * (measured on an AMD EPYC with AVX-512 BF16: relative error 0.07–0.33 against 0.003 for 16, 32, 48 … channels), which
     * hits the networks' last layers (3 image or 4/8 latent channels). Such a layer is computed with its weight
     * padded by zero filters to the next multiple of 16 and the extra channels dropped.
     *
     * @param precision the layer's precision
     * @param kernel its kernel size
     * @param out its output channels
     * @return {@code out}, or the next multiple of 16 for a bfloat16 convolution that needs the padding
     */
    public static int convolutionChannels(Precision precision, int kernel, int out) {
        return precision == Precision.BF16 && kernel > 1 && out % 16 != 0 ? (out + 15) / 16 * 16 : out;
    }

    /**
     * @param parameter a weight {@code [out, ...]} or bias {@code [out]}
     * @param channels the padded number of output channels
     * @return a new array with zero rows appended along the first axis up to {@code channels}
     */
    public static NDArray padOutputChannels(NDArray parameter, int channels) {
        int dims = parameter.getShape().dimension();
        long[] pad = new long[2 * dims]; // (before, after) pairs from the last axis to the first
        pad[2 * dims - 1] = channels - parameter.getShape().get(0);
        return parameter.pad(new ai.djl.ndarray.types.Shape(pad), 0);
    }

    /**
     * @param x any array
     * @return the bytes its values occupy, asked of libtorch for types DJL cannot name (bfloat16)
     */
    public static long bytes(NDArray x) {
        DataType t = x.getDataType();
        if (t != DataType.UNKNOWN) {
            return t.getNumOfBytes() * x.getShape().size();
        }
        try (NDArray perValue = kernels().call("element_size", x)) {
            return perValue.toLongArray()[0] * x.getShape().size();
        }
    }
}

package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;

/** Small layout helpers missing from the DJL API. */
public final class Tensors {
    private Tensors() {}

    /**
     * {@code torch.Tensor.contiguous()}: the same values in row-major memory order. A contiguous input is returned as
     * a view; a permuted one is copied (DJL exposes no direct call, so this flattens, which copies exactly when the
     * layout is not row-major, and restores the shape as a view).
     *
     * @param x any array
     * @return a row-major array with the shape of {@code x}
     */
    public static NDArray contiguous(NDArray x) {
        return x.reshape(-1).reshape(x.getShape());
    }

    /**
     * {@code x.contiguous(memory_format=torch.channels_last)} through the {@link TorchKernels} module: the same
     * {@code [N, C, H, W]} values stored NHWC, the layout oneDNN's convolutions take and give without reordering.
     * Without the module {@code x} itself is returned (the fallback stays NCHW). Return to row-major order with
     * {@link #contiguous}.
     *
     * @param x a 4-D array
     * @return a channels-last copy (or {@code x} itself when it already is, or without the module)
     */
    public static NDArray channelsLast(NDArray x) {
        return TorchKernels.get().map(k -> k.call("to_channels_last", x)).orElse(x);
    }
}

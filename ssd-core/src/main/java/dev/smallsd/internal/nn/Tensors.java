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
}

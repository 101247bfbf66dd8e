package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;

/** Activation functions by their diffusers/transformers names. */
public final class Activations {
    private Activations() {}

    /**
     * {@code silu(x) = x · sigmoid(x)}.
     *
     * @param x input
     * @return a new array
     */
    public static NDArray silu(NDArray x) {
        try (NDArray s = x.getNDArrayInternal().sigmoid()) {
            return x.mul(s);
        }
    }

    /**
     * Exact (erf) GELU, {@code torch.nn.functional.gelu}.
     *
     * @param x input
     * @return a new array
     */
    public static NDArray gelu(NDArray x) {
        return x.getNDArrayInternal().gelu();
    }

    /**
     * CLIP's {@code quick_gelu(x) = x · sigmoid(1.702 x)}.
     *
     * @param x input
     * @return a new array
     */
    public static NDArray quickGelu(NDArray x) {
        try (NDArray t = x.mul(1.702f); NDArray s = t.getNDArrayInternal().sigmoid()) {
            return x.mul(s);
        }
    }

    /**
     * Applies an activation by its config name ({@code silu}/{@code swish}, {@code gelu}, {@code quick_gelu}).
     *
     * @param name the config value, e.g. {@code act_fn} or {@code hidden_act}
     * @param x input
     * @return a new array
     * @throws IllegalArgumentException for an unknown name
     */
    public static NDArray apply(String name, NDArray x) {
        switch (name) {
            case "silu":
            case "swish":
                return silu(x);
            case "gelu":
                return gelu(x);
            case "quick_gelu":
                return quickGelu(x);
            case "relu":
                return x.getNDArrayInternal().relu();
            default:
                throw new IllegalArgumentException("unsupported activation '" + name
                        + "' (supported: silu, swish, gelu, quick_gelu, relu)");
        }
    }

    /**
     * Applies an activation to an intermediate result the caller created and does not need afterwards, reusing its
     * memory where the activation allows ({@code silu}/{@code swish} and {@code quick_gelu} multiply in place; {@code
     * gelu} returns a new array). Same values as {@link #apply}. Never pass an array the caller did not create (an
     * input, a parameter or a cached value).
     *
     * @param name the config value
     * @param x an intermediate owned by the caller; it may be overwritten and returned
     * @return the activated values ({@code x} itself or a new array)
     * @throws IllegalArgumentException for an unknown name
     */
    public static NDArray applyInPlace(String name, NDArray x) {
        switch (name) {
            case "silu":
            case "swish":
                try (NDArray s = x.getNDArrayInternal().sigmoid()) {
                    return x.muli(s);
                }
            case "gelu":
                return gelu(x);
            case "quick_gelu":
                try (NDArray t = x.mul(1.702f); NDArray s = t.getNDArrayInternal().sigmoid()) {
                    return x.muli(s);
                }
            case "relu":
                return x.getNDArrayInternal().relu();
            default:
                throw new IllegalArgumentException("unsupported activation '" + name
                        + "' (supported: silu, swish, gelu, quick_gelu, relu)");
        }
    }

    /**
     * Checks an activation name early, at model construction.
     *
     * @param name the config value
     * @param where the config file and key, for the message
     * @return the name
     */
    public static String require(String name, String where) {
        switch (name) {
            case "silu":
            case "swish":
            case "gelu":
            case "quick_gelu":
            case "relu":
                return name;
            default:
                throw new IllegalArgumentException(where + ": unsupported activation '" + name
                        + "' (supported: silu, swish, gelu, quick_gelu, relu)");
        }
    }
}

package dev.smallsd.internal.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@code torch.nn.GroupNorm} on {@code [N, C, H, W]}: a layer norm over each group's {@code C/G·H·W} values, then the
 * per-channel affine. Keys {@code weight}, {@code bias}.
 *
 * <p>With the {@link TorchKernels} module the norm (and a following SiLU, {@link #forward(NDArray, String)}) is one
 * libtorch {@code group_norm} call. The fallback is a layer norm over the grouped view followed by the affine; it
 * caches a ones/zeros pair per normalised length it meets (one pair per activation size), which the kernel path
 * never allocates.
 */
public final class GroupNorm {
    private final int groups;
    private final int channels;
    private final float eps;
    private final NDArray weight;
    private final NDArray bias;
    private final NDArray scale;
    private final NDArray shift;
    private final NDManager manager;
    /** ones/zeros of each normalised length seen, so the normalisation is one native call. */
    private final ConcurrentMap<Long, NDArray[]> unitAffine = new ConcurrentHashMap<>();

    /**
     * @param w weights view of this layer
     * @param groups number of groups
     * @param channels number of channels (divisible by {@code groups})
     * @param eps variance epsilon
     */
    public GroupNorm(Weights w, int groups, int channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible into " + groups
                    + " groups");
        }
        this.groups = groups;
        this.channels = channels;
        this.eps = (float) eps;
        this.manager = w.manager();
        this.weight = w.get("weight", channels);
        this.bias = w.get("bias", channels);
        this.scale = Weights.keep(weight.reshape(1, channels, 1, 1));
        this.shift = Weights.keep(bias.reshape(1, channels, 1, 1));
    }

    /**
     * @param x input {@code [N, C, H, W]}
     * @return the normalised input, same shape
     */
    public NDArray forward(NDArray x) {
        Optional<TorchKernels> kernels = TorchKernels.get();
        if (kernels.isPresent()) {
            return kernels.get().call("group_norm", x, weight, bias, groups, (double) eps);
        }
        return layerNormAffine(x);
    }

    /**
     * The norm followed by an activation, as in {@code act(norm(x))} of the resnets and output heads: one kernel
     * call for SiLU, else the norm and then the activation applied in place.
     *
     * @param x input {@code [N, C, H, W]}
     * @param act activation name (see {@link Activations#apply})
     * @return the activated normalised input, same shape
     */
    public NDArray forward(NDArray x, String act) {
        Optional<TorchKernels> kernels = TorchKernels.get();
        if (kernels.isEmpty()) {
            return Activations.applyInPlace(act, layerNormAffine(x));
        }
        if ("silu".equals(act) || "swish".equals(act)) {
            return kernels.get().call("group_norm_silu", x, weight, bias, groups, (double) eps);
        }
        // a kernel result must not be modified in place by DJL (see TorchKernels#call)
        return Activations.apply(act, forward(x));
    }

    private NDArray layerNormAffine(NDArray x) {
        Shape shape = x.getShape();
        long n = shape.get(0);
        long per = shape.size() / n / groups;
        NDArray[] unit = unitAffine.computeIfAbsent(per, k -> {
            NDManager m = manager;
            synchronized (m) {
                NDArray[] pair = {m.ones(new Shape(k)), m.zeros(new Shape(k))};
                // created while the caller's NDScope may be open: they are cached, so they must not die with it
                NDScope.unregister(pair);
                return pair;
            }
        });
        NDArray grouped = x.reshape(n, groups, per);
        NDArray normed = grouped.getNDArrayInternal().layerNorm(grouped, new Shape(per), unit[0], unit[1], eps)
                .singletonOrThrow();
        grouped.close();
        // the affine runs in place on the normalised values, which this method created
        NDArray out = normed.reshape(shape);
        normed.close();
        return out.muli(scale).addi(shift);
    }

    /** @return the number of channels */
    public int channels() {
        return channels;
    }
}

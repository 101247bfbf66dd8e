package dev.smallsd.internal.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.Scopes;

/**
 * diffusers' {@code Timesteps} ({@code time_proj}): the sinusoidal timestep embedding of
 * {@code get_timestep_embedding}. With {@code half = channels / 2}, the frequencies are
 * {@code exp(-ln(10000) · i / (half - downscale_freq_shift))} for {@code i < half}, computed in float32; the
 * embedding of {@code t} is {@code [sin(t·f), cos(t·f)]}, or {@code [cos, sin]} when {@code flip_sin_to_cos}, with a
 * zero column appended when {@code channels} is odd. No parameters.
 *
 * <p>The frequency table is computed once at construction. Immutable and thread-safe.
 */
public final class Timesteps {
    private static final double MAX_PERIOD = 10000;

    private final int numChannels;
    private final boolean flipSinToCos;
    private final NDArray freqs;

    /**
     * @param manager owner of the (long-lived) frequency table, usually the weights manager
     * @param numChannels embedding width
     * @param flipSinToCos {@code flip_sin_to_cos}: cosines first
     * @param downscaleFreqShift {@code freq_shift}
     */
    public Timesteps(NDManager manager, int numChannels, boolean flipSinToCos, double downscaleFreqShift) {
        if (numChannels < 2) {
            throw new IllegalArgumentException("time embedding needs at least 2 channels, got " + numChannels);
        }
        int half = numChannels / 2;
        if (half - downscaleFreqShift == 0) {
            throw new IllegalArgumentException("freq_shift " + downscaleFreqShift + " equals half the embedding width "
                    + half + " (division by zero)");
        }
        this.numChannels = numChannels;
        this.flipSinToCos = flipSinToCos;
        // the same float32 steps as torch: (-ln(max_period) * arange) / (half - shift), then exp
        this.freqs = Scopes.detached(() -> manager.arange(0f, (float) half, 1f, DataType.FLOAT32)
                .mul((float) -Math.log(MAX_PERIOD))
                .div((float) (half - downscaleFreqShift))
                .exp());
    }

    /**
     * @param timesteps {@code [B]} timesteps of any numeric type (integer or fractional)
     * @return {@code [B, numChannels]} float32 embedding
     */
    public NDArray forward(NDArray timesteps) {
        if (timesteps.getShape().dimension() != 1) {
            throw new IllegalArgumentException("timesteps must be 1-D [batch], got shape " + timesteps.getShape());
        }
        long b = timesteps.getShape().get(0);
        return Scopes.run(() -> {
            NDArray t = timesteps.getDataType() == DataType.FLOAT32 ? timesteps : timesteps.toType(DataType.FLOAT32,
                    false);
            NDArray args = t.reshape(b, 1).mul(freqs);
            NDArray sin = args.sin();
            NDArray cos = args.cos();
            NDArray emb = flipSinToCos ? NDArrays.concat(new NDList(cos, sin), 1)
                    : NDArrays.concat(new NDList(sin, cos), 1);
            if (numChannels % 2 == 1) {
                emb = emb.pad(new Shape(0, 1), 0);
            }
            return emb;
        });
    }

    /** @return the embedding width */
    public int numChannels() {
        return numChannels;
    }
}

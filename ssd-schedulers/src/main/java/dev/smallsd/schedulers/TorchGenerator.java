package dev.smallsd.schedulers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * A pure-Java reproduction of PyTorch's CPU random generator, {@code torch.Generator("cpu").manual_seed(seed)}, and
 * of {@code torch.randn(shape, generator=g)} in float32, so that a seed gives the same diffusers latents as Python.
 *
 * <p>Each instance owns its whole state (the Mersenne Twister and torch's cached second Box&ndash;Muller sample):
 * there is no global state, and consecutive draws continue the stream exactly as consecutive {@code randn} calls on
 * one torch generator do. Methods are synchronised, like torch's generator mutex, so an instance may be shared, but
 * the order of draws then decides the values.
 *
 * <p>What torch does for {@code randn} on a contiguous float32 tensor of {@code n} elements:
 * <ul>
 *   <li>{@code n >= 16}: first {@code n} uniforms {@code (random() & 0xFFFFFF) * 2^-24}, one 32-bit draw each; then,
 *       per block of 16, Box&ndash;Muller with {@code u1 = 1 - d[j]}, {@code u2 = d[j + 8]}, radius
 *       {@code sqrt(-2 ln u1)}, angle {@code 2 pi u2}, {@code d[j] = r cos}, {@code d[j + 8] = r sin} (j &lt; 8). If
 *       {@code n % 16 != 0}, 16 more uniforms are drawn and the last 16 elements are recomputed from them. The cached
 *       normal sample is neither used nor changed.</li>
 *   <li>{@code n < 16}: per element the scalar double sampler: if a cached sample exists it is returned and cleared;
 *       otherwise {@code u1}, {@code u2} are 53-bit uniforms from two 64-bit draws each,
 *       {@code r = sqrt(-2 ln(1 - u2))}, {@code theta = 2 pi u1}, {@code r sin theta} is cached and
 *       {@code r cos theta} returned, then rounded to float.</li>
 * </ul>
 * The block path's arithmetic depends on the CPU kernel torch dispatches to; see {@link Kernel}.
 */
public final class TorchGenerator implements NoiseSource {

    /**
     * Which of torch's CPU float32 normal kernels (for tensors of 16 or more elements) to reproduce. Tensors of fewer
     * elements use torch's double-precision scalar sampler with either kernel.
     */
    public enum Kernel {
        /**
         * Torch's AVX2 kernel ({@code normal_fill_AVX2}), used on x86-64 CPUs with AVX2 (what the diffusers reference
         * runs on, torch 1.13 to 2.7 alike): float32 Cephes approximations of log, sin and cos. Bit-exact.
         */
        AVX2,
        /**
         * Torch's portable kernel ({@code normal_fill}), used where no AVX2 kernel exists (ARM, or
         * {@code ATEN_CPU_CAPABILITY=default}): float32 {@code std::log}, {@code std::cos}, {@code std::sin} of the
         * platform C library. Here those are computed correctly rounded, so values can differ from torch's in the
         * last bit of the float intermediates (about 1.5% of elements, at most 2.4e-7 absolute, measured against
         * libtorch 2.7.1 on glibc).
         */
        PORTABLE
    }

    private static final float TWO_PI_FLOAT = (float) (2.0 * Math.PI);
    private static final double TWO_PI = 2.0 * Math.PI;
    private static final float UNIFORM_FLOAT_SCALE = 1.0f / (1 << 24);
    private static final double UNIFORM_DOUBLE_SCALE = 1.0 / (1L << 53);
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final long initialSeed;
    private final Kernel kernel;
    private final MersenneTwister engine;
    /** torch's {@code next_double_normal_sample_}: the second value of the last scalar Box&ndash;Muller pair. */
    private double cachedNormal;
    private boolean hasCachedNormal;

    /**
     * Same as {@code torch.Generator("cpu").manual_seed(seed)} on an x86-64 host ({@link Kernel#AVX2}).
     *
     * @param seed the seed as Python passes it (a negative Python int is its two's complement, as in torch)
     */
    public TorchGenerator(long seed) {
        this(seed, Kernel.AVX2);
    }

    /**
     * A generator reproducing a chosen torch CPU kernel.
     *
     * @param seed the seed as Python passes it
     * @param kernel which torch kernel the block path reproduces
     */
    public TorchGenerator(long seed, Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.initialSeed = seed;
        this.engine = new MersenneTwister(seed);
    }

    /** @return the seed this generator was created with, like {@code torch.Generator.initial_seed()} */
    public long initialSeed() {
        return initialSeed;
    }

    /** @return the torch kernel this generator reproduces */
    public Kernel kernel() {
        return kernel;
    }

    /**
     * Draws standard normal values like {@code torch.randn(shape, generator=g)} (float32, row-major order).
     *
     * @param shape the tensor shape; an empty shape is a scalar (one value)
     * @return the values, advancing this generator
     * @throws IllegalArgumentException if a dimension is negative or the shape has more than 2^31 - 9 elements
     */
    public synchronized float[] randn(long... shape) {
        int n = elementCount(shape);
        float[] data = new float[n];
        if (n >= 16) {
            fillBlocks(data);
        } else {
            for (int i = 0; i < n; i++) {
                data[i] = (float) nextDoubleNormal();
            }
        }
        return data;
    }

    /**
     * Draws a standard normal float32 tensor like {@code torch.randn(shape, generator=g)}.
     *
     * @param shape the tensor shape
     * @param manager the manager that will own the new array
     * @return a new float32 array of that shape
     */
    public NDArray randn(Shape shape, NDManager manager) {
        Objects.requireNonNull(manager, "manager");
        float[] data = randn(Objects.requireNonNull(shape, "shape").getShape());
        return manager.create(data, shape);
    }

    /**
     * The next noise tensor of a pipeline: the same draw as {@link #randn(Shape, NDManager)}. (The signature of the
     * schedulers' noise source, so diffusers' draw order is reproduced by calling it once per {@code randn_tensor}.)
     *
     * @param shape the tensor shape
     * @param manager the manager that will own the new array
     * @return a new float32 array of that shape
     */
    @Override
    public NDArray next(Shape shape, NDManager manager) {
        return randn(shape, manager);
    }

    @Override
    public String toString() {
        return "TorchGenerator[seed=" + Long.toUnsignedString(initialSeed) + ", kernel=" + kernel + "]";
    }

    private static int elementCount(long[] shape) {
        Objects.requireNonNull(shape, "shape");
        boolean empty = false;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + ": negative dimension " + d);
            }
            empty |= d == 0;
        }
        if (empty) {
            return 0;
        }
        long n = 1;
        for (long d : shape) {
            if (d > MAX_ELEMENTS / n) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + ": more than " + MAX_ELEMENTS
                        + " elements do not fit a Java array");
            }
            n *= d;
        }
        return (int) n;
    }

    /** torch's {@code normal_fill}/{@code normal_fill_AVX2} for n &ge; 16. */
    private void fillBlocks(float[] data) {
        int n = data.length;
        for (int i = 0; i < n; i++) {
            data[i] = nextFloatUniform();
        }
        float[] scratch = new float[2];
        for (int i = 0; i + 16 <= n; i += 16) {
            boxMuller16(data, i, scratch);
        }
        if (n % 16 != 0) {
            int start = n - 16;
            for (int i = 0; i < 16; i++) {
                data[start + i] = nextFloatUniform();
            }
            boxMuller16(data, start, scratch);
        }
    }

    private void boxMuller16(float[] d, int off, float[] scratch) {
        if (kernel == Kernel.AVX2) {
            for (int j = off; j < off + 8; j++) {
                float radius = (float) Math.sqrt(-2f * AvxMathFun.log(1f - d[j]));
                AvxMathFun.sincos(TWO_PI_FLOAT * d[j + 8], scratch);
                // torch stores fma(n, std = 1, mean = 0), which turns -0 into +0
                d[j] = radius * scratch[1] + 0f;
                d[j + 8] = radius * scratch[0] + 0f;
            }
        } else {
            for (int j = off; j < off + 8; j++) {
                float radius = (float) Math.sqrt(-2f * (float) StrictMath.log(1f - d[j]));
                float theta = (float) (TWO_PI * d[j + 8]);
                d[j] = radius * (float) StrictMath.cos(theta) + 0f;
                d[j + 8] = radius * (float) StrictMath.sin(theta) + 0f;
            }
        }
    }

    /** torch's {@code uniform_real_distribution<float>(0, 1)}: 24 random bits of one 32-bit draw. */
    private float nextFloatUniform() {
        return (engine.nextInt() & 0xffffff) * UNIFORM_FLOAT_SCALE;
    }

    /** torch's {@code uniform_real_distribution<double>(0, 1)}: 53 random bits of one 64-bit draw. */
    private double nextDoubleUniform() {
        return (engine.nextLong() & ((1L << 53) - 1)) * UNIFORM_DOUBLE_SCALE;
    }

    /** torch's {@code normal_distribution<double>(0, 1)} with the generator's cached second sample. */
    private double nextDoubleNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal + 0.0;
        }
        double u1 = nextDoubleUniform();
        double u2 = nextDoubleUniform();
        // 1 - u2 is exact for a 53-bit u2: torch 2.x's log1p(-u2) and torch 1.13's log(1 - u2) differ at most in
        // the last double bit, which never reached the float result in 1.5 million samples checked against libtorch
        double r = Math.sqrt(-2.0 * StrictMath.log(1.0 - u2));
        double theta = TWO_PI * u1;
        cachedNormal = r * StrictMath.sin(theta);
        hasCachedNormal = true;
        return r * StrictMath.cos(theta) + 0.0;
    }
}

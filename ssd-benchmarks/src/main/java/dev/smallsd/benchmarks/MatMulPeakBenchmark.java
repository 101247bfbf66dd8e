package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.TorchKernels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's arithmetic peaks through libtorch, against which the model benchmarks' GFLOP/s are read:
 * <ul>
 *   <li>{@link #matMul}: one {@code [n, n] x [n, n]} product ({@code 2 n^3} floating-point operations, 137.4 GFLOP
 *       for n = 4096), float32 (MKL sgemm) or bfloat16 (oneDNN);
 *   <li>{@link #conv3x3}: one 3×3, stride-1, padding-1 convolution with bias, {@code C -> C} channels over a
 *       {@code [1, C, S, S]} activation ({@code 2 · 9 · C² · S²} operations): the VAE decoder's layers, e.g. 512
 *       channels at 64×64 (its mid block at 512×512 images) and 128 channels at 512×512 (its last up block), in
 *       float32 or bfloat16, contiguous (NCHW) or channels-last (NHWC) activations and weights.
 * </ul>
 * The primary result is operations per second; the secondary result {@code GFLOP} is GFLOP per second (JMH labels it
 * {@code ops/s}).
 *
 * <p>bfloat16 operands and channels-last layouts are made once per trial through {@link TorchKernels} (DJL can
 * neither create bfloat16 arrays nor reorder memory); the product and the convolution are then ordinary DJL calls on
 * those arrays, so libtorch picks its kernel by dtype and layout as it would inside a model. The benchmark fails in
 * setup when the kernel module cannot load and a variant needs it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public class MatMulPeakBenchmark {

    /** The element type the arithmetic runs in. */
    public enum Dtype {
        /** float32, as created by DJL. */
        FP32,
        /** bfloat16, converted once in setup by the kernel module's {@code to_bf16}. */
        BF16
    }

    /** Memory layout of the convolution's activation and weight. */
    public enum Layout {
        /** Contiguous {@code [N, C, H, W]}, DJL's only layout. */
        NCHW,
        /** Channels-last ({@code torch.channels_last}), made once in setup by {@code to_channels_last}. */
        NHWC
    }

    /** Counts the floating-point work done, reported per second as the secondary result {@code GFLOP}. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        /** GFLOP computed in the current iteration. */
        public double GFLOP;

        /** Resets the counter before each iteration. */
        @Setup(Level.Iteration)
        public void reset() {
            GFLOP = 0;
        }
    }

    /** Base of the operand states: one manager per trial, closed with everything made on it. */
    public abstract static class Operands {
        NDManager manager;

        /** Frees the operands. */
        @TearDown(Level.Trial)
        public void tearDown() {
            if (manager != null) {
                manager.close();
                manager = null;
            }
        }

        /**
         * Starts the engine and opens this trial's manager.
         *
         * @return the manager
         */
        NDManager open() {
            BenchmarkEnvironment.init();
            manager = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE);
            return manager;
        }

        /** @return the floating-point operations of one call */
        public abstract double flopsPerCall();
    }

    /** The two square operands of {@link #matMul}. */
    @State(Scope.Benchmark)
    public static class MatMulOperands extends Operands {
        /** Matrix size: both operands are {@code n x n}. */
        @Param({"4096"})
        public int n;

        /** Element type of both operands and the product. */
        @Param({"FP32", "BF16"})
        public Dtype dtype;

        NDArray a;
        NDArray b;

        /** Creates the two random operands (once per trial). */
        @Setup(Level.Trial)
        public void setUp() {
            if (n < 1) {
                throw new IllegalArgumentException("parameter n=" + n + " must be at least 1");
            }
            NDManager m = open();
            a = convert(random(m, 1, n, n), dtype, Layout.NCHW);
            b = convert(random(m, 2, n, n), dtype, Layout.NCHW);
        }

        @Override
        public double flopsPerCall() {
            return 2.0 * n * n * n;
        }
    }

    /** Activation, weight and bias of {@link #conv3x3}. */
    @State(Scope.Benchmark)
    public static class ConvOperands extends Operands {
        /** {@code CxS}: {@code C} input and output channels over an {@code S x S} activation (batch 1). */
        @Param({"512x64", "128x512"})
        public String layer;

        /** Element type of activation, weight and bias. */
        @Param({"FP32", "BF16"})
        public Dtype dtype;

        /** Memory layout of activation and weight (the bias is a vector). */
        @Param({"NCHW", "NHWC"})
        public Layout layout;

        long channels;
        long side;
        NDArray x;
        NDArray weight;
        NDArray bias;

        /** Creates the random operands (once per trial). */
        @Setup(Level.Trial)
        public void setUp() {
            long[] cs = parseLayer(layer);
            channels = cs[0];
            side = cs[1];
            NDManager m = open();
            x = convert(random(m, 3, 1, channels, side, side), dtype, layout);
            // uniform in ±1/sqrt(fan-in), as PyTorch initialises a convolution, so outputs stay of order 1
            float bound = (float) (1 / Math.sqrt(channels * 9.0));
            weight = convert(random(m, 4, channels, channels, 3, 3).muli(bound), dtype, layout);
            bias = convert(random(m, 5, channels).muli(bound), dtype, Layout.NCHW);
        }

        @Override
        public double flopsPerCall() {
            return 2.0 * 9 * channels * channels * side * side;
        }

        /**
         * @param layer {@code CxS}, e.g. {@code 512x64}
         * @return {@code {C, S}}
         * @throws IllegalArgumentException naming the parameter when the value is not two positive integers
         */
        static long[] parseLayer(String layer) {
            String[] parts = layer == null ? new String[0] : layer.split("x", -1);
            try {
                if (parts.length == 2) {
                    long c = Long.parseLong(parts[0].trim());
                    long s = Long.parseLong(parts[1].trim());
                    if (c > 0 && s > 0) {
                        return new long[] {c, s};
                    }
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("parameter layer=" + layer
                    + " must be CHANNELSxSIDE with two positive integers, e.g. 512x64");
        }
    }

    /**
     * @param manager owner of the result
     * @param seed the seed
     * @param shape the shape
     * @return float32 values uniform in [-1, 1)
     */
    static NDArray random(NDManager manager, long seed, long... shape) {
        Shape s = new Shape(shape);
        long count = s.size();
        ByteBuffer buf = manager.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            buf.putFloat((float) (rnd.nextDouble() * 2 - 1));
        }
        buf.rewind();
        return manager.create(buf, s, DataType.FLOAT32);
    }

    /**
     * Converts a float32 operand once, in setup, through the kernel module; the float32 input is closed when it is
     * replaced.
     *
     * @param x a float32 operand
     * @param dtype the element type wanted
     * @param layout the layout wanted (only for 4-D operands)
     * @return {@code x} itself for float32 NCHW, otherwise the converted array (same manager)
     * @throws IllegalStateException when a conversion is needed and the kernel module is unavailable
     */
    static NDArray convert(NDArray x, Dtype dtype, Layout layout) {
        NDArray r = x;
        if (layout == Layout.NHWC) {
            r = replace(r, kernels(layout).call("to_channels_last", r));
        }
        if (dtype == Dtype.BF16) {
            // torch.to keeps the memory format of a channels-last input
            r = replace(r, kernels(dtype).call("to_bf16", r));
        }
        return r;
    }

    private static NDArray replace(NDArray old, NDArray now) {
        old.close();
        return now;
    }

    private static TorchKernels kernels(Enum<?> variant) {
        return TorchKernels.get().orElseThrow(() -> new IllegalStateException("parameter "
                + variant.getDeclaringClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + "=" + variant
                + " needs the TorchScript kernel module, which did not load (see the log)"));
    }

    /**
     * One matrix product.
     *
     * @param s the operands
     * @param flops the work counter
     * @return the number of elements of the product (so the call is not dead code)
     */
    @Benchmark
    public long matMul(MatMulOperands s, Flops flops) {
        long r;
        try (NDArray c = s.a.matMul(s.b)) {
            r = c.getShape().size();
        }
        flops.GFLOP += s.flopsPerCall() / 1e9;
        return r;
    }

    /**
     * One 3×3 convolution (stride 1, padding 1, with bias), the way the model's {@code Conv2d} calls libtorch.
     *
     * @param s the operands
     * @param flops the work counter
     * @return the number of elements of the output (so the call is not dead code)
     */
    @Benchmark
    public long conv3x3(ConvOperands s, Flops flops) {
        Shape one = new Shape(1, 1);
        long r;
        try (NDArray y = s.x.getNDArrayInternal().convolution(s.x, s.weight, s.bias, one, one, one, 1)
                .singletonOrThrow()) {
            r = y.getShape().size();
        }
        flops.GFLOP += s.flopsPerCall() / 1e9;
        return r;
    }
}

package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 * The machine's float32 GEMM peak through libtorch: one {@code [n, n] x [n, n]} {@code matMul} per operation
 * ({@code 2 n^3} floating-point operations, 137.4 GFLOP for n = 4096). The primary result is matrix products per
 * second; the secondary result {@code GFLOP} is GFLOP per second (JMH labels it {@code ops/s}). It bounds what the
 * convolution- and attention-heavy model benchmarks can reach on the same machine and thread count.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
@State(Scope.Benchmark)
public class MatMulPeakBenchmark {
    /** Matrix size: both operands are {@code n x n} float32. */
    @Param({"4096"})
    public int n;

    private NDManager manager;
    private NDArray a;
    private NDArray b;

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

    /** Creates the two random operands (once per trial). */
    @Setup(Level.Trial)
    public void setUp() {
        BenchmarkEnvironment.init();
        if (n < 1) {
            throw new IllegalArgumentException("parameter n=" + n + " must be at least 1");
        }
        manager = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE);
        a = random(manager, n, 1);
        b = random(manager, n, 2);
    }

    private static NDArray random(NDManager manager, int n, long seed) {
        long count = (long) n * n;
        ByteBuffer buf = manager.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < count; i++) {
            buf.putFloat((float) (rnd.nextDouble() * 2 - 1));
        }
        buf.rewind();
        return manager.create(buf, new Shape(n, n), DataType.FLOAT32);
    }

    /** Frees the operands. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }

    /** @return the floating-point operations of one product, {@code 2 n^3} */
    public double flopsPerCall() {
        return 2.0 * n * n * n;
    }

    /**
     * One float32 matrix product.
     *
     * @param flops the work counter
     * @return an element of the product (so the call is not dead code)
     */
    @Benchmark
    public float matMul(Flops flops) {
        float r;
        try (NDArray c = a.matMul(b)) {
            r = c.getFloat(0, 0);
        }
        flops.GFLOP += flopsPerCall() / 1e9;
        return r;
    }
}

package dev.smallsd.benchmarks;

import dev.smallsd.schedulers.TorchGenerator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure-Java copy of {@code torch.Generator("cpu")}: a fresh generator seeded and drawing the initial latents of
 * a 512×512 batch of two, {@code randn(2, 4, 64, 64)} (32,768 normal floats), per operation. Its time was once a
 * unit-test assertion ("well under 10 ms"); a figure that depends on the machine's load belongs here.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
@State(Scope.Benchmark)
public class TorchGeneratorBenchmark {
    /** The seed of each fresh generator. */
    @Param({"42"})
    public long seed;

    /** Creates the benchmark state (JMH calls this constructor). */
    public TorchGeneratorBenchmark() {}

    /** @return the latents, so that JMH consumes them */
    @Benchmark
    public float[] randnLatents() {
        return new TorchGenerator(seed).randn(2, 4, 64, 64);
    }
}

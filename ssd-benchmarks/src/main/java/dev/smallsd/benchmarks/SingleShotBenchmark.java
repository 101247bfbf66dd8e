package dev.smallsd.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The run settings every model benchmark shares, inherited by JMH from this class: single-shot calls in
 * milliseconds (one model call is long enough to time alone), 1 warm-up and 3 measured calls in one forked JVM that
 * starts DJL offline. A subclass overrides a setting by annotating itself.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public abstract class SingleShotBenchmark {}

/**
 * JMH benchmarks on the full-size small-stable-diffusion-v0 architecture with deterministic random weights.
 *
 * <p>Model benchmarks keep their component in a {@link dev.smallsd.benchmarks.ComponentState}, built once per trial
 * from the bundled configs with seeded random weights. {@link dev.smallsd.benchmarks.BenchmarkEnvironment} starts
 * the PyTorch engine offline with the requested {@code ai.djl.pytorch.num_threads};
 * {@link dev.smallsd.benchmarks.RssProfiler} ({@code -prof dev.smallsd.benchmarks.RssProfiler}) reports the peak
 * resident memory of each forked benchmark JVM. {@code BENCHMARKS.md} at the top of the repository has the commands
 * and the results.
 */
package dev.smallsd.benchmarks;

package dev.smallsd.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the resident memory of the benchmark JVM after every iteration, read from Linux's
 * {@code /proc/self/status}: {@code VmHWM} (the peak resident set since the JVM started, which includes the
 * trial setup such as building the model) and {@code VmRSS} (the resident set at the end of the iteration), both
 * in MiB, as secondary results {@code VmHWM} and {@code VmRSS} aggregated by maximum.
 *
 * <p>Use it with {@code -prof dev.smallsd.benchmarks.RssProfiler}. It runs inside the measured JVM, so with forks
 * ({@code -f 1} or more) each benchmark gets the peak of its own process, comparable to a whole-process peak RSS;
 * with {@code -f 0} it measures the JMH host JVM, which has run every benchmark before. Off Linux it reports
 * nothing.
 */
public final class RssProfiler implements InternalProfiler {
    /** The file read after each iteration. */
    static final Path STATUS = Path.of("/proc/self/status");
    private static final String UNIT = "MiB";

    /** Creates the profiler (JMH calls this constructor). */
    public RssProfiler() {}

    @Override
    public String getDescription() {
        return "peak (VmHWM) and current (VmRSS) resident memory of the benchmark JVM in MiB, from /proc/self/status";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        // nothing: the kernel keeps the peak
    }

    @Override
    @SuppressWarnings("rawtypes") // the signature of InternalProfiler uses the raw Result type
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        String status;
        try {
            status = Files.readString(STATUS, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        OptionalLong hwm = fieldKiB(status, "VmHWM");
        OptionalLong rss = fieldKiB(status, "VmRSS");
        if (hwm.isEmpty() || rss.isEmpty()) {
            return List.of();
        }
        return List.of(
                new ScalarResult("VmHWM", toMiB(hwm.getAsLong()), UNIT, AggregationPolicy.MAX),
                new ScalarResult("VmRSS", toMiB(rss.getAsLong()), UNIT, AggregationPolicy.MAX));
    }

    /**
     * Reads one {@code Name:   1234 kB} line of {@code /proc/<pid>/status}.
     *
     * @param status the file's text
     * @param field the field name, e.g. {@code "VmHWM"}
     * @return the value in KiB, or empty when the field is absent or not in kB
     */
    static OptionalLong fieldKiB(String status, String field) {
        for (String line : status.split("\n")) {
            if (!line.startsWith(field + ":")) {
                continue;
            }
            String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
            if (parts.length != 2 || !parts[1].equals("kB")) {
                return OptionalLong.empty();
            }
            try {
                return OptionalLong.of(Long.parseLong(parts[0]));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /**
     * @param kib a size in KiB
     * @return the size in MiB
     */
    static double toMiB(long kib) {
        return kib / 1024.0;
    }
}

package dev.smallsd.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.Collection;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;

class RssProfilerTest {
    private static final String STATUS = "Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1024 kB\n"
            + "Threads:\t12\n";

    @Test
    void readsKibFields() {
        assertThat(RssProfiler.fieldKiB(STATUS, "VmHWM")).isEqualTo(OptionalLong.of(2048));
        assertThat(RssProfiler.fieldKiB(STATUS, "VmRSS")).isEqualTo(OptionalLong.of(1024));
        assertThat(RssProfiler.toMiB(2048)).isEqualTo(2.0);
    }

    @Test
    void missingOrMalformedFieldsAreEmpty() {
        assertThat(RssProfiler.fieldKiB(STATUS, "VmSwap")).isEmpty();
        assertThat(RssProfiler.fieldKiB(STATUS, "Threads")).isEmpty();
        assertThat(RssProfiler.fieldKiB("VmHWM:\t lots kB\n", "VmHWM")).isEmpty();
        // a prefix of another field name must not match
        assertThat(RssProfiler.fieldKiB("VmHWMX:\t 5 kB\n", "VmHWM")).isEmpty();
    }

    @Test
    @SuppressWarnings("rawtypes") // JMH's InternalProfiler returns Collection<? extends Result> with raw Result
    void reportsPeakAndCurrentOfThisProcess() {
        assumeTrue(Files.isReadable(RssProfiler.STATUS), "needs Linux /proc");
        Collection<? extends Result> results = new RssProfiler().afterIteration(null, null, null);
        assertThat(results).extracting(Result::getLabel).containsExactly("VmHWM", "VmRSS");
        double hwm = results.stream().filter(r -> r.getLabel().equals("VmHWM")).findFirst().orElseThrow().getScore();
        double rss = results.stream().filter(r -> r.getLabel().equals("VmRSS")).findFirst().orElseThrow().getScore();
        assertThat(rss).isPositive();
        assertThat(hwm).isGreaterThanOrEqualTo(rss);
        assertThat(results).allSatisfy(r -> assertThat(r.getScoreUnit()).isEqualTo("MiB"));
    }
}

package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private static final long SECOND = 1_000_000_000L;

    /** A clock the test moves by hand. */
    private static final class FakeClock {
        long now;

        long get() {
            return now;
        }
    }

    @Test
    void plainStylePrintsOneLinePerTenPercentWithRateAndEta() {
        StringWriter sw = new StringWriter();
        FakeClock clock = new FakeClock();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw), "denoising", 20, ProgressBar.Unit.STEPS,
                ProgressBar.Style.PLAIN, clock::get);
        for (int i = 1; i <= 20; i++) {
            clock.now += SECOND / 2;
            bar.update(i);
        }
        List<String> lines = Arrays.asList(sw.toString().split("\\R"));
        assertThat(lines).hasSize(10);
        assertThat(lines.get(0)).isEqualTo("denoising: 10% (2/20 it, 2.00 it/s, elapsed 00:01, ETA 00:09)");
        assertThat(lines.get(9)).isEqualTo("denoising: 100% (20/20 it, 2.00 it/s, elapsed 00:10, ETA 00:00)");
    }

    @Test
    void plainStyleWithFewStepsPrintsEachStepOnce() {
        StringWriter sw = new StringWriter();
        FakeClock clock = new FakeClock();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw), "denoising", 3, ProgressBar.Unit.STEPS,
                ProgressBar.Style.PLAIN, clock::get);
        for (int i = 1; i <= 3; i++) {
            clock.now += SECOND;
            bar.update(i);
            bar.update(i);
        }
        assertThat(sw.toString().split("\\R")).hasSize(3);
    }

    @Test
    void barStyleRedrawsOneLineInPlaceAndEndsItWithANewline() {
        StringWriter sw = new StringWriter();
        FakeClock clock = new FakeClock();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw), "denoising", 10, ProgressBar.Unit.STEPS,
                ProgressBar.Style.BAR, clock::get);
        clock.now += 4 * SECOND;
        bar.update(4);
        assertThat(bar.barLine(clock.now)).startsWith("denoising  40% |").endsWith("| 4/10 [00:04<00:06, 1.00 it/s]");
        clock.now += SECOND / 100;
        bar.update(5); // within 100 ms of the last draw: not redrawn
        clock.now += 6 * SECOND;
        bar.update(10);
        String s = sw.toString();
        assertThat(s.chars().filter(c -> c == '\r')).hasSize(2);
        assertThat(s).endsWith(System.lineSeparator()).contains("10/10 [00:10<00:00");
        bar.update(10);
        assertThat(sw.toString()).isEqualTo(s);
    }

    @Test
    void slowStepsShowSecondsPerIteration() {
        FakeClock clock = new FakeClock();
        ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), "denoising", 10,
                ProgressBar.Unit.STEPS, ProgressBar.Style.NONE, clock::get);
        clock.now += 4 * SECOND;
        bar.update(1);
        assertThat(bar.plainLine(clock.now)).contains("4.00 s/it").contains("ETA 00:36");
    }

    @Test
    void rateAfterTheFirstUpdateExcludesTimeBeforeIt() {
        FakeClock clock = new FakeClock();
        ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), "denoising", 10,
                ProgressBar.Unit.STEPS, ProgressBar.Style.NONE, clock::get);
        clock.now += 10 * SECOND; // slow first step (model warm-up, prompt encoding)
        bar.update(1);
        clock.now += 2 * SECOND;
        bar.update(5);
        assertThat(bar.rate(clock.now)).isEqualTo(2.0);
    }

    @Test
    void bytesAreShownInDecimalUnits() {
        FakeClock clock = new FakeClock();
        ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), "unet", 3_400_000_000L,
                ProgressBar.Unit.BYTES, ProgressBar.Style.NONE, clock::get);
        clock.now += 10 * SECOND;
        bar.update(1_200_000_000L);
        assertThat(bar.plainLine(clock.now)).isEqualTo("unet: 35% (1.2 GB/3.4 GB, 120 MB/s, elapsed 00:10, ETA 00:18)");
        assertThat(ProgressBar.bytes(999)).isEqualTo("999 B");
        assertThat(ProgressBar.bytes(1500)).isEqualTo("1.5 kB");
    }

    @Test
    void noneStylePrintsNothing() {
        StringWriter sw = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw), "x", 2, ProgressBar.Unit.STEPS,
                ProgressBar.Style.NONE, System::nanoTime);
        bar.update(1);
        bar.update(2);
        bar.finish();
        assertThat(sw.toString()).isEmpty();
    }

    @Test
    void clockFormatsMinutesAndHours() {
        assertThat(ProgressBar.clock(65 * SECOND)).isEqualTo("01:05");
        assertThat(ProgressBar.clock(3725 * SECOND)).isEqualTo("1:02:05");
    }

    @Test
    void autoResolvesToAConcreteStyle() {
        assertThat(ProgressBar.Style.AUTO.resolve()).isIn(ProgressBar.Style.BAR, ProgressBar.Style.PLAIN);
        assertThat(ProgressBar.Style.NONE.resolve()).isEqualTo(ProgressBar.Style.NONE);
    }
}

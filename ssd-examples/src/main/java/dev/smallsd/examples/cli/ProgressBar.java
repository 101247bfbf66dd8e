package dev.smallsd.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress display on stderr for a count of steps or bytes: done/total, rate and ETA.
 *
 * <p>{@link Style#BAR} redraws one line in place ({@code \r}), at most every 100 ms, for terminals;
 * {@link Style#PLAIN} prints one line each time another 10 % is reached (and at the end), for logs and pipes;
 * {@link Style#NONE} prints nothing. Not thread-safe: update it from one thread.
 */
public final class ProgressBar {
    /** How progress is shown. */
    public enum Style {
        /** Pick {@link #BAR} when stderr is a terminal, else {@link #PLAIN}. */
        AUTO,
        /** A bar redrawn in place. */
        BAR,
        /** One line per 10 %. */
        PLAIN,
        /** Nothing. */
        NONE;

        /** @return this style with {@link #AUTO} replaced by what fits the process's stderr */
        public Style resolve() {
            if (this != AUTO) {
                return this;
            }
            return stderrIsTerminal() ? BAR : PLAIN;
        }
    }

    /** What is counted. */
    public enum Unit {
        /** Iterations (denoising steps), shown as {@code it} and {@code it/s}. */
        STEPS,
        /** Bytes (downloads), shown in kB/MB/GB and bytes per second. */
        BYTES
    }

    private static final int BAR_WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;
    /** Block characters need a Unicode stderr; otherwise the bar is drawn with {@code #}. */
    private static final boolean UNICODE = System.getProperty("sun.stderr.encoding",
            Charset.defaultCharset().name()).toUpperCase(Locale.ROOT).startsWith("UTF");

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final Unit unit;
    private final Style style;
    private final LongSupplier clock;
    private final long startNanos;
    private long firstDone = -1;
    private long firstNanos;
    private long lastDrawNanos;
    private boolean drawn;
    private int lastDecile;
    private long done;
    private boolean finished;

    /**
     * @param out where to write (stderr)
     * @param label what is in progress, e.g. {@code "denoising"}
     * @param total the count at completion ({@code > 0})
     * @param unit what is counted
     * @param style how to show it ({@link Style#AUTO} is resolved here)
     * @param clock a nanosecond clock ({@code System::nanoTime})
     */
    public ProgressBar(PrintWriter out, String label, long total, Unit unit, Style style, LongSupplier clock) {
        this(out, label, total, unit, style, clock, clock.getAsLong());
    }

    /**
     * A display whose elapsed time counts from an earlier moment (e.g. when the work was submitted, before its
     * total was known).
     *
     * @param out where to write (stderr)
     * @param label what is in progress
     * @param total the count at completion ({@code > 0})
     * @param unit what is counted
     * @param style how to show it ({@link Style#AUTO} is resolved here)
     * @param clock a nanosecond clock
     * @param startNanos the clock value at which the work started
     */
    public ProgressBar(PrintWriter out, String label, long total, Unit unit, Style style, LongSupplier clock,
            long startNanos) {
        if (total <= 0) {
            throw new IllegalArgumentException("total: " + total + " must be > 0");
        }
        this.out = out;
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.style = style.resolve();
        this.clock = clock;
        this.startNanos = startNanos;
    }

    /**
     * Records progress.
     *
     * @param doneSoFar the count reached so far (clamped to {@code [0, total]})
     */
    public void update(long doneSoFar) {
        if (finished) {
            return;
        }
        long now = clock.getAsLong();
        done = Math.max(0, Math.min(total, doneSoFar));
        if (firstDone < 0) {
            firstDone = done;
            firstNanos = now;
        }
        switch (style) {
            case BAR -> {
                if (done == total || !drawn || now - lastDrawNanos >= REDRAW_NANOS) {
                    drawn = true;
                    lastDrawNanos = now;
                    out.print('\r' + barLine(now) + "\u001b[K");
                    out.flush();
                }
            }
            case PLAIN -> {
                int decile = (int) (done * 10 / total);
                if (decile > lastDecile) {
                    lastDecile = decile;
                    out.println(plainLine(now));
                    out.flush();
                }
            }
            default -> { }
        }
        if (done == total) {
            finish();
        }
    }

    /** Ends the display (a bar gets its line break); further updates are ignored. */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (style == Style.BAR && drawn) {
            out.println();
            out.flush();
        }
    }

    /**
     * @param now the clock now
     * @return units per second, or NaN before it can be measured
     */
    double rate(long now) {
        if (done > firstDone && now > firstNanos) {
            return (done - firstDone) * 1e9 / (now - firstNanos);
        }
        if (done > 0 && now > startNanos) {
            return done * 1e9 / (now - startNanos);
        }
        return Double.NaN;
    }

    /**
     * @param now the clock now
     * @return the bar line, e.g. {@code denoising  40% |█████▏      | 4/10 [00:01<00:02, 3.52 it/s]}
     */
    String barLine(long now) {
        double frac = (double) done / total;
        int eighths = (int) Math.round(frac * BAR_WIDTH * 8);
        StringBuilder bar = new StringBuilder(BAR_WIDTH);
        for (int i = 0; i < BAR_WIDTH; i++) {
            int fill = Math.max(0, Math.min(8, eighths - 8 * i));
            if (UNICODE) {
                bar.append(fill == 0 ? ' ' : (char) ('\u2590' - fill));
            } else {
                bar.append(fill == 8 ? '#' : ' ');
            }
        }
        double rate = rate(now);
        return String.format(Locale.ROOT, "%s %3d%% |%s| %s/%s [%s<%s, %s]", label, (int) (frac * 100), bar,
                amount(done), amount(total), clock(now - startNanos), eta(rate), rateText(rate));
    }

    /**
     * @param now the clock now
     * @return the plain line, e.g. {@code denoising: 40% (4/10 it, 3.52 it/s, elapsed 00:01, ETA 00:02)}
     */
    String plainLine(long now) {
        double rate = rate(now);
        return String.format(Locale.ROOT, "%s: %d%% (%s/%s%s, %s, elapsed %s, ETA %s)", label, done * 100 / total,
                amount(done), amount(total), unit == Unit.STEPS ? " it" : "", rateText(rate),
                clock(now - startNanos), eta(rate));
    }

    private String eta(double rate) {
        if (done == total) {
            return "00:00";
        }
        if (Double.isNaN(rate) || rate <= 0) {
            return "?";
        }
        return clock((long) ((total - done) / rate * 1e9));
    }

    private String rateText(double rate) {
        if (Double.isNaN(rate)) {
            return unit == Unit.STEPS ? "? it/s" : "? B/s";
        }
        if (unit == Unit.BYTES) {
            return bytes((long) rate) + "/s";
        }
        return rate >= 1 || rate == 0 ? String.format(Locale.ROOT, "%.2f it/s", rate)
                : String.format(Locale.ROOT, "%.2f s/it", 1 / rate);
    }

    private String amount(long n) {
        return unit == Unit.BYTES ? bytes(n) : Long.toString(n);
    }

    /**
     * @param n a byte count
     * @return it in B, kB, MB or GB (powers of 1000)
     */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    /**
     * @param nanos a duration
     * @return it as {@code mm:ss}, or {@code h:mm:ss} from one hour on
     */
    static String clock(long nanos) {
        long s = Math.max(0, nanos / 1_000_000_000L);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
        return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    /**
     * Whether file descriptor 2 is a terminal: on Linux its {@code /proc/self/fd/2} link names a tty device;
     * elsewhere the JVM's console (an interactive stdin/stdout) stands in for it.
     *
     * @return whether stderr is a terminal
     */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd2)) {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            // fall through to the console heuristic
        }
        return System.console() != null;
    }
}

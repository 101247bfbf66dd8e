package dev.smallsd.benchmarks;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * A soak run users can repeat: many txt2img generations on one {@link SmallStableDiffusion} instance in one JVM,
 * through the public API only, printing every {@code --every} generations what would grow if anything leaked: the
 * NDArrays alive under DJL's system manager, the resident set ({@code VmRSS} of {@code /proc/self/status}), the
 * committed and used Java heap (after a {@code System.gc()}), the native part {@code VmRSS − committed heap}, and the
 * mean time per generation over the window.
 *
 * <p>It is a plain {@code main}, not a JMH benchmark and not a unit test: a soak run measures drift over a long run,
 * which has no place in a test (timing and RSS depend on the machine's load). Run it from the benchmarks jar:
 *
 * <pre>{@code
 * OMP_WAIT_POLICY=PASSIVE java -Dai.djl.pytorch.num_threads=1 -cp ssd-benchmarks/target/benchmarks.jar \
 *     dev.smallsd.benchmarks.SoakRun --model ../shared/fixtures/tiny-ssd --generations 1000 --every 100
 * }</pre>
 *
 * <p>Options (all optional): {@code --model DIR} (default {@code <ssd.fixtures>/tiny-ssd}, {@code ssd.fixtures}
 * defaulting to {@code ../shared/fixtures}), {@code --generations N} (1000), {@code --every N} (100),
 * {@code --steps N} (10), {@code --size PIXELS} (the model's default size). Generation {@code i} uses seed {@code i},
 * so a rerun does the same work. The safety checker runs when {@code ssd-safety} is on the class path (it is in the
 * benchmarks jar) and the model has one.
 */
public final class SoakRun {
    private static final String PROMPT = "a lighthouse on a cliff at dusk, oil painting";
    private static final String NEGATIVE = "blurry";

    private SoakRun() {}

    /** The parsed command line. */
    record Options(Path model, int generations, int every, int steps, Integer size) {
        static Options parse(String[] args) {
            Path model = Path.of(System.getProperty(PipelineBenchmark.FIXTURES_PROPERTY, "../shared/fixtures"))
                    .resolve("tiny-ssd");
            int generations = 1000;
            int every = 100;
            int steps = 10;
            Integer size = null;
            for (int i = 0; i < args.length; i++) {
                String key = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(key + ": missing value");
                }
                String value = args[++i];
                switch (key) {
                    case "--model" -> model = Path.of(value);
                    case "--generations" -> generations = positive(key, value);
                    case "--every" -> every = positive(key, value);
                    case "--steps" -> steps = positive(key, value);
                    case "--size" -> size = positive(key, value);
                    default -> throw new IllegalArgumentException(key + ": unknown option (--model, --generations, "
                            + "--every, --steps, --size)");
                }
            }
            return new Options(model, generations, every, steps, size);
        }

        private static int positive(String key, String value) {
            int n;
            try {
                n = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": '" + value + "' is not an integer", e);
            }
            if (n < 1) {
                throw new IllegalArgumentException(key + ": " + n + " must be at least 1");
            }
            return n;
        }
    }

    /**
     * Runs the soak.
     *
     * @param args the options above
     * @throws IOException when {@code /proc/self/status} cannot be read
     */
    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);
        BenchmarkEnvironment.init();
        System.out.printf(Locale.ROOT, "# soak: %d generations of %s, %d steps, size %s, OMP_WAIT_POLICY=%s, "
                + "MALLOC_ARENA_MAX=%s, -Xmx %d MiB%n", o.generations(), o.model(), o.steps(),
                o.size() == null ? "default" : o.size(), System.getenv("OMP_WAIT_POLICY"),
                System.getenv("MALLOC_ARENA_MAX"), Runtime.getRuntime().maxMemory() >> 20);
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(o.model()).build()) {
            System.out.println("| generations | live NDArrays | VmRSS MiB | Java heap committed MiB | Java heap used "
                    + "MiB | VmRSS − committed heap MiB | ms / generation (window) |");
            System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
            System.out.println(sample(0, Double.NaN));
            long windowStart = System.nanoTime();
            int lastSampled = 0;
            int flagged = 0;
            for (int i = 1; i <= o.generations(); i++) {
                GenerationRequest.Builder b = GenerationRequest.builder(PROMPT).negativePrompt(NEGATIVE)
                        .steps(o.steps()).seed(i);
                if (o.size() != null) {
                    b.size(o.size(), o.size());
                }
                GenerationResult r = sd.generate(b.build());
                flagged += r.isNsfw(0) ? 1 : 0;
                // the first generation is sampled too: it loads what is loaded lazily (e.g. the safety checker)
                if (i == 1 || i % o.every() == 0 || i == o.generations()) {
                    double msPer = (System.nanoTime() - windowStart) / 1e6 / (i - lastSampled);
                    System.out.println(sample(i, msPer));
                    lastSampled = i;
                    windowStart = System.nanoTime();
                }
            }
            System.out.printf(Locale.ROOT, "# soak done: %d generations, %d flagged by the safety checker%n",
                    o.generations(), flagged);
        }
        System.out.println("# after close: " + sample(-1, Double.NaN));
    }

    /** One table row, measured now (after a full GC so that the heap figures are the live data). */
    private static String sample(int generations, double msPerGeneration) throws IOException {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long committed = rt.totalMemory();
        long used = committed - rt.freeMemory();
        String status = Files.readString(RssProfiler.STATUS, StandardCharsets.US_ASCII);
        OptionalLong rssKiB = RssProfiler.fieldKiB(status, "VmRSS");
        double rss = rssKiB.isPresent() ? RssProfiler.toMiB(rssKiB.getAsLong()) : Double.NaN;
        return String.format(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.0f | %.0f | %s |", generations, liveArrays(),
                rss, committed / 1048576.0, used / 1048576.0, rss - committed / 1048576.0,
                Double.isNaN(msPerGeneration) ? "–" : String.format(Locale.ROOT, "%.1f", msPerGeneration));
    }

    /** @return the NDArrays alive in every manager under DJL's system manager (the count is recursive) */
    static int liveArrays() {
        NDManager probe = NDManager.newBaseManager();
        try {
            return ((BaseNDManager) probe.getParentManager()).getManagedArrays().size();
        } finally {
            probe.close();
        }
    }
}

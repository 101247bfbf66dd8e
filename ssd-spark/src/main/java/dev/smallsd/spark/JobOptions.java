package dev.smallsd.spark;

import dev.smallsd.SafetyMode;
import dev.smallsd.schedulers.SchedulerType;
import java.util.Locale;

/**
 * The command line of {@link GenerateJob}. Errors are {@link IllegalArgumentException}s whose message starts with
 * the option.
 *
 * @param input the prompts table (CSV with a header line, JSON lines or Parquet)
 * @param inputFormat {@code csv}, {@code json} or {@code parquet}
 * @param output the output folder (any Hadoop file system URI or a local path)
 * @param format how the images are written
 * @param model Hub id or model folder
 * @param revision Hub revision or {@code null}
 * @param scheduler scheduler or {@code null} for the model's
 * @param steps default steps or {@code null}
 * @param guidance default guidance or {@code null}
 * @param width default width or {@code null}
 * @param height default height or {@code null}
 * @param negativePrompt default negative prompt or {@code null}
 * @param seed job seed
 * @param safety safety mode
 * @param threads libtorch threads per task or {@code null}
 * @param partitions number of partitions to spread the prompts over, or {@code null} to keep the input's
 * @param maxPixels the largest {@code width × height} a row may ask for
 */
public record JobOptions(String input, String inputFormat, String output, Format format, String model, String revision,
        SchedulerType scheduler, Integer steps, Double guidance, Integer width, Integer height, String negativePrompt,
        long seed, SafetyMode safety, Integer threads, Integer partitions, long maxPixels) {

    /** How {@link GenerateJob} writes the images. */
    public enum Format {
        /** One PNG file per image under {@code OUTPUT/images/}. */
        PNG,
        /** One Parquet table {@code OUTPUT/images.parquet} with the PNG bytes in column {@code image}. */
        PARQUET
    }

    /** The usage text. */
    public static final String USAGE = String.join("\n",
            "usage: spark-submit --class dev.smallsd.spark.GenerateJob ssd-spark-with-dependencies.jar",
            "         --input prompts.{csv,json,parquet} --output DIR --model ID|PATH",
            "         [--format png|parquet] [--input-format csv|json|parquet] [--scheduler NAME] [--steps N]",
            "         [--guidance G] [--size WxH] [--negative-prompt TEXT] [--seed N] [--safety block|flag-only|off]",
            "         [--threads N] [--partitions N] [--max-pixels N] [--revision REV]");

    /**
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException naming the first bad or missing option
     */
    public static JobOptions parse(String... args) {
        String input = null;
        String inputFormat = null;
        String output = null;
        Format format = Format.PNG;
        String model = null;
        String revision = null;
        SchedulerType scheduler = null;
        Integer steps = null;
        Double guidance = null;
        Integer width = null;
        Integer height = null;
        String negativePrompt = null;
        long seed = 0;
        SafetyMode safety = SafetyMode.BLOCK;
        Integer threads = null;
        Integer partitions = null;
        long maxPixels = SparkImageGenerator.DEFAULT_MAX_PIXELS;
        for (int i = 0; i < args.length; i++) {
            String opt = args[i];
            if (!opt.startsWith("--")) {
                throw new IllegalArgumentException(opt + ": unexpected argument (options start with --)");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(opt + ": a value is required");
            }
            String v = args[++i];
            switch (opt) {
                case "--input" -> input = v;
                case "--input-format" -> inputFormat = choice(opt, v, "csv", "json", "parquet");
                case "--output" -> output = v;
                case "--format" -> format = Format.valueOf(choice(opt, v, "png", "parquet").toUpperCase(Locale.ROOT));
                case "--model" -> model = v;
                case "--revision" -> revision = v;
                case "--scheduler" -> scheduler = scheduler(opt, v);
                case "--steps" -> steps = positive(opt, v);
                case "--guidance" -> guidance = guidance(opt, v);
                case "--size" -> {
                    int[] wh = size(opt, v);
                    width = wh[0];
                    height = wh[1];
                }
                case "--negative-prompt" -> negativePrompt = v;
                case "--seed" -> seed = whole(opt, v);
                case "--safety" -> safety = SafetyMode.valueOf(choice(opt, v, "block", "flag-only", "off")
                        .replace('-', '_').toUpperCase(Locale.ROOT));
                case "--threads" -> threads = positive(opt, v);
                case "--partitions" -> partitions = positive(opt, v);
                case "--max-pixels" -> {
                    maxPixels = whole(opt, v);
                    if (maxPixels <= 0) {
                        throw new IllegalArgumentException(opt + ": " + v + " must be >= 1");
                    }
                }
                default -> throw new IllegalArgumentException(opt + ": unknown option");
            }
        }
        required("--input", input);
        required("--output", output);
        required("--model", model);
        if (inputFormat == null) {
            inputFormat = formatOf(input);
        }
        return new JobOptions(input, inputFormat, output, format, model, revision, scheduler, steps, guidance, width,
                height, negativePrompt, seed, safety, threads, partitions, maxPixels);
    }

    /** @return a generator with these options */
    SparkImageGenerator generator() {
        SparkImageGenerator.Builder b = SparkImageGenerator.builder().model(model).safety(safety).seed(seed)
                .scheduler(scheduler).negativePrompt(negativePrompt).revision(revision).maxPixels(maxPixels);
        if (steps != null) {
            b.steps(steps);
        }
        if (guidance != null) {
            b.guidance(guidance);
        }
        if (width != null) {
            b.size(width, height);
        }
        if (threads != null) {
            b.threads(threads);
        }
        return b.build();
    }

    private static String formatOf(String input) {
        String name = input.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        for (String ext : new String[] {"csv", "json", "parquet"}) {
            if (name.endsWith("." + ext)) {
                return ext;
            }
        }
        if (name.endsWith(".jsonl")) {
            return "json";
        }
        throw new IllegalArgumentException("--input-format: cannot tell the format of '" + input
                + "' from its name (.csv, .json, .jsonl, .parquet); give --input-format");
    }

    private static void required(String opt, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(opt + ": required\n" + USAGE);
        }
    }

    private static String choice(String opt, String v, String... allowed) {
        String l = v.trim().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(l)) {
                return a;
            }
        }
        throw new IllegalArgumentException(opt + ": '" + v + "' is not one of " + String.join(", ", allowed));
    }

    private static SchedulerType scheduler(String opt, String v) {
        try {
            return SchedulerType.fromName(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(opt + ": " + e.getMessage(), e);
        }
    }

    private static long whole(String opt, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + ": '" + v + "' is not a whole number");
        }
    }

    private static int positive(String opt, String v) {
        long n = whole(opt, v);
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(opt + ": " + v + " must be a positive int");
        }
        return (int) n;
    }

    private static double guidance(String opt, String v) {
        try {
            double g = Double.parseDouble(v.trim());
            if (Double.isFinite(g) && g >= 0) {
                return g;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(opt + ": '" + v + "' must be a finite number >= 0");
    }

    private static int[] size(String opt, String v) {
        String[] p = v.trim().toLowerCase(Locale.ROOT).split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException(opt + ": '" + v + "' is not WIDTHxHEIGHT");
        }
        int w = positive(opt, p[0]);
        int h = positive(opt, p[1]);
        if (w % 8 != 0 || h % 8 != 0) {
            throw new IllegalArgumentException(opt + ": " + v + " must be multiples of 8");
        }
        return new int[] {w, h};
    }
}

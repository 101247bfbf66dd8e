package dev.smallsd.spark;

import dev.smallsd.GenerationRequest;
import dev.smallsd.SafetyMode;
import dev.smallsd.schedulers.SchedulerType;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Generates images for a {@code Dataset<Row>} of prompts on the Spark executors.
 *
 * <pre>{@code
 * SparkImageGenerator generator = SparkImageGenerator.builder()
 *         .model("OFA-Sys/small-stable-diffusion-v0")   // Hub id (cached per node) or a folder every node sees
 *         .scheduler(SchedulerType.DPMPP_2M)
 *         .steps(20)
 *         .build();
 * Dataset<Row> images = generator.generate(spark.read().option("header", true).csv("prompts.csv"));
 * }</pre>
 *
 * <p>Input columns: {@code prompt} (required, string) and optionally {@code negative_prompt}, {@code seed},
 * {@code steps}, {@code guidance}, {@code width}, {@code height} (numbers or numeric text; a null or missing value
 * takes the builder's default). Output: the input columns plus {@code image} (PNG bytes with the A1111
 * {@code parameters} text chunk, the bytes {@code GenerationResult.savePng} writes), {@code nsfw} (null when no
 * safety checker ran), {@code seed} (the seed used, {@code long}), {@code error} (null, or why the row's parameters
 * were rejected: such a row has no image and never fails the job) and {@code elapsed_ms}.
 *
 * <p>Each executor JVM loads the model once, on its first non-empty task, and shares it between its tasks. A row
 * without a seed gets one derived from the job {@link Builder#seed seed} and the row's key columns, so its image
 * does not depend on partitioning, executor count or retries.
 */
public final class SparkImageGenerator implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The default largest image a row may ask for: 1024 × 1024 pixels. */
    public static final long DEFAULT_MAX_PIXELS = 1024L * 1024L;

    private final GeneratorSettings settings;

    private SparkImageGenerator(GeneratorSettings settings) {
        this.settings = settings;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adds the generated images to a dataset of prompts. Lazy, like any Spark transformation: the images are made when
     * an action (write, collect, count…) runs.
     *
     * @param prompts the prompts (see the class comment for the columns)
     * @return the input with {@code image}, {@code nsfw}, {@code seed}, {@code error} and {@code elapsed_ms}
     * @throws IllegalArgumentException when the schema is unusable (no {@code prompt}, a column of the wrong type, an
     *     output column name already taken, an unknown seed key column); the message starts with the column name
     */
    public Dataset<Row> generate(Dataset<Row> prompts) {
        Objects.requireNonNull(prompts, "prompts");
        InputColumns columns = InputColumns.of(prompts.schema(), settings.seedColumns());
        return prompts.mapPartitions(new PromptRowFunction(settings, columns), Encoders.row(columns.output));
    }

    /**
     * @param input an input schema
     * @return the schema {@link #generate} gives for it
     * @throws IllegalArgumentException as {@link #generate}
     */
    public StructType outputSchema(StructType input) {
        return InputColumns.of(input, settings.seedColumns()).output;
    }

    /** Builder of {@link SparkImageGenerator}; request defaults are diffusers' (50 steps, guidance 7.5). */
    public static final class Builder {
        private String model;
        private String revision;
        private String variant;
        private SafetyMode safety = SafetyMode.BLOCK;
        private Integer attentionSliceSize;
        private boolean vaeTiling;
        private Integer threads;
        private SchedulerType scheduler;
        private int steps = GenerationRequest.DEFAULT_STEPS;
        private double guidance = GenerationRequest.DEFAULT_GUIDANCE;
        private Integer width;
        private Integer height;
        private String negativePrompt;
        private long jobSeed;
        private List<String> seedColumns = InputColumns.DEFAULT_SEED_COLUMNS;
        private long maxPixels = DEFAULT_MAX_PIXELS;

        private Builder() {}

        /**
         * @param idOrPath a Hugging Face Hub id (each node downloads it once into its {@code HF_HOME} cache) or a
         *     diffusers folder every executor can read (shared storage or the same path on each node)
         * @return this
         */
        public Builder model(String idOrPath) {
            this.model = Objects.requireNonNull(idOrPath, "model");
            return this;
        }

        /**
         * @param revision Hub branch, tag or commit (default {@code main})
         * @return this
         */
        public Builder revision(String revision) {
            this.revision = revision;
            return this;
        }

        /**
         * @param variant weight variant such as {@code "fp16"}
         * @return this
         */
        public Builder variant(String variant) {
            this.variant = variant;
            return this;
        }

        /**
         * @param scheduler the scheduler of every row (default: the model's {@code scheduler_config.json})
         * @return this
         */
        public Builder scheduler(SchedulerType scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * @param mode what happens to images the safety checker flags (default {@link SafetyMode#BLOCK}; the checker
         *     is {@code ssd-safety}, a dependency of this module)
         * @return this
         */
        public Builder safety(SafetyMode mode) {
            this.safety = Objects.requireNonNull(mode, "safety");
            return this;
        }

        /**
         * @param threads libtorch threads per task (default: executor cores / concurrent tasks, i.e.
         *     {@code spark.task.cpus} when every core runs a task). A process-wide setting made when the executor loads
         *     the model.
         * @return this
         */
        public Builder threads(int threads) {
            if (threads <= 0) {
                throw new IllegalArgumentException("threads: " + threads + " must be >= 1");
            }
            this.threads = threads;
            return this;
        }

        /**
         * @param steps steps of rows without a {@code steps} value (default 50)
         * @return this
         */
        public Builder steps(int steps) {
            if (steps <= 0) {
                throw new IllegalArgumentException("steps: " + steps + " must be >= 1");
            }
            this.steps = steps;
            return this;
        }

        /**
         * @param guidance guidance scale of rows without a {@code guidance} value (default 7.5)
         * @return this
         */
        public Builder guidance(double guidance) {
            if (!Double.isFinite(guidance) || guidance < 0) {
                throw new IllegalArgumentException("guidance: " + guidance + " must be a finite number >= 0");
            }
            this.guidance = guidance;
            return this;
        }

        /**
         * @param width width of rows without a {@code width} value (multiple of 8; default: the model's)
         * @param height height of rows without a {@code height} value (multiple of 8)
         * @return this
         */
        public Builder size(int width, int height) {
            checkSize("width", width);
            checkSize("height", height);
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * @param negativePrompt negative prompt of rows without a {@code negative_prompt} value (default none)
         * @return this
         */
        public Builder negativePrompt(String negativePrompt) {
            this.negativePrompt = negativePrompt;
            return this;
        }

        /**
         * @param jobSeed the job seed: a row without a {@code seed} gets one derived from it and the row's key
         *     columns (default 0); change it to get a new set of images for the same prompts
         * @return this
         */
        public Builder seed(long jobSeed) {
            this.jobSeed = jobSeed;
            return this;
        }

        /**
         * @param columns the columns a derived seed is hashed from (default {@code prompt}, {@code negative_prompt}:
         *     rows with the same prompts share a seed, so a grid over steps or guidance compares like with like; add
         *     an id column to give every row its own seed)
         * @return this
         */
        public Builder seedColumns(String... columns) {
            if (columns.length == 0) {
                throw new IllegalArgumentException("seedColumns: at least one column is required");
            }
            List<String> list = Arrays.asList(columns);
            if (list.contains(null)) {
                throw new IllegalArgumentException("seedColumns: a column name is null");
            }
            this.seedColumns = List.copyOf(list);
            return this;
        }

        /**
         * @param pixels the largest {@code width × height} a row may ask for (default 1024 × 1024); a larger row gets an
         *     {@code error} instead of taking the executor's memory down
         * @return this
         */
        public Builder maxPixels(long pixels) {
            if (pixels <= 0) {
                throw new IllegalArgumentException("maxPixels: " + pixels + " must be >= 1");
            }
            this.maxPixels = pixels;
            return this;
        }

        /**
         * @param queries attention query slice size ({@code 0} = no slicing; default: the library's)
         * @return this
         */
        public Builder attentionSliceSize(int queries) {
            if (queries < 0) {
                throw new IllegalArgumentException("attentionSliceSize: " + queries + " must be >= 0");
            }
            this.attentionSliceSize = queries;
            return this;
        }

        /**
         * @param tiling decode large images in overlapping tiles
         * @return this
         */
        public Builder vaeTiling(boolean tiling) {
            this.vaeTiling = tiling;
            return this;
        }

        /**
         * @return the generator (nothing is loaded on the driver)
         * @throws IllegalStateException when no model was given
         */
        public SparkImageGenerator build() {
            if (model == null) {
                throw new IllegalStateException("model: no Hub id or folder given");
            }
            ModelKey key = new ModelKey(model, revision, variant, safety, attentionSliceSize, vaeTiling);
            return new SparkImageGenerator(new GeneratorSettings(key, threads, scheduler, steps, guidance, width,
                    height, negativePrompt, jobSeed, seedColumns, maxPixels));
        }

        private static void checkSize(String name, int v) {
            if (v <= 0 || v % 8 != 0) {
                throw new IllegalArgumentException(name + ": " + v + " must be a positive multiple of 8");
            }
        }
    }

    /** @return the model this generator loads in each executor (package-private: tests count its loads) */
    ModelKey modelKey() {
        return settings.model();
    }

    /** @return the request defaults (package-private) */
    GeneratorSettings settings() {
        return settings;
    }
}

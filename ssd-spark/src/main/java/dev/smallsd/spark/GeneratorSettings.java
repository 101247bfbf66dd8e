package dev.smallsd.spark;

import dev.smallsd.schedulers.SchedulerType;
import java.io.Serializable;
import java.util.List;

/**
 * The settings of a {@link SparkImageGenerator} that travel to the executors: the model and the defaults for rows
 * that leave a parameter out.
 *
 * @param model the model to load in each executor JVM
 * @param threads libtorch threads per task, or {@code null} for executor cores / concurrent tasks
 * @param scheduler scheduler of every row, or {@code null} for the model's own {@code scheduler_config.json}
 * @param steps default number of steps
 * @param guidance default guidance scale
 * @param width default width, or {@code null} for the model's default size
 * @param height default height, or {@code null} for the model's default size
 * @param negativePrompt default negative prompt, or {@code null}
 * @param jobSeed the job seed that derived seeds start from
 * @param seedColumns the key columns of a derived seed
 * @param maxPixels the largest {@code width × height} a row may ask for
 */
record GeneratorSettings(ModelKey model, Integer threads, SchedulerType scheduler, int steps, double guidance,
        Integer width, Integer height, String negativePrompt, long jobSeed, List<String> seedColumns,
        long maxPixels) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Copies the key columns. */
    GeneratorSettings {
        seedColumns = List.copyOf(seedColumns);
    }
}

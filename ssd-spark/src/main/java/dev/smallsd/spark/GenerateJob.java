package dev.smallsd.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.regexp_extract;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code spark-submit} entry point: reads a prompts table, generates the images on the executors and writes
 *
 * <ul>
 *   <li>{@code --format png} (default): {@code OUTPUT/images/<prompt slug>-<seed>-<hash>.png}, one file per image,
 *       each written under a hidden temporary name and renamed, so no reader sees a partial file;</li>
 *   <li>{@code --format parquet}: one Parquet table {@code OUTPUT/images.parquet} with every output column of
 *       {@link SparkImageGenerator} (PNG bytes in {@code image}), committed by Spark's output committer;</li>
 * </ul>
 *
 * <p>and in both cases the manifest {@code OUTPUT/manifest/} (one CSV file with a header: {@code prompt, seed, file,
 * nsfw, error}; {@code file} is relative to {@code OUTPUT}), whose {@code _SUCCESS} marker says the run finished.
 * A run over the same output folder replaces the manifest and table and rewrites identical image files.
 *
 * <p>Input: CSV with a header line (RFC 4180 quoting, quoted newlines allowed), JSON lines or Parquet, with the
 * columns {@link SparkImageGenerator} reads; the format comes from the file name or {@code --input-format}.
 */
public final class GenerateJob {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateJob.class);
    /** Folder of the manifest, relative to the output folder. */
    public static final String MANIFEST = "manifest";
    /** Table of the images for {@code --format parquet}, relative to the output folder. */
    public static final String PARQUET_TABLE = "images.parquet";

    private GenerateJob() {}

    /**
     * What a run did.
     *
     * @param rows rows in the manifest
     * @param images rows with an image
     * @param errors rows rejected with an {@code error}
     * @param output the output folder
     */
    public record Summary(long rows, long images, long errors, String output) {}

    /**
     * Runs the job in the session {@code spark-submit} configured, then stops it. Exits with status 2 on a bad
     * command line.
     *
     * @param args see {@link JobOptions#USAGE}
     */
    public static void main(String[] args) {
        JobOptions options;
        try {
            options = JobOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("GenerateJob: " + e.getMessage());
            System.err.println(JobOptions.USAGE);
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("ssd-generate").getOrCreate();
        try {
            Summary s = run(spark, options);
            System.out.printf("GenerateJob: %d rows, %d images, %d errors; manifest %s/%s%n", s.rows(), s.images(),
                    s.errors(), s.output(), MANIFEST);
        } finally {
            spark.stop();
        }
    }

    /**
     * Runs the job in an existing session.
     *
     * @param spark the session
     * @param o the options
     * @return counts of the manifest
     * @throws IllegalArgumentException when the input has no usable {@code prompt} column and the like
     */
    public static Summary run(SparkSession spark, JobOptions o) {
        String out = o.output().replaceAll("/+$", "");
        Dataset<Row> input = read(spark, o);
        if (o.partitions() != null) {
            input = input.repartition(o.partitions());
        }
        Dataset<Row> images = o.generator().generate(input);
        Dataset<Row> manifest;
        if (o.format() == JobOptions.Format.PNG) {
            PngFileSink sink = new PngFileSink(out, hadoopConf(spark), images.schema());
            manifest = images.mapPartitions(sink, Encoders.row(PngFileSink.MANIFEST));
        } else {
            String table = out + "/" + PARQUET_TABLE;
            images.write().mode(SaveMode.Overwrite).parquet(table);
            manifest = spark.read().parquet(table).select(col(InputColumns.PROMPT), col(InputColumns.SEED),
                    regexp_extract(input_file_name(), "(" + PARQUET_TABLE.replace(".", "\\.") + "/[^/]+)$", 1)
                            .as("file"),
                    col(InputColumns.NSFW), col(InputColumns.ERROR));
        }
        // repartition, not coalesce: coalesce(1) would pull the generation itself into one task
        manifest.repartition(1).write().mode(SaveMode.Overwrite).option("header", true).option("escape", "\"")
                .csv(out + "/" + MANIFEST);
        Dataset<Row> written = readManifest(spark, out);
        long rows = written.count();
        long errors = written.filter(col(InputColumns.ERROR).isNotNull()).count();
        LOG.info("{} rows, {} images, {} errors written to {}", rows, rows - errors, errors, out);
        return new Summary(rows, rows - errors, errors, out);
    }

    /**
     * Reads a manifest written by this job.
     *
     * @param spark the session
     * @param output the job's output folder
     * @return the manifest rows (all columns as strings)
     */
    public static Dataset<Row> readManifest(SparkSession spark, String output) {
        return spark.read().option("header", true).option("escape", "\"").option("multiLine", true)
                .csv(output.replaceAll("/+$", "") + "/" + MANIFEST);
    }

    private static Dataset<Row> read(SparkSession spark, JobOptions o) {
        return switch (o.inputFormat()) {
            case "csv" -> spark.read().option("header", true).option("escape", "\"").option("multiLine", true)
                    .csv(o.input());
            case "json" -> spark.read().json(o.input());
            case "parquet" -> spark.read().parquet(o.input());
            default -> throw new IllegalArgumentException("--input-format: " + o.inputFormat());
        };
    }

    private static Map<String, String> hadoopConf(SparkSession spark) {
        Map<String, String> m = new HashMap<>();
        for (Map.Entry<String, String> e : spark.sparkContext().hadoopConfiguration()) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }
}

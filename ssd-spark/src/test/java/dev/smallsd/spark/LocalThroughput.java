package dev.smallsd.spark;

import dev.smallsd.schedulers.SchedulerType;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Measures images per minute in local mode (not a test; the README's figure). Arguments: model folder, cores
 * ({@code N} of {@code local[N]}), rows, size, steps. Runs the job twice and reports the second (warm) run.
 */
public final class LocalThroughput {
    private LocalThroughput() {}

    /**
     * @param args model cores rows size steps
     */
    public static void main(String[] args) {
        String model = args[0];
        int cores = Integer.parseInt(args[1]);
        int rows = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        int steps = Integer.parseInt(args[4]);
        SparkSession spark = LocalSpark.start(cores);
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("prompt", DataTypes.StringType, false)));
        List<Row> prompts = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            prompts.add(RowFactory.create("prompt number " + i + ", a watercolour landscape"));
        }
        SparkImageGenerator g = SparkImageGenerator.builder().model(model).scheduler(SchedulerType.DPMPP_2M)
                .steps(steps).size(size, size).build();
        Dataset<Row> in = spark.createDataFrame(prompts, schema).repartition(cores);
        for (int run = 1; run <= 2; run++) {
            long t = System.nanoTime();
            long n = g.generate(in).filter("error is null").count();
            double s = (System.nanoTime() - t) / 1e9;
            System.out.printf("run %d: %d images %dx%d, %d steps, local[%d]: %.1f s = %.1f images/minute%n", run, n,
                    size, size, steps, cores, s, n * 60 / s);
        }
        spark.stop();
    }
}

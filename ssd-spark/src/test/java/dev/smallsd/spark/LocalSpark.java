package dev.smallsd.spark;

import dev.smallsd.SmallStableDiffusion;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Spark local-mode sessions for the tests: loopback only, no UI, few shuffle partitions. The module's test classes
 * share one {@code local[2]} session (started by the first that needs it, stopped when the JVM exits), since starting
 * Spark is the slowest part of these tests.
 */
final class LocalSpark {
    private static SparkSession shared;
    private static SmallStableDiffusion direct;

    private LocalSpark() {}

    /** @return the shared {@code local[2]} session */
    static synchronized SparkSession shared() {
        if (shared == null || shared.sparkContext().isStopped()) {
            shared = start(2); // Spark stops it at JVM exit
        }
        return shared;
    }

    /**
     * The library itself on the tiny model, without Spark: what the Spark results are compared with. Loaded once per
     * test JVM, closed at exit.
     *
     * @return the shared instance
     */
    static synchronized SmallStableDiffusion direct() {
        if (direct == null) {
            SmallStableDiffusion sd = SmallStableDiffusion.builder().model(tinyModel().toString()).build();
            Runtime.getRuntime().addShutdownHook(new Thread(sd::close));
            direct = sd;
        }
        return direct;
    }

    /**
     * Starts a session, stopping any other one first (one SparkContext per JVM).
     *
     * @param threads the {@code N} of {@code local[N]}
     * @return the session
     */
    static SparkSession start(int threads) {
        stopAny();
        return SparkSession.builder()
                .master("local[" + threads + "]")
                .appName("ssd-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.adaptive.enabled", "false")
                .getOrCreate();
    }

    /** Stops the active or default session, if any. */
    static void stopAny() {
        scala.Option<SparkSession> active = SparkSession.getActiveSession();
        if (active.isDefined()) {
            active.get().stop();
        }
        scala.Option<SparkSession> dflt = SparkSession.getDefaultSession();
        if (dflt.isDefined()) {
            dflt.get().stop();
        }
    }

    /** @return the tiny model folder of the fixture set in {@code ssd.fixtures} */
    static Path tinyModel() {
        String fixtures = System.getProperty("ssd.fixtures", "../../shared/fixtures");
        return Path.of(fixtures, "tiny-ssd");
    }
}

package dev.smallsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Default libtorch threads per task: executor cores / concurrent tasks. */
class TaskThreadsTest {

    private static int threads(Map<String, String> conf, int processors) {
        return TaskThreads.of(conf::get, processors);
    }

    @Test
    void localModeUsesTheCoresOfTheMasterUrl() {
        assertThat(threads(Map.of("spark.master", "local[2]"), 16)).isEqualTo(1);
        assertThat(threads(Map.of("spark.master", "local"), 16)).isEqualTo(1);
        assertThat(threads(Map.of("spark.master", "local[*]"), 16)).isEqualTo(1);
        assertThat(threads(Map.of("spark.master", "local[4]", "spark.task.cpus", "2"), 16)).isEqualTo(2);
        assertThat(threads(Map.of("spark.master", "local[4, 3]", "spark.task.cpus", "4"), 16)).isEqualTo(4);
        assertThat(threads(Map.of("spark.master", "local-cluster[2, 3, 1024]", "spark.task.cpus", "3"), 16))
                .isEqualTo(3);
    }

    @Test
    void clusterModeUsesExecutorCoresAndTaskCpus() {
        assertThat(threads(Map.of("spark.executor.cores", "8", "spark.task.cpus", "2"), 64)).isEqualTo(2);
        assertThat(threads(Map.of("spark.executor.cores", "8"), 64)).isEqualTo(1);
        // 4 cores, 3 per task: one task at a time, and it may use all four
        assertThat(threads(Map.of("spark.executor.cores", "4", "spark.task.cpus", "3"), 64)).isEqualTo(4);
        assertThat(threads(Map.of("spark.master", "yarn"), 8)).isEqualTo(1);
    }
}

package dev.smallsd.spark;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The default number of libtorch threads per task: the executor's cores divided by the number of tasks it runs at
 * once ({@code spark.executor.cores / (spark.executor.cores / spark.task.cpus)}), so concurrent tasks do not fight over
 * the same cores. In local mode the executor's cores are the {@code N} of {@code local[N]}.
 */
final class TaskThreads {
    private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*]");

    private TaskThreads() {}

    /** @return the default for the executor this code runs in (1 outside Spark) */
    static int forThisExecutor() {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return 1;
        }
        SparkConf conf = env.conf();
        return of(key -> conf.contains(key) ? conf.get(key) : null, Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param conf a Spark configuration lookup (key → value or {@code null})
     * @param availableProcessors the machine's processors (for {@code local[*]} and unset executor cores)
     * @return threads per task, at least 1
     */
    static int of(Function<String, String> conf, int availableProcessors) {
        int cores = executorCores(conf, availableProcessors);
        int taskCpus = Math.max(1, parse(conf.apply("spark.task.cpus"), 1));
        int concurrentTasks = Math.max(1, cores / taskCpus);
        return Math.max(1, cores / concurrentTasks);
    }

    private static int executorCores(Function<String, String> conf, int availableProcessors) {
        String cores = conf.apply("spark.executor.cores");
        if (cores != null) {
            return Math.max(1, parse(cores, 1));
        }
        String master = conf.apply("spark.master");
        if (master != null) {
            Matcher m = LOCAL.matcher(master.trim());
            if (m.matches()) {
                String n = m.group(1);
                return n == null ? 1 : "*".equals(n) ? availableProcessors : Math.max(1, parse(n, 1));
            }
            Matcher c = LOCAL_CLUSTER.matcher(master.trim());
            if (c.matches()) {
                return Math.max(1, parse(c.group(1), 1));
            }
        }
        return Math.max(1, availableProcessors);
    }

    private static int parse(String s, int fallback) {
        if (s == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}

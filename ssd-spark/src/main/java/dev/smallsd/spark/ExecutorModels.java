package dev.smallsd.spark;

import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of this JVM (a Spark executor, or the driver in local mode): one {@link SmallStableDiffusion} per
 * {@link ModelKey}, loaded by the first task that needs it and shared by every later task (an instance is safe for
 * concurrent {@code generate} calls). The models are closed by a shutdown hook when the JVM exits, after running
 * generations have finished (waiting at most {@value #CLOSE_WAIT_SECONDS} s).
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    static final int CLOSE_WAIT_SECONDS = 30;

    private static final Map<ModelKey, Slot> SLOTS = new ConcurrentHashMap<>();
    private static final AtomicBoolean HOOK = new AtomicBoolean();

    private ExecutorModels() {}

    /**
     * The model of a key, loading it on first use.
     *
     * @param key the model
     * @param threads libtorch threads to set if this call loads it
     * @return the shared model slot
     */
    static Slot acquire(ModelKey key, int threads) {
        Slot slot = SLOTS.computeIfAbsent(key, Slot::new);
        slot.ensureLoaded(threads);
        slot.tasks.incrementAndGet();
        return slot;
    }

    /**
     * @param key the model
     * @return how many times this JVM loaded it (1 once anything used it, whatever the number of tasks)
     */
    static int loads(ModelKey key) {
        Slot s = SLOTS.get(key);
        return s == null ? 0 : s.loads.get();
    }

    /**
     * @param key the model
     * @return how many partitions (tasks) of this JVM used it
     */
    static int tasks(ModelKey key) {
        Slot s = SLOTS.get(key);
        return s == null ? 0 : s.tasks.get();
    }

    private static void registerShutdownHook() {
        if (HOOK.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "ssd-spark-close-models"));
        }
    }

    private static void closeAll() {
        for (Slot s : SLOTS.values()) {
            s.close();
        }
    }

    /** One model of this JVM, with a lock that keeps {@code close} from freeing weights a generation is using. */
    static final class Slot {
        private final ModelKey key;
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private final AtomicInteger loads = new AtomicInteger();
        private final AtomicInteger tasks = new AtomicInteger();
        private volatile SmallStableDiffusion model;
        private boolean closed;

        private Slot(ModelKey key) {
            this.key = key;
        }

        private synchronized void ensureLoaded(int threads) {
            if (closed) {
                throw new IllegalStateException("the JVM is shutting down: model " + key + " is closed");
            }
            if (model == null) {
                long start = System.nanoTime();
                model = key.load(threads);
                int n = loads.incrementAndGet();
                registerShutdownHook();
                LOG.info("loaded {} in this JVM in {} ms ({} libtorch threads; load #{})", key,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), threads, n);
            }
        }

        /** @return the model's default image width/height */
        int defaultSize() {
            return model.defaultSize();
        }

        /**
         * Runs one request on the shared model.
         *
         * @param request the request
         * @return the result
         */
        GenerationResult generate(GenerationRequest request) {
            lock.readLock().lock();
            try {
                SmallStableDiffusion m = model;
                if (m == null) {
                    throw new IllegalStateException("the JVM is shutting down: model " + key + " is closed");
                }
                return m.generate(request);
            } finally {
                lock.readLock().unlock();
            }
        }

        private void close() {
            boolean locked = false;
            try {
                locked = lock.writeLock().tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                closed = true;
                if (!locked) {
                    // a generation is still running: leave the native memory to the exiting process
                    return;
                }
                try {
                    if (model != null) {
                        model.close();
                        model = null;
                    }
                } finally {
                    lock.writeLock().unlock();
                }
            }
        }
    }
}

package dev.smallsd.hub;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP body stream when {@link #progress()} has not been called for longer than a timeout, so that a read
 * blocked on a stalled connection fails with an {@link IOException} and can be retried (the JDK client has no read
 * timeout, and its body stream ignores thread interrupts).
 */
final class StallGuard implements AutoCloseable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "smallsd-hub-stall-guard");
        t.setDaemon(true);
        return t;
    });

    private final Closeable stream;
    private final long timeoutNanos;
    private final ScheduledFuture<?> task;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean fired;

    StallGuard(Duration timeout, Closeable stream) {
        this.stream = stream;
        this.timeoutNanos = timeout.toNanos();
        long period = Math.max(5, Math.min(1000, timeout.toMillis() / 4));
        this.task = TIMER.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    /** Data arrived. */
    void progress() {
        lastProgress = System.nanoTime();
    }

    /** @return whether this guard closed the stream */
    boolean fired() {
        return fired;
    }

    private void check() {
        if (!fired && System.nanoTime() - lastProgress > timeoutNanos) {
            fired = true;
            task.cancel(false);
            try {
                stream.close();
            } catch (IOException | RuntimeException e) {
                // The reader sees the failure either way.
            }
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}

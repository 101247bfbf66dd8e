package dev.smallsd;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The lifecycle of one {@link SmallStableDiffusion}: the requests it runs or has queued, and whether it is closed.
 * {@link #close} cancels every request, completes the queued ones' futures at once, waits until the running ones have
 * stopped (they stop before their next UNet call) and only then frees the weights, so a request never touches freed
 * native memory. After that every call gets {@link #closedException()}.
 */
final class RunningRequests {
    private final Set<Ticket> tickets = new HashSet<>(); // guarded by this
    private boolean closed; // guarded by this
    private Runnable deferredRelease; // guarded by this: close() called from a request's own thread

    /** One request: its cancel flag, the thread running it (none while queued), what cancels it while queued. */
    static final class Ticket implements BooleanSupplier {
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private volatile boolean cancelledByClose;
        private final Runnable cancelQueued;
        private Thread thread; // guarded by the RunningRequests

        /**
         * @param cancelQueued completes the request's future when the instance is closed before the request started,
         *     or {@code null} for a request run on the caller's thread
         */
        Ticket(Runnable cancelQueued) {
            this.cancelQueued = cancelQueued;
        }

        /** Asks the request to stop before its next UNet call. */
        void cancel() {
            cancelled.set(true);
        }

        /** @return whether the request was asked to stop (the pipeline polls this) */
        @Override
        public boolean getAsBoolean() {
            return cancelled.get();
        }

        /**
         * @param e the pipeline's cancellation
         * @return {@code e}, or one saying that the instance was closed when that is why the request stopped
         */
        CancellationException explain(CancellationException e) {
            if (!cancelledByClose) {
                return e;
            }
            CancellationException c = new CancellationException("SmallStableDiffusion was closed: " + e.getMessage());
            c.initCause(e);
            return c;
        }
    }

    /** @return the exception of every call after {@link #close} */
    static IllegalStateException closedException() {
        return new IllegalStateException("SmallStableDiffusion is closed");
    }

    /** @throws IllegalStateException when closed */
    synchronized void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    /**
     * Registers a request that runs now on the calling thread.
     *
     * @return its ticket; pass it to {@link #end}
     * @throws IllegalStateException when closed
     */
    synchronized Ticket begin() {
        ensureOpen();
        Ticket t = new Ticket(null);
        t.thread = Thread.currentThread();
        tickets.add(t);
        return t;
    }

    /**
     * Registers a request handed to an executor; it runs only if {@link #start} says so.
     *
     * @param t the ticket
     * @throws IllegalStateException when closed
     */
    synchronized void queue(Ticket t) {
        ensureOpen();
        tickets.add(t);
    }

    /**
     * Marks a queued request as running on the calling thread.
     *
     * @param t the ticket
     * @return false when the request must not run (cancelled or closed before it started); it is then ended
     */
    boolean start(Ticket t) {
        synchronized (this) {
            if (!t.cancelled.get() && tickets.contains(t)) {
                t.thread = Thread.currentThread();
                return true;
            }
        }
        end(t);
        return false;
    }

    /**
     * Unregisters a request that has stopped; the last one to stop after a {@code close()} from a request's own thread
     * frees the weights.
     *
     * @param t the ticket
     */
    void end(Ticket t) {
        Runnable release = null;
        synchronized (this) {
            tickets.remove(t);
            notifyAll();
            if (closed && tickets.isEmpty() && deferredRelease != null) {
                release = deferredRelease;
                deferredRelease = null;
            }
        }
        if (release != null) {
            release.run();
        }
    }

    /**
     * Closes: cancels every request, completes the futures of queued ones, waits until the running ones have stopped,
     * then runs {@code release}. Called from a request's own thread (a listener), it does not wait for that request:
     * {@code release} then runs when it ends. An interrupt does not shorten the wait (freeing weights under a running
     * request would crash the JVM); the thread's interrupt flag is set again afterwards.
     *
     * @param release frees the native memory; runs once
     */
    void close(Runnable release) {
        List<Runnable> queued = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Iterator<Ticket> it = tickets.iterator(); it.hasNext();) {
                Ticket t = it.next();
                t.cancelledByClose = true;
                t.cancel();
                if (t.thread == null) {
                    it.remove();
                    queued.add(t.cancelQueued);
                }
            }
        }
        queued.forEach(Runnable::run);
        boolean interrupted = false;
        synchronized (this) {
            Thread me = Thread.currentThread();
            while (tickets.stream().anyMatch(t -> t.thread != me)) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (!tickets.isEmpty()) {
                deferredRelease = release;
                release = null;
            }
        }
        try {
            if (release != null) {
                release.run();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

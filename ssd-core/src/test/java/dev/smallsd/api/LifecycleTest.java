package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.pytorch.jni.JniUtils;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.testing.Golden;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One validation and lifecycle story: the same errors from {@code generate}, {@code generateAsync} and
 * {@code validate}; {@code close()} while requests run; caller-supplied executors; the safety checker that must not
 * go missing silently; the thread count applied.
 */
class LifecycleTest {

    private static SmallStableDiffusion open() {
        return SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(SafetyMode.OFF).build();
    }

    private static GenerationRequest.Builder small() {
        return GenerationRequest.builder("a lighthouse at dusk").size(64, 64).steps(2).seed(11);
    }

    /** A request that runs long enough to be closed under, with a latch released at its first step. */
    private static GenerationRequest slow(CountDownLatch started) {
        return small().steps(500).listener((s, total, t, x) -> started.countDown()).build();
    }

    /**
     * {@code validate}, {@code generate} and {@code generateAsync} (both forms, which throw instead of returning a
     * future) reject the request with one message starting with the parameter name.
     */
    static void assertEveryPathRejects(SmallStableDiffusion sd, GenerationRequest r, String param) {
        IllegalArgumentException fromValidate = catchIae(() -> sd.validate(r));
        assertThat(fromValidate.getMessage()).startsWith(param + ": ");
        assertThat(catchIae(() -> sd.generate(r))).hasMessage(fromValidate.getMessage());
        assertThat(catchIae(() -> sd.generateAsync(r))).hasMessage(fromValidate.getMessage());
        assertThat(catchIae(() -> sd.generateAsync(r, Runnable::run))).hasMessage(fromValidate.getMessage());
    }

    @Test
    void stepsBelowOneNameTheBoundWithoutAModelAndAboveTheSchedulerWithIt() {
        assertThatThrownBy(() -> small().steps(0).build().validate())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("steps: 0 must be >= 1");
        small().steps(5000).build().validate(); // the upper bound is the scheduler's: needs the model
        assertThatThrownBy(() -> small().steps(5000).build().validate(1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("steps: 5000 is outside 1..1000 (the scheduler's training timesteps)");
    }

    private static IllegalArgumentException catchIae(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return e;
        }
        throw new AssertionError("no IllegalArgumentException");
    }

    @Test
    @Timeout(180)
    void closeCancelsARunningRequestWaitsForItAndLaterCallsGetOneClearError() throws Exception {
        SmallStableDiffusion sd = open();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<GenerationResult> running = sd.generateAsync(slow(started));
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        sd.close();
        // close() returned: the request has stopped (it never runs on freed weights)
        assertThat(running).isDone();
        assertThatThrownBy(running::join).isInstanceOf(CancellationException.class)
                .hasMessageContaining("SmallStableDiffusion was closed");
        assertThat(running.isCancelled()).isTrue();
        GenerationRequest ok = small().build();
        for (Runnable call : List.<Runnable>of(() -> sd.generate(ok), () -> sd.generateAsync(ok),
                () -> sd.generateAsync(ok, Runnable::run), () -> sd.validate(ok))) {
            assertThatThrownBy(call::run).isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessage("SmallStableDiffusion is closed");
        }
        sd.close(); // idempotent
    }

    @Test
    @Timeout(180)
    void closeCancelsABlockingGenerateAndARequestStillQueuedOnTheCallersExecutor() throws Exception {
        SmallStableDiffusion sd = open();
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> blocking = new AtomicReference<>();
            Thread caller = generateOnNewThread(sd, slow(started), blocking);
            assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
            // the executor's only thread is busy: the second request waits in its queue
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            one.execute(() -> {
                busy.countDown();
                awaitQuietly(release);
            });
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<GenerationResult> queued = sd.generateAsync(small().build(), one);
            sd.close();
            caller.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(blocking.get()).isInstanceOf(CancellationException.class)
                    .hasMessageContaining("SmallStableDiffusion was closed");
            assertThat(queued).isCompletedExceptionally();
            assertThatThrownBy(queued::join).isInstanceOf(CancellationException.class);
            release.countDown(); // the queued task now runs and does nothing on the closed instance
        } finally {
            one.shutdown();
            assertThat(one.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    @Timeout(180)
    void interruptingTheThreadInGenerateGivesACancellationException() throws Exception {
        try (SmallStableDiffusion sd = open()) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread caller = generateOnNewThread(sd, slow(started), failure);
            assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
            caller.interrupt();
            caller.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(failure.get()).isInstanceOf(CancellationException.class);
            assertThat(sd.generate(small().build()).images()).hasSize(1); // the instance stays usable
        }
    }

    @Test
    void generateAsyncRunsOnTheCallersExecutorWithTheSameResult() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "caller-pool"));
        try (SmallStableDiffusion sd = open()) {
            AtomicReference<String> thread = new AtomicReference<>();
            GenerationRequest r = small().listener((s, total, t, x) -> thread.set(Thread.currentThread().getName()))
                    .build();
            GenerationResult async = sd.generateAsync(r, pool).get(120, TimeUnit.SECONDS);
            assertThat(thread.get()).isEqualTo("caller-pool");
            assertThat(SmallStableDiffusionTest.pixels(async.image()))
                    .isEqualTo(SmallStableDiffusionTest.pixels(sd.generate(r).image()));
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aModelWithASafetyCheckerNeedsAnImplementationOrAnExplicitOptOut() {
        // ssd-core's tests run without ssd-safety on the class path, and the tiny model has a safety_checker
        assertThat(Golden.tinyModel().resolve("safety_checker")).isDirectory();
        for (SafetyMode mode : List.of(SafetyMode.BLOCK, SafetyMode.FLAG_ONLY)) {
            assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).safetyMode(mode)
                    .build()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("safety_checker").hasMessageContaining("dev.smallsd:ssd-safety")
                    .hasMessageContaining("safetyMode(SafetyMode.OFF)");
        }
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .disableSafetyChecker().build()) {
            assertThat(sd.generate(small().build()).safetyChecked()).isFalse();
        }
    }

    @Test
    void threadsAreAppliedBeforeAnyWorkAndTheDjlPropertyIsLeftAsFound() {
        int before = JniUtils.getNumThreads();
        try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .safetyMode(SafetyMode.OFF).threads(1).build()) {
            assertThat(JniUtils.getNumThreads()).isEqualTo(1);
            assertThat(System.getProperty("ai.djl.pytorch.num_threads")).isNull();
        } finally {
            JniUtils.setNumThreads(before);
        }
    }

    /** Starts {@code sd.generate(request)} on a new thread; what it throws goes to {@code failure}. */
    private static Thread generateOnNewThread(SmallStableDiffusion sd, GenerationRequest request,
            AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                sd.generate(request);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        return t;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.pytorch.jni.JniUtils;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
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

    @TestFactory
    Stream<DynamicTest> everyPathRejectsABadRequestAtOnceWithTheSameMessage() {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        List<Object[]> cases = List.of(
                new Object[] {"strength", (Consumer<GenerationRequest.Builder>) b -> b.strength(1.5)},
                new Object[] {"strength", (Consumer<GenerationRequest.Builder>) b -> b.strength(-0.1)},
                new Object[] {"strength", (Consumer<GenerationRequest.Builder>) b -> b.initImage(img).strength(0.05)},
                new Object[] {"steps", (Consumer<GenerationRequest.Builder>) b -> b.steps(0)},
                new Object[] {"steps", (Consumer<GenerationRequest.Builder>) b -> b.steps(5000)},
                new Object[] {"width", (Consumer<GenerationRequest.Builder>) b -> b.width(100)},
                new Object[] {"imagesPerPrompt", (Consumer<GenerationRequest.Builder>) b -> b.imagesPerPrompt(0)},
                new Object[] {"latents", (Consumer<GenerationRequest.Builder>) b -> b.latents(new float[5])},
                new Object[] {"lora", (Consumer<GenerationRequest.Builder>) b -> b.lora("unregistered", 1.0)});
        SmallStableDiffusion sd = open();
        List<DynamicTest> tests = new ArrayList<>();
        for (Object[] c : cases) {
            String param = (String) c[0];
            @SuppressWarnings("unchecked")
            Consumer<GenerationRequest.Builder> mutate = (Consumer<GenerationRequest.Builder>) c[1];
            GenerationRequest.Builder b = small();
            mutate.accept(b);
            GenerationRequest r = b.build();
            tests.add(DynamicTest.dynamicTest(param + ": " + r, () -> {
                IllegalArgumentException fromValidate = catchIae(() -> sd.validate(r));
                assertThat(fromValidate.getMessage()).startsWith(param + ": ");
                assertThat(catchIae(() -> sd.generate(r))).hasMessage(fromValidate.getMessage());
                // generateAsync throws itself: no future is returned for a bad request
                assertThat(catchIae(() -> sd.generateAsync(r))).hasMessage(fromValidate.getMessage());
                assertThat(catchIae(() -> sd.generateAsync(r, Runnable::run))).hasMessage(fromValidate.getMessage());
            }));
        }
        tests.add(DynamicTest.dynamicTest("close", sd::close));
        return tests.stream();
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
            Thread caller = new Thread(() -> {
                try {
                    sd.generate(slow(started));
                } catch (Throwable t) {
                    blocking.set(t);
                }
            });
            caller.start();
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
            Thread caller = new Thread(() -> {
                try {
                    sd.generate(slow(started));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            caller.start();
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

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

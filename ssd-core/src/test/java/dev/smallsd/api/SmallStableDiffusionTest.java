package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.PngWriter;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.ModelLoadException;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.testing.TinyModelPerClass;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The public API on the tiny model: determinism, concurrency, validation, cancellation, memory, PNG metadata. */
class SmallStableDiffusionTest extends TinyModelPerClass {

    @Test
    void theSameRequestGivesTheSameImageTwiceAndFromFourThreads() throws Exception {
        GenerationRequest r = small().scheduler(SchedulerType.EULER_A).build();
        int[] first = pixels(sd.generate(r).image());
        assertThat(pixels(sd.generate(r).image())).isEqualTo(first);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> pixels(sd.generate(r).image())));
            }
            for (Future<int[]> f : futures) {
                assertThat(f.get(5, TimeUnit.MINUTES)).isEqualTo(first);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void defaultsComeFromTheModelAndTimingsAreReported() {
        GenerationResult r = sd.generate(GenerationRequest.builder("an apple").steps(2).seed(1).build());
        int size = sd.defaultSize();
        assertThat(r.image().getWidth()).isEqualTo(size);
        assertThat(r.image().getHeight()).isEqualTo(size);
        assertThat(r.safetyChecked()).isFalse();
        assertThat(r.timings().totalMillis()).isGreaterThanOrEqualTo(r.timings().denoiseMillis());
        assertThat(r.parameters().get(0)).contains("Steps: 2").contains("Seed: 1").contains("Size: " + size + "x" + size);
    }

    @Test
    void imagesPerPromptAndSeveralPromptsGiveOneImagePerItemInOrder() {
        GenerationRequest r = GenerationRequest.builder().prompts(List.of("a cat", "a dog"))
                .negativePrompts(List.of("blurry", "dark")).imagesPerPrompt(2).size(64, 64).steps(2).seed(3).build();
        GenerationResult res = sd.generate(r);
        assertThat(res.images()).hasSize(4);
        assertThat(res.parameters().get(0)).startsWith("a cat\nNegative prompt: blurry");
        assertThat(res.parameters().get(2)).startsWith("a dog\nNegative prompt: dark");
        // the two images of one prompt differ (different initial noise rows)
        assertThat(pixels(res.images().get(0))).isNotEqualTo(pixels(res.images().get(1)));
    }

    @TestFactory
    Stream<DynamicTest> badRequestsFailFastNamingTheParameterOnEveryPath() {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        List<Object[]> cases = List.of(
                new Object[] {"width", (Consumer<GenerationRequest.Builder>) b -> b.width(100)},
                new Object[] {"height", (Consumer<GenerationRequest.Builder>) b -> b.height(-8)},
                new Object[] {"width", (Consumer<GenerationRequest.Builder>) b -> b.width(0)},
                new Object[] {"steps", (Consumer<GenerationRequest.Builder>) b -> b.steps(0)},
                new Object[] {"steps", (Consumer<GenerationRequest.Builder>) b -> b.steps(1001)},
                new Object[] {"guidanceScale", (Consumer<GenerationRequest.Builder>) b -> b.guidanceScale(Double.NaN)},
                new Object[] {"guidanceScale", (Consumer<GenerationRequest.Builder>) b -> b.guidanceScale(-1)},
                new Object[] {"strength", (Consumer<GenerationRequest.Builder>) b -> b.initImage(img).strength(0)},
                new Object[] {"strength", (Consumer<GenerationRequest.Builder>) b -> b.initImage(img).strength(1.5)},
                new Object[] {"negativePrompt", (Consumer<GenerationRequest.Builder>) b ->
                        b.negativePrompts(List.of("a", "b"))},
                new Object[] {"prompt", (Consumer<GenerationRequest.Builder>) b -> b.prompt(null)},
                new Object[] {"prompt", (Consumer<GenerationRequest.Builder>) b -> b.prompts(List.of())},
                new Object[] {"imagesPerPrompt", (Consumer<GenerationRequest.Builder>) b -> b.imagesPerPrompt(0)},
                new Object[] {"latents", (Consumer<GenerationRequest.Builder>) b -> b.latents(new float[3])},
                new Object[] {"initImage", (Consumer<GenerationRequest.Builder>) b ->
                        b.initImage(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB))},
                new Object[] {"strength", (Consumer<GenerationRequest.Builder>) b -> b.strength(1.5)},
                new Object[] {"strength", (Consumer<GenerationRequest.Builder>) b -> b.initImage(img).strength(0.05)},
                new Object[] {"steps", (Consumer<GenerationRequest.Builder>) b -> b.steps(5000)},
                new Object[] {"lora", (Consumer<GenerationRequest.Builder>) b -> b.lora("unregistered", 1.0)});
        List<DynamicTest> tests = new ArrayList<>();
        for (Object[] c : cases) {
            String param = (String) c[0];
            @SuppressWarnings("unchecked")
            Consumer<GenerationRequest.Builder> mutate = (Consumer<GenerationRequest.Builder>) c[1];
            GenerationRequest.Builder b = small();
            mutate.accept(b);
            GenerationRequest r = b.build();
            tests.add(DynamicTest.dynamicTest(param + ": " + r, () -> LifecycleTest.assertEveryPathRejects(sd, r,
                    param)));
        }
        return tests.stream();
    }

    @Test
    void imageToImageWithoutAnImageIsTextToImageAndAnUnreadableImageIsRefused(@TempDir Path dir) throws IOException {
        Path notAnImage = dir.resolve("text.png");
        Files.writeString(notAnImage, "not a png");
        assertThatThrownBy(() -> GenerationRequest.builder("x").initImage(notAnImage))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("initImage")
                .hasMessageContaining("text.png");
        GenerationRequest.builder("x").initImage((BufferedImage) null).strength(0.5).build().validate(1000);
        assertThatThrownBy(() -> GenerationRequest.builder("x").initImage(Path.of("does-not-exist.png")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("initImage")
                .hasMessageContaining("does-not-exist.png");
    }

    @Test
    @Timeout(120)
    void aCancelledRunStopsPromptlyAndTheInstanceKeepsWorking() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger steps = new AtomicInteger();
        GenerationRequest slow = small().steps(200).listener((s, total, t, x) -> {
            steps.incrementAndGet();
            started.countDown();
        }).build();
        CompletableFuture<GenerationResult> f = sd.generateAsync(slow);
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(f.cancel(true)).isTrue();
        assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
        int atCancel = steps.get();
        Thread.sleep(500);
        assertThat(steps.get()).as("steps after cancel").isLessThanOrEqualTo(atCancel + 1).isLessThan(200);
        assertThat(sd.generate(small().build()).images()).hasSize(1);
    }

    /**
     * Every array a generation creates is closed by the time it returns: after warm-up generations (which may load
     * what is loaded lazily), the arrays alive under DJL's system manager are the same number before and after more
     * generations. Resident memory over a long run is a benchmark figure, not a test: see {@code SoakRun} and
     * BENCHMARKS.md.
     */
    @Test
    void generationsLeaveNoArrayAlive() {
        GenerationRequest r = small().steps(1).build();
        for (int i = 0; i < 3; i++) {
            sd.generate(r);
        }
        long arraysBefore = countArrays();
        for (int i = 0; i < 20; i++) {
            sd.generate(r);
        }
        assertThat(countArrays()).as("arrays alive in all managers after 20 more generations").isEqualTo(arraysBefore);
    }

    @Test
    void pngCarriesTheParameters(@TempDir Path dir) throws IOException {
        GenerationResult r = sd.generate(small().negativePrompt("blurry").build());
        Path png = dir.resolve("out.png");
        r.savePng(0, png);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(64);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(png)))
                .isEqualTo("rw-r--r--");
        assertThat(PngWriter.readParameters(png)).isEqualTo(r.parameters().get(0))
                .startsWith("a red bicycle by the sea\nNegative prompt: blurry\nSteps: 3, Sampler: ")
                .contains("CFG scale: 7.5, Seed: 7, Size: 64x64, Model: ");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("out.png");
        }
    }

    @Test
    void aFolderWithoutModelIndexIsRefusedClearly(@TempDir Path dir) {
        assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(dir).build())
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("model_index.json");
    }

    private static long countArrays() {
        NDManager probe = NDManager.newBaseManager();
        ai.djl.ndarray.BaseNDManager system = (ai.djl.ndarray.BaseNDManager) probe.getParentManager();
        probe.close();
        return system.getManagedArrays().size();
    }

    static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}

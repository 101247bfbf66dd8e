package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.io.SafeTensors;
import dev.smallsd.io.SafeTensorsFile;
import dev.smallsd.pipeline.InternalAccess;
import dev.smallsd.pipeline.PipelineHooks;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every case of {@code golden/seeded}: diffusers' unmodified pipeline on the tiny model with only a seed, run here
 * through the public API ({@code SmallStableDiffusion.builder().modelPath(..).scheduler(SchedulerType.fromName(..))},
 * {@link GenerationRequest} with the seed, {@link SmallStableDiffusion#generate}) with the safety checker found on
 * the class path.
 *
 * <p>Checked per case: the nsfw flags exactly; the 8-bit result images against {@code <case>.png} within
 * {@code png_max_level_diff} and against the float images of {@code <case>.safetensors} within
 * {@code |u8/255 - f| <= images_atol + 0.5/255}; and the float images themselves within {@code images_atol}: the same
 * request is run a second time with an observer ({@link PipelineHooks}, same seed) that records the decoded floats,
 * to which the run's flags are applied as diffusers does (flagged images zeroed). The two runs must give identical
 * 8-bit images.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeededGoldenTest {
    private static final String TXT2IMG = "txt2img";

    private NDManager manager;
    private final List<SmallStableDiffusion> instances = new ArrayList<>();

    @BeforeAll
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    void tearDown() {
        instances.forEach(SmallStableDiffusion::close);
        manager.close();
    }

    private static Path seededDir() {
        return Golden.goldenDir().resolve("seeded");
    }

    private record Run(GenerationResult publicApi, GenerationResult observed, NDArray decoded) {}

    @TestFactory
    Stream<DynamicNode> everySeededCase() {
        JsonObject cases = Golden.readJson(seededDir().resolve("MANIFEST.json")).getAsJsonObject("cases");
        assertThat(cases.size()).as("seeded cases").isPositive();
        List<DynamicNode> nodes = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : cases.entrySet()) {
            String name = e.getKey();
            JsonObject c = e.getValue().getAsJsonObject();
            Supplier<Run> run = memoize(() -> run(name, c));
            JsonObject tol = c.getAsJsonObject("tolerance");
            double atol = tol.get("images_atol").getAsDouble();
            int maxLevels = tol.get("png_max_level_diff").getAsInt();
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(DynamicTest.dynamicTest(name + " nsfw", () -> {
                List<Boolean> expected = new ArrayList<>();
                c.getAsJsonArray("nsfw").forEach(x -> expected.add(x.getAsBoolean()));
                assertThat(run.get().publicApi().nsfw()).as(name + " nsfw").isEqualTo(expected);
                System.out.printf("%s nsfw: %s (exact)%n", name, expected);
            }));
            tests.add(DynamicTest.dynamicTest(name + ".png within " + maxLevels + " level(s)",
                    () -> checkPng(name, run.get().publicApi(), maxLevels)));
            tests.add(DynamicTest.dynamicTest(name + " 8-bit images vs float images (atol " + atol + " + 0.5/255)",
                    () -> {
                        try (SafeTensorsFile f = open(name)) {
                            double worst = PipelineCases.assertQuantisedClose(name, run.get().publicApi().images(),
                                    images(f, c), atol);
                            System.out.printf("%s 8-bit: max |u8/255 - golden| = %.3g (bound %.3g)%n", name, worst,
                                    atol + 0.5 / 255);
                        }
                    }));
            tests.add(DynamicTest.dynamicTest(name + " float images (atol " + atol + ")", () -> {
                Run r = run.get();
                assertThat(r.observed().images().size()).isEqualTo(r.publicApi().images().size());
                for (int i = 0; i < r.publicApi().images().size(); i++) {
                    assertThat(pixels(r.observed().images().get(i))).as(name + " image " + i + " repeatable")
                            .isEqualTo(pixels(r.publicApi().images().get(i)));
                }
                try (SafeTensorsFile f = open(name)) {
                    NDArray golden = images(f, c);
                    NDArray filtered = ClipSafetyChecker.filter(r.decoded(), flags(r.observed()));
                    Golden.assertClose(name + " images", filtered, golden, new Golden.Tolerance(atol, 0));
                    System.out.printf("%s float: max |java - golden| = %.3g (atol %.3g)%n", name,
                            filtered.sub(golden).abs().max().getFloat(), atol);
                }
            }));
            nodes.add(DynamicContainer.dynamicContainer(name, tests));
        }
        return nodes.stream();
    }

    private Run run(String name, JsonObject c) {
        String mode = c.get("mode").getAsString();
        if (!TXT2IMG.equals(mode)) {
            fail(name + ": mode '" + mode + "' is not supported by this test (no init image is described)");
        }
        SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .scheduler(SchedulerType.fromName(c.get("scheduler").getAsString())).build();
        instances.add(sd);
        GenerationRequest.Builder b = GenerationRequest.builder(c.get("prompt").getAsString())
                .steps(c.get("steps").getAsInt())
                .guidanceScale(c.get("guidance").getAsDouble())
                .size(c.get("width").getAsInt(), c.get("height").getAsInt())
                .seed(c.get("seed").getAsLong())
                .imagesPerPrompt(c.get("images_per_prompt").getAsInt());
        if (c.has("negative") && !c.get("negative").isJsonNull()) {
            b.negativePrompt(c.get("negative").getAsString());
        }
        GenerationRequest request = b.build();
        GenerationResult publicApi = sd.generate(request);
        PipelineCases.DecodedImages decoded = new PipelineCases.DecodedImages(manager);
        GenerationResult observed = InternalAccess.engine(sd).run(request, new PipelineHooks(null, decoded),
                () -> false);
        return new Run(publicApi, observed, decoded.images());
    }

    private static SafeTensorsFile open(String name) {
        return SafeTensors.open(seededDir().resolve(name + ".safetensors"));
    }

    /** The case's one tensor: its float images, of the manifest's {@code image_shape}. */
    private NDArray images(SafeTensorsFile f, JsonObject c) {
        assertThat(f.names()).as("tensors of the seeded file").hasSize(1);
        NDArray a = f.load(f.names().iterator().next(), manager);
        List<Long> shape = new ArrayList<>();
        c.getAsJsonArray("image_shape").forEach(x -> shape.add(x.getAsLong()));
        assertThat(a.getShape()).isEqualTo(new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
        return a;
    }

    private static void checkPng(String name, GenerationResult r, int maxLevels) throws IOException {
        BufferedImage png = ImageIO.read(seededDir().resolve(name + ".png").toFile());
        BufferedImage ours = r.image();
        assertThat(ours.getWidth()).isEqualTo(png.getWidth());
        assertThat(ours.getHeight()).isEqualTo(png.getHeight());
        int[] a = pixels(ours);
        int[] e = pixels(png);
        int worst = 0;
        int differing = 0;
        for (int i = 0; i < a.length; i++) {
            int d = 0;
            for (int shift = 0; shift <= 16; shift += 8) {
                d = Math.max(d, Math.abs(((a[i] >> shift) & 0xFF) - ((e[i] >> shift) & 0xFF)));
            }
            worst = Math.max(worst, d);
            differing += d > 0 ? 1 : 0;
        }
        System.out.printf("%s.png: max level difference %d, %d of %d pixels differ%n", name, worst, differing,
                a.length);
        assertThat(worst).as(name + ".png max level difference").isLessThanOrEqualTo(maxLevels);
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    private static boolean[] flags(GenerationResult r) {
        boolean[] flags = new boolean[r.images().size()];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = r.isNsfw(i);
        }
        return flags;
    }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private T value;
            private RuntimeException failure;

            @Override
            public synchronized T get() {
                if (value == null && failure == null) {
                    try {
                        value = s.get();
                    } catch (RuntimeException e) {
                        failure = e;
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                return value;
            }
        };
    }
}

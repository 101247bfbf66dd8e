package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.schedulers.SchedulerType;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * One case of {@code golden/seeded/MANIFEST.json}: a diffusers run with nothing stored but the request, the seed and
 * the result. Every test of the seeded set (core, ssd-safety, the CLI) reads its cases through this class, so that
 * each runs every mode the manifest describes and fails the same clear way on anything it does not know.
 *
 * <p>Modes: {@code txt2img} ({@code width}/{@code height} optional, default the model's size) and {@code img2img}
 * ({@code init_image}, a path relative to the manifest's folder, and {@code strength}; {@code width}/{@code height}
 * optional, default the init image's size rounded down to multiples of 8, as diffusers' image processor does). Any
 * other mode, a missing key or a key this class does not know fails the case with the case, key and reason.
 *
 * @param name the case name (also the stem of {@code <name>.png} and {@code <name>.safetensors})
 * @param entry its manifest entry
 * @param dir the folder of the manifest
 */
public record SeededCase(String name, JsonObject entry, Path dir) {
    /** The modes the seeded manifest may name. */
    public enum Mode {
        /** Text to image: diffusers' {@code StableDiffusionPipeline}. */
        TXT2IMG("txt2img"),
        /** Image to image: diffusers' {@code StableDiffusionImg2ImgPipeline} with an init image and a strength. */
        IMG2IMG("img2img");

        private final String key;

        Mode(String key) {
            this.key = key;
        }

        /** @return the manifest's spelling */
        public String key() {
            return key;
        }
    }

    private static final Set<String> COMMON_KEYS = Set.of("mode", "scheduler", "prompt", "negative", "steps",
            "guidance", "width", "height", "seed", "images_per_prompt", "nsfw", "image_shape", "tolerance");
    private static final Set<String> IMG2IMG_KEYS = Set.of("init_image", "strength");

    /** @return {@code <fixtures>/golden/seeded} */
    public static Path seededDir() {
        return Golden.goldenDir().resolve("seeded");
    }

    /**
     * @return every case of {@code golden/seeded/MANIFEST.json}, in manifest order (at least one)
     */
    public static List<SeededCase> all() {
        return all(seededDir());
    }

    /**
     * @param dir a folder with a seeded {@code MANIFEST.json}
     * @return its cases in manifest order (at least one)
     */
    public static List<SeededCase> all(Path dir) {
        JsonObject cases = Golden.readJson(dir.resolve("MANIFEST.json")).getAsJsonObject("cases");
        List<SeededCase> out = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : cases.entrySet()) {
            out.add(new SeededCase(e.getKey(), e.getValue().getAsJsonObject(), dir));
        }
        assertThat(out).as("cases of " + dir.resolve("MANIFEST.json")).isNotEmpty();
        return out;
    }

    /**
     * @return the case's mode
     * @throws AssertionError naming the case and the mode when the mode is unknown, or when the case has a key this
     *     mode does not take
     */
    public Mode mode() {
        String m = string("mode");
        Mode mode = null;
        for (Mode candidate : Mode.values()) {
            if (candidate.key.equals(m)) {
                mode = candidate;
            }
        }
        if (mode == null) {
            fail("seeded case " + name + ": unknown mode '" + m + "' (known: txt2img, img2img)");
        }
        for (String key : entry.keySet()) {
            if (!COMMON_KEYS.contains(key) && !(mode == Mode.IMG2IMG && IMG2IMG_KEYS.contains(key))) {
                fail("seeded case " + name + ": key '" + key + "' is not understood for mode " + m
                        + " (a test that ignored it would not run the case the manifest describes)");
            }
        }
        return mode;
    }

    /** @return e.g. {@code seeded_pndm [txt2img, pndm, seed 42]}: the case's display name in test reports */
    public String displayName() {
        return name + " [" + string("mode") + ", " + string("scheduler") + ", seed " + seed() + "]";
    }

    /** @return the scheduler's preset name ({@code pndm}, {@code ddim}, {@code euler-a}, {@code dpm++2m}, ...) */
    public String schedulerName() {
        return string("scheduler");
    }

    /** @return the scheduler preset */
    public SchedulerType scheduler() {
        return SchedulerType.fromName(schedulerName());
    }

    /** @return the prompt */
    public String prompt() {
        return string("prompt");
    }

    /** @return the negative prompt, empty when the manifest has none or {@code null} */
    public Optional<String> negative() {
        JsonElement n = entry.get("negative");
        return n == null || n.isJsonNull() ? Optional.empty() : Optional.of(n.getAsString());
    }

    /** @return the number of denoising steps */
    public int steps() {
        return require("steps").getAsInt();
    }

    /** @return the guidance scale */
    public double guidance() {
        return require("guidance").getAsDouble();
    }

    /** @return the seed */
    public long seed() {
        return require("seed").getAsLong();
    }

    /** @return images per prompt */
    public int imagesPerPrompt() {
        return require("images_per_prompt").getAsInt();
    }

    /** @return {@code [width, height]} in pixels when the manifest gives them (it must give both or neither) */
    public Optional<int[]> size() {
        boolean w = entry.has("width");
        boolean h = entry.has("height");
        if (w != h) {
            fail("seeded case " + name + ": '" + (w ? "width" : "height") + "' without '" + (w ? "height" : "width")
                    + "'");
        }
        return w ? Optional.of(new int[] {require("width").getAsInt(), require("height").getAsInt()})
                : Optional.empty();
    }

    /** @return the init image file of an img2img case (resolved against the manifest's folder) */
    public Optional<Path> initImage() {
        if (mode() != Mode.IMG2IMG) {
            return Optional.empty();
        }
        Path p = dir.resolve(string("init_image")).normalize();
        if (!Files.isRegularFile(p)) {
            fail("seeded case " + name + ": init_image " + p + " not found");
        }
        return Optional.of(p);
    }

    /** @return the strength of an img2img case */
    public OptionalDouble strength() {
        return mode() == Mode.IMG2IMG ? OptionalDouble.of(require("strength").getAsDouble()) : OptionalDouble.empty();
    }

    /** @return the expected nsfw flag of every image */
    public List<Boolean> nsfw() {
        List<Boolean> flags = new ArrayList<>();
        require("nsfw").getAsJsonArray().forEach(x -> flags.add(x.getAsBoolean()));
        return flags;
    }

    /** @return the shape of the float images, NHWC */
    public Shape imageShape() {
        List<Long> dims = new ArrayList<>();
        require("image_shape").getAsJsonArray().forEach(x -> dims.add(x.getAsLong()));
        return new Shape(dims.stream().mapToLong(Long::longValue).toArray());
    }

    /** @return the float tolerance of the images (absolute, as the fixtures README states) */
    public Tolerance imagesTolerance() {
        return Tolerance.absolute(tolerance().get("images_atol").getAsDouble());
    }

    /** @return the largest allowed difference in 8-bit levels between the PNG and diffusers' */
    public int pngMaxLevelDiff() {
        return tolerance().get("png_max_level_diff").getAsInt();
    }

    /** @return {@code <name>.png}, diffusers' image 0 */
    public Path png() {
        return dir.resolve(name + ".png");
    }

    /**
     * The request of this case, built through the public API only.
     *
     * @return the request
     */
    public GenerationRequest request() {
        Mode mode = mode();
        GenerationRequest.Builder b = GenerationRequest.builder(prompt())
                .steps(steps())
                .guidanceScale(guidance())
                .seed(seed())
                .imagesPerPrompt(imagesPerPrompt())
                .scheduler(scheduler());
        negative().ifPresent(b::negativePrompt);
        size().ifPresent(s -> b.size(s[0], s[1]));
        if (mode == Mode.IMG2IMG) {
            b.initImage(initImage().orElseThrow()).strength(strength().orElseThrow());
        }
        return b.build();
    }

    /**
     * Loads the float images of {@code <name>.safetensors} (its one tensor) and checks their shape against
     * {@code image_shape}.
     *
     * @param manager owner of the result
     * @return the images, NHWC in [0, 1]
     */
    public NDArray images(NDManager manager) {
        try (SafeTensorsFile f = SafeTensors.open(dir.resolve(name + ".safetensors"))) {
            assertThat(f.names()).as(name + ".safetensors: its tensors").hasSize(1);
            NDArray a = f.load(f.names().iterator().next(), manager);
            assertThat(a.getShape()).as(name + ".safetensors vs image_shape").isEqualTo(imageShape());
            return a;
        }
    }

    /**
     * Compares an 8-bit image with this case's PNG.
     *
     * @param actual the Java image
     * @return the largest difference of one 8-bit channel value (the sizes must agree)
     */
    public int maxLevelDiffToPng(BufferedImage actual) {
        BufferedImage expected;
        try {
            expected = ImageIO.read(png().toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(actual.getWidth()).as(name + " image width vs " + png().getFileName()).isEqualTo(expected.getWidth());
        assertThat(actual.getHeight()).as(name + " image height vs " + png().getFileName())
                .isEqualTo(expected.getHeight());
        int[] a = actual.getRGB(0, 0, actual.getWidth(), actual.getHeight(), null, 0, actual.getWidth());
        int[] e = expected.getRGB(0, 0, expected.getWidth(), expected.getHeight(), null, 0, expected.getWidth());
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
        System.out.printf(Locale.ROOT, "%s.png: max level difference %d, %d of %d pixels differ%n", name, worst,
                differing, a.length);
        return worst;
    }

    private JsonObject tolerance() {
        return require("tolerance").getAsJsonObject();
    }

    private String string(String key) {
        return require(key).getAsString();
    }

    private JsonElement require(String key) {
        JsonElement e = entry.get(key);
        if (e == null || e.isJsonNull()) {
            fail("seeded case " + name + ": manifest key '" + key + "' is missing");
        }
        return e;
    }
}

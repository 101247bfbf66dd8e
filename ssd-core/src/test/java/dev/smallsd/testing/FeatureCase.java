package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.internal.pipeline.PipelineHooks;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import javax.imageio.ImageIO;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.schedulers.SchedulerType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A case of {@code golden/features/MANIFEST.json} of the kinds this module replays through the public API
 * ({@code inpaint}, {@code lora}, {@code taesd}): every parameter read from the manifest. Seeded cases (with a
 * {@code mode}) become an instance builder (model folder, UNet / autoencoder override, fused LoRAs) and a request;
 * component cases (with a {@code file} and no {@code mode}) are handled by the test of their kind.
 *
 * @param name the case name
 * @param kind its kind
 * @param entry its manifest entry
 */
public record FeatureCase(String name, String kind, JsonObject entry) {
    /** The kinds replayed through the pipeline by core and ssd-safety. */
    public static final List<String> KINDS = List.of("inpaint", "lora", "taesd");

    /** The name the LoRAs of a case are registered under for per-request runs (index appended). */
    public static final String REQUEST_LORA = "request-lora";

    private static final String UNET_REPLACED = " with unet/ replaced by ";

    /** @return {@code <golden>/features} */
    public static Path dir() {
        return Golden.goldenDir().resolve("features");
    }

    /** @return the manifest's cases of {@link #KINDS}, in manifest order */
    public static List<FeatureCase> all() {
        JsonObject cases = Golden.readJson(dir().resolve("MANIFEST.json")).getAsJsonObject("cases");
        List<FeatureCase> out = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : cases.entrySet()) {
            JsonObject c = e.getValue().getAsJsonObject();
            String kind = c.has("kind") ? c.get("kind").getAsString() : "";
            if (KINDS.contains(kind)) {
                out.add(new FeatureCase(e.getKey(), kind, c));
            }
        }
        return out;
    }

    /** @return whether this case runs the whole pipeline (it has a {@code mode}) */
    public boolean seeded() {
        return entry.has("mode");
    }

    /** @return {@code mode} */
    public String mode() {
        return entry.get("mode").getAsString();
    }

    /**
     * @param key a manifest key holding a path relative to the features folder
     * @return the resolved path (must exist)
     */
    public Path path(String key) {
        return existing(entry.get(key).getAsString());
    }

    private static Path existing(String relative) {
        Path p = dir().resolve(relative.trim()).normalize();
        if (!Files.exists(p)) {
            fail("features manifest names " + relative + " but " + p + " does not exist");
        }
        return p;
    }

    /** @return whether the reference ran with a safety checker ({@code safety_checker}, default true) */
    public boolean withSafetyChecker() {
        return !entry.has("safety_checker") || entry.get("safety_checker").getAsBoolean();
    }

    /** @return the scale of the case's LoRA files */
    public double loraScale() {
        return entry.get("scale").getAsDouble();
    }

    /** @return the case's LoRA files ({@code files}) */
    public List<Path> loraFiles() {
        for (String key : List.of("files", "scale")) {
            if (!entry.has(key)) {
                fail(name + ": a lora case needs '" + key + "' in the features manifest");
            }
        }
        List<Path> out = new ArrayList<>();
        entry.getAsJsonArray("files").forEach(f -> out.add(existing(f.getAsString())));
        return out;
    }

    /** @return the model folder of {@code model} (the tiny pipeline when absent) */
    public Path modelFolder() {
        String model = entry.has("model") ? entry.get("model").getAsString() : null;
        if (model == null) {
            return Golden.tinyModel();
        }
        if (model.contains(UNET_REPLACED)) {
            return existing(model.split(UNET_REPLACED)[0]);
        }
        if (model.contains(" ")) {
            fail(name + ": model '" + model + "' is neither a folder nor '<folder>" + UNET_REPLACED + "<folder>'");
        }
        return existing(model);
    }

    /** @return the UNet folder that replaces the model's ({@code "<model> with unet/ replaced by <folder>"}), or null */
    public Path unetFolder() {
        String model = entry.has("model") ? entry.get("model").getAsString() : "";
        return model.contains(UNET_REPLACED) ? existing(model.split(UNET_REPLACED)[1]) : null;
    }

    /**
     * The instance this seeded case needs: {@code model} (optionally {@code "<folder> with unet/ replaced by
     * <folder>"}), {@code vae}, the LoRA {@code files} fused at {@code scale}, the case's scheduler; safety left at
     * the builder's default (the caller decides).
     *
     * @return the builder
     */
    public SmallStableDiffusion.Builder builder() {
        SmallStableDiffusion.Builder b = SmallStableDiffusion.builder()
                .scheduler(SchedulerType.fromName(entry.get("scheduler").getAsString()));
        b.modelPath(modelFolder());
        if (unetFolder() != null) {
            b.unet(unetFolder());
        }
        if (entry.has("vae")) {
            b.vae(path("vae"));
        }
        if (entry.has("files")) {
            for (Path f : loraFiles()) {
                b.lora(f, loraScale());
            }
        }
        return b;
    }

    /** @return the request this seeded case describes (prompt, negative, steps, guidance, size, seed, images) */
    public GenerationRequest.Builder request() {
        GenerationRequest.Builder b = GenerationRequest.builder(entry.get("prompt").getAsString())
                .steps(entry.get("steps").getAsInt())
                .guidanceScale(entry.get("guidance").getAsDouble())
                .size(entry.get("width").getAsInt(), entry.get("height").getAsInt())
                .seed(entry.get("seed").getAsLong())
                .imagesPerPrompt(entry.get("images_per_prompt").getAsInt());
        if (entry.has("negative") && !entry.get("negative").isJsonNull()) {
            b.negativePrompt(entry.get("negative").getAsString());
        }
        switch (mode()) {
            case "txt2img":
                break;
            case "inpaint":
                b.initImage(path("init_image")).maskImage(path("mask_image"))
                        .strength(entry.get("strength").getAsDouble());
                break;
            default:
                fail(name + ": mode '" + mode() + "' is not known (txt2img, inpaint)");
        }
        return b;
    }

    /** @return {@code tolerance.images_atol} */
    public double imagesAtol() {
        return entry.getAsJsonObject("tolerance").get("images_atol").getAsDouble();
    }

    /** @return {@code tolerance.png_max_level_diff} */
    public int pngMaxLevelDiff() {
        return entry.getAsJsonObject("tolerance").get("png_max_level_diff").getAsInt();
    }

    /** @return {@code nsfw} */
    public List<Boolean> nsfw() {
        List<Boolean> out = new ArrayList<>();
        entry.getAsJsonArray("nsfw").forEach(x -> out.add(x.getAsBoolean()));
        return out;
    }

    /** @return {@code image_shape} */
    public long[] imageShape() {
        List<Long> s = new ArrayList<>();
        entry.getAsJsonArray("image_shape").forEach(x -> s.add(x.getAsLong()));
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public String toString() {
        return name + " [" + kind + (seeded() ? ", " + mode() + ", " + entry.get("scheduler").getAsString() + ", seed "
                + entry.get("seed").getAsLong() : "") + "]";
    }

    /** @return this case without its LoRA files (the plain model) */
    public FeatureCase withoutLoras() {
        JsonObject plain = entry.deepCopy();
        plain.remove("files");
        return new FeatureCase(name, kind, plain);
    }

    /**
     * What a seeded run gave.
     *
     * @param result the public API's result ({@link SmallStableDiffusion#generate})
     * @param decoded the same request's decoded float images before the safety checker (observed)
     */
    public record Run(GenerationResult result, NDArray decoded) {}

    /**
     * Runs this seeded case: once through the public API, once observed for the decoded floats.
     *
     * @param perRequest register the case's LoRAs and name them in the request instead of fusing them
     * @param configure last changes to the builder (e.g. the safety checker)
     * @param manager owner of the floats
     * @return the run
     */
    public Run run(boolean perRequest, UnaryOperator<SmallStableDiffusion.Builder> configure, NDManager manager) {
        SmallStableDiffusion.Builder b = builder();
        GenerationRequest.Builder rb = request();
        if (perRequest) {
            b = withoutLoras().builder();
            List<Path> files = loraFiles();
            for (int i = 0; i < files.size(); i++) {
                b.registerLora(REQUEST_LORA + i, files.get(i));
                rb.lora(REQUEST_LORA + i, loraScale());
            }
        }
        if (!withSafetyChecker() || !java.util.ServiceLoader.load(dev.smallsd.SafetyCheckerProvider.class)
                .iterator().hasNext()) { // core's own tests run without ssd-safety: opt out explicitly
            b.disableSafetyChecker();
        }
        try (SmallStableDiffusion sd = configure.apply(b).build()) {
            GenerationRequest request = rb.build();
            GenerationResult result = sd.generate(request);
            DecodedImages decoded = new DecodedImages(manager);
            InternalAccess.engine(sd).run(request, new PipelineHooks(null, decoded), () -> false);
            return new Run(result, decoded.images());
        }
    }

    /**
     * Asserts a seeded run against {@code <case>.safetensors} (floats within {@code images_atol}) and
     * {@code <case>.png} (within {@code png_max_level_diff}), printing the largest differences.
     *
     * @param result the public API's result (its image 0 is compared with the PNG unless flagged)
     * @param floats the float images to compare, {@code [B, H, W, 3]}
     * @param skipFlagged leave out the images the manifest flags (when no checker blacked them out)
     * @param label how the run is named in messages
     * @param manager owner of the golden arrays
     * @throws IOException when the PNG cannot be read
     */
    public void assertMatchesGolden(GenerationResult result, NDArray floats, boolean skipFlagged, String label,
            NDManager manager) throws IOException {
        List<Boolean> flagged = nsfw();
        try (SafeTensorsFile f = SafeTensors.open(dir().resolve(name + ".safetensors"))) {
            NDArray golden = f.load(f.names().iterator().next(), manager);
            assertThat(golden.getShape()).isEqualTo(new Shape(imageShape()));
            assertThat(floats.getShape()).isEqualTo(golden.getShape());
            for (int i = 0; i < flagged.size(); i++) {
                if (skipFlagged && flagged.get(i)) {
                    continue;
                }
                Golden.assertClose(label + " image " + i, floats.get(i), golden.get(i),
                        Tolerance.absolute(imagesAtol()));
                System.out.printf("%s image %d: max |java - golden| = %.3g (atol %.3g)%n", label, i,
                        floats.get(i).sub(golden.get(i)).abs().max().getFloat(), imagesAtol());
            }
        }
        if (!skipFlagged || !flagged.get(0)) {
            BufferedImage png = ImageIO.read(dir().resolve(name + ".png").toFile());
            int levels = PngLevels.maxLevelDiff(result.image(), png);
            System.out.printf("%s.png: max level difference %d (bound %d)%n", label, levels, pngMaxLevelDiff());
            assertThat(levels).as(label + ".png grey levels").isLessThanOrEqualTo(pngMaxLevelDiff());
        }
    }
}

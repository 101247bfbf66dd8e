package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.schedulers.SchedulerType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
        List<Path> out = new ArrayList<>();
        entry.getAsJsonArray("files").forEach(f -> out.add(existing(f.getAsString())));
        return out;
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
        String model = entry.has("model") ? entry.get("model").getAsString() : null;
        if (model == null) {
            b.modelPath(Golden.tinyModel());
        } else if (model.contains(UNET_REPLACED)) {
            String[] parts = model.split(UNET_REPLACED);
            b.modelPath(existing(parts[0])).unet(existing(parts[1]));
        } else if (model.contains(" ")) {
            fail(name + ": model '" + model + "' is neither a folder nor '<folder>" + UNET_REPLACED + "<folder>'");
        } else {
            b.modelPath(existing(model));
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
}

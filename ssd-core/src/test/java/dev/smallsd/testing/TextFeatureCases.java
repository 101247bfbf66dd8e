package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.PromptSyntax;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.schedulers.SchedulerType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The text-side cases of {@code golden/features/MANIFEST.json}: kinds {@value #PROMPT_WEIGHTING} and
 * {@value #TEXTUAL_INVERSION}. Reads every parameter of a case from the manifest; shared by core's golden test and
 * ssd-safety's replay of the seeded cases with the checker.
 */
public final class TextFeatureCases {
    /** A1111 prompt weighting and long prompts. */
    public static final String PROMPT_WEIGHTING = "prompt_weighting";
    /** Textual inversion. */
    public static final String TEXTUAL_INVERSION = "textual_inversion";
    /** The kinds handled here. */
    public static final Set<String> KINDS = Set.of(PROMPT_WEIGHTING, TEXTUAL_INVERSION);

    private TextFeatureCases() {}

    /** @return {@code <fixtures>/golden/features} */
    public static Path dir() {
        return Golden.goldenDir().resolve("features");
    }

    /** @return the cases of the kinds handled here, name → entry, in manifest order */
    public static Map<String, JsonObject> cases() {
        JsonObject all = Golden.readJson(dir().resolve("MANIFEST.json")).getAsJsonObject("cases");
        Map<String, JsonObject> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : all.entrySet()) {
            JsonObject c = e.getValue().getAsJsonObject();
            if (c.has("kind") && KINDS.contains(c.get("kind").getAsString())) {
                out.put(e.getKey(), c);
            }
        }
        return out;
    }

    /**
     * @param c a case
     * @return whether it is an end-to-end run ({@code mode} present)
     */
    public static boolean isSeeded(JsonObject c) {
        return c.has("mode");
    }

    /**
     * @param c a seeded case
     * @return whether diffusers ran it with a safety checker ({@code safety_checker} absent or true)
     */
    public static boolean ranWithSafetyChecker(JsonObject c) {
        return !c.has("safety_checker") || c.get("safety_checker").getAsBoolean();
    }

    /**
     * The embeddings a textual-inversion case loads: {@code load_order}, each under its token from {@code files}.
     *
     * @param name the case name (for messages)
     * @param c the case
     * @return file → token, in load order (empty for other kinds)
     */
    public static Map<Path, String> embeddings(String name, JsonObject c) {
        Map<Path, String> out = new LinkedHashMap<>();
        if (!TEXTUAL_INVERSION.equals(c.get("kind").getAsString())) {
            return out;
        }
        JsonObject files = c.getAsJsonObject("files");
        for (JsonElement f : c.getAsJsonArray("load_order")) {
            String file = f.getAsString();
            if (!files.has(file)) {
                fail(name + ": load_order names '" + file + "', which 'files' does not map to a token");
            }
            out.put(dir().resolve(file), files.get(file).getAsString());
        }
        return out;
    }

    /**
     * A builder for the model a seeded case runs on (the manifest's tiny pipeline) with the case's embeddings.
     *
     * @param name the case name
     * @param c the case
     * @return the builder
     */
    public static SmallStableDiffusion.Builder builder(String name, JsonObject c) {
        SmallStableDiffusion.Builder b = SmallStableDiffusion.builder().modelPath(Golden.tinyModel());
        embeddings(name, c).forEach(b::textualInversion);
        return b;
    }

    /**
     * The request of a seeded case: prompt syntax A1111 for prompt-weighting cases, diffusers' plain prompt
     * otherwise.
     *
     * @param name the case name
     * @param c the case
     * @return the request
     */
    public static GenerationRequest request(String name, JsonObject c) {
        String mode = c.get("mode").getAsString();
        if (!"txt2img".equals(mode)) {
            fail(name + ": mode '" + mode + "' is not a text-to-image case; the text feature tests replay txt2img");
        }
        GenerationRequest.Builder b = GenerationRequest.builder(c.get("prompt").getAsString())
                .steps(c.get("steps").getAsInt())
                .guidanceScale(c.get("guidance").getAsDouble())
                .size(c.get("width").getAsInt(), c.get("height").getAsInt())
                .seed(c.get("seed").getAsLong())
                .imagesPerPrompt(c.get("images_per_prompt").getAsInt())
                .scheduler(SchedulerType.fromName(c.get("scheduler").getAsString()))
                .promptSyntax(PROMPT_WEIGHTING.equals(c.get("kind").getAsString()) ? PromptSyntax.A1111
                        : PromptSyntax.PLAIN);
        if (c.has("negative") && !c.get("negative").isJsonNull()) {
            b.negativePrompt(c.get("negative").getAsString());
        }
        return b.build();
    }

    /**
     * @param c a seeded case
     * @return its {@code nsfw} flags
     */
    public static List<Boolean> nsfw(JsonObject c) {
        List<Boolean> out = new ArrayList<>();
        c.getAsJsonArray("nsfw").forEach(x -> out.add(x.getAsBoolean()));
        return out;
    }

    /**
     * @param c a case
     * @param key {@code atol}, {@code rtol}, {@code images_atol}, ...
     * @return the tolerance value the manifest states
     */
    public static double tolerance(JsonObject c, String key) {
        JsonObject t = c.getAsJsonObject("tolerance");
        if (t == null || !t.has(key)) {
            fail("case has no tolerance '" + key + "': " + c);
        }
        return t.get(key).getAsDouble();
    }
}

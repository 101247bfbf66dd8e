package dev.smallsd.internal.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.GenerationResult;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.internal.pipeline.PipelineHooks;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.PngLevels;
import dev.smallsd.testing.TextFeatureCases;
import dev.smallsd.testing.Tolerance;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The text-side cases of {@code golden/features} (kinds {@code prompt_weighting} and {@code textual_inversion}), one
 * named dynamic test per case, every parameter from the manifest. The shape of a case says what it checks:
 * {@code parsed} (A1111 attention parsing, weights within 1e-9), a {@code file} with {@code prompt} (A1111
 * conditioning: chunk ids and multipliers exact, cond/uncond within the case's tolerance), a {@code file} with
 * {@code prompts} (textual inversion: added ids, input ids exact, text encoder output within tolerance), {@code mode}
 * (an end-to-end run through the public API, PNG within {@code png_max_level_diff}, floats within
 * {@code images_atol}). Core has no safety checker: images the manifest flags are left to ssd-safety's test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TextFeaturesGoldenTest {
    private static final double PARSE_WEIGHT_TOL = 1e-9;

    private final TinyText tiny = new TinyText();

    @AfterAll
    void close() {
        tiny.close();
    }

    @TestFactory
    Stream<DynamicTest> textFeatureCases() {
        Map<String, JsonObject> cases = TextFeatureCases.cases();
        assertThat(cases).as("prompt_weighting / textual_inversion cases in golden/features").isNotEmpty();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonObject> e : cases.entrySet()) {
            String name = e.getKey();
            JsonObject c = e.getValue();
            String kind = c.get("kind").getAsString();
            tests.add(DynamicTest.dynamicTest(name + " [" + kind + "]", () -> check(name, kind, c)));
        }
        return tests.stream();
    }

    private void check(String name, String kind, JsonObject c) throws Exception {
        if (TextFeatureCases.isSeeded(c)) {
            checkSeeded(name, c);
        } else if (TextFeatureCases.PROMPT_WEIGHTING.equals(kind) && c.has("parsed")) {
            checkParse(name, c);
        } else if (TextFeatureCases.PROMPT_WEIGHTING.equals(kind) && c.has("file") && c.has("prompt")) {
            checkConditioning(name, c);
        } else if (TextFeatureCases.TEXTUAL_INVERSION.equals(kind) && c.has("file") && c.has("prompts")) {
            checkTextualInversion(name, c);
        } else {
            fail(name + ": a " + kind + " case of unknown shape (keys " + c.keySet() + "); expected 'parsed', "
                    + "'file' + 'prompt' / 'prompts', or 'mode'");
        }
    }

    private static void checkParse(String name, JsonObject c) {
        JsonArray prompts = c.getAsJsonArray("prompts");
        JsonArray parsed = c.getAsJsonArray("parsed");
        assertThat(parsed.size()).as(name + ": parsed per prompt").isEqualTo(prompts.size());
        double worst = 0;
        for (int i = 0; i < prompts.size(); i++) {
            String prompt = prompts.get(i).getAsString();
            List<PromptAttention.Run> runs = PromptAttention.parse(prompt);
            JsonArray expected = parsed.get(i).getAsJsonArray();
            List<String> texts = new ArrayList<>();
            List<String> expectedTexts = new ArrayList<>();
            runs.forEach(r -> texts.add(r.text()));
            expected.forEach(r -> expectedTexts.add(r.getAsJsonArray().get(0).getAsString()));
            assertThat(texts).as(name + ": texts of " + prompt).isEqualTo(expectedTexts);
            for (int j = 0; j < runs.size(); j++) {
                double w = expected.get(j).getAsJsonArray().get(1).getAsDouble();
                double d = Math.abs(runs.get(j).weight() - w);
                worst = Math.max(worst, d);
                assertThat(d).as(name + ": weight of run " + j + " of " + prompt + " (java " + runs.get(j).weight()
                        + ", golden " + w + ")").isLessThanOrEqualTo(PARSE_WEIGHT_TOL);
            }
        }
        System.out.printf("%s: %d prompts, texts exact, max weight difference %.3g%n", name, prompts.size(), worst);
    }

    private void checkConditioning(String name, JsonObject c) {
        String prompt = c.get("prompt").getAsString();
        String negative = c.has("negative") && !c.get("negative").isJsonNull() ? c.get("negative").getAsString() : "";
        WeightedPromptEncoder enc = new WeightedPromptEncoder(tiny.tokenizer, tiny.textModel);
        List<WeightedPromptEncoder.Chunk> cond = enc.chunks(prompt);
        List<WeightedPromptEncoder.Chunk> uncond = enc.chunks(negative);
        if (c.has("chunks")) {
            JsonArray chunks = c.getAsJsonArray("chunks");
            assertThat(List.of(cond.size(), uncond.size())).as(name + ": chunks of prompt and negative")
                    .containsExactly(chunks.get(0).getAsInt(), chunks.get(1).getAsInt());
        }
        double atol = TextFeatureCases.tolerance(c, "atol");
        double rtol = TextFeatureCases.tolerance(c, "rtol");
        try (NDManager m = tiny.manager.newSubManager();
                SafeTensorsFile f = SafeTensors.open(TextFeatureCases.dir().resolve(c.get("file").getAsString()))) {
            checkChunks(name + " cond", cond, f.load("cond_tokens", m), f.load("cond_multipliers", m));
            checkChunks(name + " uncond", uncond, f.load("uncond_tokens", m), f.load("uncond_multipliers", m));
            NDArray both = enc.encode(List.of(negative, prompt), 0, m);
            NDArray goldenCond = f.load("cond", m);
            NDArray goldenUncond = f.load("uncond", m);
            NDArray javaCond = both.get(new NDIndex("1:2"));
            NDArray javaUncond = both.get(new NDIndex("0:1"));
            Golden.assertClose(name + " cond", javaCond, goldenCond, Tolerance.scaledByMax(atol, rtol));
            Golden.assertClose(name + " uncond", javaUncond, goldenUncond, Tolerance.scaledByMax(atol, rtol));
            System.out.printf("%s: chunks %d/%d, ids and multipliers exact, max |java - golden| cond %.3g, "
                    + "uncond %.3g%n", name, cond.size(), uncond.size(),
                    javaCond.sub(goldenCond).abs().max().getFloat(),
                    javaUncond.sub(goldenUncond).abs().max().getFloat());
        }
    }

    private static void checkChunks(String what, List<WeightedPromptEncoder.Chunk> chunks, NDArray tokens,
            NDArray multipliers) {
        long[] ids = tokens.toLongArray();
        float[] mult = multipliers.toFloatArray();
        assertThat(tokens.getShape().get(0)).as(what + " chunks").isEqualTo(chunks.size());
        int len = Math.toIntExact(tokens.getShape().get(1));
        for (int i = 0; i < chunks.size(); i++) {
            long[] expectedIds = java.util.Arrays.copyOfRange(ids, i * len, (i + 1) * len);
            float[] expectedMult = java.util.Arrays.copyOfRange(mult, i * len, (i + 1) * len);
            assertThat(chunks.get(i).tokens()).as(what + " chunk " + i + " ids").containsExactly(expectedIds);
            assertThat(chunks.get(i).multipliers()).as(what + " chunk " + i + " multipliers")
                    .containsExactly(expectedMult);
        }
    }

    private void checkTextualInversion(String name, JsonObject c) {
        Map<Path, String> order = TextFeatureCases.embeddings(name, c);
        JsonObject files = c.getAsJsonObject("files");
        double atol = TextFeatureCases.tolerance(c, "atol");
        double rtol = TextFeatureCases.tolerance(c, "rtol");
        // every file of the case: those in load_order, then each other file in place of the one with its token
        List<Map<Path, String>> variants = new ArrayList<>();
        variants.add(order);
        for (Map.Entry<String, JsonElement> f : files.entrySet()) {
            Path p = TextFeatureCases.dir().resolve(f.getKey());
            if (order.containsKey(p)) {
                continue;
            }
            Map<Path, String> v = new java.util.LinkedHashMap<>();
            boolean replaced = false;
            for (Map.Entry<Path, String> o : order.entrySet()) {
                if (!replaced && o.getValue().equals(f.getValue().getAsString())) {
                    v.put(p, o.getValue());
                    replaced = true;
                } else {
                    v.put(o.getKey(), o.getValue());
                }
            }
            assertThat(replaced).as(name + ": " + f.getKey() + " has a token no load_order file has").isTrue();
            variants.add(v);
        }
        for (Map<Path, String> v : variants) {
            checkTextualInversion(name, c, v, atol, rtol);
        }
    }

    private void checkTextualInversion(String name, JsonObject c, Map<Path, String> files, double atol,
            double rtol) {
        List<TextualInversion.Embedding> embeddings = new ArrayList<>();
        files.forEach((file, token) -> embeddings.add(TextualInversion.read(file, token)));
        TextualInversion.Loaded loaded = TextualInversion.apply(tiny.tokenizer, tiny.textModel, embeddings);
        try (ClipTokenizer tok = loaded.tokenizer(); NDManager m = tiny.manager.newSubManager();
                SafeTensorsFile f = SafeTensors.open(TextFeatureCases.dir().resolve(c.get("file").getAsString()))) {
            JsonObject added = c.getAsJsonObject("added_token_ids");
            JsonObject counts = c.getAsJsonObject("tokens");
            for (Map.Entry<String, JsonElement> t : counts.entrySet()) {
                int n = t.getValue().getAsInt();
                List<Integer> expected = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String s = i == 0 ? t.getKey() : t.getKey() + "_" + i;
                    assertThat(added.has(s)).as(name + ": added_token_ids has " + s).isTrue();
                    expected.add(added.get(s).getAsInt());
                    assertThat(tok.rawIds(s)[0]).as(name + ": id of " + s).isEqualTo(added.get(s).getAsInt());
                }
                assertThat(tok.rawIds(t.getKey())).as(name + ": " + t.getKey() + " stands for its " + n + " tokens")
                        .containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
            }
            List<String> prompts = new ArrayList<>();
            c.getAsJsonArray("prompts").forEach(p -> prompts.add(p.getAsString()));
            NDArray ids = m.create(tok.encode(prompts));
            Golden.assertEqualLongs(name + " input_ids " + files.keySet(), ids, f.load("input_ids", m));
            NDArray out = loaded.textModel().encode(ids);
            NDArray golden = f.load("text_output", m);
            Golden.assertClose(name + " text_output " + files.keySet(), out, golden, Tolerance.scaledByMax(atol, rtol));
            System.out.printf("%s with %s: input_ids exact, max |java - golden| text_output %.3g%n", name,
                    files.keySet().stream().map(p -> p.getFileName().toString()).toList(),
                    out.sub(golden).abs().max().getFloat());
        }
    }

    private void checkSeeded(String name, JsonObject c) throws Exception {
        GenerationRequest request = TextFeatureCases.request(name, c);
        List<Boolean> nsfw = TextFeatureCases.nsfw(c);
        double atol = TextFeatureCases.tolerance(c, "images_atol");
        int maxLevels = (int) TextFeatureCases.tolerance(c, "png_max_level_diff");
        try (SmallStableDiffusion sd = TextFeatureCases.builder(name, c).safetyMode(SafetyMode.OFF).build();
                NDManager m = tiny.manager.newSubManager()) {
            NDArray[] decoded = new NDArray[1];
            InternalAccess.engine(sd).run(request, new PipelineHooks(null, new PipelineHooks.Observer() {
                @Override
                public void onDecoded(NDArray images) {
                    decoded[0] = m.create(images.toFloatArray(), images.getShape());
                    NDScope.unregister(decoded[0]);
                }
            }), () -> false);
            GenerationResult result = sd.generate(request);
            assertThat(result.parameters().get(0)).as(name + ": PNG parameters carry the prompt as written")
                    .startsWith(request.prompts().get(0));
            try (SafeTensorsFile f = SafeTensors.open(TextFeatureCases.dir().resolve(name + ".safetensors"))) {
                NDArray golden = f.load(f.names().iterator().next(), m);
                assertThat(decoded[0].getShape()).isEqualTo(golden.getShape());
                double worst = 0;
                for (int i = 0; i < nsfw.size(); i++) {
                    if (nsfw.get(i)) {
                        continue; // black in the reference; ssd-safety's test compares it
                    }
                    Golden.assertClose(name + " image " + i, decoded[0].get(i), golden.get(i),
                            Tolerance.absolute(atol));
                    worst = Math.max(worst, decoded[0].get(i).sub(golden.get(i)).abs().max().getFloat());
                }
                String png = "skipped (flagged)";
                if (!nsfw.get(0)) {
                    BufferedImage expected = ImageIO.read(TextFeatureCases.dir().resolve(name + ".png").toFile());
                    int levels = PngLevels.maxLevelDiff(result.image(), expected);
                    assertThat(levels).as(name + ".png max level difference").isLessThanOrEqualTo(maxLevels);
                    png = levels + " level(s)";
                }
                System.out.printf("%s: float images max |java - golden| %.3g (atol %.3g), PNG %s%n", name, worst,
                        atol, png);
            }
        }
    }
}

package dev.smallsd.internal.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.testing.Golden;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every prompt of the golden {@code tokenizer} case, for every stored variant: the 77 ids as the pipeline encodes
 * them, and the raw BPE ids (and, for the reference variant, the raw token strings) of the manifest.
 */
class ClipTokenizerGoldenTest {
    /** Which cleanup reproduces which stored tensor, and where the manifest keeps that variant's raw ids. */
    private static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        VARIANTS.put("input_ids", new Variant(TextCleanup.CLIP_FTFY, "raw_ids"));
        VARIANTS.put("input_ids_hf_ftfy", new Variant(TextCleanup.HF_FTFY, "raw_ids_hf_ftfy"));
        VARIANTS.put("input_ids_hf_noftfy", new Variant(TextCleanup.HF_BASIC, "raw_ids_hf_basic"));
    }

    private record Variant(TextCleanup cleanup, String rawKey) {}

    private static ClipTokenizer base;

    @BeforeAll
    static void load() {
        base = ClipTokenizer.fromFolder(Golden.tinyModel().resolve("tokenizer"));
    }

    @AfterAll
    static void close() {
        if (base != null) {
            base.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyPromptOfEveryVariant() {
        JsonObject entry = Golden.caseEntry("tokenizer");
        JsonArray prompts = entry.getAsJsonArray("prompts");
        Map<String, long[][]> stored = new LinkedHashMap<>();
        try (SafeTensorsFile file = Golden.open("tokenizer"); NDManager m = NDManager.newBaseManager()) {
            for (String tensor : entry.getAsJsonObject("tensors").keySet()) {
                NDArray a = file.load(tensor, m);
                long[] shape = a.getShape().getShape();
                long[] flat = a.toLongArray();
                long[][] rows = new long[(int) shape[0]][];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = Arrays.copyOfRange(flat, i * (int) shape[1], (i + 1) * (int) shape[1]);
                }
                stored.put(tensor, rows);
            }
        }
        assertThat(VARIANTS.keySet()).as("variants in the manifest").containsExactlyInAnyOrderElementsOf(
                stored.keySet());
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, long[][]> t : stored.entrySet()) {
            String tensor = t.getKey();
            Variant v = VARIANTS.get(tensor);
            assertThat(t.getValue().length).as(tensor + " rows").isEqualTo(prompts.size());
            for (JsonElement pe : prompts) {
                JsonObject p = pe.getAsJsonObject();
                int index = p.get("index").getAsInt();
                long[] expectedIds = t.getValue()[index];
                tests.add(DynamicTest.dynamicTest("prompt " + index + " [" + tensor + "]",
                        () -> check(p, v, tensor, expectedIds)));
            }
        }
        return tests.stream();
    }

    private static void check(JsonObject p, Variant v, String tensor, long[] expectedIds) {
        String prompt = p.get("prompt").getAsString();
        try (ClipTokenizer tok = base.withCleanup(v.cleanup())) {
            int[] expectedRaw = rawIds(p, v.rawKey());
            int[] raw = tok.rawIds(prompt);
            long[] ids = tok.encode(prompt);
            String context = "prompt " + p.get("index") + " " + quote(prompt) + " with "
                    + v.cleanup() + ", cleaned text " + quote(tok.cleanText(prompt));
            if (!Arrays.equals(raw, expectedRaw)) {
                fail(context + ": raw ids " + Arrays.toString(raw) + " (tokens " + tok.tokenize(prompt)
                        + ") != golden " + Arrays.toString(expectedRaw));
            }
            assertThat(ids).as(context + ": " + tensor).containsExactly(expectedIds);
            assertThat(raw.length > tok.maxLength() - 2).as(context + ": truncated")
                    .isEqualTo(p.get("truncated").getAsBoolean());
            if (v.rawKey().equals("raw_ids")) {
                List<String> expectedTokens = new ArrayList<>();
                p.getAsJsonArray("raw_tokens").forEach(e -> expectedTokens.add(e.getAsString()));
                assertThat(tok.tokenize(prompt)).as(context + ": raw tokens").containsExactlyElementsOf(
                        expectedTokens);
            }
        }
    }

    /** A variant's raw ids: its own list, or {@code raw_ids} when the manifest says "same as raw_ids". */
    private static int[] rawIds(JsonObject p, String key) {
        JsonElement e = p.get(key);
        if (e.isJsonPrimitive()) {
            String s = e.getAsString();
            if (!s.startsWith("same as ")) {
                fail("unexpected manifest value for " + key + ": " + s);
            }
            e = p.get(s.substring("same as ".length()));
        }
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static String quote(String s) {
        return new com.google.gson.JsonPrimitive(s).toString();
    }
}

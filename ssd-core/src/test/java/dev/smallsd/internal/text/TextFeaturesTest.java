package dev.smallsd.internal.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.GenerationRequest;
import dev.smallsd.PromptSyntax;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.testing.TextFeatureCases;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariants of the A1111 parser and chunker and of textual-inversion loading beyond the golden cases: edge cases,
 * chunk boundaries, default tokens and the errors for bad input. Embedding files and tokens come from the
 * {@code textual_inversion} cases of the features manifest.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TextFeaturesTest {
    @TempDir
    Path tmp;

    private final TinyText tiny = new TinyText();

    @AfterAll
    void close() {
        tiny.close();
    }

    @Test
    void parserEdgeCases() {
        assertThat(PromptAttention.parse("")).containsExactly(new PromptAttention.Run("", 1.0));
        assertThat(PromptAttention.parse("BREAK")).containsExactly(new PromptAttention.Run("", 1.0),
                new PromptAttention.Run("BREAK", -1), new PromptAttention.Run("", 1.0));
        assertThat(PromptAttention.parse("a\\\\b")).containsExactly(new PromptAttention.Run("a\\b", 1.0));
        assertThat(PromptAttention.parse("a BREAKING b")).containsExactly(new PromptAttention.Run("a BREAKING b", 1.0));
        assertThat(PromptAttention.parse("(x:-1)").get(0).isBreak()).isFalse();
        assertThatThrownBy(() -> PromptAttention.parse("(a:1.2.3)")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("prompt: ").hasMessageContaining("1.2.3");
    }

    @Test
    void requestValidationReportsBadWeightsOnlyForA1111Syntax() {
        GenerationRequest.Builder b = GenerationRequest.builder("(a:1.2.3)").negativePrompt("ok");
        b.build().validate(1000);
        assertThat(b.build().promptSyntax()).isEqualTo(PromptSyntax.PLAIN);
        assertThatThrownBy(() -> b.promptSyntax(PromptSyntax.A1111).build().validate(1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("prompt: ");
    }

    @Test
    void longPromptFillsChunksOf75AndBacktracksToTheLastComma() {
        WeightedPromptEncoder enc = new WeightedPromptEncoder(tiny.tokenizer, tiny.textModel);
        int body = tiny.tokenizer.maxLength() - 2;
        int comma = tiny.tokenizer.rawIds(",")[0];
        int word = tiny.tokenizer.rawIds("apple")[0];
        assertThat(tiny.tokenizer.rawIds("apple")).hasSize(1);
        // body - 5 words, a comma, 10 words: the chunk is full 4 tokens after the comma, so those move on
        String prompt = String.join(" ", Collections.nCopies(body - 5, "apple")) + ", "
                + String.join(" ", Collections.nCopies(10, "apple"));
        List<WeightedPromptEncoder.Chunk> chunks = enc.chunks(prompt);
        assertThat(chunks).hasSize(2);
        long[] first = chunks.get(0).tokens();
        assertThat(first).hasSize(body + 2);
        assertThat(first[0]).isEqualTo(tiny.tokenizer.bosId());
        assertThat(first[body - 4]).isEqualTo(comma);
        for (int i = body - 3; i < first.length; i++) {
            assertThat(first[i]).as("padding after the comma at %d", i).isEqualTo(tiny.tokenizer.eosId());
        }
        long words = java.util.Arrays.stream(chunks.get(1).tokens()).filter(t -> t == word).count();
        assertThat(words).isEqualTo(10);
        // far from a comma: no backtrack, the chunk is cut at exactly 75
        List<WeightedPromptEncoder.Chunk> plain = enc.chunks(String.join(" ", Collections.nCopies(body + 3, "apple")));
        assertThat(plain).hasSize(2);
        assertThat(plain.get(0).tokens()[body]).isEqualTo(word);
        assertThat(plain.get(1).tokens()[3]).isEqualTo(word);
        assertThat(plain.get(1).tokens()[4]).isEqualTo(tiny.tokenizer.eosId());
    }

    @Test
    void weightedEncodingPadsToTheLongestTextWithTheEmptyPrompt() {
        WeightedPromptEncoder enc = new WeightedPromptEncoder(tiny.tokenizer, tiny.textModel);
        int len = tiny.tokenizer.maxLength();
        try (NDManager m = tiny.manager.newSubManager()) {
            NDArray both = enc.encode(List.of("", "a BREAK b BREAK c"), 0, m);
            assertThat(both.getShape().getShape()).containsExactly(2, 3L * len, tiny.textModel.hiddenSize());
            NDArray empty = tiny.textModel.encode(m.create(new long[][] {tiny.tokenizer.encode("")}));
            for (int k = 0; k < 3; k++) {
                NDArray chunk = both.get("0:1, {}:{}", k * len, (k + 1) * len);
                assertThat(chunk.sub(empty).abs().max().getFloat()).as("padding chunk %d", k).isLessThan(1e-6f);
            }
            // weight 1 everywhere: A1111 conditioning of a short prompt is diffusers' plain encoding
            NDArray plain = tiny.textModel.encode(m.create(new long[][] {tiny.tokenizer.encode("a red apple")}));
            NDArray weighted = enc.encode(List.of("a red apple"), 0, m);
            assertThat(weighted.sub(plain).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }

    /** The first textual-inversion case of the manifest that has files. */
    private static JsonObject tiCase() {
        for (JsonObject c : TextFeatureCases.cases().values()) {
            if (TextFeatureCases.TEXTUAL_INVERSION.equals(c.get("kind").getAsString()) && c.has("files")) {
                return c;
            }
        }
        throw new AssertionError("no textual_inversion case with files in golden/features");
    }

    @Test
    void defaultTokensAreTheA1111FileNameOrTheDiffusersKey() {
        for (Map.Entry<String, JsonElement> f : tiCase().getAsJsonObject("files").entrySet()) {
            Path file = TextFeatureCases.dir().resolve(f.getKey());
            TextualInversion.Embedding e = TextualInversion.read(file, null);
            String stem = f.getKey().substring(0, f.getKey().lastIndexOf('.'));
            if (e.key().equals("emb_params") || e.key().startsWith("string_to_param.")) {
                assertThat(e.token()).as(f.getKey()).isEqualTo(stem);
            } else {
                assertThat(e.token()).as(f.getKey()).isEqualTo(e.key());
            }
            assertThat(TextualInversion.read(file, "<other>").token()).isEqualTo("<other>");
        }
    }

    @Test
    void refusesTokensAlreadyInTheVocabularyOrLoadedTwice() {
        Path file = TextFeatureCases.dir().resolve(tiCase().getAsJsonObject("files").keySet().iterator().next());
        assertThat(tiny.tokenizer.contains("<|endoftext|>")).isTrue();
        assertThatThrownBy(() -> TextualInversion.apply(tiny.tokenizer, tiny.textModel,
                List.of(TextualInversion.read(file, "<|endoftext|>"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("textualInversion: ")
                .hasMessageContaining("<|endoftext|>").hasMessageContaining("already");
        assertThatThrownBy(() -> TextualInversion.apply(tiny.tokenizer, tiny.textModel,
                List.of(TextualInversion.read(file, "<t>"), TextualInversion.read(file, "<t>"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<t>");
    }

    @Test
    void refusesAVectorWidthOtherThanTheTextEncoders() throws Exception {
        int wrong = tiny.textModel.hiddenSize() + 8;
        Path file = tmp.resolve("wide.safetensors");
        SafeTensors.write(file, Map.of("emb_params", tiny.manager.zeros(new ai.djl.ndarray.types.Shape(2, wrong))),
                Map.of());
        assertThatThrownBy(() -> TextualInversion.apply(tiny.tokenizer, tiny.textModel,
                List.of(TextualInversion.read(file, null))))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("wide.safetensors")
                .hasMessageContaining("emb_params").hasMessageContaining(Integer.toString(wrong));
    }

    @Test
    void refusesAFileThatIsNoEmbedding() throws Exception {
        Path file = tmp.resolve("two.safetensors");
        SafeTensors.write(file, Map.of("a", tiny.manager.zeros(new ai.djl.ndarray.types.Shape(4)),
                "b", tiny.manager.zeros(new ai.djl.ndarray.types.Shape(4))), Map.of());
        assertThatThrownBy(() -> TextualInversion.read(file, null)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("two.safetensors").hasMessageContaining("not a textual-inversion embedding");
        assertThatThrownBy(() -> TextualInversion.read(tmp.resolve("missing.pt"), null))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("missing.pt");
    }

    @Test
    void aMultiVectorEmbeddingIsNeverSplitOverTwoChunks() {
        JsonObject c = tiCase();
        String multi = null;
        for (Map.Entry<String, JsonElement> t : c.getAsJsonObject("tokens").entrySet()) {
            if (t.getValue().getAsInt() > 1) {
                multi = t.getKey();
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(multi != null, "the case has a multi-vector token");
        List<TextualInversion.Embedding> embeddings = new ArrayList<>();
        TextFeatureCases.embeddings("ti", c).forEach((f, t) -> embeddings.add(TextualInversion.read(f, t)));
        TextualInversion.Loaded loaded = TextualInversion.apply(tiny.tokenizer, tiny.textModel, embeddings);
        try (ClipTokenizer tok = loaded.tokenizer()) {
            int n = tok.rawIds(multi).length;
            int body = tok.maxLength() - 2;
            WeightedPromptEncoder enc = new WeightedPromptEncoder(tok, loaded.textModel());
            // one slot short of fitting: the whole embedding moves to the next chunk
            String prompt = String.join(" ", Collections.nCopies(body - n + 1, "apple")) + " " + multi;
            List<WeightedPromptEncoder.Chunk> chunks = enc.chunks(prompt);
            assertThat(chunks).hasSize(2);
            assertThat(chunks.get(0).tokens()[body - n + 2]).isEqualTo(tok.eosId());
            assertThat(java.util.Arrays.copyOfRange(chunks.get(1).tokens(), 1, 1 + n))
                    .containsExactly(java.util.Arrays.stream(tok.rawIds(multi)).asLongStream().toArray());
        }
    }

    @Test
    void addedTokensAreMatchedInTheRawTextAndExpanded() {
        JsonObject c = tiCase();
        List<TextualInversion.Embedding> embeddings = new ArrayList<>();
        TextFeatureCases.embeddings("ti", c).forEach((f, t) -> embeddings.add(TextualInversion.read(f, t)));
        TextualInversion.Loaded loaded = TextualInversion.apply(tiny.tokenizer, tiny.textModel, embeddings);
        try (ClipTokenizer tok = loaded.tokenizer()) {
            for (TextualInversion.Embedding e : embeddings) {
                int[] ids = tok.rawIds(e.token());
                assertThat(ids).hasSize(e.count());
                // glued to other text: still the token, the text around it tokenised as usual
                int[] glued = tok.rawIds("red" + e.token() + "apple");
                assertThat(glued).hasSize(ids.length + 2);
                assertThat(glued[0]).isEqualTo(tiny.tokenizer.rawIds("red")[0]);
                assertThat(glued[glued.length - 1]).isEqualTo(tiny.tokenizer.rawIds("apple")[0]);
            }
            assertThat(tok.size()).isEqualTo(tiny.tokenizer.size() + embeddings.stream()
                    .mapToInt(TextualInversion.Embedding::count).sum());
            assertThat(loaded.textModel().vocabSize()).isEqualTo(tok.size());
        }
    }
}

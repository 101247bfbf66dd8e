package dev.smallsd.internal.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.smallsd.ModelLoadException;
import dev.smallsd.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {
    private static Path folder;
    private static ClipTokenizer tok;

    @BeforeAll
    static void load() {
        folder = Golden.tinyModel().resolve("tokenizer");
        tok = ClipTokenizer.fromFolder(folder);
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    private static List<String> goldenPrompts() {
        List<String> prompts = new ArrayList<>();
        Golden.caseEntry("tokenizer").getAsJsonArray("prompts")
                .forEach(p -> prompts.add(p.getAsJsonObject().get("prompt").getAsString()));
        return prompts;
    }

    @Test
    void specialIdsAndLengthComeFromTheFolder() {
        assertThat(tok.maxLength()).isEqualTo(77);
        assertThat(tok.bosId()).isEqualTo(49406);
        assertThat(tok.eosId()).isEqualTo(49407);
        assertThat(tok.padId()).isEqualTo(49407);
        assertThat(tok.cleanup()).isEqualTo(TextCleanup.CLIP_FTFY);
        long[] empty = tok.encode("");
        assertThat(empty).hasSize(77);
        assertThat(empty[0]).isEqualTo(49406);
        assertThat(Arrays.stream(empty).skip(1)).containsOnly(49407L);
        assertThat(tok.rawIds("")).isEmpty();
    }

    @Test
    void longPromptIsCutToBosPlus75PlusEosAndTheRemovedTextIsLoggedAsDiffusersDoes() {
        int cat = tok.rawIds("cat")[0];
        String prompt = String.join(" ", java.util.Collections.nCopies(80, "cat")) + ", the end!";
        String log = captureStderr(() -> {
            long[] ids = tok.encode(prompt);
            assertThat(ids[0]).isEqualTo(tok.bosId());
            assertThat(Arrays.copyOfRange(ids, 1, 76)).containsOnly((long) cat);
            assertThat(ids[76]).isEqualTo(tok.eosId());
        });
        assertThat(log).contains("WARN").contains("The following part of your input was truncated because CLIP can "
                + "only handle sequences up to 77 tokens: ['cat cat cat cat cat, the end!']");
        assertThat(tok.rawIds(prompt)).hasSize(84);
    }

    @Test
    void aPromptOfExactly75TokensIsNotCutAnd76Is() {
        String p75 = String.join(" ", java.util.Collections.nCopies(75, "dog"));
        String quiet = captureStderr(() -> assertThat(tok.encode(p75)[76]).isEqualTo(tok.eosId()));
        assertThat(quiet).doesNotContain("truncated");
        String loud = captureStderr(() -> tok.encode(p75 + " dog"));
        assertThat(loud).contains("up to 77 tokens: ['dog']");
    }

    @Test
    void truncationMessageDecodesBytesAndCleansUpSpaces() {
        assertThat(ClipTokenizer.truncationMessage(77, List.of("caf\u00C3\u00A9</w>", ",</w>", "it</w>", "'s</w>",
                "don</w>", "'t</w>")))
                .endsWith("77 tokens: [\"caf\u00E9, it's don 't\"]");
        assertThat(ClipTokenizer.pythonRepr("a'b\"c\\")).isEqualTo("'a\\'b\"c\\\\'");
    }

    @Test
    void specialTokenStringsInAPromptFollowEachReference() {
        // expected ids from openai simple_tokenizer / transformers CLIPTokenizer on the same vocabulary
        String a = "a<|endoftext|>b <|ENDOFTEXT|> x<|endoftext|";
        int[] aIds = {320, 49407, 321, 49407, 343, 27, 347, 40786, 4160, 347};
        String b = "tom &<|endoftext|> jerry";
        String c = "&amp;<|startoftext|>x";
        try (ClipTokenizer hf = tok.withCleanup(TextCleanup.HF_FTFY);
                ClipTokenizer basic = tok.withCleanup(TextCleanup.HF_BASIC)) {
            assertThat(tok.rawIds(a)).containsExactly(aIds);
            assertThat(hf.rawIds(a)).containsExactly(aIds);
            assertThat(basic.rawIds(a)).containsExactly(aIds);
            assertThat(tok.rawIds(b)).containsExactly(2435, 5, 27, 347, 40786, 4160, 91, 285, 9164);
            assertThat(hf.rawIds(b)).containsExactly(2435, 261, 49407, 9164);
            assertThat(basic.rawIds(b)).containsExactly(2435, 261, 49407, 9164);
            assertThat(tok.rawIds(c)).containsExactly(5, 27, 347, 993, 6659, 4160, 91, 285, 343);
            assertThat(hf.rawIds(c)).containsExactly(261, 49406, 343);
            assertThat(basic.rawIds(c)).containsExactly(261, 6259, 282, 49406, 343);
            assertThat(Arrays.copyOf(tok.encode(b), 11))
                    .containsExactly(49406, 2435, 5, 27, 347, 40786, 4160, 91, 285, 9164, 49407);
            assertThat(Arrays.copyOf(tok.encode(a), 12))
                    .containsExactly(49406, 320, 49407, 321, 49407, 343, 27, 347, 40786, 4160, 347, 49407);
            long[] framed = hf.encode(b);
            assertThat(Arrays.copyOf(framed, 6)).containsExactly(49406, 2435, 261, 49407, 9164, 49407);
            assertThat(hf.tokenize(b)).containsExactly("tom</w>", "&</w>", "<|endoftext|>", "jerry</w>");
        }
    }

    @Test
    void aFolderWithTokenizerJsonUsesItAsIs(@TempDir Path dir) throws IOException {
        JsonObject def = ClipTokenizerDefinition.fromVocabAndMerges(folder, TokenizerSettings.read(folder));
        Files.writeString(dir.resolve("tokenizer.json"), ClipTokenizerDefinition.toJson(def), StandardCharsets.UTF_8);
        for (String name : List.of(TokenizerSettings.CONFIG, TokenizerSettings.SPECIAL_TOKENS)) {
            Files.copy(folder.resolve(name), dir.resolve(name));
        }
        // unusable vocabulary files beside it: loading them would fail, so tokenizer.json must be what is used
        Files.writeString(dir.resolve("vocab.json"), "{}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nnot a merge line at all\n");
        try (ClipTokenizer fromJson = ClipTokenizer.fromFolder(dir)) {
            for (String p : goldenPrompts()) {
                assertThat(fromJson.encode(p)).as(p).containsExactly(tok.encode(p));
                assertThat(fromJson.tokenize(p)).as(p).containsExactlyElementsOf(tok.tokenize(p));
            }
        }
    }

    @Test
    void missingVocabularyIsAModelLoadExceptionNamingTheFile(@TempDir Path dir) throws IOException {
        Files.copy(folder.resolve("merges.txt"), dir.resolve("merges.txt"));
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(dir.resolve("vocab.json").toString())
                .hasMessageContaining("missing");
    }

    @Test
    void malformedFilesAreNamed(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir.resolve("nope")))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("nope");
        Files.copy(folder.resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\nthree symbols here\n");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("merges.txt").hasMessageContaining("line 3");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\n");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"bos_token\": \"<|nope|>\"}");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("vocab.json").hasMessageContaining("<|nope|>");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"bos_token\": ");
        assertThatThrownBy(() -> ClipTokenizer.fromFolder(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("special_tokens_map.json").hasMessageContaining("not valid JSON");
    }

    @Test
    void concurrentEncodesGiveTheSameIds() throws Exception {
        List<String> prompts = goldenPrompts();
        long[][] expected = tok.encode(prompts);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<long[][]>> runs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                runs.add(pool.submit(() -> tok.encode(prompts)));
            }
            for (Future<long[][]> r : runs) {
                assertThat(r.get()).isDeepEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void instancesShareTheNativeTokenizerUntilTheLastIsClosed() {
        ClipTokenizer own = ClipTokenizer.fromFolder(folder);
        ClipTokenizer basic = own.withCleanup(TextCleanup.HF_BASIC);
        own.close();
        own.close();
        assertThatThrownBy(() -> own.encode("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> own.withCleanup(TextCleanup.HF_FTFY)).isInstanceOf(IllegalStateException.class);
        assertThat(basic.encode("a photo")).containsExactly(tok.encode("a photo"));
        basic.close();
        assertThatThrownBy(() -> basic.rawIds("x")).isInstanceOf(IllegalStateException.class);
    }

    /** Runs an action with System.err captured (slf4j-simple writes there). */
    private static String captureStderr(Runnable action) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}

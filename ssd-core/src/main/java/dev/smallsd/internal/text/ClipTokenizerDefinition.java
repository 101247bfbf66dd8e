package dev.smallsd.internal.text;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.smallsd.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the Hugging Face {@code tokenizers} definition (a {@code tokenizer.json} document) of the CLIP tokenizer
 * from the files SD v1 repositories ship ({@code vocab.json}, {@code merges.txt}), and adapts a definition to the
 * way the pipeline calls the tokenizer (fixed padding and truncation to {@code model_max_length}).
 *
 * <p>The definition restates transformers' {@code CLIPTokenizerFast} conversion: NFC + whitespace collapse +
 * lower-case normalizer; CLIP's regex split (matches kept) followed by a byte-level mapping without its own regex;
 * a BPE model with {@code end_of_word_suffix "</w>"} and {@code <|endoftext|>} as unknown token; BOS/EOS added by
 * a {@code RobertaProcessing} post-processor. The regex is matched case-insensitively, as openai and transformers
 * compile it with {@code re.IGNORECASE} (this matters only for {@code 'ſ}, whose case fold is {@code 's}).
 */
final class ClipTokenizerDefinition {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String VOCAB = "vocab.json";
    static final String MERGES = "merges.txt";

    /** CLIP's split pattern (openai {@code simple_tokenizer.py}, transformers {@code tokenization_clip.py}). */
    static final String CLIP_PATTERN =
            "(?i)<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

    /**
     * transformers' {@code CLIPTokenizer} reads only the merges after the first line and up to this many
     * ({@code 49152 - 256 - 2}); openai's {@code simple_tokenizer} does the same.
     */
    static final int MAX_MERGES = 49152 - 256 - 2;

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private ClipTokenizerDefinition() {}

    /**
     * Builds the definition from {@code vocab.json} and {@code merges.txt} of a folder.
     *
     * @param dir the tokenizer folder
     * @param settings its special tokens
     * @return the definition, without padding or truncation
     * @throws ModelLoadException when a file is missing or malformed
     */
    static JsonObject fromVocabAndMerges(Path dir, TokenizerSettings settings) {
        Path vocabFile = dir.resolve(VOCAB);
        Path mergesFile = dir.resolve(MERGES);
        requireFile(vocabFile, "the CLIP vocabulary (no tokenizer.json either)");
        requireFile(mergesFile, "the CLIP BPE merges (no tokenizer.json either)");
        JsonObject vocab = TokenizerSettings.readObject(vocabFile);
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()
                    || v.getAsDouble() != Math.rint(v.getAsDouble()) || v.getAsDouble() < 0) {
                throw new ModelLoadException(vocabFile, "entry \"" + e.getKey() + "\" must map to a token id >= 0, got "
                        + v);
            }
        }
        JsonArray merges = readMerges(mergesFile, vocab);

        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.addProperty("unk_token", settings.unk());
        model.addProperty("continuing_subword_prefix", "");
        model.addProperty("end_of_word_suffix", "</w>");
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.addProperty("ignore_merges", false);
        model.add("vocab", vocab);
        model.add("merges", merges);

        JsonObject def = new JsonObject();
        def.addProperty("version", "1.0");
        def.add("truncation", JsonNull.INSTANCE);
        def.add("padding", JsonNull.INSTANCE);
        def.add("added_tokens", addedTokens(vocabFile, vocab, settings));
        def.add("normalizer", normalizer());
        def.add("pre_tokenizer", preTokenizer());
        def.add("post_processor", postProcessor(vocabFile, vocab, settings));
        def.add("decoder", byteLevel(true, true));
        def.add("model", model);
        return def;
    }

    private static void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "missing: " + what + " is needed to build the tokenizer");
        }
    }

    /** transformers: {@code read().strip().split("\n")[1:49152-256-2+1]}, each line split on whitespace. */
    private static JsonArray readMerges(Path file, JsonObject vocab) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ModelLoadException(file, "cannot read: " + e.getMessage(), e);
        }
        List<String> lines = List.of(PyText.strip(text).split("\n", -1));
        JsonArray merges = new JsonArray();
        for (int i = 1; i < lines.size() && i <= MAX_MERGES; i++) {
            List<String> parts = PyText.split(lines.get(i));
            if (parts.size() != 2) {
                throw new ModelLoadException(file, "line " + (i + 1) + " must hold two symbols, got \""
                        + lines.get(i).strip() + "\"");
            }
            for (String symbol : List.of(parts.get(0), parts.get(1), parts.get(0) + parts.get(1))) {
                if (!vocab.has(symbol)) {
                    throw new ModelLoadException(file, "line " + (i + 1) + ": symbol \"" + symbol
                            + "\" is not in " + VOCAB);
                }
            }
            JsonArray pair = new JsonArray(2);
            pair.add(parts.get(0));
            pair.add(parts.get(1));
            merges.add(pair);
        }
        if (merges.isEmpty()) {
            throw new ModelLoadException(file, "holds no merges (the first line is the version header)");
        }
        return merges;
    }

    private static JsonArray addedTokens(Path vocabFile, JsonObject vocab, TokenizerSettings s) {
        Set<String> specials = new LinkedHashSet<>(List.of(s.bos(), s.eos(), s.unk()));
        if (specials.contains(s.pad())) {
            specials.add(s.pad());
        }
        JsonArray out = new JsonArray();
        for (String t : specials) {
            JsonObject a = new JsonObject();
            a.addProperty("id", vocabId(vocabFile, vocab, t));
            a.addProperty("content", t);
            a.addProperty("single_word", false);
            a.addProperty("lstrip", false);
            a.addProperty("rstrip", false);
            a.addProperty("normalized", true);
            a.addProperty("special", true);
            out.add(a);
        }
        return out;
    }

    private static int vocabId(Path vocabFile, JsonObject vocab, String token) {
        JsonElement id = vocab.get(token);
        if (id == null) {
            throw new ModelLoadException(vocabFile, "special token \"" + token + "\" is not in the vocabulary");
        }
        return id.getAsInt();
    }

    private static JsonObject normalizer() {
        JsonObject nfc = new JsonObject();
        nfc.addProperty("type", "NFC");
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", "\\s+");
        JsonObject collapse = new JsonObject();
        collapse.addProperty("type", "Replace");
        collapse.add("pattern", pattern);
        collapse.addProperty("content", " ");
        JsonObject lower = new JsonObject();
        lower.addProperty("type", "Lowercase");
        JsonArray seq = new JsonArray();
        seq.add(nfc);
        seq.add(collapse);
        seq.add(lower);
        JsonObject n = new JsonObject();
        n.addProperty("type", "Sequence");
        n.add("normalizers", seq);
        return n;
    }

    private static JsonObject preTokenizer() {
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", CLIP_PATTERN);
        JsonObject split = new JsonObject();
        split.addProperty("type", "Split");
        split.add("pattern", pattern);
        split.addProperty("behavior", "Removed");
        split.addProperty("invert", true);
        JsonArray seq = new JsonArray();
        seq.add(split);
        seq.add(byteLevel(false, false));
        JsonObject p = new JsonObject();
        p.addProperty("type", "Sequence");
        p.add("pretokenizers", seq);
        return p;
    }

    private static JsonObject byteLevel(boolean addPrefixSpace, boolean useRegex) {
        JsonObject b = new JsonObject();
        b.addProperty("type", "ByteLevel");
        b.addProperty("add_prefix_space", addPrefixSpace);
        b.addProperty("trim_offsets", true);
        b.addProperty("use_regex", useRegex);
        return b;
    }

    private static JsonObject postProcessor(Path vocabFile, JsonObject vocab, TokenizerSettings s) {
        JsonObject p = new JsonObject();
        p.addProperty("type", "RobertaProcessing");
        p.add("sep", tokenAndId(s.eos(), vocabId(vocabFile, vocab, s.eos())));
        p.add("cls", tokenAndId(s.bos(), vocabId(vocabFile, vocab, s.bos())));
        p.addProperty("trim_offsets", false);
        p.addProperty("add_prefix_space", false);
        return p;
    }

    private static JsonArray tokenAndId(String token, int id) {
        JsonArray a = new JsonArray(2);
        a.add(token);
        a.add(id);
        return a;
    }

    /**
     * The id of a token in a definition: its {@code added_tokens} entry, else the model vocabulary.
     *
     * @param def a definition
     * @param token the token
     * @param source the file the definition came from (for the message)
     * @param role what the token is for, e.g. {@code "bos_token"}
     * @return its id
     * @throws ModelLoadException when the definition does not know the token
     */
    static int idOf(JsonObject def, String token, Path source, String role) {
        JsonElement added = def.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement e : added.getAsJsonArray()) {
                if (e.isJsonObject() && e.getAsJsonObject().has("content")
                        && token.equals(e.getAsJsonObject().get("content").getAsString())) {
                    return e.getAsJsonObject().get("id").getAsInt();
                }
            }
        }
        JsonElement model = def.get("model");
        if (model != null && model.isJsonObject()) {
            JsonElement vocab = model.getAsJsonObject().get("vocab");
            if (vocab != null && vocab.isJsonObject() && vocab.getAsJsonObject().has(token)) {
                return vocab.getAsJsonObject().get(token).getAsInt();
            }
        }
        throw new ModelLoadException(source, role + " \"" + token + "\" is neither an added token nor in model.vocab");
    }

    /**
     * The definition as the pipeline calls it: truncation to {@code maxLength} (BOS and EOS included) and padding
     * to exactly {@code maxLength} with the pad token, on the right.
     *
     * @param def a definition (not modified)
     * @param maxLength {@code model_max_length}
     * @param padToken the pad token
     * @param padId its id
     * @return a shallow copy with {@code truncation} and {@code padding} replaced
     */
    static JsonObject framed(JsonObject def, int maxLength, String padToken, int padId) {
        JsonObject truncation = new JsonObject();
        truncation.addProperty("direction", "Right");
        truncation.addProperty("max_length", maxLength);
        truncation.addProperty("strategy", "LongestFirst");
        truncation.addProperty("stride", 0);
        JsonObject fixed = new JsonObject();
        fixed.addProperty("Fixed", maxLength);
        JsonObject padding = new JsonObject();
        padding.add("strategy", fixed);
        padding.addProperty("direction", "Right");
        padding.add("pad_to_multiple_of", JsonNull.INSTANCE);
        padding.addProperty("pad_id", padId);
        padding.addProperty("pad_type_id", 0);
        padding.addProperty("pad_token", padToken);
        return with(def, truncation, padding);
    }

    /**
     * The definition for raw ids: no truncation, no padding, and without the added-token entries of the special
     * tokens, so that their strings inside text are split and merged like any text (the special tokens that the
     * reference recognizes are cut out before, see {@link ClipTokenizer}).
     *
     * @param def a definition (not modified)
     * @param specialTokens the special token strings whose added-token entries are dropped
     * @return a shallow copy without truncation, padding and those added tokens
     */
    static JsonObject unframed(JsonObject def, Set<String> specialTokens) {
        JsonObject copy = with(def, JsonNull.INSTANCE, JsonNull.INSTANCE);
        JsonElement added = def.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            JsonArray kept = new JsonArray();
            for (JsonElement e : added.getAsJsonArray()) {
                JsonElement content = e.isJsonObject() ? e.getAsJsonObject().get("content") : null;
                if (content == null || !content.isJsonPrimitive() || !specialTokens.contains(content.getAsString())) {
                    kept.add(e);
                }
            }
            copy.add("added_tokens", kept);
        }
        return copy;
    }

    private static JsonObject with(JsonObject def, JsonElement truncation, JsonElement padding) {
        JsonObject copy = new JsonObject();
        for (Map.Entry<String, JsonElement> e : def.entrySet()) {
            copy.add(e.getKey(), e.getValue());
        }
        copy.add("truncation", truncation);
        copy.add("padding", padding);
        return copy;
    }

    /**
     * @param def a definition
     * @return it as {@code tokenizer.json} text
     */
    static String toJson(JsonObject def) {
        return GSON.toJson(def);
    }
}

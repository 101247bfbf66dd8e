package dev.smallsd.internal.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonObject;
import dev.smallsd.ModelLoadException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLIP tokenizer of a Stable Diffusion v1 folder, giving the token ids diffusers feeds to the text encoder:
 * {@code tokenizer(prompt, padding="max_length", max_length=model_max_length, truncation=True)}, i.e.
 * {@code [BOS] + bpe_ids[:max_length - 2] + [EOS]}, padded with the pad token to {@code max_length} (77; the pad
 * token is EOS in SD v1).
 *
 * <p>Text is first cleaned in Java as chosen by {@link TextCleanup} (default {@link TextCleanup#CLIP_FTFY}), then
 * split, byte-mapped and BPE-merged by Hugging Face {@code tokenizers} (native, through DJL). A folder with a
 * {@code tokenizer.json} is used as it is; otherwise (as SD v1 repositories ship it) the definition is built from
 * {@code vocab.json} and {@code merges.txt}. When a prompt is longer than fits, the removed part is logged as a
 * warning, as diffusers does.
 *
 * <p>Thread-safe: any number of threads may encode at once. The instance holds native memory: close it. Instances
 * made by {@link #withCleanup} share the native tokenizer; it is freed when the last of them is closed.
 */
public final class ClipTokenizer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClipTokenizer.class);

    /**
     * CLIP's split regex as openai and transformers run it over the cleaned text ({@code regex} module,
     * {@code re.IGNORECASE}); used only to see which special token strings it matches whole.
     */
    private static final Pattern CLIP_REGEX = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}"
                    + "|[^\\p{IsWhite_Space}\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private final Native tokenizers;
    private final TextCleanup cleanup;
    private final int maxLength;
    private final int bosId;
    private final int eosId;
    private final int padId;
    /** The special token strings (BOS, EOS, UNK, PAD, distinct) and their ids. */
    private final Map<String, Integer> specialIds;
    private final List<String> specialTokens;
    /** The vocabulary of the folder (model vocab and the definition's added tokens) and its size. */
    private final Vocabulary vocabulary;
    /** Tokens added after loading (textual inversion), each with the ids it stands for, in load order. */
    private final Map<String, int[]> addedTokens;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ClipTokenizer(Native tokenizers, TextCleanup cleanup, int maxLength, int bosId, int eosId, int padId,
            Map<String, Integer> specialIds, Vocabulary vocabulary, Map<String, int[]> addedTokens) {
        this.vocabulary = vocabulary;
        this.addedTokens = addedTokens;
        this.tokenizers = tokenizers;
        this.cleanup = cleanup;
        this.maxLength = maxLength;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.specialIds = specialIds;
        this.specialTokens = List.copyOf(specialIds.keySet());
    }

    /**
     * Loads the tokenizer of a folder such as {@code <model>/tokenizer}: {@code tokenizer.json} when present,
     * else {@code vocab.json} + {@code merges.txt}; special tokens and {@code model_max_length} from
     * {@code special_tokens_map.json} / {@code tokenizer_config.json} (CLIP defaults where absent).
     *
     * @param tokenizerDir the tokenizer folder
     * @return a tokenizer with {@link TextCleanup#CLIP_FTFY} cleanup
     * @throws ModelLoadException when the folder, a needed file or a special token is missing or malformed, or the
     *     native tokenizer cannot be created
     */
    public static ClipTokenizer fromFolder(Path tokenizerDir) {
        Objects.requireNonNull(tokenizerDir, "tokenizerDir");
        if (!Files.isDirectory(tokenizerDir)) {
            throw new ModelLoadException(tokenizerDir, "not a tokenizer folder (missing or not a directory)");
        }
        TokenizerSettings settings = TokenizerSettings.read(tokenizerDir);
        Path tokenizerJson = tokenizerDir.resolve(ClipTokenizerDefinition.TOKENIZER_JSON);
        Path source;
        JsonObject def;
        if (Files.isRegularFile(tokenizerJson)) {
            source = tokenizerJson;
            def = TokenizerSettings.readObject(tokenizerJson);
        } else {
            source = tokenizerDir.resolve(ClipTokenizerDefinition.VOCAB);
            def = ClipTokenizerDefinition.fromVocabAndMerges(tokenizerDir, settings);
        }
        int bos = ClipTokenizerDefinition.idOf(def, settings.bos(), source, "bos_token");
        int eos = ClipTokenizerDefinition.idOf(def, settings.eos(), source, "eos_token");
        int pad = ClipTokenizerDefinition.idOf(def, settings.pad(), source, "pad_token");
        int unk = ClipTokenizerDefinition.idOf(def, settings.unk(), source, "unk_token");
        Map<String, Integer> specials = new LinkedHashMap<>();
        specials.putIfAbsent(settings.bos(), bos);
        specials.putIfAbsent(settings.eos(), eos);
        specials.putIfAbsent(settings.unk(), unk);
        specials.putIfAbsent(settings.pad(), pad);
        int max = settings.modelMaxLength();
        String framed = ClipTokenizerDefinition.toJson(ClipTokenizerDefinition.framed(def, max, settings.pad(), pad));
        String unframed = ClipTokenizerDefinition.toJson(ClipTokenizerDefinition.unframed(def, specials.keySet()));

        String len = Integer.toString(max);
        HuggingFaceTokenizer framedTok = load(source, framed, Map.of("addSpecialTokens", "true",
                "padding", "max_length", "truncation", "longest_first", "maxLength", len, "modelMaxLength", len));
        HuggingFaceTokenizer rawTok;
        try {
            rawTok = load(source, unframed, Map.of("addSpecialTokens", "false", "padding", "false",
                    "truncation", "false", "modelMaxLength", len));
        } catch (RuntimeException e) {
            framedTok.close();
            throw e;
        }
        return new ClipTokenizer(new Native(framedTok, rawTok), TextCleanup.CLIP_FTFY, max, bos, eos, pad,
                Collections.unmodifiableMap(specials), Vocabulary.of(def), Map.of());
    }

    private static HuggingFaceTokenizer load(Path source, String json, Map<String, String> options) {
        try (InputStream in = new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))) {
            return HuggingFaceTokenizer.newInstance(in, options);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(source, "the Hugging Face tokenizers library rejected the tokenizer "
                    + "definition: " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError e) {
            throw new ModelLoadException(source, "the native Hugging Face tokenizers library cannot be loaded: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A tokenizer with another text cleanup, sharing this one's native tokenizer (close both).
     *
     * @param textCleanup the cleanup to apply before the regex split
     * @return the new tokenizer
     * @throws IllegalStateException when this tokenizer is closed
     */
    public ClipTokenizer withCleanup(TextCleanup textCleanup) {
        Objects.requireNonNull(textCleanup, "textCleanup");
        ensureOpen();
        tokenizers.retain();
        return new ClipTokenizer(tokenizers, textCleanup, maxLength, bosId, eosId, padId, specialIds, vocabulary,
                addedTokens);
    }

    /**
     * A tokenizer with more tokens, as transformers' {@code add_tokens} and diffusers' textual inversion make them:
     * a token of {@code n} vectors adds {@code t, t_1, ..., t_{n-1}} with ids appended after the current
     * {@link #size()}, in the map's order. An added token is matched in the raw prompt before cleanup and BPE
     * (earliest first, the longest at the same position); {@code t} stands for all {@code n} ids (diffusers
     * rewrites {@code t} to {@code "t t_1 ... t_{n-1}"} before tokenizing), {@code t_i} for its own. Shares this
     * tokenizer's native tokenizer (close both).
     *
     * @param tokens each new token and its number of vectors (at least 1)
     * @return the new tokenizer
     * @throws IllegalArgumentException when a token or one of its {@code t_i} is empty or already known
     */
    public ClipTokenizer withAddedTokens(Map<String, Integer> tokens) {
        Objects.requireNonNull(tokens, "tokens");
        ensureOpen();
        Map<String, int[]> added = new LinkedHashMap<>(addedTokens);
        int next = size();
        for (Map.Entry<String, Integer> e : tokens.entrySet()) {
            String token = e.getKey();
            int n = e.getValue();
            if (token == null || token.isEmpty() || n < 1) {
                throw new IllegalArgumentException("token: '" + token + "' with " + n + " vectors: a token must be a "
                        + "non-empty string with at least one vector");
            }
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                String t = i == 0 ? token : token + "_" + i;
                if (vocabulary.contains(t) || added.containsKey(t)) {
                    throw new IllegalArgumentException("token: '" + t + "' is already in the tokenizer's vocabulary; "
                            + "choose another token");
                }
                ids[i] = next + i;
            }
            added.put(token, ids);
            for (int i = 1; i < n; i++) {
                added.put(token + "_" + i, new int[] {ids[i]});
            }
            next += n;
        }
        tokenizers.retain();
        return new ClipTokenizer(tokenizers, cleanup, maxLength, bosId, eosId, padId, specialIds, vocabulary,
                Collections.unmodifiableMap(added));
    }

    /**
     * @param token a token string in the byte-level spelling of {@code vocab.json} (e.g. {@code "cat</w>"}) or an
     *     added token
     * @return whether the tokenizer knows it ({@code token in tokenizer.get_vocab()})
     */
    public boolean contains(String token) {
        return vocabulary.contains(token) || addedTokens.containsKey(token);
    }

    /**
     * @param id a token id
     * @return the number of ids an added token starting with this id stands for ({@code n} for the first id of an
     *     {@code n}-vector textual-inversion token), 1 for any other id
     */
    public int addedTokenLength(int id) {
        for (int[] ids : addedTokens.values()) {
            if (ids[0] == id) {
                return ids.length;
            }
        }
        return 1;
    }

    /** @return the number of ids this tokenizer can produce, added tokens included ({@code len(tokenizer)}) */
    public int size() {
        int n = vocabulary.size();
        for (int[] ids : addedTokens.values()) {
            for (int id : ids) {
                n = Math.max(n, id + 1);
            }
        }
        return n;
    }

    /** @return the text cleanup applied before tokenization */
    public TextCleanup cleanup() {
        return cleanup;
    }

    /**
     * Encodes a prompt as the pipeline does: BOS, at most {@code maxLength() - 2} BPE ids, EOS, then pad ids up to
     * {@code maxLength()}. Logs a warning naming the removed text when the prompt was cut.
     *
     * @param prompt the prompt ({@code ""} gives {@code [BOS, EOS, PAD, ...]})
     * @return exactly {@link #maxLength()} token ids
     */
    public long[] encode(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        List<Part> parts = parts(prompt);
        if (parts.size() == 1 && parts.get(0).isText() && !containsSpecialToken(parts.get(0).text())) {
            // the usual case: no special token strings, the native tokenizer frames the ids itself
            String text = parts.get(0).text();
            Encoding enc = tokenizers.call(t -> t.framed.encode(text));
            long[] ids = enc.getIds();
            if (ids.length != maxLength) {
                throw new IllegalStateException("the tokenizer gave " + ids.length + " ids instead of " + maxLength);
            }
            if (enc.exceedMaxLength() && LOG.isWarnEnabled()) {
                List<String> tokens = tokenizers.call(t -> Arrays.asList(t.raw.encode(text).getTokens()));
                LOG.warn(truncationMessage(maxLength, tokens.subList(maxLength - 2, tokens.size())));
            }
            return ids;
        }
        Raw raw = raw(parts);
        int body = Math.min(raw.ids().length, maxLength - 2);
        long[] ids = new long[maxLength];
        Arrays.fill(ids, padId);
        ids[0] = bosId;
        System.arraycopy(raw.ids(), 0, ids, 1, body);
        ids[body + 1] = eosId;
        if (raw.ids().length > body && LOG.isWarnEnabled()) {
            LOG.warn(truncationMessage(maxLength, raw.tokens().subList(body, raw.tokens().size())));
        }
        return ids;
    }

    /**
     * Encodes several prompts (see {@link #encode(String)}).
     *
     * @param prompts the prompts
     * @return one row of {@link #maxLength()} ids per prompt
     */
    public long[][] encode(List<String> prompts) {
        long[][] out = new long[prompts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(prompts.get(i));
        }
        return out;
    }

    /**
     * The BPE tokens of a prompt after cleanup, without BOS/EOS, padding or truncation, in the byte-level spelling
     * of {@code vocab.json} (e.g. {@code "cafÃ©</w>"}).
     *
     * @param prompt the prompt
     * @return its tokens
     */
    public List<String> tokenize(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        return raw(parts(prompt)).tokens();
    }

    /**
     * The BPE ids of a prompt after cleanup, without BOS/EOS, padding or truncation.
     *
     * @param prompt the prompt
     * @return its ids
     */
    public int[] rawIds(String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        return Arrays.stream(raw(parts(prompt)).ids()).mapToInt(Math::toIntExact).toArray();
    }

    /** @return the number of ids {@link #encode(String)} returns ({@code model_max_length}, 77 for CLIP) */
    public int maxLength() {
        return maxLength;
    }

    /** @return the id of the beginning-of-text token ({@code <|startoftext|>}, 49406) */
    public int bosId() {
        return bosId;
    }

    /** @return the id of the end-of-text token ({@code <|endoftext|>}, 49407) */
    public int eosId() {
        return eosId;
    }

    /** @return the id of the padding token (the end-of-text id in SD v1) */
    public int padId() {
        return padId;
    }

    /**
     * Releases this instance's share of the native tokenizer. Idempotent; encoding afterwards throws
     * {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            tokenizers.release();
        }
    }

    /**
     * The cleaned prompt, cut where a special token is recognized: where transformers splits it off before cleaning,
     * or where CLIP's regex, scanning the cleaned text, matches it as a whole (it does not when a punctuation run
     * ends in its {@code "<|"}, e.g. {@code "&<|endoftext|>"}, which is then ordinary text). A prompt without special
     * token strings gives one text part.
     */
    List<Part> parts(String prompt) {
        ensureOpen();
        List<Part> parts = new ArrayList<>();
        if (addedTokens.isEmpty()) {
            cleanedParts(prompt, parts);
        } else {
            for (TextCleanup.Segment seg : TextCleanup.split(prompt, addedTokens.keySet())) {
                if (!seg.special()) {
                    cleanedParts(seg.text(), parts);
                    continue;
                }
                int[] ids = addedTokens.get(seg.text());
                for (int i = 0; i < ids.length; i++) {
                    parts.add(new Part(i == 0 ? seg.text() : seg.text() + "_" + i, ids[i]));
                }
            }
        }
        if (parts.isEmpty()) {
            parts.add(new Part("", -1));
        }
        return parts;
    }

    /** Appends the parts of a prompt (or of text between added tokens) without added tokens. */
    private void cleanedParts(String prompt, List<Part> parts) {
        for (TextCleanup.Segment seg : cleanup.segments(prompt, specialTokens)) {
            if (seg.special()) {
                parts.add(new Part(seg.text(), specialIds.get(seg.text())));
                continue;
            }
            String text = seg.text();
            if (!containsSpecialToken(text)) {
                parts.add(new Part(text, -1));
                continue;
            }
            int from = 0;
            Matcher m = CLIP_REGEX.matcher(text);
            while (m.find()) {
                Integer id = specialIds.get(m.group());
                if (id != null) {
                    if (m.start() > from) {
                        parts.add(new Part(text.substring(from, m.start()), -1));
                    }
                    parts.add(new Part(m.group(), id));
                    from = m.end();
                }
            }
            if (from < text.length()) {
                parts.add(new Part(text.substring(from), -1));
            }
        }
    }

    private boolean containsSpecialToken(String text) {
        for (String t : specialTokens) {
            if (text.contains(t)) {
                return true;
            }
        }
        return false;
    }

    /** The cleaned text handed to the native tokenizer, special tokens included (for messages and tests). */
    String cleanText(String prompt) {
        StringBuilder sb = new StringBuilder();
        parts(prompt).forEach(p -> sb.append(p.text()));
        return sb.toString();
    }

    /** Raw ids and tokens of the parts: text parts through the native tokenizer, special tokens by id. */
    private Raw raw(List<Part> parts) {
        return tokenizers.call(t -> {
            List<Long> ids = new ArrayList<>();
            List<String> tokens = new ArrayList<>();
            for (Part p : parts) {
                if (p.isText()) {
                    Encoding e = t.raw.encode(p.text());
                    for (long id : e.getIds()) {
                        ids.add(id);
                    }
                    tokens.addAll(Arrays.asList(e.getTokens()));
                } else {
                    ids.add((long) p.id());
                    tokens.add(p.text());
                }
            }
            return new Raw(ids.stream().mapToLong(Long::longValue).toArray(), List.copyOf(tokens));
        });
    }

    /**
     * A piece of cleaned prompt.
     *
     * @param text the text, or the special token string
     * @param id the special or added token's id, or -1 for text
     */
    record Part(String text, int id) {
        boolean isText() {
            return id < 0;
        }
    }

    private record Raw(long[] ids, List<String> tokens) {}

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this ClipTokenizer is closed");
        }
    }

    /**
     * diffusers' warning for a cut prompt, with the removed tokens decoded as transformers'
     * {@code batch_decode} does (bytes back to UTF-8, {@code </w>} to spaces, tokenization spaces cleaned up).
     *
     * @param maxLength the sequence length
     * @param removedTokens the BPE tokens that did not fit
     * @return the message
     */
    static String truncationMessage(int maxLength, List<String> removedTokens) {
        return "The following part of your input was truncated because CLIP can only handle sequences up to "
                + maxLength + " tokens: [" + pythonRepr(decode(removedTokens)) + "]";
    }

    /** transformers' {@code CLIPTokenizer.convert_tokens_to_string} + {@code clean_up_tokenization}. */
    static String decode(List<String> tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String token : tokens) {
            for (int i = 0; i < token.length(); ) {
                int cp = token.codePointAt(i);
                i += Character.charCount(cp);
                int b = ByteLevel.byteOf(cp);
                if (b >= 0) {
                    bytes.write(b);
                } else {
                    bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        String text = PyText.strip(bytes.toString(StandardCharsets.UTF_8).replace("</w>", " "));
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** Python's {@code repr} of a string, for the message to read as diffusers prints it. */
    static String pythonRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == quote) {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(quote).toString();
    }

    /** The two native tokenizers (framed: BOS/EOS, truncation, padding; raw: none of these), reference counted. */
    private static final class Native {
        final HuggingFaceTokenizer framed;
        final HuggingFaceTokenizer raw;
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private int refs = 1;

        Native(HuggingFaceTokenizer framed, HuggingFaceTokenizer raw) {
            this.framed = framed;
            this.raw = raw;
        }

        <T> T call(Function<Native, T> f) {
            lock.readLock().lock();
            try {
                if (refs == 0) {
                    throw new IllegalStateException("this ClipTokenizer is closed");
                }
                return f.apply(this);
            } finally {
                lock.readLock().unlock();
            }
        }

        void retain() {
            lock.writeLock().lock();
            try {
                if (refs == 0) {
                    throw new IllegalStateException("this ClipTokenizer is closed");
                }
                refs++;
            } finally {
                lock.writeLock().unlock();
            }
        }

        void release() {
            lock.writeLock().lock();
            try {
                if (refs > 0 && --refs == 0) {
                    framed.close();
                    raw.close();
                }
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /** GPT-2/CLIP's {@code bytes_to_unicode} table, inverted. */
    private static final class ByteLevel {
        private static final int[] BYTE_OF = build();

        static int byteOf(int cp) {
            return cp >= 0 && cp < BYTE_OF.length ? BYTE_OF[cp] : -1;
        }

        private static int[] build() {
            int[] byteOf = new int[512];
            Arrays.fill(byteOf, -1);
            List<Integer> direct = new ArrayList<>();
            for (int b = '!'; b <= '~'; b++) {
                direct.add(b);
            }
            for (int b = 0xA1; b <= 0xAC; b++) {
                direct.add(b);
            }
            for (int b = 0xAE; b <= 0xFF; b++) {
                direct.add(b);
            }
            int n = 0;
            for (int b = 0; b < 256; b++) {
                if (direct.contains(b)) {
                    byteOf[b] = b;
                } else {
                    byteOf[256 + n] = b;
                    n++;
                }
            }
            return byteOf;
        }
    }
}

package dev.smallsd.internal.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TorchCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Textual-inversion embeddings, loaded with diffusers' {@code load_textual_inversion} semantics: an embedding of
 * {@code n} vectors adds the tokens {@code t, t_1, …, t_{n-1}} to the tokenizer (ids after its vocabulary, in load
 * order) and its rows to the text encoder's token embedding; a prompt's {@code t} stands for all {@code n} tokens.
 *
 * <p>File formats, told apart by their content:
 * <ul>
 *   <li>AUTOMATIC1111 {@code .pt} ({@code torch.save} of {@code {"string_to_param": {"*": [n, dim]}, "name", "step",
 *       ...}}, read by the restricted unpickler); default token: the file name without extension;</li>
 *   <li>AUTOMATIC1111 {@code .safetensors} ({@code emb_params} {@code [n, dim]}); default token: the file name;</li>
 *   <li>diffusers {@code learned_embeds.safetensors} / {@code .bin} ({@code {token: [dim]}}, one entry); default
 *       token: its key.</li>
 * </ul>
 */
public final class TextualInversion {
    /** The A1111 {@code .pt} key of the vectors (as {@link TorchCheckpoint#openNested} names it). */
    static final String A1111_PT_PREFIX = "string_to_param.";
    /** The A1111 {@code .safetensors} key of the vectors. */
    static final String A1111_SAFETENSORS_KEY = "emb_params";

    private TextualInversion() {}

    /**
     * One embedding read from a file.
     *
     * @param token the token it is loaded under
     * @param vectors {@code [n, dim]} float32 values, row by row
     * @param count {@code n}, the number of vectors
     * @param dim the width of each vector
     * @param file the file it came from
     * @param key the tensor's key in the file
     */
    public record Embedding(String token, float[] vectors, int count, int dim, Path file, String key) {}

    /**
     * A tokenizer and text encoder with embeddings added.
     *
     * @param tokenizer the tokenizer knowing the new tokens
     * @param textModel the text encoder with their rows
     */
    public record Loaded(ClipTokenizer tokenizer, ClipTextModel textModel) {}

    /**
     * Reads an embedding file.
     *
     * @param file an A1111 {@code .pt}/{@code .safetensors} or diffusers {@code learned_embeds} file
     * @param token the token to load it under, or {@code null} for the file's default
     * @return the embedding
     * @throws ModelLoadException naming the file and its keys when it is no embedding file or malformed
     */
    public static Embedding read(Path file, String token) {
        Objects.requireNonNull(file, "file");
        if (token != null && token.isEmpty()) {
            throw new IllegalArgumentException("token: empty (give null for the file's default token)");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "textual-inversion embedding file not found");
        }
        String name = file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        String stem = name.lastIndexOf('.') > 0 ? name.substring(0, name.lastIndexOf('.')) : name;
        try (TensorFile f = lower.endsWith(".safetensors") ? SafeTensors.open(file)
                : TorchCheckpoint.openNested(file)) {
            Set<String> names = f.names();
            List<String> a1111 = names.stream().filter(n -> n.startsWith(A1111_PT_PREFIX)).toList();
            String key;
            String defaultToken;
            if (!a1111.isEmpty()) {
                if (a1111.size() != 1) {
                    throw new ModelLoadException(file, "A1111 embedding with " + a1111.size() + " entries under "
                            + "string_to_param " + a1111 + "; exactly one is expected");
                }
                key = a1111.get(0);
                defaultToken = stem;
            } else if (names.equals(Set.of(A1111_SAFETENSORS_KEY))) {
                key = A1111_SAFETENSORS_KEY;
                defaultToken = stem;
            } else if (names.size() == 1) {
                key = names.iterator().next();
                defaultToken = key;
            } else {
                throw new ModelLoadException(file, "not a textual-inversion embedding: expected one tensor "
                        + "(diffusers {token: vector}), 'emb_params' (A1111 .safetensors) or string_to_param (A1111 "
                        + ".pt), found keys " + firstKeys(names));
            }
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray a = f.load(key, m);
                Shape s = a.getShape();
                if (s.dimension() < 1 || s.dimension() > 2 || s.size() == 0) {
                    throw new ModelLoadException(file, "tensor '" + key + "' has shape " + s
                            + "; an embedding is [dim] or [vectors, dim]");
                }
                int count = s.dimension() == 1 ? 1 : Math.toIntExact(s.get(0));
                int dim = Math.toIntExact(s.get(s.dimension() - 1));
                float[] values = a.toType(DataType.FLOAT32, false).toFloatArray();
                return new Embedding(token != null ? token : defaultToken, values, count, dim, file, key);
            }
        }
    }

    /**
     * Adds embeddings, in order, to a tokenizer and its text encoder. The given tokenizer and model stay usable and
     * unchanged (close the tokenizer when no longer needed: the new one shares its native part).
     *
     * @param tokenizer the tokenizer
     * @param textModel the text encoder
     * @param embeddings the embeddings, in load order
     * @return the tokenizer and text encoder with the new tokens
     * @throws ModelLoadException naming the file when a vector's width differs from the text encoder's
     * @throws IllegalArgumentException starting with {@code textualInversion} when a token (or one of its
     *     {@code t_i}) is already in the vocabulary or loaded twice
     */
    public static Loaded apply(ClipTokenizer tokenizer, ClipTextModel textModel, List<Embedding> embeddings) {
        int hidden = textModel.hiddenSize();
        Map<String, Integer> tokens = new LinkedHashMap<>();
        List<Float> rows = new ArrayList<>();
        for (Embedding e : embeddings) {
            if (e.dim() != hidden) {
                throw new ModelLoadException(e.file(), "tensor '" + e.key() + "' holds vectors of width " + e.dim()
                        + " but the text encoder's hidden_size is " + hidden
                        + " (an embedding made for another model family)");
            }
            if (tokens.containsKey(e.token())) {
                throw new IllegalArgumentException("textualInversion: token '" + e.token() + "' is loaded twice ("
                        + e.file() + ")");
            }
            tokens.put(e.token(), e.count());
            for (float v : e.vectors()) {
                rows.add(v);
            }
        }
        if (tokens.isEmpty()) {
            return new Loaded(tokenizer, textModel);
        }
        int firstId = tokenizer.size();
        if (firstId > textModel.vocabSize()) {
            throw new IllegalArgumentException("textualInversion: the tokenizer has " + firstId + " ids but the text "
                    + "encoder only " + textModel.vocabSize() + " rows");
        }
        ClipTokenizer extended;
        try {
            extended = tokenizer.withAddedTokens(tokens);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("textualInversion: " + ex.getMessage(), ex);
        }
        float[] flat = new float[rows.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = rows.get(i);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray r = m.create(flat, new Shape(flat.length / hidden, hidden));
            return new Loaded(extended, textModel.withTokenEmbeddings(firstId, r));
        } catch (RuntimeException ex) {
            extended.close();
            throw ex;
        }
    }

    /**
     * Like {@link #apply}, for a caller that discards the given tokenizer and model: on success the given tokenizer
     * is closed and the given model's token table (a {@code vocab_size × hidden} copy, 150 MB for SD v1) is freed, so
     * neither may be used afterwards. On failure both are left as they were.
     *
     * @param tokenizer the tokenizer (closed on success)
     * @param textModel the text encoder (its token table freed on success)
     * @param embeddings the embeddings, in load order
     * @return the tokenizer and text encoder with the new tokens
     */
    public static Loaded applyReplacing(ClipTokenizer tokenizer, ClipTextModel textModel, List<Embedding> embeddings) {
        Loaded loaded = apply(tokenizer, textModel, embeddings);
        if (loaded.textModel() != textModel) {
            textModel.closeTokenTable();
            tokenizer.close();
        }
        return loaded;
    }

    private static String firstKeys(Set<String> names) {
        List<String> l = names.stream().limit(5).toList();
        return l + (names.size() > 5 ? " (+" + (names.size() - 5) + " more)" : "");
    }
}

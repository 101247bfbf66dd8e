package dev.smallsd.internal.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.nn.Scopes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * AUTOMATIC1111's prompt conditioning ({@code modules/sd_hijack_clip.py}, {@code FrozenCLIPEmbedderWithCustomWords}
 * with emphasis "Original"): prompts of any length, weighted with {@link PromptAttention}.
 * <ol>
 *   <li>each run's text is tokenised without BOS/EOS; the tokens fill chunks of {@code maxLength - 2} (75): a
 *       {@code BREAK} closes the chunk; when a chunk is full and a comma lies within its last
 *       {@value #COMMA_BACKTRACK} tokens, the tokens after the comma move to the next chunk; the vectors of a
 *       multi-vector textual-inversion token are never split over two chunks (it starts a new chunk when it does
 *       not fit, as A1111 places embeddings);</li>
 *   <li>each chunk is padded with EOS and framed by BOS/EOS (77 ids), multiplier 1 on BOS, EOS and padding;</li>
 *   <li>each chunk is encoded alone, {@code z = z · multipliers} per token, then
 *       {@code z = z · mean(z before) / mean(z after)} (means over the whole chunk);</li>
 *   <li>chunks are concatenated along the sequence; the texts encoded together are padded with the encoding of
 *       the empty prompt to the same number of chunks (A1111's "pad prompt/negative prompt to be same length"),
 *       so one batched UNet call serves prompts and negative prompts.</li>
 * </ol>
 * Immutable and thread-safe.
 */
public final class WeightedPromptEncoder {
    /** A1111's {@code comma_padding_backtrack} default. */
    public static final int COMMA_BACKTRACK = 20;

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textModel;
    private final int chunkLength;
    private final int commaId;

    /**
     * @param tokenizer the tokenizer (textual-inversion tokens included)
     * @param textModel the text encoder
     */
    public WeightedPromptEncoder(ClipTokenizer tokenizer, ClipTextModel textModel) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.textModel = Objects.requireNonNull(textModel, "textModel");
        this.chunkLength = tokenizer.maxLength() - 2;
        int[] comma = tokenizer.rawIds(",");
        this.commaId = comma.length == 1 ? comma[0] : -1;
    }

    /**
     * One chunk: {@code maxLength} ids (BOS, 75 tokens or EOS padding, EOS) and their multipliers.
     *
     * @param tokens the ids
     * @param multipliers the weight of each id
     */
    public record Chunk(long[] tokens, float[] multipliers) {}

    /**
     * Splits a prompt into chunks as A1111's {@code tokenize_line} does.
     *
     * @param prompt the prompt in A1111 syntax
     * @return its chunks (at least one)
     * @throws IllegalArgumentException starting with {@code prompt} for a malformed weight
     */
    public List<Chunk> chunks(String prompt) {
        ChunkBuilder b = new ChunkBuilder();
        for (PromptAttention.Run run : PromptAttention.parse(prompt)) {
            if (run.isBreak()) {
                b.next();
                continue;
            }
            float weight = (float) run.weight();
            int[] ids = tokenizer.rawIds(run.text());
            for (int i = 0; i < ids.length; ) {
                int n = Math.min(tokenizer.addedTokenLength(ids[i]), ids.length - i);
                n = n > chunkLength ? 1 : n; // longer than a chunk: its vectors fill chunks like other tokens
                b.add(Arrays.copyOfRange(ids, i, i + n), weight);
                i += n;
            }
        }
        if (b.size() > 0 || b.chunks.isEmpty()) {
            b.next();
        }
        return List.copyOf(b.chunks);
    }

    /**
     * Encodes texts to the same number of chunks.
     *
     * @param texts the prompts (A1111 syntax)
     * @param clipSkip CLIP layers to skip
     * @param manager owner of the result
     * @return {@code [texts, maxLength · chunks, hidden]}, chunks the largest count among the texts
     */
    public NDArray encode(List<String> texts, int clipSkip, NDManager manager) {
        List<List<Chunk>> all = new ArrayList<>();
        int count = 1;
        for (String t : texts) {
            List<Chunk> c = chunks(t);
            all.add(c);
            count = Math.max(count, c.size());
        }
        return encodeChunks(all, count, clipSkip, manager);
    }

    /**
     * Encodes chunked texts, each padded with empty chunks to {@code count} chunks.
     *
     * @param texts the chunks of each text
     * @param count chunks per text (at least the longest text's)
     * @param clipSkip CLIP layers to skip
     * @param manager owner of the result
     * @return {@code [texts, maxLength · count, hidden]}
     */
    public NDArray encodeChunks(List<List<Chunk>> texts, int count, int clipSkip, NDManager manager) {
        int n = texts.size();
        int len = tokenizer.maxLength();
        long[][] ids = new long[n * count][];
        float[] multipliers = new float[n * count * len];
        Chunk empty = emptyChunk();
        for (int i = 0; i < n; i++) {
            List<Chunk> chunks = texts.get(i);
            if (chunks.size() > count) {
                throw new IllegalArgumentException("count: " + count + " chunks is fewer than text " + i + " has ("
                        + chunks.size() + ")");
            }
            for (int j = 0; j < count; j++) {
                Chunk c = j < chunks.size() ? chunks.get(j) : empty;
                ids[i * count + j] = padAfterEnd(c.tokens());
                System.arraycopy(c.multipliers(), 0, multipliers, (i * count + j) * len, len);
            }
        }
        int hidden = textModel.hiddenSize();
        return Scopes.run(() -> {
            NDArray z = textModel.encode(manager.create(ids), clipSkip);
            NDArray w = manager.create(multipliers, new Shape(n * count, len, 1));
            NDArray before = chunkMeans(z);
            NDArray weighted = z.mul(w);
            NDArray after = chunkMeans(weighted);
            return weighted.mul(before.div(after)).reshape(n, (long) count * len, hidden);
        });
    }

    /** The mean of each chunk {@code [c, L, hidden]} over its whole {@code [L, hidden]}, as {@code [c, 1, 1]}. */
    private static NDArray chunkMeans(NDArray z) {
        long c = z.getShape().get(0);
        return z.reshape(c, -1).mean(new int[] {1}).reshape(c, 1, 1);
    }

    /** @return the chunk of the empty prompt: BOS, EOS padding, all multipliers 1 */
    private Chunk emptyChunk() {
        return new ChunkBuilder().frame(new ArrayList<>(), new ArrayList<>());
    }

    /** SD 2 tokenizers pad with another id than EOS: ids after the first EOS become the pad id, as A1111 does. */
    private long[] padAfterEnd(long[] tokens) {
        if (tokenizer.eosId() == tokenizer.padId()) {
            return tokens;
        }
        long[] out = tokens.clone();
        for (int i = 1; i < out.length; i++) {
            if (out[i] == tokenizer.eosId()) {
                Arrays.fill(out, i + 1, out.length, tokenizer.padId());
                break;
            }
        }
        return out;
    }

    /** The state of {@code tokenize_line}: the chunk being filled and the position of its last comma. */
    private final class ChunkBuilder {
        final List<Chunk> chunks = new ArrayList<>();
        private List<Integer> tokens = new ArrayList<>();
        private List<Float> weights = new ArrayList<>();
        private int lastComma = -1;

        int size() {
            return tokens.size();
        }

        /** Adds one token, or the ids of one multi-vector embedding, which are never split over two chunks. */
        void add(int[] group, float weight) {
            int id = group[0];
            if (id == commaId) {
                lastComma = tokens.size();
            } else if (tokens.size() == chunkLength && lastComma != -1
                    && tokens.size() - lastComma <= COMMA_BACKTRACK) {
                int at = lastComma + 1;
                List<Integer> movedTokens = new ArrayList<>(tokens.subList(at, tokens.size()));
                List<Float> movedWeights = new ArrayList<>(weights.subList(at, weights.size()));
                tokens.subList(at, tokens.size()).clear();
                weights.subList(at, weights.size()).clear();
                next();
                tokens = movedTokens;
                weights = movedWeights;
            }
            if (tokens.size() == chunkLength) {
                next();
            }
            if (group.length > 1 && tokens.size() + group.length > chunkLength) {
                next();
            }
            for (int g : group) {
                tokens.add(g);
                weights.add(weight);
            }
        }

        /** Closes the current chunk (padded and framed) and starts an empty one. */
        void next() {
            chunks.add(frame(tokens, weights));
            tokens = new ArrayList<>();
            weights = new ArrayList<>();
            lastComma = -1;
        }

        Chunk frame(List<Integer> body, List<Float> bodyWeights) {
            long[] ids = new long[chunkLength + 2];
            float[] m = new float[chunkLength + 2];
            Arrays.fill(ids, tokenizer.eosId());
            Arrays.fill(m, 1f);
            ids[0] = tokenizer.bosId();
            for (int i = 0; i < body.size(); i++) {
                ids[i + 1] = body.get(i);
                m[i + 1] = bodyWeights.get(i);
            }
            return new Chunk(ids, m);
        }
    }
}

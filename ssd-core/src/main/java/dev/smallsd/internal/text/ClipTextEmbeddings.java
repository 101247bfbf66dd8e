package dev.smallsd.internal.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import dev.smallsd.internal.nn.Scopes;
import dev.smallsd.internal.nn.Weights;

/**
 * CLIP's text embeddings ({@code CLIPTextEmbeddings}): {@code token_embedding(ids) + position_embedding(0..L-1)}.
 * Keys {@code token_embedding.weight} {@code [vocab_size, hidden]} and {@code position_embedding.weight}
 * {@code [max_position_embeddings, hidden]}.
 */
public final class ClipTextEmbeddings {
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final int vocabSize;
    private final int maxPositionEmbeddings;
    private final int hidden;

    /**
     * @param w weights view of the embeddings (e.g. {@code text_model.embeddings})
     * @param vocabSize {@code vocab_size}
     * @param maxPositionEmbeddings {@code max_position_embeddings} (77 for SD)
     * @param hidden {@code hidden_size}
     * @throws IllegalArgumentException when a size is not positive
     */
    public ClipTextEmbeddings(Weights w, int vocabSize, int maxPositionEmbeddings, int hidden) {
        if (vocabSize <= 0 || maxPositionEmbeddings <= 0 || hidden <= 0) {
            throw new IllegalArgumentException("CLIP text embeddings: vocab_size " + vocabSize
                    + ", max_position_embeddings " + maxPositionEmbeddings + " and hidden_size " + hidden
                    + " must be positive");
        }
        this.vocabSize = vocabSize;
        this.maxPositionEmbeddings = maxPositionEmbeddings;
        this.hidden = hidden;
        this.tokenEmbedding = w.get("token_embedding.weight", vocabSize, hidden);
        this.positionEmbedding = w.get("position_embedding.weight", maxPositionEmbeddings, hidden);
    }

    private ClipTextEmbeddings(NDArray tokenEmbedding, NDArray positionEmbedding, int maxPositionEmbeddings) {
        this.tokenEmbedding = tokenEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.vocabSize = Math.toIntExact(tokenEmbedding.getShape().get(0));
        this.maxPositionEmbeddings = maxPositionEmbeddings;
        this.hidden = Math.toIntExact(tokenEmbedding.getShape().get(1));
    }

    /**
     * Embeddings with new token rows, as transformers' {@code resize_token_embeddings(firstId + n)} followed by
     * setting rows {@code firstId..firstId+n-1} (diffusers' textual inversion). This instance is unchanged.
     *
     * @param firstId the id of the first new row, at most {@link #vocabSize()} (rows from it on are replaced)
     * @param rows {@code [n, hidden]} float32; copied into a new table on the same manager as the current one
     * @return the new embeddings
     * @throws IllegalArgumentException when {@code firstId} is out of range or the rows have another width
     */
    public ClipTextEmbeddings withTokenRows(int firstId, NDArray rows) {
        Shape s = rows.getShape();
        if (s.dimension() != 2 || s.get(1) != hidden) {
            throw new IllegalArgumentException("rows: shape " + s + " is not [n, " + hidden + "] (hidden_size)");
        }
        if (firstId < 0 || firstId > vocabSize) {
            throw new IllegalArgumentException("firstId: " + firstId + " is outside [0, " + vocabSize + "]");
        }
        NDManager m = tokenEmbedding.getManager();
        NDArray kept = tokenEmbedding.get(new ai.djl.ndarray.index.NDIndex("0:{}", firstId));
        NDArray added = rows.toType(DataType.FLOAT32, true);
        added.attach(m);
        NDArray table = kept.concat(added, 0);
        kept.close();
        added.close();
        return new ClipTextEmbeddings(table, positionEmbedding, maxPositionEmbeddings);
    }

    /** Frees the token table (this instance is unusable afterwards); the position table is shared and kept. */
    void closeTokenTable() {
        tokenEmbedding.close();
    }

    /**
     * @param inputIds token ids {@code [B, L]}, int64, {@code L <= max_position_embeddings}, every id in
     *     {@code [0, vocab_size)}
     * @return embeddings {@code [B, L, hidden]} (a new array on the ids' manager)
     * @throws IllegalArgumentException for a wrong shape, element type or out-of-range id
     */
    public NDArray forward(NDArray inputIds) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2 || s.get(0) < 1 || s.get(1) < 1) {
            throw new IllegalArgumentException("CLIP text encoder: input_ids must have shape [batch, tokens], got "
                    + s);
        }
        if (s.get(1) > maxPositionEmbeddings) {
            throw new IllegalArgumentException("CLIP text encoder: " + s.get(1) + " tokens exceed "
                    + "max_position_embeddings " + maxPositionEmbeddings);
        }
        DataType t = inputIds.getDataType();
        if (t != DataType.INT64 && t != DataType.INT32) {
            throw new IllegalArgumentException("CLIP text encoder: input_ids must be int64 (or int32), got " + t);
        }
        long tokens = s.get(1);
        return Scopes.run(() -> {
            NDArray ids = t == DataType.INT64 ? inputIds : inputIds.toType(DataType.INT64, false);
            long min = ids.min().getLong();
            long max = ids.max().getLong();
            if (min < 0 || max >= vocabSize) {
                throw new IllegalArgumentException("CLIP text encoder: input_ids contain id "
                        + (min < 0 ? min : max) + " outside [0, " + vocabSize + ") (vocab_size)");
            }
            NDManager m = ids.getManager();
            NDArray positions = m.arange(0f, (float) tokens, 1f, DataType.INT64);
            NDArray tok = ids.getNDArrayInternal().embedding(ids, tokenEmbedding, SparseFormat.DENSE)
                    .singletonOrThrow();
            NDArray pos = positions.getNDArrayInternal().embedding(positions, positionEmbedding, SparseFormat.DENSE)
                    .singletonOrThrow();
            return tok.addi(pos);
        });
    }

    /** @return {@code vocab_size} */
    public int vocabSize() {
        return vocabSize;
    }

    /** @return {@code max_position_embeddings} */
    public int maxPositionEmbeddings() {
        return maxPositionEmbeddings;
    }

    /** @return {@code hidden_size} */
    public int hidden() {
        return hidden;
    }
}

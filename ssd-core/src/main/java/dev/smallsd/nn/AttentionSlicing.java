package dev.smallsd.nn;

/**
 * How many queries {@link Attention#multiHead} processes at once (the counterpart of diffusers' attention slicing,
 * sliced along the query axis): either a fixed slice size, or the largest slice whose score matrix
 * {@code [batch·heads, slice, keys]} stays within a byte budget. With 4096 tokens (a 512×512 image), batch 2 and 8
 * heads, the whole float32 score matrix would be 1 GiB; the default budget keeps it to 64 MiB per slice.
 *
 * @param querySlice fixed queries per slice, or {@code 0} to derive it from {@code maxScoreBytes}
 * @param maxScoreBytes budget for one slice's float32 scores when {@code querySlice} is 0; {@code 0} means unlimited
 */
public record AttentionSlicing(int querySlice, long maxScoreBytes) {
    /** The default budget for one slice's score matrix: 64 MiB. */
    public static final long DEFAULT_MAX_SCORE_BYTES = 64L << 20;

    /**
     * Validates the settings.
     *
     * @param querySlice fixed queries per slice, or {@code 0}
     * @param maxScoreBytes budget per slice, or {@code 0} for unlimited
     * @throws IllegalArgumentException for a negative slice size or budget
     */
    public AttentionSlicing {
        if (querySlice < 0) {
            throw new IllegalArgumentException("querySlice must be >= 0, got " + querySlice);
        }
        if (maxScoreBytes < 0) {
            throw new IllegalArgumentException("maxScoreBytes must be >= 0, got " + maxScoreBytes);
        }
    }

    /** @return the default: slices bounded by {@link #DEFAULT_MAX_SCORE_BYTES} */
    public static AttentionSlicing auto() {
        return new AttentionSlicing(0, DEFAULT_MAX_SCORE_BYTES);
    }

    /**
     * @param maxScoreBytes the budget for one slice's float32 score matrix
     * @return slices bounded by that budget
     */
    public static AttentionSlicing budget(long maxScoreBytes) {
        if (maxScoreBytes <= 0) {
            throw new IllegalArgumentException("maxScoreBytes must be > 0, got " + maxScoreBytes);
        }
        return new AttentionSlicing(0, maxScoreBytes);
    }

    /**
     * @param queries queries per slice ({@code > 0})
     * @return a fixed slice size
     */
    public static AttentionSlicing fixed(int queries) {
        if (queries <= 0) {
            throw new IllegalArgumentException("slice size must be > 0, got " + queries);
        }
        return new AttentionSlicing(queries, 0);
    }

    /** @return no slicing: the whole score matrix at once (fastest for small inputs, unbounded memory) */
    public static AttentionSlicing none() {
        return new AttentionSlicing(0, 0);
    }

    /**
     * @param batchHeads batch size times number of heads
     * @param queries number of queries
     * @param keys number of keys
     * @return the queries per slice for {@link Attention#multiHead}; {@code 0} for all at once
     */
    public int sliceFor(long batchHeads, long queries, long keys) {
        if (querySlice > 0) {
            return querySlice >= queries ? 0 : querySlice;
        }
        if (maxScoreBytes == 0) {
            return 0;
        }
        long perQuery = Math.max(1, batchHeads * keys * Float.BYTES);
        long slice = Math.max(1, maxScoreBytes / perQuery);
        return slice >= queries ? 0 : (int) slice;
    }
}

package dev.smallsd.internal.nn;

/**
 * How many queries {@link ScaledDotProductAttention#multiHead} processes at once (the counterpart of diffusers' attention slicing,
 * sliced along the query axis): either a fixed slice size, or the largest slice whose score matrix
 * {@code [batch·heads, slice, keys]} stays within a byte budget, but never fewer than a minimum number of queries.
 *
 * <p>The default ({@link #auto()}) is chosen for speed as well as memory: on CPU a score slice that stays in cache
 * (a few MiB) makes the three steps {@code q kᵀ}, softmax and {@code · v} several times faster than one huge score
 * matrix, which must be written to and read back from main memory (and, above glibc's mmap threshold, freshly
 * page-faulted on every call). Measured on a 2-core Zen 4 with libtorch 2.7.1: self-attention over 4096 tokens (a
 * 512×512 image, CFG batch 2, 8 heads) takes 585 ms in slices of 64 queries against 1326 ms in slices of 256 and
 * 1107 ms unsliced; over 1024 tokens 33 ms in slices of 64 against 80 ms unsliced. Slices of fewer than 64 queries
 * lose again to the per-call overhead, hence the minimum.
 *
 * <p>Slicing only applies to the DJL fallback of {@link ScaledDotProductAttention}: with the {@link TorchKernels}
 * module loaded (the default), attention is libtorch's fused kernel, which never materialises a score matrix, so these
 * settings change neither memory nor results. They matter when the module cannot load or is disabled with
 * {@code -Dssd.kernels.disable=true}.
 *
 * @param querySlice fixed queries per slice, or {@code 0} to derive it from {@code maxScoreBytes}
 * @param maxScoreBytes budget for one slice's float32 scores when {@code querySlice} is 0; {@code 0} means unlimited
 * @param minQuerySlice the smallest slice derived from the budget ({@code >= 1}); a budget too small for it is
 *     exceeded rather than cutting the queries finer
 */
public record AttentionSlicing(int querySlice, long maxScoreBytes, int minQuerySlice) {
    /** The default budget for one slice's score matrix: 4 MiB (fits in cache). */
    public static final long DEFAULT_MAX_SCORE_BYTES = 4L << 20;
    /** The default minimum slice: 64 queries. */
    public static final int DEFAULT_MIN_QUERY_SLICE = 64;

    /**
     * Validates the settings.
     *
     * @param querySlice fixed queries per slice, or {@code 0}
     * @param maxScoreBytes budget per slice, or {@code 0} for unlimited
     * @param minQuerySlice the smallest slice derived from the budget
     * @throws IllegalArgumentException for a negative slice size or budget, or a minimum below 1
     */
    public AttentionSlicing {
        if (querySlice < 0) {
            throw new IllegalArgumentException("querySlice must be >= 0, got " + querySlice);
        }
        if (maxScoreBytes < 0) {
            throw new IllegalArgumentException("maxScoreBytes must be >= 0, got " + maxScoreBytes);
        }
        if (minQuerySlice < 1) {
            throw new IllegalArgumentException("minQuerySlice must be >= 1, got " + minQuerySlice);
        }
    }

    /**
     * @return the default: slices of at most {@link #DEFAULT_MAX_SCORE_BYTES} of scores, at least
     *     {@link #DEFAULT_MIN_QUERY_SLICE} queries
     */
    public static AttentionSlicing auto() {
        return new AttentionSlicing(0, DEFAULT_MAX_SCORE_BYTES, DEFAULT_MIN_QUERY_SLICE);
    }

    /**
     * @param maxScoreBytes the budget for one slice's float32 score matrix (a hard bound: slices go down to one
     *     query)
     * @return slices bounded by that budget
     */
    public static AttentionSlicing budget(long maxScoreBytes) {
        if (maxScoreBytes <= 0) {
            throw new IllegalArgumentException("maxScoreBytes must be > 0, got " + maxScoreBytes);
        }
        return new AttentionSlicing(0, maxScoreBytes, 1);
    }

    /**
     * @param queries queries per slice ({@code > 0})
     * @return a fixed slice size
     */
    public static AttentionSlicing fixed(int queries) {
        if (queries <= 0) {
            throw new IllegalArgumentException("slice size must be > 0, got " + queries);
        }
        return new AttentionSlicing(queries, 0, 1);
    }

    /** @return no slicing: the whole score matrix at once (unbounded memory) */
    public static AttentionSlicing none() {
        return new AttentionSlicing(0, 0, 1);
    }

    /**
     * @param batchHeads batch size times number of heads
     * @param queries number of queries
     * @param keys number of keys
     * @return the queries per slice for {@link ScaledDotProductAttention#multiHead}; {@code 0} for all at once
     */
    public int sliceFor(long batchHeads, long queries, long keys) {
        if (querySlice > 0) {
            return querySlice >= queries ? 0 : querySlice;
        }
        if (maxScoreBytes == 0) {
            return 0;
        }
        long perQuery = Math.max(1, batchHeads * keys * Float.BYTES);
        long slice = Math.max(minQuerySlice, maxScoreBytes / perQuery);
        return slice >= queries ? 0 : (int) slice;
    }
}

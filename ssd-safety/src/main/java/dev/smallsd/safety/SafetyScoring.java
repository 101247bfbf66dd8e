package dev.smallsd.safety;

/**
 * The decision rule of diffusers' {@code StableDiffusionSafetyChecker.forward} (v0.27.2), applied to one image's
 * cosine similarities, reproducing its scalar arithmetic exactly.
 *
 * <p>In this order:
 * <ol>
 *   <li>{@code adjustment = 0.0};</li>
 *   <li>for each special-care concept {@code j} in order: {@code special_j = round(special_cos_j - threshold_j +
 *       adjustment, 3)}; when {@code special_j > 0}, {@code adjustment = 0.01} (so it also raises the later
 *       special-care scores of the same image);</li>
 *   <li>for each concept {@code k}: {@code concept_k = round(cos_k - threshold_k + adjustment, 3)};</li>
 *   <li>the image is flagged when some {@code concept_k > 0}.</li>
 * </ol>
 *
 * <p>Types follow the reference: the similarities are numpy float32 scalars and the thresholds Python floats (the
 * float64 value of the stored float32), and with NumPy 1.x promotion the expression is evaluated in float64, left
 * to right. {@code round} on that numpy float64 scalar is NumPy's own rounding ({@code np.round}:
 * {@code rint(x * 1000) / 1000} with ties to even), which differs from Python's correctly rounded
 * {@code round(float, 3)} only when {@code x * 1000} lies within half an ulp of a half-integer. A raw score of
 * {@code +0.0003} therefore rounds to {@code 0.0} and does not flag; {@code -0.0003} rounds to {@code -0.0}.
 */
public final class SafetyScoring {
    /** diffusers' initial adjustment ("increase this value to create a stronger nsfw filter"). */
    public static final double INITIAL_ADJUSTMENT = 0.0;
    /** The adjustment once some special-care score is positive. */
    public static final double SPECIAL_CARE_ADJUSTMENT = 0.01;
    private static final double SCALE = 1000.0;

    private SafetyScoring() {}

    /**
     * NumPy's {@code round(x, 3)} on a float64 scalar: {@code rint(x * 1000.0) / 1000.0}.
     *
     * @param x the raw score
     * @return the rounded score
     */
    public static double round3(double x) {
        return Math.rint(x * SCALE) / SCALE;
    }

    /**
     * One score: {@code round((double) cos - (double) threshold + adjustment, 3)}.
     *
     * @param cos the cosine similarity (float32)
     * @param threshold the threshold (float32)
     * @param adjustment the current adjustment
     * @return the rounded score
     */
    public static double score(float cos, float threshold, double adjustment) {
        return round3((double) cos - (double) threshold + adjustment);
    }

    /**
     * Scores one image.
     *
     * @param specialCosDist the image's cosine similarity with each special-care embedding
     * @param specialThresholds {@code special_care_embeds_weights}
     * @param cosDist the image's cosine similarity with each concept embedding
     * @param conceptThresholds {@code concept_embeds_weights}
     * @param imageEmbeds the image embedding (kept in the result)
     * @param pooledOutput the vision tower's pooled output (kept in the result)
     * @return the result
     * @throws IllegalArgumentException when similarities and thresholds differ in length
     */
    public static SafetyResult score(float[] specialCosDist, float[] specialThresholds, float[] cosDist,
            float[] conceptThresholds, float[] imageEmbeds, float[] pooledOutput) {
        if (specialCosDist.length != specialThresholds.length) {
            throw new IllegalArgumentException("special_cos_dist has " + specialCosDist.length
                    + " values but special_care_embeds_weights " + specialThresholds.length);
        }
        if (cosDist.length != conceptThresholds.length) {
            throw new IllegalArgumentException("cos_dist has " + cosDist.length
                    + " values but concept_embeds_weights " + conceptThresholds.length);
        }
        double adjustment = INITIAL_ADJUSTMENT;
        double[] special = new double[specialCosDist.length];
        for (int j = 0; j < special.length; j++) {
            special[j] = score(specialCosDist[j], specialThresholds[j], adjustment);
            if (special[j] > 0) {
                adjustment = SPECIAL_CARE_ADJUSTMENT;
            }
        }
        double[] concept = new double[cosDist.length];
        boolean nsfw = false;
        for (int k = 0; k < concept.length; k++) {
            concept[k] = score(cosDist[k], conceptThresholds[k], adjustment);
            nsfw |= concept[k] > 0;
        }
        return new SafetyResult(nsfw, concept, special, adjustment, cosDist, specialCosDist, imageEmbeds,
                pooledOutput);
    }
}

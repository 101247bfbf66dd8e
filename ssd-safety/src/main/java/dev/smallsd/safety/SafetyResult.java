package dev.smallsd.safety;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What the safety checker found for one image: the flag and everything it was decided from, in the order diffusers'
 * {@code StableDiffusionSafetyChecker.forward} computes it.
 *
 * <p>The arrays are copied on construction and on every access, so a result is immutable.
 *
 * @param nsfw whether the image is flagged: some concept score is {@code > 0}
 * @param conceptScores per concept, {@code round(cos_dist - concept_embeds_weights + adjustment, 3)}
 * @param specialScores per special-care concept, {@code round(special_cos_dist - special_care_embeds_weights +
 *     adjustment, 3)} with the adjustment as it was when that score was computed
 * @param adjustment the adjustment used for the concept scores: {@code 0.01} when some special score is
 *     {@code > 0}, else {@code 0.0}
 * @param cosDist cosine similarity of the normalised image embedding with each concept embedding ({@code cos_dist};
 *     diffusers calls it a distance)
 * @param specialCosDist cosine similarity with each special-care embedding ({@code special_cos_dist})
 * @param imageEmbeds {@code visual_projection(pooled_output)}, {@code projection_dim} values
 * @param pooledOutput the vision tower's {@code pooled_output}, {@code hidden_size} values
 */
public record SafetyResult(boolean nsfw, double[] conceptScores, double[] specialScores, double adjustment,
        float[] cosDist, float[] specialCosDist, float[] imageEmbeds, float[] pooledOutput) {

    /** Copies the arrays and checks that the scores match the similarities they came from. */
    public SafetyResult {
        conceptScores = conceptScores.clone();
        specialScores = specialScores.clone();
        cosDist = cosDist.clone();
        specialCosDist = specialCosDist.clone();
        imageEmbeds = imageEmbeds.clone();
        pooledOutput = pooledOutput.clone();
        if (conceptScores.length != cosDist.length) {
            throw new IllegalArgumentException("conceptScores: " + conceptScores.length + " scores for "
                    + cosDist.length + " concepts");
        }
        if (specialScores.length != specialCosDist.length) {
            throw new IllegalArgumentException("specialScores: " + specialScores.length + " scores for "
                    + specialCosDist.length + " special-care concepts");
        }
    }

    /** @return per concept, the rounded score (a copy) */
    @Override
    public double[] conceptScores() {
        return conceptScores.clone();
    }

    /** @return per special-care concept, the rounded score (a copy) */
    @Override
    public double[] specialScores() {
        return specialScores.clone();
    }

    /** @return per concept, the cosine similarity (a copy) */
    @Override
    public float[] cosDist() {
        return cosDist.clone();
    }

    /** @return per special-care concept, the cosine similarity (a copy) */
    @Override
    public float[] specialCosDist() {
        return specialCosDist.clone();
    }

    /** @return the image embedding (a copy) */
    @Override
    public float[] imageEmbeds() {
        return imageEmbeds.clone();
    }

    /** @return the pooled output of the vision tower (a copy) */
    @Override
    public float[] pooledOutput() {
        return pooledOutput.clone();
    }

    /** @return the indices of the concepts whose score is {@code > 0} (diffusers' {@code bad_concepts}) */
    public List<Integer> badConcepts() {
        return positive(conceptScores);
    }

    /** @return the indices of the special-care concepts whose score is {@code > 0} */
    public List<Integer> specialCare() {
        return positive(specialScores);
    }

    private static List<Integer> positive(double[] scores) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] > 0) {
                out.add(i);
            }
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetyResult r && nsfw == r.nsfw
                && Double.compare(adjustment, r.adjustment) == 0
                && Arrays.equals(conceptScores, r.conceptScores)
                && Arrays.equals(specialScores, r.specialScores)
                && Arrays.equals(cosDist, r.cosDist)
                && Arrays.equals(specialCosDist, r.specialCosDist)
                && Arrays.equals(imageEmbeds, r.imageEmbeds)
                && Arrays.equals(pooledOutput, r.pooledOutput);
    }

    @Override
    public int hashCode() {
        int h = Boolean.hashCode(nsfw);
        h = 31 * h + Double.hashCode(adjustment);
        h = 31 * h + Arrays.hashCode(conceptScores);
        h = 31 * h + Arrays.hashCode(specialScores);
        h = 31 * h + Arrays.hashCode(cosDist);
        return 31 * h + Arrays.hashCode(imageEmbeds);
    }

    @Override
    public String toString() {
        return "SafetyResult[nsfw=" + nsfw + ", badConcepts=" + badConcepts() + ", specialCare=" + specialCare()
                + ", adjustment=" + adjustment + ", conceptScores=" + Arrays.toString(conceptScores)
                + ", specialScores=" + Arrays.toString(specialScores) + "]";
    }
}

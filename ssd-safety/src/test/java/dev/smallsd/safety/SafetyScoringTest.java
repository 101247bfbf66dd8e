package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The scalar decision rule on hand-made similarities, where the expected outcome follows from diffusers' code. */
class SafetyScoringTest {
    private static final float[] NONE = {};

    @Test
    void roundingFollowsNumpysScalarRound() {
        assertThat(SafetyScoring.round3(0.0003)).isEqualTo(0.0);
        assertThat(SafetyScoring.round3(-0.0003)).isEqualTo(-0.0);
        assertThat(SafetyScoring.round3(0.0006)).isEqualTo(0.001);
        assertThat(SafetyScoring.round3(0.0064999)).isEqualTo(0.006);
        // numpy: rint(0.0005 * 1000) = rint(0.5) = 0 (ties to even); Python's round(0.0005, 3) would give 0.001
        assertThat(SafetyScoring.round3(0.0005)).isEqualTo(0.0);
        assertThat(SafetyScoring.round3(0.0015)).isEqualTo(0.002);
    }

    @Test
    void rawScoreOfThreeTenThousandthsDoesNotFlag() {
        SafetyResult r = SafetyScoring.score(new float[] {0.1f}, new float[] {0.5f}, new float[] {0.5003f, 0.2f},
                new float[] {0.5f, 0.3f}, NONE, NONE);
        assertThat(r.conceptScores()[0]).isEqualTo(0.0);
        assertThat(r.nsfw()).isFalse();
        assertThat(r.badConcepts()).isEmpty();
        assertThat(r.adjustment()).isEqualTo(0.0);
    }

    @Test
    void positiveSpecialCareScoreAddsTheAdjustmentToLaterScores() {
        // special 0 is +0.002 > 0, so special 1 (raw -0.005) becomes round(-0.005 + 0.01) = 0.005 and the
        // concept (raw -0.004) becomes +0.006: flagged only through the adjustment
        SafetyResult r = SafetyScoring.score(new float[] {0.302f, 0.295f}, new float[] {0.3f, 0.3f},
                new float[] {0.196f}, new float[] {0.2f}, NONE, NONE);
        assertThat(r.specialScores()).containsExactly(0.002, 0.005);
        assertThat(r.specialCare()).containsExactly(0, 1);
        assertThat(r.adjustment()).isEqualTo(0.01);
        assertThat(r.conceptScores()).containsExactly(0.006);
        assertThat(r.nsfw()).isTrue();
        assertThat(r.badConcepts()).containsExactly(0);
    }

    @Test
    void adjustmentDoesNotReachEarlierSpecialScores() {
        SafetyResult r = SafetyScoring.score(new float[] {0.295f, 0.302f}, new float[] {0.3f, 0.3f},
                new float[] {0.1f}, new float[] {0.2f}, NONE, NONE);
        assertThat(r.specialScores()).containsExactly(-0.005, 0.002);
        assertThat(r.adjustment()).isEqualTo(0.01);
        assertThat(r.nsfw()).isFalse();
    }

    @Test
    void scoreIsComputedInDoubleFromTheFloat32Values() {
        float cos = 0.3f;
        float threshold = 0.1f;
        assertThat(SafetyScoring.score(cos, threshold, 0.0))
                .isEqualTo(Math.rint(((double) cos - (double) threshold) * 1000.0) / 1000.0);
    }

    @Test
    void lengthMismatchIsNamed() {
        assertThatThrownBy(() -> SafetyScoring.score(new float[2], new float[3], new float[1], new float[1], NONE,
                NONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("special_care_embeds_weights");
        assertThatThrownBy(() -> SafetyScoring.score(new float[1], new float[1], new float[2], new float[1], NONE,
                NONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concept_embeds_weights");
    }
}

package dev.smallsd.internal.vae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.testing.ApproxPreviewByHand;
import dev.smallsd.testing.ManagerPerClass;
import org.junit.jupiter.api.Test;

/**
 * AUTOMATIC1111's "Approx cheap" preview on latents small enough to compute by hand: {@code rgb[r] = Σ_l z[l] ·
 * F[l][r]} with A1111's SD-v1 factors, then {@code x / 2 + 0.5} clamped and enlarged by nearest neighbour.
 */
class LatentRgbApproximationTest extends ManagerPerClass {
    @Test
    void eachLatentPositionIsALinearMapOfItsFourChannels() {
        // [1, 4, 1, 3]: position 0 = channel 0 only, position 1 = all channels 1, position 2 = (2, -1, 0.5, -3)
        float[][] positions = {{1, 0, 0, 0}, {1, 1, 1, 1}, {2, -1, 0.5f, -3}};
        NDArray z = latents(positions);
        float[] rgb = LatentRgbApproximation.rgb(z).toFloatArray(); // [1, 3, 1, 3]
        assertThat(LatentRgbApproximation.rgb(z).getShape()).isEqualTo(new Shape(1, 3, 1, 3));
        double[][] byHand = {
            {0.298, 0.207, 0.208},
            {0.298 + 0.187 - 0.158 - 0.184, 0.207 + 0.286 + 0.189 - 0.271, 0.208 + 0.173 + 0.264 - 0.473},
            {2 * 0.298 - 0.187 - 0.5 * 0.158 + 3 * 0.184, 2 * 0.207 - 0.286 + 0.5 * 0.189 + 3 * 0.271,
                2 * 0.208 - 0.173 + 0.5 * 0.264 + 3 * 0.473},
        };
        for (int p = 0; p < positions.length; p++) {
            for (int c = 0; c < 3; c++) {
                assertThat((double) rgb[c * positions.length + p]).as("position %d colour %d", p, c)
                        .isCloseTo(byHand[p][c], within(1e-6));
                assertThat(byHand[p][c]).isCloseTo(ApproxPreviewByHand.rgb(positions[p], c), within(1e-12));
            }
        }
    }

    @Test
    void imagesAreClampedToTheUnitRangeAndEnlargedByNearestNeighbour() {
        float[][] positions = {{10, 10, 10, 10}, {-10, -10, -10, -10}, {0, 0, 0, 0}, {0.5f, -0.25f, 1, -0.75f}};
        NDArray z = latents(positions); // [1, 4, 1, 4]
        int f = 8;
        NDArray img = LatentRgbApproximation.images(z, f);
        assertThat(img.getShape()).isEqualTo(new Shape(1, f, positions.length * f, 3));
        float[] v = img.toFloatArray();
        for (float x : v) {
            assertThat(x).isBetween(0f, 1f);
        }
        for (int y = 0; y < f; y++) {
            for (int x = 0; x < positions.length * f; x++) {
                float[] source = positions[x / f];
                for (int c = 0; c < 3; c++) {
                    double expected = Math.max(0, Math.min(1, ApproxPreviewByHand.rgb(source, c) / 2 + 0.5));
                    assertThat((double) v[(y * positions.length * f + x) * 3 + c]).as("pixel (%d, %d) colour %d", x, y,
                            c).isCloseTo(expected, within(1e-6));
                }
            }
        }
        assertThat(LatentRgbApproximation.images(z, 1).getShape()).isEqualTo(new Shape(1, 1, positions.length, 3));
    }

    @Test
    void latentsWithoutFourChannelsAreRejected() {
        assertThatThrownBy(() -> LatentRgbApproximation.rgb(manager.zeros(new Shape(1, 16, 2, 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, 4, h, w]");
    }

    /** @return {@code [1, 4, 1, positions]} with {@code z[0, l, 0, p] = positions[p][l]} */
    private NDArray latents(float[][] positions) {
        float[] nchw = new float[4 * positions.length];
        for (int p = 0; p < positions.length; p++) {
            for (int l = 0; l < 4; l++) {
                nchw[l * positions.length + p] = positions[p][l];
            }
        }
        return manager.create(nchw, new Shape(1, 4, 1, positions.length));
    }
}

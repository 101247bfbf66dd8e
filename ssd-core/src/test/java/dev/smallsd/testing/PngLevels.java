package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;

/** The PNG comparison of the seeded golden cases: the largest difference of one RGB channel in 8-bit levels. */
public final class PngLevels {
    private PngLevels() {}

    /**
     * @param a an image
     * @param b another of the same size
     * @return the largest difference of one RGB channel, in 8-bit levels
     */
    public static int maxLevelDiff(BufferedImage a, BufferedImage b) {
        assertThat(a.getWidth()).as("image width").isEqualTo(b.getWidth());
        assertThat(a.getHeight()).as("image height").isEqualTo(b.getHeight());
        int worst = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s <= 16; s += 8) {
                    worst = Math.max(worst, Math.abs(((p >> s) & 0xFF) - ((q >> s) & 0xFF)));
                }
            }
        }
        return worst;
    }
}

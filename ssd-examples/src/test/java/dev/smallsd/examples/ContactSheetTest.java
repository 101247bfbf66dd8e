package dev.smallsd.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContactSheetTest {
    private static BufferedImage solid(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, c.getRGB());
            }
        }
        return img;
    }

    @Test
    void runsHeadless() {
        assertThat(GraphicsEnvironment.isHeadless()).isTrue();
    }

    @Test
    void gridIsCeilSqrtColumnsAndCellsAreWideEnoughForTheirLabels() {
        ContactSheet.Layout l = ContactSheet.layout(Collections.nCopies(18, "dpm++2m-karras"), 8, 8);
        assertThat(l.columns()).isEqualTo(5);
        assertThat(l.rows()).isEqualTo(4);
        assertThat(l.cellWidth()).isGreaterThan(8);
        assertThat(l.labelHeight()).isPositive();
        ContactSheet.Layout big = ContactSheet.layout(List.of("a", "b", "c", "d"), 512, 256);
        assertThat(big.columns()).isEqualTo(2);
        assertThat(big.rows()).isEqualTo(2);
        assertThat(big.cellWidth()).isEqualTo(512);
        assertThat(big.cellHeight()).isEqualTo(256 + big.labelHeight());
    }

    @Test
    void drawsEachImageInItsCellWithItsLabelUnderneath() {
        List<BufferedImage> images = List.of(solid(32, 16, Color.RED), solid(32, 16, Color.GREEN),
                solid(32, 16, Color.BLUE));
        List<String> labels = List.of("red", "green", "blue");
        BufferedImage sheet = ContactSheet.render(images, labels);
        ContactSheet.Layout l = ContactSheet.layout(labels, 32, 16);
        assertThat(sheet.getWidth()).isEqualTo(l.width());
        assertThat(sheet.getHeight()).isEqualTo(l.height());
        for (int i = 0; i < images.size(); i++) {
            Rectangle r = l.image(i);
            assertThat(sheet.getRGB(r.x + r.width / 2, r.y + r.height / 2)).isEqualTo(images.get(i).getRGB(0, 0));
            Rectangle label = l.label(i);
            int ink = 0;
            for (int y = label.y; y < label.y + label.height; y++) {
                for (int x = label.x; x < label.x + label.width; x++) {
                    if (sheet.getRGB(x, y) != Color.WHITE.getRGB()) {
                        ink++;
                    }
                }
            }
            assertThat(ink).as("text pixels under image %d", i).isGreaterThan(10);
        }
    }

    @Test
    void rejectsMismatchedInput() {
        assertThatThrownBy(() -> ContactSheet.render(List.of(solid(8, 8, Color.RED)), List.of("a", "b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labels");
        assertThatThrownBy(() -> ContactSheet.render(List.of(solid(8, 8, Color.RED), solid(16, 8, Color.RED)),
                List.of("a", "b"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image 1");
    }
}

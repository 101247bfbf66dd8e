package dev.smallsd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.testing.Golden;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs each example's {@code main} against the tiny pipeline and checks the files it writes. */
class ExamplesTest {
    @TempDir
    Path tmp;

    private static String tiny() {
        return Golden.tinyModel().toString();
    }

    @Test
    void textToImageWritesAPngOfTheModelsDefaultSize() throws IOException {
        Path out = tmp.resolve("apple.png");
        TextToImageExample.main(new String[] {tiny(), out.toString(), "4"});
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img).as("decodes as PNG").isNotNull();
        // tiny-ssd: unet sample_size 8 × VAE factor 8
        assertThat(img.getWidth()).isEqualTo(64);
        assertThat(img.getHeight()).isEqualTo(64);
    }

    @Test
    void imageToImageWritesAPngOfTheInitImageSize() throws IOException {
        Path in = tmp.resolve("in.png");
        BufferedImage src = new BufferedImage(72, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                src.setRGB(x, y, (x * 3) << 16 | (y * 4) << 8 | ((x + y) & 0xFF));
            }
        }
        ImageIO.write(src, "png", in.toFile());
        Path out = tmp.resolve("out.png");
        ImageToImageExample.main(new String[] {tiny(), in.toString(), out.toString(), "4"});
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img).isNotNull();
        assertThat(img.getWidth()).isEqualTo(72);
        assertThat(img.getHeight()).isEqualTo(64);
    }

    @Test
    void schedulerGalleryHasOneLabelledCellPerSchedulerType() throws IOException {
        Path out = tmp.resolve("gallery.png");
        SchedulerGalleryExample.main(new String[] {tiny(), out.toString(), "4"});
        BufferedImage sheet = ImageIO.read(out.toFile());
        assertThat(sheet).isNotNull();
        List<String> names = Arrays.stream(SchedulerType.values()).map(SchedulerType::userName).toList();
        ContactSheet.Layout layout = ContactSheet.layout(names, 64, 64);
        assertThat(layout.count()).isEqualTo(SchedulerType.values().length);
        assertThat(sheet.getWidth()).isEqualTo(layout.width());
        assertThat(sheet.getHeight()).isEqualTo(layout.height());
        int cells = layout.columns() * layout.rows();
        for (int i = 0; i < cells; i++) {
            boolean used = i < names.size();
            assertThat(inked(sheet, layout.label(i))).as("label of cell %d (%s)", i, used ? names.get(i) : "unused")
                    .isEqualTo(used);
            assertThat(inked(sheet, layout.image(i))).as("image of cell %d", i).isEqualTo(used);
        }
    }

    /** Whether a region has any pixel that is not the sheet background. */
    private static boolean inked(BufferedImage img, Rectangle r) {
        int bg = ContactSheet.BACKGROUND.getRGB();
        for (int y = r.y; y < r.y + r.height; y++) {
            for (int x = r.x; x < r.x + r.width; x++) {
                if (img.getRGB(x, y) != bg) {
                    return true;
                }
            }
        }
        return false;
    }
}

package dev.smallsd.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@link InpaintExample} on the tiny pipeline. */
class InpaintExampleTest {
    @TempDir
    Path tmp;

    @Test
    void inpaintingWritesAPngOfTheImageSize() throws IOException {
        BufferedImage src = new BufferedImage(64, 72, BufferedImage.TYPE_INT_RGB);
        BufferedImage mask = new BufferedImage(64, 72, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                src.setRGB(x, y, (x * 3) << 16 | (y * 3) << 8 | ((x + y) & 0xFF));
                mask.getRaster().setSample(x, y, 0, x >= 32 ? 255 : 0);
            }
        }
        Path in = tmp.resolve("in.png");
        Path maskFile = tmp.resolve("mask.png");
        ImageIO.write(src, "png", in.toFile());
        ImageIO.write(mask, "png", maskFile.toFile());
        Path out = tmp.resolve("out.png");
        InpaintExample.main(new String[] {Golden.tinyModel().toString(), in.toString(), maskFile.toString(),
            out.toString(), "3"});
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img).as("decodes as PNG").isNotNull();
        assertThat(img.getWidth()).isEqualTo(64);
        assertThat(img.getHeight()).isEqualTo(72);
    }
}

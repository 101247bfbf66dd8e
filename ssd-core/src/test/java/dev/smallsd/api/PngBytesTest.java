package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.GenerationResult;
import dev.smallsd.PngWriter;
import dev.smallsd.Timings;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GenerationResult#pngBytes} gives exactly the bytes {@link GenerationResult#savePng} writes. */
class PngBytesTest {

    @Test
    void inMemoryPngEqualsTheSavedFileAndKeepsTheParametersChunk(@TempDir Path dir) throws Exception {
        BufferedImage image = new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                image.setRGB(x, y, (x * 16) << 16 | (y * 32) << 8 | (x + y));
            }
        }
        String parameters = "a café\nSteps: 3, Seed: 7";
        GenerationResult r = new GenerationResult(List.of(image), 7, List.of(), new Timings(0, 0, 0, 0, 0),
                List.of(parameters), "PNDMScheduler", "tiny");
        Path file = dir.resolve("x.png");
        r.savePng(0, file);

        byte[] bytes = r.pngBytes(0);

        assertThat(bytes).isEqualTo(Files.readAllBytes(file));
        assertThat(PngWriter.readParameters(file)).isEqualTo(parameters);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(back.getRGB(5, 3)).isEqualTo(image.getRGB(5, 3));
    }
}

package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.GenerationResult;
import dev.smallsd.PngWriter;
import dev.smallsd.Timings;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    @Test
    void nonLatin1ParametersGoIntoAnITXtChunkAndReadBack(@TempDir Path dir) throws Exception {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        String latin1 = "a caf\u00e9\nSteps: 3";
        String unicode = "caf\u00e9 in \u6771\u4eac, \ud83c\udf4e\nSteps: 3, Seed: 7";
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        PngWriter.write(image, a, latin1);
        PngWriter.write(image, b, unicode);
        assertThat(PngWriter.readParameters(a)).isEqualTo(latin1);
        assertThat(PngWriter.readParameters(b)).isEqualTo(unicode);
        assertThat(chunkTypes(Files.readAllBytes(a))).contains("tEXt").doesNotContain("iTXt");
        assertThat(chunkTypes(Files.readAllBytes(b))).contains("iTXt").doesNotContain("tEXt");
    }

    /** The chunk types of a PNG file, in order. */
    private static List<String> chunkTypes(byte[] png) {
        List<String> types = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.wrap(png);
        buf.position(8);
        while (buf.remaining() >= 12) {
            int length = buf.getInt();
            byte[] type = new byte[4];
            buf.get(type);
            types.add(new String(type, StandardCharsets.US_ASCII));
            buf.position(buf.position() + length + 4);
        }
        return types;
    }
}

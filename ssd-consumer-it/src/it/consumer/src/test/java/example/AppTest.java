package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smallsd.PngWriter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppTest {

    @Test
    void readmeExampleRunsOnTheTinyModel(@TempDir Path dir) throws Exception {
        String model = System.getProperty("ssd.tinyModel");
        assertTrue(model != null && Files.isDirectory(Path.of(model)), "tiny model folder " + model);
        Path png = dir.resolve("apple.png");
        App.main(new String[] {model, png.toString(), "64"});
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(64, image.getWidth());
        assertTrue(PngWriter.readParameters(png).startsWith("an apple, 4k\nSteps: 10"), "A1111 parameters");
    }
}

package dev.smallsd.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.PngWriter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PngWriter#write}: missing folders are created; a failure names the path given, never the temporary file. */
class PngWriterErrorsTest {
    private static final BufferedImage IMAGE = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);

    @Test
    void missingFoldersAreCreated(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("a").resolve("b").resolve("x.png");
        PngWriter.write(IMAGE, file, "p");
        assertThat(PngWriter.readParameters(file)).isEqualTo("p");
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void anUnwritableFolderIsReportedWithThePathGiven() {
        Path file = Path.of("/proc/x.png"); // no process may create files there
        assertThatThrownBy(() -> PngWriter.write(IMAGE, file, "p")).isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot write " + file + ": ").message().doesNotContain(".tmp");
    }

    @Test
    void aFileInTheWayOfAFolderIsReportedWithThePathGiven(@TempDir Path dir) throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "x");
        Path file = notes.resolve("x.png");
        assertThatThrownBy(() -> PngWriter.write(IMAGE, file, "p")).isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot write " + file + ": ").message().doesNotContain(".tmp");
        assertThat(notes).hasContent("x");
    }
}

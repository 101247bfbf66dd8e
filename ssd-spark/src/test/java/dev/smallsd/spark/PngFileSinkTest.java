package dev.smallsd.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image files: deterministic names, whole-or-nothing writes, idempotent rewrites. */
class PngFileSinkTest {

    @Test
    void namesComeFromThePromptTheSeedAndTheBytes() {
        byte[] png = {1, 2, 3};
        assertThat(PngFileSink.fileName("An Apple, 4K!", 42, png)).matches("an-apple-4k-42-[0-9a-f]{8}\\.png");
        assertThat(PngFileSink.fileName("An Apple, 4K!", 42, png)).isEqualTo(PngFileSink.fileName("An Apple, 4K!",
                42, new byte[] {1, 2, 3}));
        assertThat(PngFileSink.fileName("An Apple, 4K!", 42, new byte[] {1, 2, 4}))
                .isNotEqualTo(PngFileSink.fileName("An Apple, 4K!", 42, png));
        assertThat(PngFileSink.fileName("草莓", 1, png)).startsWith("image-1-");
        assertThat(PngFileSink.fileName("x".repeat(200), 1, png)).hasSize(48 + "-1-".length() + 8 + ".png".length());
    }

    @Test
    void writesLeaveOnlyTheFinalFileAndARewriteKeepsIt(@TempDir Path dir) throws Exception {
        FileSystem fs = FileSystem.newInstance(dir.toUri(), new Configuration());
        fs.setWriteChecksum(false);
        try {
            org.apache.hadoop.fs.Path d = new org.apache.hadoop.fs.Path(dir.toUri());
            PngFileSink.write(fs, d, "a.png", new byte[] {9, 8, 7});
            PngFileSink.write(fs, d, "a.png", new byte[] {9, 8, 7});
        } finally {
            fs.close();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("a.png");
        }
        assertThat(Files.readAllBytes(dir.resolve("a.png"))).containsExactly(9, 8, 7);
    }
}

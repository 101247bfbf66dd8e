package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssd generate} refuses an output path it cannot write before it resolves or loads the model: the model given
 * here does not exist, so any later check would report the model instead of the output.
 */
class UnwritableOutputTest {
    @TempDir
    Path tmp;

    private CliRun generate(Path output) {
        return CliRun.of("generate", "--model", tmp.resolve("no-such-model").toString(), "--prompt", "an apple",
                "--steps", "1", "--no-safety", "--output", output.toString());
    }

    private static void assertRefused(CliRun r, Path output) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        List<String> errors = r.errLines().stream().filter(l -> l.startsWith("ssd: ")).toList();
        assertThat(errors).as(r.toString()).hasSize(1);
        assertThat(errors.get(0)).contains("--output", output.toString()).doesNotContain("no-such-model");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aPathUnderProcIsRefusedBeforeTheModelLoads() {
        Path output = Path.of("/proc/x/y.png");
        assertRefused(generate(output), output);
        assertThat(output).doesNotExist();
    }

    @Test
    void aPathBelowARegularFileIsRefusedBeforeTheModelLoads() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "not a folder");
        Path output = file.resolve("sub").resolve("out.png");
        assertRefused(generate(output), output);
        assertThat(file).hasContent("not a folder");
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
        }
    }

    @Test
    void aMissingFolderThatCanBeCreatedIsAccepted() {
        // the writer creates missing folders, so only the model is left to complain about
        CliRun r = generate(tmp.resolve("new").resolve("dir").resolve("out.png"));
        assertThat(r.exitCode()).as(r.toString()).isNotEqualTo(SsdCommand.EXIT_OK);
        assertThat(r.err()).contains("no-such-model").doesNotContain("--output");
        assertThat(tmp.resolve("new")).doesNotExist();
    }
}

package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.smallsd.PngWriter;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.TextFeatureCases;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ssd generate --prompt-syntax} and {@code --embedding} on the tiny pipeline. */
class TextFeaturesCliTest {
    @TempDir
    Path tmp;

    /** The embeddings (file → token) of the manifest's seeded textual-inversion case, and its prompt. */
    private static Map.Entry<String, JsonObject> seededTi() {
        return TextFeatureCases.cases().entrySet().stream()
                .filter(e -> TextFeatureCases.TEXTUAL_INVERSION.equals(e.getValue().get("kind").getAsString())
                        && TextFeatureCases.isSeeded(e.getValue()))
                .findFirst().orElseThrow(() -> new AssertionError("no seeded textual_inversion case"));
    }

    @Test
    void a1111PromptWithEmbeddingsWritesThePromptAsWritten() throws IOException {
        Map.Entry<String, JsonObject> c = seededTi();
        String prompt = "(" + c.getValue().get("prompt").getAsString() + ":1.2) BREAK [calm]";
        Path out = tmp.resolve("ti.png");
        List<String> args = new ArrayList<>(List.of("generate", "--model", Golden.tinyModel().toString(),
                "--prompt", prompt, "--negative", "(blurry:1.3)", "--prompt-syntax", "a1111", "--size", "64x64",
                "--steps", "2", "--seed", "3", "--no-safety", "--progress", "none", "--output", out.toString()));
        TextFeatureCases.embeddings(c.getKey(), c.getValue()).forEach((file, token) -> {
            args.add("--embedding");
            args.add(file + ":" + token);
        });
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(PngWriter.readParameters(out)).startsWith(prompt + "\nNegative prompt: (blurry:1.3)\n");
    }

    @Test
    void badValuesAreUsageErrors() {
        Path out = tmp.resolve("x.png");
        CliRun missing = CliRun.of("generate", "--model", Golden.tinyModel().toString(), "--prompt", "a",
                "--embedding", tmp.resolve("none.pt") + ":<t>", "--output", out.toString());
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(missing.err()).contains("--embedding").contains("none.pt");
        CliRun syntax = CliRun.of("generate", "--model", Golden.tinyModel().toString(), "--prompt", "a",
                "--prompt-syntax", "comfy", "--output", out.toString());
        assertThat(syntax.exitCode()).as(syntax.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(syntax.err()).contains("comfy");
        CliRun weight = CliRun.of("generate", "--model", Golden.tinyModel().toString(), "--prompt", "(a:1.2.3)",
                "--prompt-syntax", "a1111", "--output", out.toString());
        assertThat(weight.exitCode()).as(weight.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(weight.err()).contains("prompt: ");
        assertThat(out).doesNotExist();
    }

    @Test
    void embeddingValuesSplitAtTheLastColonUnlessTheWholeValueIsAFile() throws IOException {
        assertThat(EmbeddingOption.parse("a/b.pt:<t>")).isEqualTo(new EmbeddingOption(Path.of("a/b.pt"), "<t>"));
        assertThat(EmbeddingOption.parse("a/b.pt")).isEqualTo(new EmbeddingOption(Path.of("a/b.pt"), null));
        Path odd = java.nio.file.Files.createFile(tmp.resolve("x:y.pt"));
        assertThat(EmbeddingOption.parse(odd.toString())).isEqualTo(new EmbeddingOption(odd, null));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmbeddingOption.parse("a.pt:"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

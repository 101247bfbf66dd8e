package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.PngLevels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --mask}, {@code --lora}, {@code --vae} and {@code --unet}: every seeded inpaint/lora/taesd case of
 * {@code golden/features} run through {@code ssd generate} must write diffusers' PNG within
 * {@code png_max_level_diff}; bad arguments are usage errors naming the option.
 */
class FeaturesCliTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> cliMatchesDiffusersForEverySeededFeatureCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (FeatureCase c : FeatureCase.all()) {
            if (c.seeded()) {
                tests.add(DynamicTest.dynamicTest(c.toString(), () -> runCase(c)));
            }
        }
        assertThat(tests).as("seeded feature cases").isNotEmpty();
        return tests.stream();
    }

    private void runCase(FeatureCase c) throws IOException {
        JsonObject e = c.entry();
        Path out = tmp.resolve(c.name() + ".png");
        CliRun r = CliRun.of(generateArgs(c, out).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Path first = OutputPaths.forImages(out, e.get("images_per_prompt").getAsInt()).get(0);
        BufferedImage png = ImageIO.read(FeatureCase.dir().resolve(c.name() + ".png").toFile());
        int levels = PngLevels.maxLevelDiff(ImageIO.read(first.toFile()), png);
        System.out.printf("ssd generate %s: max level difference %d (bound %d)%n", c.name(), levels,
                c.pngMaxLevelDiff());
        assertThat(levels).as(c.name()).isLessThanOrEqualTo(c.pngMaxLevelDiff());
    }

    /**
     * @param c a seeded feature case
     * @param out the {@code --output} file
     * @return the {@code ssd generate} arguments that replay it (every value from the manifest)
     */
    static List<String> generateArgs(FeatureCase c, Path out) {
        JsonObject e = c.entry();
        List<String> args = new ArrayList<>(List.of("generate",
                "--model", c.modelFolder().toString(),
                "--prompt", e.get("prompt").getAsString(),
                "--scheduler", e.get("scheduler").getAsString(),
                "--steps", e.get("steps").getAsString(),
                "--guidance", e.get("guidance").getAsString(),
                "--seed", e.get("seed").getAsString(),
                "--size", e.get("width").getAsInt() + "x" + e.get("height").getAsInt(),
                "--num-images", e.get("images_per_prompt").getAsString(),
                "--progress", "none",
                "--output", out.toString()));
        if (e.has("negative") && !e.get("negative").isJsonNull()) {
            args.addAll(List.of("--negative", e.get("negative").getAsString()));
        }
        if (c.unetFolder() != null) {
            args.addAll(List.of("--unet", c.unetFolder().toString()));
        }
        if (e.has("vae")) {
            args.addAll(List.of("--vae", c.path("vae").toString()));
        }
        if (e.has("files")) {
            for (Path f : c.loraFiles()) {
                args.addAll(List.of("--lora", f + ":" + c.loraScale()));
            }
        }
        if (!c.withSafetyChecker()) {
            args.add("--no-safety");
        }
        if ("inpaint".equals(c.mode())) {
            args.addAll(List.of("--init-image", c.path("init_image").toString(), "--mask",
                    c.path("mask_image").toString(), "--strength", e.get("strength").getAsString()));
        }
        return args;
    }

    @Test
    void loraSpecsTakeAnOptionalScaleAfterTheLastColon() {
        assertThat(LoraSpec.parse("style.safetensors")).isEqualTo(new LoraSpec(Path.of("style.safetensors"), 1.0));
        assertThat(LoraSpec.parse("a/b.safetensors:0.6")).isEqualTo(new LoraSpec(Path.of("a/b.safetensors"), 0.6));
        assertThat(LoraSpec.parse("odd:name.safetensors").path()).isEqualTo(Path.of("odd:name.safetensors"));
        assertThatThrownBy(() -> LoraSpec.parse(":0.5")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void maskWithoutInitImageAndMissingFilesAreUsageErrors() {
        String model = Golden.tinyModel().toString();
        String out = tmp.resolve("x.png").toString();
        CliRun noInit = CliRun.of("generate", "-m", model, "-p", "x", "--mask", out, "-o", out);
        assertThat(noInit.exitCode()).as(noInit.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(noInit.err()).contains("--mask");
        CliRun noLora = CliRun.of("generate", "-m", model, "-p", "x", "--lora", tmp.resolve("none.safetensors") + ":2",
                "-o", out);
        assertThat(noLora.exitCode()).as(noLora.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(noLora.err()).contains("--lora");
        CliRun noVae = CliRun.of("generate", "-m", model, "-p", "x", "--vae", tmp.resolve("none").toString(),
                "-o", out);
        assertThat(noVae.exitCode()).as(noVae.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(noVae.err()).contains("--vae");
    }
}

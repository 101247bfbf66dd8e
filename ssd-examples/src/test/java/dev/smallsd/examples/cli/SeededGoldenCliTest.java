package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case of {@code golden/seeded/MANIFEST.json} run through {@code ssd generate} with the case's seed: the PNG the
 * CLI writes must match diffusers' {@code <case>.png} within the manifest's {@code png_max_level_diff}.
 */
class SeededGoldenCliTest {
    @TempDir
    Path tmp;

    private static Path seededDir() {
        return Golden.goldenDir().resolve("seeded");
    }

    @TestFactory
    Stream<DynamicTest> cliMatchesDiffusersForEverySeededCase() {
        JsonObject cases = Golden.readJson(seededDir().resolve("MANIFEST.json")).getAsJsonObject("cases");
        assertThat(cases.size()).as("seeded cases in the manifest").isPositive();
        return cases.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(),
                () -> runCase(e.getKey(), e.getValue().getAsJsonObject())));
    }

    private void runCase(String name, JsonObject c) throws IOException {
        Path out = tmp.resolve(name + ".png");
        List<String> args = new ArrayList<>(List.of("generate",
                "--model", Golden.tinyModel().toString(),
                "--prompt", c.get("prompt").getAsString(),
                "--scheduler", c.get("scheduler").getAsString(),
                "--steps", c.get("steps").getAsString(),
                "--guidance", c.get("guidance").getAsString(),
                "--seed", c.get("seed").getAsString(),
                "--size", c.get("width").getAsInt() + "x" + c.get("height").getAsInt(),
                "--num-images", c.get("images_per_prompt").getAsString(),
                "--progress", "none",
                "--output", out.toString()));
        JsonElement negative = c.get("negative");
        if (negative != null && !negative.isJsonNull()) {
            args.addAll(List.of("--negative", negative.getAsString()));
        }
        String mode = c.get("mode").getAsString();
        switch (mode) {
            case "txt2img" -> { }
            case "img2img" -> {
                for (String key : List.of("init_image", "strength")) {
                    if (!c.has(key)) {
                        fail("seeded case " + name + ": img2img needs key '" + key + "' in the manifest");
                    }
                }
                args.addAll(List.of("--init-image", seededDir().resolve(c.get("init_image").getAsString()).toString(),
                        "--strength", c.get("strength").getAsString()));
            }
            default -> fail("seeded case " + name + ": unknown mode '" + mode + "'");
        }

        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();

        // the case PNG holds image 0; with several images the CLI numbers them from 1
        int images = c.get("images_per_prompt").getAsInt();
        Path first = OutputPaths.forImages(out, images).get(0);
        for (Path p : OutputPaths.forImages(out, images)) {
            assertThat(p).exists();
        }
        BufferedImage actual = ImageIO.read(first.toFile());
        BufferedImage expected = ImageIO.read(seededDir().resolve(name + ".png").toFile());
        int maxLevelDiff = c.getAsJsonObject("tolerance").get("png_max_level_diff").getAsInt();
        assertThat(actual.getWidth()).isEqualTo(expected.getWidth());
        assertThat(actual.getHeight()).isEqualTo(expected.getHeight());
        int worst = 0;
        int worstX = 0;
        int worstY = 0;
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int a = actual.getRGB(x, y);
                int b = expected.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    int d = Math.abs((a >> shift & 0xFF) - (b >> shift & 0xFF));
                    if (d > worst) {
                        worst = d;
                        worstX = x;
                        worstY = y;
                    }
                }
            }
        }
        assertThat(worst).as("%s: max grey-level difference to diffusers' PNG (at %d,%d)", name, worstX, worstY)
                .isLessThanOrEqualTo(maxLevelDiff);
        for (int i = 0; i < images; i++) {
            boolean flagged = c.getAsJsonArray("nsfw").get(i).getAsBoolean();
            String file = OutputPaths.forImages(out, images).get(i).toString();
            assertThat(r.err().contains("flagged " + file)).as("%s: safety warning for %s", name, file)
                    .isEqualTo(flagged);
        }
    }
}

package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.PngLevels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
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
 * {@code --preview-every}, {@code --preview-dir}, {@code --preview-mode} and {@code --preview-vae}: every seeded
 * {@code taesd} case of {@code golden/features} run with the model's own VAE and the case's autoencoder as
 * {@code --preview-vae} writes one preview per model call, the last being diffusers' image decoded by that
 * autoencoder, and the same image file as without previews; preview options that cannot work are usage errors.
 */
class PreviewsCliTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> previewsOfEverySeededTaesdCase() {
        List<DynamicTest> tests = new ArrayList<>();
        for (FeatureCase c : FeatureCase.all()) {
            if (c.seeded() && "taesd".equals(c.kind()) && c.entry().has("vae")) {
                tests.add(DynamicTest.dynamicTest(c + " --preview-vae", () -> runCase(c)));
            }
        }
        assertThat(tests).as("seeded taesd cases with a 'vae'").isNotEmpty();
        return tests.stream();
    }

    private void runCase(FeatureCase c) throws IOException {
        JsonObject modelVae = c.entry().deepCopy();
        modelVae.remove("vae");
        FeatureCase plain = new FeatureCase(c.name(), c.kind(), modelVae);
        Path without = tmp.resolve("without.png");
        CliRun off = CliRun.of(FeaturesCliTest.generateArgs(plain, without).toArray(String[]::new));
        assertThat(off.exitCode()).as(off.toString()).isZero();

        Path out = tmp.resolve(c.name() + ".png");
        Path dir = tmp.resolve("previews");
        List<String> args = new ArrayList<>(FeaturesCliTest.generateArgs(plain, out));
        args.addAll(List.of("--preview-every", "1", "--preview-dir", dir.toString(), "--preview-vae",
                c.path("vae").toString()));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();

        int images = c.entry().get("images_per_prompt").getAsInt();
        List<Path> previews;
        try (Stream<Path> files = Files.list(dir)) {
            previews = files.sorted().toList();
        }
        assertThat(previews).as("one preview per model call and image").isNotEmpty()
                .hasSize(previews.size() / images * images);
        Path lastCall = previews.get(previews.size() - images);
        assertThat(lastCall.getFileName().toString()).startsWith(c.name() + "-");
        BufferedImage golden = ImageIO.read(FeatureCase.dir().resolve(c.name() + ".png").toFile());
        int levels = PngLevels.maxLevelDiff(ImageIO.read(lastCall.toFile()), golden);
        System.out.printf("ssd generate %s: last preview %s vs %s.png: max level difference %d (bound %d)%n",
                c.name(), lastCall.getFileName(), c.name(), levels, c.pngMaxLevelDiff());
        assertThat(levels).as(c.name() + " last preview").isLessThanOrEqualTo(c.pngMaxLevelDiff());
        for (int i = 0; i < images; i++) {
            assertThat(PngLevels.maxLevelDiff(ImageIO.read(OutputPaths.forImages(out, images).get(i).toFile()),
                    ImageIO.read(OutputPaths.forImages(without, images).get(i).toFile())))
                    .as("image %d with and without previews", i).isZero();
        }
    }

    @Test
    void previewOptionsThatCannotWorkAreUsageErrorsNamingTheOption() throws IOException {
        String model = Golden.tinyModel().toString();
        String out = tmp.resolve("x.png").toString();
        CliRun dirOnly = CliRun.of("generate", "-m", model, "-p", "x", "--preview-dir", tmp.toString(), "-o", out);
        assertThat(dirOnly.exitCode()).as(dirOnly.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(dirOnly.err()).contains("--preview-dir").contains("--preview-every");

        CliRun noVae = CliRun.of("generate", "-m", model, "-p", "x", "--preview-every", "1", "--preview-vae",
                tmp.resolve("none").toString(), "-o", out);
        assertThat(noVae.exitCode()).as(noVae.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(noVae.err()).contains("--preview-vae");

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        CliRun dirIsFile = CliRun.of("generate", "-m", model, "-p", "x", "--preview-every", "1", "--preview-dir",
                file.toString(), "-o", out);
        assertThat(dirIsFile.exitCode()).as(dirIsFile.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(dirIsFile.err()).contains("--preview-dir");

        CliRun tinyWithout = CliRun.of("generate", "-m", model, "-p", "x", "--steps", "1", "--size", "64x64",
                "--no-safety", "--preview-every", "1", "--preview-mode", "tiny", "-o", out);
        assertThat(tinyWithout.exitCode()).as(tinyWithout.toString()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(tinyWithout.err()).contains("--preview-mode: TINY");
        assertThat(tmp.resolve("x.png")).doesNotExist();
        assertThat(tmp.resolve("x-previews")).doesNotExist();
    }
}

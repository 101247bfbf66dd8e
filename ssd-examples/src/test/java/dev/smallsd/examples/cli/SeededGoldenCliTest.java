package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.testing.Golden;
import dev.smallsd.testing.SeededCase;
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
 * Every case of {@code golden/seeded/MANIFEST.json} (every mode, read through {@link SeededCase}) run through
 * {@code ssd generate} with the case's seed: the PNG the CLI writes must match diffusers' {@code <case>.png} within the
 * manifest's {@code png_max_level_diff}, and the CLI must warn about exactly the images the reference flagged.
 */
class SeededGoldenCliTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> cliMatchesDiffusersForEverySeededCase() {
        return SeededCase.all().stream().map(c -> DynamicTest.dynamicTest(c.displayName(), () -> runCase(c)));
    }

    /** @return the {@code ssd generate} arguments of a case, every manifest key mapped to its option */
    static List<String> arguments(SeededCase c, Path out) {
        List<String> args = new ArrayList<>(List.of("generate",
                "--model", Golden.tinyModel().toString(),
                "--prompt", c.prompt(),
                "--scheduler", c.schedulerName(),
                "--steps", Integer.toString(c.steps()),
                "--guidance", Double.toString(c.guidance()),
                "--seed", Long.toString(c.seed()),
                "--num-images", Integer.toString(c.imagesPerPrompt()),
                "--progress", "none",
                "--output", out.toString()));
        c.negative().ifPresent(n -> args.addAll(List.of("--negative", n)));
        c.size().ifPresent(s -> args.addAll(List.of("--size", s[0] + "x" + s[1])));
        switch (c.mode()) {
            case TXT2IMG -> { }
            case IMG2IMG -> args.addAll(List.of("--init-image", c.initImage().orElseThrow().toString(),
                    "--strength", Double.toString(c.strength().orElseThrow())));
        }
        return args;
    }

    private void runCase(SeededCase c) throws IOException {
        String name = c.name();
        Path out = tmp.resolve(name + ".png");
        CliRun r = CliRun.of(arguments(c, out).toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();

        // the case PNG holds image 0; with several images the CLI numbers them from 1
        int images = c.imagesPerPrompt();
        List<Path> files = OutputPaths.forImages(out, images);
        for (Path p : files) {
            assertThat(p).exists();
        }
        BufferedImage actual = ImageIO.read(files.get(0).toFile());
        assertThat(c.maxLevelDiffToPng(actual)).as("%s: max grey-level difference to diffusers' PNG", name)
                .isLessThanOrEqualTo(c.pngMaxLevelDiff());
        List<Boolean> nsfw = c.nsfw();
        assertThat(nsfw).as(name + " nsfw flags, one per image").hasSize(images);
        for (int i = 0; i < images; i++) {
            String file = files.get(i).toString();
            assertThat(r.err().contains("flagged " + file)).as("%s: safety warning for %s", name, file)
                    .isEqualTo(nsfw.get(i));
        }
    }
}

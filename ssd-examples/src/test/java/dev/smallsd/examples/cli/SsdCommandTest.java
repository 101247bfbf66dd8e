package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.PngWriter;
import dev.smallsd.schedulers.SchedulerType;
import dev.smallsd.testing.FakeHubServer;
import dev.smallsd.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ssd} command line end to end against the tiny pipeline (64x64, few steps). */
class SsdCommandTest {
    @TempDir
    Path tmp;

    private static String tiny() {
        return Golden.tinyModel().toString();
    }

    private List<String> generateArgs(Path output, String... extra) {
        List<String> a = new ArrayList<>(List.of("generate", "--model", tiny(), "--prompt", "an apple",
                "--size", "64x64", "--steps", "3", "--seed", "7", "--no-safety", "--output", output.toString()));
        a.addAll(List.of(extra));
        return a;
    }

    private static CliRun run(List<String> args) {
        return CliRun.of(args.toArray(String[]::new));
    }

    /** Exit code, exactly one {@code ssd: } error line on stderr containing every fragment, and no output files. */
    private static void assertFailed(CliRun r, int exitCode, Path output, String... fragments) throws IOException {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
        List<String> errors = r.errLines().stream().filter(l -> l.startsWith("ssd: ")).toList();
        assertThat(errors).as(r.toString()).hasSize(1);
        assertThat(errors.get(0)).contains(fragments);
        assertThat(r.err()).as("no stack trace without --verbose").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
        assertThat(output).doesNotExist();
        try (Stream<Path> files = Files.list(output.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith(output.getFileName().toString().replace(".png", "")));
        }
    }

    @Test
    void writesOnePngWithParametersAndPrintsASummary() throws IOException {
        Path out = tmp.resolve("a.png");
        CliRun r = run(generateArgs(out, "--negative", "blurry", "--guidance", "5", "--progress", "plain"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img.getWidth()).isEqualTo(64);
        assertThat(img.getHeight()).isEqualTo(64);
        String params = PngWriter.readParameters(out);
        assertThat(params).startsWith("an apple\nNegative prompt: blurry\nSteps: 3, ").contains("CFG scale: 5.0")
                .contains("Seed: 7").contains("Size: 64x64");
        List<String> outLines = r.out().lines().toList();
        assertThat(outLines).hasSize(1);
        assertThat(outLines.get(0)).startsWith("wrote " + out + " (64x64, seed 7, ").contains("3 steps")
                .contains("load ").contains("denoise ").contains("decode ").contains("it/s");
        assertThat(r.errLines()).anyMatch(l -> l.startsWith("denoising: 100% ("));
        assertThat(r.errLines()).noneMatch(l -> l.startsWith("ssd: "));
    }

    @Test
    void severalImagesAreNumberedInGenerationOrder() throws IOException {
        Path out = tmp.resolve("many.png");
        CliRun r = run(generateArgs(out, "--num-images", "2", "--scheduler", "euler-a", "--progress", "none"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(out).doesNotExist();
        BufferedImage a = ImageIO.read(tmp.resolve("many-1.png").toFile());
        BufferedImage b = ImageIO.read(tmp.resolve("many-2.png").toFile());
        assertThat(a.getWidth()).isEqualTo(64);
        assertThat(b.getWidth()).isEqualTo(64);
        assertThat(differs(a, b)).as("two draws of one generator differ").isTrue();
        assertThat(PngWriter.readParameters(tmp.resolve("many-2.png"))).contains("Sampler: Euler a");
        assertThat(r.out()).contains("many-1.png, " + tmp.resolve("many-2.png")).contains("euler-a");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void imageToImageUsesTheInitImageSize() throws IOException {
        Path init = tmp.resolve("init.png");
        BufferedImage src = new BufferedImage(70, 52, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                src.setRGB(x, y, (x * 3) << 16 | (y * 4) << 8 | 128);
            }
        }
        ImageIO.write(src, "png", init.toFile());
        Path out = tmp.resolve("i2i.png");
        List<String> args = new ArrayList<>(List.of("generate", "--model", tiny(), "--prompt", "a painting",
                "--steps", "4", "--seed", "3", "--init-image", init.toString(), "--strength", "0.5", "--no-safety",
                "--progress", "none", "--output", out.toString()));
        CliRun r = run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img.getWidth()).isEqualTo(64);
        assertThat(img.getHeight()).isEqualTo(48);
        assertThat(PngWriter.readParameters(out)).contains("Denoising strength: 0.5");
    }

    @Test
    void badSizeIsAUsageError() throws IOException {
        Path out = tmp.resolve("o.png");
        List<String> a = generateArgs(out);
        a.set(a.indexOf("64x64"), "100x7");
        assertFailed(run(a), SsdCommand.EXIT_USAGE, out, "--size", "100x7", "multiples of 8");
    }

    @Test
    void zeroStepsIsAUsageError() throws IOException {
        Path out = tmp.resolve("o.png");
        List<String> a = generateArgs(out);
        a.set(a.indexOf("3"), "0");
        assertFailed(run(a), SsdCommand.EXIT_USAGE, out, "--steps", "0 must be >= 1");
    }

    @Test
    void moreStepsThanTheSchedulerTrainedIsAUsageError() throws IOException {
        Path out = tmp.resolve("o.png");
        List<String> a = generateArgs(out);
        a.set(a.indexOf("3"), "1001");
        assertFailed(run(a), SsdCommand.EXIT_USAGE, out, "steps", "1001", "1..1000");
    }

    @Test
    void unknownSchedulerIsAUsageErrorListingTheValidNames() throws IOException {
        Path out = tmp.resolve("o.png");
        assertFailed(run(generateArgs(out, "--scheduler", "warp-drive")), SsdCommand.EXIT_USAGE, out,
                "--scheduler", "unknown scheduler 'warp-drive'", "dpm++2m");
    }

    @Test
    void strengthWithoutInitImageIsAUsageError() throws IOException {
        Path out = tmp.resolve("o.png");
        assertFailed(run(generateArgs(out, "--strength", "0.5")), SsdCommand.EXIT_USAGE, out, "--strength",
                "--init-image");
    }

    @Test
    void missingRequiredOptionIsAUsageError() throws IOException {
        Path out = tmp.resolve("o.png");
        CliRun r = CliRun.of("generate", "--model", tiny(), "--output", out.toString());
        assertFailed(r, SsdCommand.EXIT_USAGE, out, "--prompt");
    }

    @Test
    void missingModelFolderFails() throws IOException {
        Path out = tmp.resolve("o.png");
        List<String> a = generateArgs(out);
        a.set(a.indexOf(tiny()), tmp.resolve("no-such-model").toString());
        assertFailed(run(a), SsdCommand.EXIT_FAILURE, out, "--model", "no-such-model", "does not exist");
    }

    @Test
    void uncachedHubIdOfflineFails() throws IOException {
        Path out = tmp.resolve("o.png");
        List<String> a = generateArgs(out);
        a.set(a.indexOf(tiny()), "nobody/no-such-model-xyz");
        assertFailed(run(a), SsdCommand.EXIT_FAILURE, out, "--model: cannot get 'nobody/no-such-model-xyz'",
                "HF_HUB_OFFLINE");
    }

    @Test
    void theDefaultModelIsDownloadedFromTheHubWithProgressThenGenerates() throws IOException {
        Path out = tmp.resolve("hub.png");
        Path cache = tmp.resolve("hf-cache");
        try (FakeHubServer hub = FakeHubServer.start()) {
            CliRun r = CliRun.with(new ModelSource(() -> hub.options(cache)), "generate", "--prompt", "an apple",
                    "--steps", "2", "--seed", "1", "--no-safety", "--progress", "plain", "--output", out.toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.errLines()).anyMatch(l -> l.startsWith("unet/diffusion_pytorch_model.safetensors: 100% ("))
                    .anyMatch(l -> l.startsWith("denoising: 100% ("));
            assertThat(cache.resolve("models--OFA-Sys--small-stable-diffusion-v0")).isDirectory();
        }
        assertThat(ImageIO.read(out.toFile()).getWidth()).isEqualTo(64);
        assertThat(PngWriter.readParameters(out)).as("the repo id, as the library builder writes it, not the commit")
                .endsWith("Model: " + ModelSource.DEFAULT_MODEL);
    }

    @Test
    void pndmsExtraModelCallIsToldApartFromTheSteps() throws IOException {
        Path out = tmp.resolve("pndm.png");
        CliRun r = run(generateArgs(out, "--scheduler", "pndm", "--progress", "plain"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains(", 3 steps (4 model calls)) in ");
        assertThat(r.errLines()).anyMatch(l -> l.startsWith("denoising: 100% (4/4 it"));
        assertThat(PngWriter.readParameters(out)).contains("Steps: 3, ");
        assertThat(GenerateCommand.stepsText(10, 10)).isEqualTo("10 steps");
        assertThat(GenerateCommand.stepsText(10, 11)).isEqualTo("10 steps (11 model calls)");
        assertThat(GenerateCommand.stepsText(4, 1)).isEqualTo("4 steps (1 model call)");
    }

    @Test
    void folderWithoutModelIndexFails() throws IOException {
        Path out = tmp.resolve("o.png");
        Path empty = Files.createDirectories(tmp.resolve("empty-model"));
        List<String> a = generateArgs(out);
        a.set(a.indexOf(tiny()), empty.toString());
        assertFailed(run(a), SsdCommand.EXIT_FAILURE, out, "cannot load model", "model_index.json");
    }

    @Test
    void corruptWeightFileFailsNamingTheFile() throws IOException {
        Path model = copyTree(Golden.tinyModel(), tmp.resolve("tiny-copy"));
        Path unet = model.resolve("unet/diffusion_pytorch_model.safetensors");
        try (FileChannel ch = FileChannel.open(unet, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        Path out = tmp.resolve("o.png");
        List<String> a = generateArgs(out);
        a.set(a.indexOf(tiny()), model.toString());
        assertFailed(run(a), SsdCommand.EXIT_FAILURE, out, "cannot load model", "diffusion_pytorch_model.safetensors");
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Path out = tmp.resolve("o.png");
        List<String> a = generateArgs(out, "--verbose");
        a.set(a.indexOf(tiny()), tmp.resolve("empty-model").toString());
        Files.createDirectories(tmp.resolve("empty-model"));
        CliRun r = run(a);
        assertThat(r.exitCode()).isEqualTo(SsdCommand.EXIT_FAILURE);
        assertThat(r.errLines().get(0)).startsWith("ssd: cannot load model");
        assertThat(r.err()).contains("\tat ");
        assertThat(out).doesNotExist();
    }

    @Test
    void schedulersListsEveryNameWithItsDiffusersClass() {
        CliRun r = CliRun.of("schedulers");
        assertThat(r.exitCode()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(SchedulerType.values().length + 1);
        assertThat(lines.get(0)).startsWith("NAME").contains("DIFFUSERS CLASS");
        for (SchedulerType t : SchedulerType.values()) {
            assertThat(lines).anyMatch(l -> l.startsWith(t.userName() + " ") && l.contains(" " + t.className()));
        }
        assertThat(lines).anyMatch(l -> l.startsWith("dpm++2m-karras ") && l.contains("use_karras_sigmas=true"));
    }

    @Test
    void versionNamesTheToolDjlAndLibtorch() {
        CliRun r = CliRun.of("--version");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("ssd ").contains("DJL 0.36.0").contains("libtorch 2.7.1")
                .doesNotContain("${");
    }

    @Test
    void helpDocumentsTheDefaults() {
        CliRun r = CliRun.of("generate", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("default: 25").contains("OFA-Sys/small-stable-diffusion-v0")
                .contains("--init-image").contains("--no-safety");
    }

    @Test
    void noSubcommandPrintsUsageAndFails() {
        CliRun r = CliRun.of();
        assertThat(r.exitCode()).isEqualTo(SsdCommand.EXIT_USAGE);
        assertThat(r.err()).contains("generate").contains("schedulers");
    }

    private static boolean differs(BufferedImage a, BufferedImage b) {
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }
}

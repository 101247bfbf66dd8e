package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.hub.HubOptions;
import dev.smallsd.testing.FakeHubServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssd verify}: a blob damaged after download fails {@code generate} with the blob's name and the way out;
 * {@code verify} finds it, {@code --delete} removes it and the next {@code generate} downloads it again.
 */
class VerifyCommandTest {
    private static final String UNET = "unet/diffusion_pytorch_model.safetensors";

    @TempDir
    Path tmp;

    @Test
    void aDamagedBlobIsReportedDeletedAndDownloadedAgain() throws IOException {
        Path cache = tmp.resolve("hf-cache");
        Path out = tmp.resolve("a.png");
        try (FakeHubServer hub = FakeHubServer.start()) {
            ModelSource models = new ModelSource(() -> hub.options(cache));
            CliRun first = generate(models, out);
            assertThat(first.exitCode()).as(first.toString()).isZero();
            CliRun clean = CliRun.with(models, "verify", FakeHubServer.REPO);
            assertThat(clean.exitCode()).as(clean.toString()).isZero();
            assertThat(clean.out()).containsPattern(FakeHubServer.REPO + ": \\d+ files verified, 0 damaged \\(");

            Path blob = cache.resolve("models--OFA-Sys--small-stable-diffusion-v0/snapshots").resolve(
                    FakeHubServer.COMMIT).resolve(UNET).toRealPath();
            try (FileChannel ch = FileChannel.open(blob, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}), 0);
            }
            CliRun broken = generate(models, tmp.resolve("b.png"));
            assertThat(broken.exitCode()).as(broken.toString()).isEqualTo(SsdCommand.EXIT_FAILURE);
            assertThat(broken.errLines()).singleElement().satisfies(l -> assertThat(l).startsWith("ssd: ")
                    .contains(UNET).contains("blob " + blob)
                    .contains("'ssd verify " + FakeHubServer.REPO + " --delete'"));

            CliRun found = CliRun.with(models, "verify", FakeHubServer.REPO);
            assertThat(found.exitCode()).as(found.toString()).isEqualTo(SsdCommand.EXIT_FAILURE);
            assertThat(found.out()).contains("DAMAGED " + blob + " (" + FakeHubServer.COMMIT + "/" + UNET
                    + "): sha256 ").contains("1 damaged").contains("--delete");
            assertThat(blob).exists();

            CliRun deleted = CliRun.with(models, "verify", FakeHubServer.REPO, "--delete");
            assertThat(deleted.exitCode()).isEqualTo(SsdCommand.EXIT_FAILURE);
            assertThat(deleted.out()).contains("; deleted");
            assertThat(blob).doesNotExist();

            CliRun again = generate(models, tmp.resolve("c.png"));
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.errLines()).anyMatch(l -> l.startsWith(UNET + ": 100% ("));
            assertThat(CliRun.with(models, "verify", FakeHubServer.REPO).exitCode()).isZero();
        }
    }

    @Test
    void anUncachedRepoAndABadIdAreOneLineErrors() {
        CliRun absent = CliRun.with(emptyCache(), "verify", "a/b");
        assertThat(absent.exitCode()).isEqualTo(SsdCommand.EXIT_FAILURE);
        assertThat(absent.errLines()).singleElement().satisfies(l -> assertThat(l).startsWith("ssd: verify: ")
                .contains("'a/b'"));
        CliRun bad = CliRun.with(emptyCache(), "verify", "../x");
        assertThat(bad.exitCode()).isEqualTo(SsdCommand.EXIT_USAGE);
    }

    private ModelSource emptyCache() {
        return new ModelSource(() -> HubOptions.fromEnvironment(Map.of("HF_HUB_CACHE", tmp.toString()), tmp));
    }

    private static CliRun generate(ModelSource models, Path out) {
        return CliRun.with(models, "generate", "--prompt", "an apple", "--steps", "1", "--seed", "1", "--no-safety",
                "--progress", "plain", "--output", out.toString());
    }
}

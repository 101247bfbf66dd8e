package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.ModelLoadException;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.TensorFiles;
import dev.smallsd.testing.FakeHubServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cached blob damaged after its (verified) download: loading names the blob and the way out, {@link CacheVerifier}
 * finds and deletes it, and the next build downloads it again.
 */
class DamagedBlobTest {
    private static final String UNET = "unet/diffusion_pytorch_model.safetensors";

    @Test
    void aDamagedBlobIsNamedFoundDeletedAndDownloadedAgain(@TempDir Path cache) throws IOException {
        try (FakeHubServer server = FakeHubServer.start()) {
            HubOptions options = server.options(cache);
            Path snapshot = new HubDownloader(options).snapshot(server.repoId());
            Path blob = snapshot.resolve(UNET).toRealPath();
            assertThat(blob.getFileName().toString()).isEqualTo(server.sha256(UNET));
            assertThat(new CacheVerifier(options).verify(server.repoId(), false).ok()).isTrue();

            // the safetensors header length, damaged after the download
            try (FileChannel ch = FileChannel.open(blob, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}), 0);
            }
            assertThatThrownBy(() -> build(server, options).close())
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining(UNET)
                    .hasMessageContaining("blob " + blob)
                    .hasMessageContaining("verified against its SHA-256 when it was downloaded")
                    .hasMessageContaining("ssd verify " + server.repoId() + " --delete");

            CacheVerifier.Report report = new CacheVerifier(options).verify(server.repoId(), true);
            assertThat(report.ok()).isFalse();
            assertThat(report.damaged()).singleElement().satisfies(d -> {
                assertThat(d.blob()).isEqualTo(blob);
                assertThat(d.snapshotFiles()).containsExactly(FakeHubServer.COMMIT + "/" + UNET);
                assertThat(d.problem()).startsWith("sha256 ").endsWith("expected " + server.sha256(UNET));
                assertThat(d.deleted()).isTrue();
            });
            assertThat(report.verified()).hasSizeGreaterThan(5);
            assertThat(blob).doesNotExist();

            server.clearRequests();
            build(server, options).close();
            assertThat(server.requestsFor(UNET)).as("the deleted blob is downloaded again").isNotEmpty();
            assertThat(Files.readAllBytes(blob)).isEqualTo(server.content(UNET));
            assertThat(new CacheVerifier(options).verify(server.repoId(), false).ok()).isTrue();
        }
    }

    @Test
    void aWeightFileOutsideTheCacheKeepsItsPlainMessage(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("diffusion_pytorch_model.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> TensorFiles.open(file).close())
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageNotContaining("Hugging Face cache");
    }

    private static SmallStableDiffusion build(FakeHubServer server, HubOptions options) {
        return SmallStableDiffusion.builder().model(server.repoId()).hubOptions(options)
                .safetyMode(SafetyMode.OFF).build();
    }
}

package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smallsd.GenerationRequest;
import dev.smallsd.SafetyMode;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.testing.FakeHubServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code builder().model(hubId)} end to end against the loopback Hub: download, generate, then reuse the cache. */
class HubPipelineTest {

    @Test
    void aHubModelDownloadsOnceAndGenerates(@TempDir Path cache) {
        try (FakeHubServer server = FakeHubServer.start()) {
            GenerationRequest r = GenerationRequest.builder("an apple, 4k").size(64, 64).steps(2).seed(42).build();
            int[] first;
            try (SmallStableDiffusion sd = SmallStableDiffusion.builder().model(server.repoId())
                    .hubOptions(server.options(cache)).safetyMode(SafetyMode.OFF).build()) {
                dev.smallsd.GenerationResult res = sd.generate(r);
                first = pixels(res);
                assertThat(res.parameters().get(0)).endsWith("Model: " + server.repoId());
            }
            int downloads = server.requests().size();
            assertThat(downloads).isGreaterThan(1);
            server.clearRequests();
            try (SmallStableDiffusion sd = SmallStableDiffusion.builder().model(server.repoId())
                    .hubOptions(server.options(cache)).safetyMode(SafetyMode.OFF).build()) {
                assertThat(pixels(sd.generate(r))).isEqualTo(first);
            }
            assertThat(server.requests()).as("second build: only the revision listing").hasSizeLessThanOrEqualTo(1);
            server.clearRequests();
            try (SmallStableDiffusion sd = SmallStableDiffusion.builder().model(server.repoId())
                    .hubOptions(server.options(cache).withOffline(true)).safetyMode(SafetyMode.OFF).build()) {
                assertThat(pixels(sd.generate(r))).isEqualTo(first);
            }
            assertThat(server.requests()).as("offline: no request").isEmpty();
        }
    }

    @Test
    void aCachedSnapshotFolderIsNamedByItsRepoIdNotItsCommit(@TempDir Path cache) {
        try (FakeHubServer server = FakeHubServer.start()) {
            Path snapshot = new HubDownloader(server.options(cache)).snapshot(server.repoId());
            assertThat(HubDownloader.repoIdOfSnapshot(snapshot)).contains(server.repoId());
            GenerationRequest r = GenerationRequest.builder("an apple").size(64, 64).steps(1).seed(1).build();
            try (SmallStableDiffusion sd = SmallStableDiffusion.builder().modelPath(snapshot)
                    .safetyMode(SafetyMode.OFF).build()) {
                assertThat(sd.generate(r).parameters().get(0)).endsWith("Model: " + server.repoId());
            }
        }
        assertThat(HubDownloader.repoIdOfSnapshot(Path.of("/m/models--a--b/snapshots/0123"))).contains("a/b");
        assertThat(HubDownloader.repoIdOfSnapshot(Path.of("/m/models--a--b/refs/main"))).isEmpty();
        assertThat(HubDownloader.repoIdOfSnapshot(Path.of("/m/tiny-ssd"))).isEmpty();
        assertThat(HubDownloader.repoIdOfSnapshot(Path.of("/m/models--/snapshots/0123"))).isEmpty();
    }

    private static int[] pixels(dev.smallsd.GenerationResult res) {
        var img = res.image();
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}

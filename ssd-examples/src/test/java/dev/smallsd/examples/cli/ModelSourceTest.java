package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.hub.HubOptions;
import dev.smallsd.testing.FakeHubServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    private Path resolve(ModelSource s, String model) {
        return s.resolve(model, null, null, new PrintWriter(err, true), ProgressBar.Style.PLAIN);
    }

    private ModelSource offline() {
        return new ModelSource(() -> HubOptions.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1"), tmp.resolve("home")));
    }

    @Test
    void anExistingFolderIsUsedAsItIsWithoutAskingTheHub() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("OFA-Sys/small-stable-diffusion-v0"));
        ModelSource s = new ModelSource(() -> {
            throw new AssertionError("no Hub options needed for a local folder");
        });
        assertThat(resolve(s, dir.toString())).isEqualTo(dir);
    }

    @Test
    void hubIdsAreOwnerSlashName() {
        assertThat(ModelSource.isHubId("OFA-Sys/small-stable-diffusion-v0")).isTrue();
        assertThat(ModelSource.isHubId("runwayml/stable-diffusion-v1.5")).isTrue();
        assertThat(ModelSource.isHubId("./models/x")).isFalse();
        assertThat(ModelSource.isHubId("/abs/path")).isFalse();
        assertThat(ModelSource.isHubId("a/b/c")).isFalse();
        assertThat(ModelSource.isHubId("../x")).isFalse();
        assertThat(ModelSource.isHubId("a/..")).isFalse();
        assertThat(ModelSource.isHubId("justaname")).isFalse();
    }

    @Test
    void singleModelArgumentsAreFoldersOrHubIdsWithAnOptionalRevision() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("taesd"));
        assertThat(ModelSource.isFolderOrModelId(dir.toString())).isTrue();
        assertThat(ModelSource.isFolderOrModelId("madebyollin/taesd")).isTrue();
        assertThat(ModelSource.isFolderOrModelId("madebyollin/taesd@main")).isTrue();
        assertThat(ModelSource.isFolderOrModelId("madebyollin/taesd@refs/pr/1")).isTrue();
        assertThat(ModelSource.isFolderOrModelId("madebyollin/taesd@")).isFalse();
        assertThat(ModelSource.isFolderOrModelId("@main")).isFalse();
        assertThat(ModelSource.isFolderOrModelId("")).isFalse();
        assertThat(ModelSource.isFolderOrModelId(tmp.resolve("none").toString())).isFalse();
        ModelSource s = new ModelSource(() -> {
            throw new AssertionError("no Hub options needed for a local folder");
        });
        assertThat(s.resolveModel("--vae", dir.toString(), null, new PrintWriter(err, true),
                ProgressBar.Style.PLAIN)).isEqualTo(dir);
        assertThatThrownBy(() -> offline().resolveModel("--vae", "madebyollin/taesd@v1", null,
                new PrintWriter(err, true), ProgressBar.Style.PLAIN)).isInstanceOf(CliException.class)
                .hasMessageContaining("--vae").hasMessageContaining("madebyollin/taesd").hasMessageContaining("v1");
    }

    @Test
    void aHubIdIsDownloadedWithOneProgressDisplayPerFileThenServedFromTheCache() {
        Path cache = tmp.resolve("cache");
        try (FakeHubServer hub = FakeHubServer.start()) {
            ModelSource s = new ModelSource(() -> hub.options(cache));
            Path snapshot = resolve(s, FakeHubServer.REPO);
            assertThat(snapshot).isEqualTo(cache.resolve("models--OFA-Sys--small-stable-diffusion-v0/snapshots")
                    .resolve(FakeHubServer.COMMIT));
            assertThat(snapshot.resolve("model_index.json")).exists();
            assertThat(snapshot.resolve("unet/diffusion_pytorch_model.safetensors")).exists();
            List<String> lines = err.toString().lines().toList();
            assertThat(lines).anyMatch(l -> l.startsWith("unet/diffusion_pytorch_model.safetensors: 100% ("))
                    .anyMatch(l -> l.startsWith("model_index.json: 100% ("))
                    .allMatch(l -> l.matches("[\\w./-]+: \\d+% \\(.+B/.+B, .+/s, elapsed .+, ETA .+\\)"));

            err.getBuffer().setLength(0);
            assertThat(resolve(s, FakeHubServer.REPO)).isEqualTo(snapshot);
            assertThat(err.toString()).as("nothing downloaded the second time").isEmpty();
        }
    }

    @Test
    void anUncachedHubIdOfflineFailsWithTheHubsAdvice() {
        assertThatThrownBy(() -> resolve(offline(), "nobody/no-such-model"))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(SsdCommand.EXIT_FAILURE))
                .hasMessageContaining("nobody/no-such-model")
                .hasMessageContaining("HF_HUB_OFFLINE");
    }

    @Test
    void anUnknownRepoOnTheHubFails() {
        try (FakeHubServer hub = FakeHubServer.start()) {
            ModelSource s = new ModelSource(() -> hub.options(tmp.resolve("cache")));
            assertThatThrownBy(() -> resolve(s, "nobody/no-such-model"))
                    .isInstanceOf(CliException.class).hasMessageContaining("cannot get 'nobody/no-such-model'");
        }
    }

    @Test
    void aMissingPathOrAFileFails() throws IOException {
        assertThatThrownBy(() -> resolve(offline(), tmp.resolve("nope").toString()))
                .isInstanceOf(CliException.class).hasMessageContaining("does not exist");
        Path file = Files.writeString(tmp.resolve("model.safetensors"), "x");
        assertThatThrownBy(() -> resolve(offline(), file.toString()))
                .isInstanceOf(CliException.class).hasMessageContaining("is a file");
    }
}

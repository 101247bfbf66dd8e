package dev.smallsd.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
    @TempDir
    Path tmp;

    @Test
    void anExistingFolderIsUsedAsItIs() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("OFA-Sys/small-stable-diffusion-v0"));
        ModelSource s = new ModelSource(Map.of(), tmp.resolve("home"));
        assertThat(s.resolve(dir.toString())).isEqualTo(dir);
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
    void aHubIdIsFoundInTheHuggingFaceCache() throws IOException {
        Path cache = tmp.resolve("hf");
        Path repo = cache.resolve("hub/models--OFA-Sys--small-stable-diffusion-v0");
        String commit = "38e10e5e71e8fbf717a47a81e7543cd01c1a8140";
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(commit));
        Files.writeString(snapshot.resolve("model_index.json"), "{}");
        ModelSource s = new ModelSource(Map.of("HF_HOME", cache.toString()), tmp.resolve("home"));
        assertThat(s.hubCache()).isEqualTo(cache.resolve("hub"));
        assertThat(s.resolve("OFA-Sys/small-stable-diffusion-v0")).isEqualTo(snapshot);
        ModelSource viaHome = new ModelSource(Map.of(), tmp.resolve("home"));
        assertThat(viaHome.hubCache()).isEqualTo(tmp.resolve("home/.cache/huggingface/hub"));
        assertThat(new ModelSource(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h"), tmp).hubCache())
                .isEqualTo(Path.of("/c"));
    }

    @Test
    void anUncachedHubIdFailsSayingDownloadsAreNotAvailable() {
        ModelSource s = new ModelSource(Map.of(), tmp.resolve("home"));
        assertThatThrownBy(() -> s.resolve("nobody/no-such-model"))
                .isInstanceOfSatisfying(CliException.class, e -> assertThat(e.exitCode())
                        .isEqualTo(SsdCommand.EXIT_FAILURE))
                .hasMessageContaining("nobody/no-such-model")
                .hasMessageContaining("not available");
    }

    @Test
    void aMissingPathOrAFileFails() throws IOException {
        ModelSource s = new ModelSource(Map.of(), tmp.resolve("home"));
        assertThatThrownBy(() -> s.resolve(tmp.resolve("nope").toString()))
                .isInstanceOf(CliException.class).hasMessageContaining("does not exist");
        Path file = Files.writeString(tmp.resolve("model.safetensors"), "x");
        assertThatThrownBy(() -> s.resolve(file.toString()))
                .isInstanceOf(CliException.class).hasMessageContaining("is a file");
    }
}

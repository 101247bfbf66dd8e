package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Names from the Hub that become paths or URL parts. */
class RepoPathsTest {
    @ParameterizedTest
    @ValueSource(strings = {"OFA-Sys/small-stable-diffusion-v0", "gpt2", "a_b/c.d-e"})
    void validRepoIds(String id) {
        assertThat(RepoPaths.checkRepoId(id)).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b/c", "../x", "a--b/c", "a/b..c", "-a/b", "a/b.", "a b/c", "/a"})
    void invalidRepoIds(String id) {
        assertThatThrownBy(() -> RepoPaths.checkRepoId(id)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repo id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"model_index.json", "unet/config.json", "a/b/c.d", "..hidden/x", "x..y"})
    void safeFileNames(String name) {
        assertThat(RepoPaths.checkFileName(name, "r/x")).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../a", "a/..", "a/../b", "/a", "a\\b", "C:x", "a//b", "a/", "./a", "a\u0000b"})
    void unsafeFileNames(String name) {
        assertThatThrownBy(() -> RepoPaths.checkFileName(name, "r/x")).isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("refused");
    }

    @Test
    void revisionsMayHaveSlashesButNotTraversal() {
        assertThat(RepoPaths.checkRevision("refs/pr/1")).isEqualTo("refs/pr/1");
        assertThatThrownBy(() -> RepoPaths.checkRevision("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RepoPaths.checkRevision("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void insideRefusesEscapes() {
        Path root = Path.of("/cache/snap");
        assertThat(RepoPaths.inside(root, "unet/config.json")).isEqualTo(Path.of("/cache/snap/unet/config.json"));
        assertThatThrownBy(() -> RepoPaths.inside(root, "../x")).isInstanceOf(UnsafePathException.class);
    }

    @Test
    void blobNamesMustBePlainTokens() {
        assertThat(RepoPaths.checkBlobName("abc123", "f")).isEqualTo("abc123");
        assertThatThrownBy(() -> RepoPaths.checkBlobName("../abc", "f")).isInstanceOf(UnsafePathException.class);
        assertThatThrownBy(() -> RepoPaths.checkBlobName("..", "f")).isInstanceOf(UnsafePathException.class);
    }

    @Test
    void encodingAndFolderNames() {
        assertThat(RepoPaths.repoFolderName("OFA-Sys/small-stable-diffusion-v0"))
                .isEqualTo("models--OFA-Sys--small-stable-diffusion-v0");
        assertThat(RepoPaths.encodeSegment("refs/pr/1")).isEqualTo("refs%2Fpr%2F1");
        assertThat(RepoPaths.encodePath("unet/a b+c.json")).isEqualTo("unet/a%20b%2Bc.json");
    }
}

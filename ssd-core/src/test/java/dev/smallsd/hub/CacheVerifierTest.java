package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CacheVerifier} on hand-made huggingface_hub caches. */
class CacheVerifierTest {
    private static final String REPO = "owner/model";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path cache;

    @Test
    void checksLfsAndGitBlobsByTheirNamesAndReportsTheDamagedOnes() throws Exception {
        byte[] weights = "weights".getBytes(StandardCharsets.UTF_8);
        byte[] config = "{\"a\": 1}".getBytes(StandardCharsets.UTF_8);
        String weightsSha = hex("SHA-256", weights);
        String configSha1 = gitBlobSha1(config);
        Path w = blob(weightsSha, weights, "unet/diffusion_pytorch_model.safetensors");
        Path c = blob(configSha1, config, "unet/config.json");
        Path odd = blob("not-a-hash", weights, "other.txt");
        Files.write(blobs().resolve(weightsSha + ".incomplete"), new byte[] {9});

        CacheVerifier.Report ok = new CacheVerifier(options()).verify(REPO, false);
        assertThat(ok.ok()).isTrue();
        assertThat(ok.verified()).containsExactlyInAnyOrder(w, c);
        assertThat(ok.unverifiable()).containsExactly(odd);

        Files.write(w, "weighty".getBytes(StandardCharsets.UTF_8));
        Files.write(c, "{\"a\": 2}".getBytes(StandardCharsets.UTF_8));
        CacheVerifier.Report bad = new CacheVerifier(options()).verify(REPO, false);
        assertThat(bad.ok()).isFalse();
        assertThat(bad.verified()).isEmpty();
        assertThat(bad.damaged()).extracting(CacheVerifier.Damaged::blob).containsExactlyInAnyOrder(w, c);
        assertThat(bad.damaged()).allSatisfy(d -> assertThat(d.deleted()).isFalse());
        CacheVerifier.Damaged dw = bad.damaged().stream().filter(d -> d.blob().equals(w)).findFirst().orElseThrow();
        assertThat(dw.problem()).isEqualTo("sha256 " + hex("SHA-256", "weighty".getBytes(StandardCharsets.UTF_8))
                + ", expected " + weightsSha);
        assertThat(dw.snapshotFiles()).containsExactly(COMMIT + "/unet/diffusion_pytorch_model.safetensors");
        CacheVerifier.Damaged dc = bad.damaged().stream().filter(d -> d.blob().equals(c)).findFirst().orElseThrow();
        assertThat(dc.problem()).startsWith("git blob sha1 ").endsWith("expected " + configSha1);
        assertThat(w).exists();

        CacheVerifier.Report deleted = new CacheVerifier(options()).verify(REPO, true);
        assertThat(deleted.damaged()).allSatisfy(d -> assertThat(d.deleted()).isTrue());
        assertThat(w).doesNotExist();
        assertThat(c).doesNotExist();
        assertThat(odd).exists();
        assertThat(new CacheVerifier(options()).verify(REPO, false).ok()).isTrue();
    }

    @Test
    void aRepoWithoutFilesInTheCacheIsNamed() {
        assertThatThrownBy(() -> new CacheVerifier(options()).verify("owner/absent", false))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason())
                        .isEqualTo(HubException.Reason.OFFLINE_MISSING))
                .hasMessageContaining("owner/absent").hasMessageContaining(cache.toString());
        assertThatThrownBy(() -> new CacheVerifier(options()).verify("../x", false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private HubOptions options() {
        return HubOptions.fromEnvironment(Map.of("HF_HUB_CACHE", cache.toString()), cache);
    }

    private Path blobs() {
        return cache.resolve("models--owner--model").resolve("blobs");
    }

    /** Writes {@code blobs/<name>} and a snapshot link {@code snapshots/<commit>/<file>} to it. */
    private Path blob(String name, byte[] content, String file) throws IOException {
        Path blob = blobs().resolve(name);
        Files.createDirectories(blob.getParent());
        Files.write(blob, content);
        Path link = cache.resolve("models--owner--model").resolve("snapshots").resolve(COMMIT).resolve(file);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, link.getParent().relativize(blob));
        return blob;
    }

    private static String gitBlobSha1(byte[] content) throws NoSuchAlgorithmException {
        MessageDigest d = MessageDigest.getInstance("SHA-1");
        d.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(d.digest(content));
    }

    private static String hex(String algorithm, byte[] content) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
    }
}

package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.WeightFiles;
import dev.smallsd.testing.FakeHubServer;
import dev.smallsd.testing.FeatureCase;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.ManagerPerClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single-model Hub repositories ({@link HubDownloader#modelSnapshot}, {@code builder().vae(hubId)}) against the
 * loopback Hub serving the autoencoder folder that the features manifest's seeded cases name in {@code vae}.
 */
class HubModelSnapshotTest extends ManagerPerClass {
    @TempDir
    Path tmp;

    /** @return the seeded feature cases that replace the VAE, each with the folder served as a repo */
    private static List<FeatureCase> vaeCases() {
        List<FeatureCase> out = FeatureCase.all().stream().filter(c -> c.seeded() && c.entry().has("vae"))
                .collect(Collectors.toList());
        assertThat(out).as("seeded cases with a 'vae' in the features manifest").isNotEmpty();
        return out;
    }

    private static Path vaeFolder() {
        return vaeCases().get(0).path("vae");
    }

    /** Serves a folder as {@code fixtures/<folder name>}. */
    private static FakeHubServer serve(Path folder) {
        return FakeHubServer.start("fixtures/" + folder.getFileName(), folder);
    }

    @Test
    void fetchesConfigAndOneWeightFileInTheHuggingFaceCacheLayout() throws IOException {
        Path folder = vaeFolder();
        Path cache = tmp.resolve("hub");
        try (FakeHubServer server = serve(folder)) {
            List<String> unwanted = List.of("diffusion_pytorch_model.fp16.safetensors", "diffusion_pytorch_model.bin",
                    "taesd_decoder.pth", "README.md", "sub/config.json", "sub/diffusion_pytorch_model.safetensors");
            for (String u : unwanted) {
                server.addFile(u, ("not needed: " + u).getBytes(StandardCharsets.UTF_8));
            }
            RecordingListener listener = new RecordingListener();

            Path snapshot = new HubDownloader(server.options(cache)).modelSnapshot(server.repoId(), null, null,
                    listener);

            Path repoDir = cache.resolve("models--" + server.repoId().replace("/", "--"));
            assertThat(snapshot).isEqualTo(repoDir.resolve("snapshots").resolve(FakeHubServer.COMMIT));
            List<String> names = new ArrayList<>(HubDownloaderTest.relativeFiles(folder));
            String weight = WeightFiles.choose(names, null, null).orElseThrow();
            TreeSet<String> expected = new TreeSet<>(List.of("config.json", weight));
            assertThat(HubDownloaderTest.relativeFiles(snapshot)).containsExactlyElementsOf(expected);
            for (String f : expected) {
                assertThat(Files.mismatch(snapshot.resolve(f), folder.resolve(f))).as("content of %s", f)
                        .isEqualTo(-1L);
                Path link = snapshot.resolve(f);
                assertThat(Files.isSymbolicLink(link)).as("%s is a symlink", f).isTrue();
                Path target = Files.readSymbolicLink(link);
                assertThat(target.isAbsolute()).as("%s links relatively", f).isFalse();
                Path blob = link.getParent().resolve(target).normalize();
                assertThat(blob.getParent()).isEqualTo(repoDir.resolve("blobs"));
                if (f.endsWith(".safetensors")) {
                    assertThat(blob.getFileName().toString()).as("LFS blob of %s", f).isEqualTo(server.sha256(f));
                } else {
                    assertThat(blob.getFileName().toString()).as("git blob of %s", f).matches("[0-9a-f]{40}");
                }
            }
            assertThat(Files.readString(repoDir.resolve("refs/main"))).isEqualTo(FakeHubServer.COMMIT);
            assertThat(HubDownloaderTest.relativeFiles(repoDir.resolve("blobs"))).hasSize(expected.size());
            assertThat(listener.done).containsExactlyInAnyOrderElementsOf(expected);
            for (String u : unwanted) {
                assertThat(server.requestsFor(u)).as("requests for unneeded %s", u).isEmpty();
            }

            Path fp16 = new HubDownloader(server.options(tmp.resolve("hub16"))).modelSnapshot(server.repoId(),
                    "main", "fp16", null);
            assertThat(HubDownloaderTest.relativeFiles(fp16)).containsExactly("config.json", "diffusion_pytorch_model.fp16.safetensors");
        }
    }

    @Test
    void aCachedModelIsUsedOfflineAndWhenTheHubIsUnreachable() {
        Path cache = tmp.resolve("hub");
        Path snapshot;
        String repo;
        try (FakeHubServer server = serve(vaeFolder())) {
            repo = server.repoId();
            snapshot = new HubDownloader(server.options(cache)).modelSnapshot(repo, null, null, null);
            server.clearRequests();
            assertThat(new HubDownloader(server.options(cache)).modelSnapshot(repo, null, null, null))
                    .isEqualTo(snapshot);
            assertThat(server.requests()).as("everything cached: only the revision listing").hasSize(1);
            server.clearRequests();
            assertThat(new HubDownloader(server.options(cache).withOffline(true)).modelSnapshot(repo,
                    FakeHubServer.COMMIT, null, null)).isEqualTo(snapshot);
            assertThat(server.requests()).as("offline: no request").isEmpty();
            HubOptions offline = server.options(cache).withOffline(true);
            assertThat(new HubDownloader(offline).modelSnapshot(repo, "main", null, null)).isEqualTo(snapshot);
            assertThatThrownBy(() -> new HubDownloader(offline).modelSnapshot(repo, "v2", null, null))
                    .isInstanceOf(HubException.class).hasMessageContaining(repo).hasMessageContaining("refs/v2")
                    .extracting(e -> ((HubException) e).reason()).isEqualTo(HubException.Reason.OFFLINE_MISSING);
            assertThatThrownBy(() -> new HubDownloader(offline).snapshot(repo, "main", null, null))
                    .as("a model snapshot is not a pipeline").isInstanceOf(HubException.class)
                    .hasMessageContaining("model_index.json");
        }
        FakeHubServer gone = serve(vaeFolder());
        HubOptions unreachable = gone.options(cache).withRetries(1, java.time.Duration.ofMillis(1));
        gone.close();
        assertThat(new HubDownloader(unreachable).modelSnapshot(repo, null, null, null)).isEqualTo(snapshot);
    }

    @Test
    void missingReposFilesAndWeightsAreNamed() throws IOException {
        Path folder = vaeFolder();
        Path cache = tmp.resolve("hub");
        try (FakeHubServer server = serve(folder)) {
            HubDownloader hub = new HubDownloader(server.options(cache));
            assertThatThrownBy(() -> hub.modelSnapshot("fixtures/no-such-model", null, null, null))
                    .isInstanceOf(HubException.class).hasMessageContaining("fixtures/no-such-model");

            String weight = WeightFiles.choose(new ArrayList<>(HubDownloaderTest.relativeFiles(folder)), null, null).orElseThrow();
            server.notFound(weight);
            assertThatThrownBy(() -> hub.modelSnapshot(server.repoId(), null, null, null))
                    .isInstanceOf(HubException.class).hasMessageContaining(server.repoId())
                    .hasMessageContaining(weight)
                    .extracting(e -> ((HubException) e).reason()).isEqualTo(HubException.Reason.NOT_FOUND);
        }
        Path configOnly = Files.createDirectories(tmp.resolve("config-only"));
        Files.copy(folder.resolve("config.json"), configOnly.resolve("config.json"));
        try (FakeHubServer server = serve(configOnly)) {
            assertThatThrownBy(() -> new HubDownloader(server.options(cache)).modelSnapshot(server.repoId(), null,
                    null, null)).isInstanceOf(HubException.class).hasMessageContaining(server.repoId())
                    .hasMessageContaining("no weight file").hasMessageContaining("diffusion_pytorch_model.safetensors")
                    .extracting(e -> ((HubException) e).reason())
                    .isEqualTo(HubException.Reason.INVALID_REPOSITORY);
        }
        try (FakeHubServer pipeline = FakeHubServer.start()) {
            assertThatThrownBy(() -> new HubDownloader(pipeline.options(cache)).modelSnapshot(pipeline.repoId(),
                    null, null, null)).isInstanceOf(HubException.class).hasMessageContaining(pipeline.repoId())
                    .hasMessageContaining("config.json");
        }
        assertThatThrownBy(() -> new HubDownloader(HubOptions.fromEnvironment().withCacheDir(tmp.resolve("empty"))
                .withOffline(true)).modelSnapshot("fixtures/taesd", null, null, null))
                .isInstanceOf(HubException.class).hasMessageContaining("fixtures/taesd")
                .extracting(e -> ((HubException) e).reason()).isEqualTo(HubException.Reason.OFFLINE_MISSING);
    }

    @Test
    void builderArgumentsNameTheParameter() {
        assertThatThrownBy(() -> SmallStableDiffusion.builder().vae("fixtures/taesd@"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("vae: ");
        assertThatThrownBy(() -> SmallStableDiffusion.builder().modelPath(Golden.tinyModel())
                .previewVae("no such folder").hubOptions(HubOptions.fromEnvironment().withOffline(true)
                        .withCacheDir(tmp)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("previewVae: ")
                .hasMessageContaining("no such folder");
    }

    /** Each seeded case with a {@code vae}, built with that autoencoder by Hub id: the golden images still match. */
    @TestFactory
    Stream<DynamicTest> seededCasesWithTheVaeByHubId() {
        return vaeCases().stream().map(c -> DynamicTest.dynamicTest(c + " vae by Hub id", () -> {
            Path cache = tmp.resolve(c.name());
            try (FakeHubServer server = serve(c.path("vae"))) {
                FeatureCase.Run r = c.run(false, b -> b.vae(server.repoId() + "@main")
                        .hubOptions(server.options(cache)), manager);
                c.assertMatchesGolden(r.result(), r.decoded(), true, c.name() + " (vae by Hub id)", manager);
                assertThat(server.requests()).as("the autoencoder came from the Hub").isNotEmpty();
                server.clearRequests();
                try (SmallStableDiffusion sd = c.builder().disableSafetyChecker().previewVae(server.repoId())
                        .hubOptions(server.options(cache).withOffline(true)).build()) {
                    assertThat(sd).isNotNull();
                }
                assertThat(server.requests()).as("previewVae from the cache offline: no request").isEmpty();
            }
        }));
    }
}

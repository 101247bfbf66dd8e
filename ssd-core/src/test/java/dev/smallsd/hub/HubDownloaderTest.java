package dev.smallsd.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smallsd.testing.FakeHubServer;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HubDownloader} against {@link FakeHubServer} serving the fixtures' tiny pipeline. */
class HubDownloaderTest {
    private static final String REPO = FakeHubServer.REPO;
    private static final String COMMIT = FakeHubServer.COMMIT;
    private static final String UNET_WEIGHTS = "unet/diffusion_pytorch_model.safetensors";
    private static final String UNET_FP16 = "unet/diffusion_pytorch_model.fp16.safetensors";

    @TempDir
    Path tmp;

    private FakeHubServer server;
    private Path cache;

    @BeforeEach
    void start() {
        server = FakeHubServer.start();
        cache = tmp.resolve("hub");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HubDownloader downloader() {
        return new HubDownloader(server.options(cache));
    }

    private Path repoDir() {
        return cache.resolve("models--OFA-Sys--small-stable-diffusion-v0");
    }

    /** Fixture files a variant-less download must produce: no .bin (safetensors exist) and no fp16 files. */
    private static TreeSet<String> expectedRegularFiles() throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (String f : relativeFiles(Golden.tinyModel())) {
            if (!f.endsWith(".bin") && !f.contains(".fp16.")) {
                out.add(f);
            }
        }
        return out;
    }

    /** @return every file under {@code root} (links not followed into folders), as {@code /}-separated relative paths */
    static TreeSet<String> relativeFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void assertSameBytesAsFixture(Path snapshot, Iterable<String> files) throws IOException {
        for (String f : files) {
            assertThat(Files.mismatch(snapshot.resolve(f), Golden.tinyModel().resolve(f)))
                    .as("content of %s", f).isEqualTo(-1L);
        }
    }

    private List<Path> leftovers() throws IOException {
        if (!Files.isDirectory(repoDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(repoDir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".incomplete")).collect(Collectors.toList());
        }
    }

    @Test
    void freshDownloadFetchesExactlyTheNeededFilesInTheHuggingFaceCacheLayout() throws IOException {
        List<String> unwanted = List.of("v1-5.ckpt", "flax_model.msgpack", "unet/diffusion_flax_model.msgpack",
                "text_encoder/flax_model.msgpack", "text_encoder/model.onnx", "vae/diffusion_pytorch_model.fp16.bin",
                "safety_checker/model.fp16.safetensors", "README.md", ".gitattributes");
        for (String u : unwanted) {
            server.addFile(u, ("not needed: " + u).getBytes(StandardCharsets.UTF_8));
        }
        RecordingListener listener = new RecordingListener();

        Path snapshot = downloader().snapshot(REPO, "main", null, listener);

        assertThat(snapshot).isEqualTo(repoDir().resolve("snapshots").resolve(COMMIT));
        TreeSet<String> expected = expectedRegularFiles();
        assertThat(relativeFiles(snapshot)).containsExactlyElementsOf(expected);
        assertSameBytesAsFixture(snapshot, expected);
        for (String f : expected) {
            Path link = snapshot.resolve(f);
            assertThat(Files.isSymbolicLink(link)).as("%s is a symlink", f).isTrue();
            Path target = Files.readSymbolicLink(link);
            assertThat(target.isAbsolute()).as("%s links relatively", f).isFalse();
            Path blob = link.getParent().resolve(target).normalize();
            assertThat(blob.getParent()).isEqualTo(repoDir().resolve("blobs"));
            String name = blob.getFileName().toString();
            if (f.endsWith(".safetensors")) {
                assertThat(name).as("LFS blob of %s is named by its sha256", f).isEqualTo(server.sha256(f));
            } else {
                assertThat(name).as("blob of %s is named by its git sha1", f).matches("[0-9a-f]{40}");
            }
        }
        assertThat(Files.readString(repoDir().resolve("refs/main"))).isEqualTo(COMMIT);
        assertThat(leftovers()).isEmpty();
        for (String f : server.files()) {
            if (!expected.contains(f)) {
                assertThat(server.requestsFor(f)).as("requests for unneeded %s", f).isEmpty();
            }
        }
        assertThat(listener.started).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(listener.done).containsExactlyInAnyOrderElementsOf(expected);
        for (String f : expected) {
            long size = Files.size(Golden.tinyModel().resolve(f));
            assertThat(listener.totals.get(f)).as("announced size of %s", f).isEqualTo(size);
            assertThat(listener.lastProgress.get(f)).as("final progress of %s", f).isEqualTo(size);
        }
    }

    @Test
    void secondCallMakesOnlyTheRevisionListingRequest() {
        Path first = downloader().snapshot(REPO);
        server.clearRequests();
        RecordingListener listener = new RecordingListener();

        Path second = downloader().snapshot(REPO, "main", null, listener);

        assertThat(second).isEqualTo(first);
        assertThat(server.requests()).hasSize(1);
        assertThat(server.requests().get(0).method()).isEqualTo("GET");
        assertThat(server.requests().get(0).path()).isEqualTo("/api/models/" + REPO + "/revision/main");
        assertThat(listener.started).isEmpty();
    }

    @Test
    void commitRevisionIsResolvedWithoutWritingARef() throws IOException {
        Path snapshot = downloader().snapshot(REPO, COMMIT, null, DownloadListener.logging());

        assertThat(snapshot.getFileName().toString()).isEqualTo(COMMIT);
        assertThat(repoDir().resolve("refs")).doesNotExist();
        assertSameBytesAsFixture(snapshot, expectedRegularFiles());
    }

    @Test
    void offlineModeUsesTheCacheWithoutAnyRequest() {
        Path online = downloader().snapshot(REPO);
        server.clearRequests();

        Path offline = new HubDownloader(server.options(cache).withOffline(true)).snapshot(REPO);

        assertThat(offline).isEqualTo(online);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void offlineModeFromTheEnvironmentVariable() {
        Path online = downloader().snapshot(REPO);
        server.clearRequests();
        Map<String, String> env = Map.of("HF_HUB_OFFLINE", "1", "HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT",
                server.endpoint().toString());

        HubOptions options = HubOptions.fromEnvironment(env, tmp.resolve("home"));
        Path offline = new HubDownloader(options).snapshot(REPO, null, null, null);

        assertThat(options.offline()).isTrue();
        assertThat(offline).isEqualTo(online);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void offlineModeWithoutCacheFailsClearly() {
        HubDownloader offline = new HubDownloader(server.options(cache).withOffline(true));

        assertThatThrownBy(() -> offline.snapshot(REPO)).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.reason()).isEqualTo(HubException.Reason.OFFLINE_MISSING);
            assertThat(e.getMessage()).contains("HF_HUB_OFFLINE", REPO, "'main'", cache.toString());
        });
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void offlineModeNamesFilesWhoseBlobIsGoneAndOnlineRepairsThem() throws IOException {
        Path snapshot = downloader().snapshot(REPO);
        Files.delete(repoDir().resolve("blobs").resolve(server.sha256(UNET_WEIGHTS)));
        HubDownloader offline = new HubDownloader(server.options(cache).withOffline(true));

        assertThatThrownBy(() -> offline.snapshot(REPO)).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.reason()).isEqualTo(HubException.Reason.OFFLINE_MISSING);
            assertThat(e.getMessage()).contains("HF_HUB_OFFLINE", UNET_WEIGHTS);
        });

        server.clearRequests();
        assertThat(downloader().snapshot(REPO)).isEqualTo(snapshot);
        assertSameBytesAsFixture(snapshot, List.of(UNET_WEIGHTS));
        assertThat(server.requests()).extracting(FakeHubServer.Request::path)
                .allMatch(p -> p.startsWith("/api/") || p.endsWith("/" + UNET_WEIGHTS));
    }

    @ParameterizedTest
    @ValueSource(strings = {UNET_WEIGHTS, "tokenizer/vocab.json"})
    void droppedConnectionResumesWithARangeRequest(String file) throws IOException {
        long cut = Files.size(Golden.tinyModel().resolve(file)) / 3;
        server.dropConnectionOnce(file, cut);

        Path snapshot = downloader().snapshot(REPO);

        // The client resumes from what reached it, which may be less than what the server wrote before the drop.
        assertThat(server.requestsFor(file)).extracting(FakeHubServer.Request::range).anySatisfy(r -> {
            assertThat(r).startsWith("bytes=").endsWith("-");
            assertThat(Long.parseLong(r.substring(6, r.length() - 1))).isPositive().isLessThanOrEqualTo(cut);
        });
        assertSameBytesAsFixture(snapshot, expectedRegularFiles());
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void partialFileOfAnEarlierRunIsResumed() throws IOException {
        byte[] full = server.content(UNET_WEIGHTS);
        int have = full.length / 2;
        Path part = repoDir().resolve("blobs").resolve(server.sha256(UNET_WEIGHTS) + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, java.util.Arrays.copyOf(full, have));

        Path snapshot = downloader().snapshot(REPO);

        List<String> ranges = server.requestsFor(UNET_WEIGHTS).stream().filter(r -> r.method().equals("GET"))
                .map(FakeHubServer.Request::range).collect(Collectors.toList());
        assertThat(ranges).isNotEmpty().allMatch(("bytes=" + have + "-")::equals);
        assertSameBytesAsFixture(snapshot, List.of(UNET_WEIGHTS));
    }

    @Test
    void corruptPartialFileIsDiscardedAndDownloadedAgain() throws IOException {
        byte[] garbage = new byte[1000];
        java.util.Arrays.fill(garbage, (byte) 7);
        Path part = repoDir().resolve("blobs").resolve(server.sha256(UNET_WEIGHTS) + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, garbage);

        Path snapshot = downloader().snapshot(REPO);

        assertSameBytesAsFixture(snapshot, List.of(UNET_WEIGHTS));
        assertThat(server.requestsFor(UNET_WEIGHTS)).extracting(FakeHubServer.Request::range).contains("bytes=1000-")
                .containsNull();
        assertThat(leftovers()).isEmpty();
    }

    /**
     * The stalled response never resumes while the test runs (its pause ends only when the server closes), so the
     * snapshot can only complete if the download timeout abandoned it and a range request fetched the rest. The
     * {@code @Timeout} only turns a hang (no timeout applied) into a failure; it measures nothing.
     */
    @Test
    @Timeout(120)
    void stalledDownloadTimesOutAndResumes() throws IOException {
        server.stallOnce(UNET_WEIGHTS, 1 << 20, Duration.ofDays(1));
        // the stall never ends, so the timeout need not be short: 2 s keeps a busy machine's pauses from looking
        // like stalls on the resumed request
        HubDownloader d = new HubDownloader(server.options(cache).withDownloadTimeout(Duration.ofSeconds(2)));

        Path snapshot = d.snapshot(REPO);

        assertThat(server.requestsFor(UNET_WEIGHTS)).extracting(FakeHubServer.Request::range)
                .contains("bytes=" + (1 << 20) + "-");
        assertSameBytesAsFixture(snapshot, List.of(UNET_WEIGHTS));
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void serverIgnoringRangeRestartsFromTheBeginning() throws IOException {
        server.dropConnectionOnce(UNET_WEIGHTS, 100_000).ignoreRange(UNET_WEIGHTS);

        Path snapshot = downloader().snapshot(REPO);

        assertSameBytesAsFixture(snapshot, List.of(UNET_WEIGHTS));
    }

    @ParameterizedTest
    @ValueSource(strings = {UNET_WEIGHTS, "tokenizer/merges.txt"})
    void corruptBodyFailsTheChecksumAndLeavesNothingTrusted(String file) throws IOException {
        server.corrupt(file);

        assertThatThrownBy(() -> downloader().snapshot(REPO)).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.reason()).isEqualTo(HubException.Reason.CHECKSUM_MISMATCH);
            assertThat(e.getMessage()).contains(file, REPO, file.endsWith(".txt") ? "git blob sha1" : "sha256");
        });
        assertThat(repoDir().resolve("snapshots").resolve(COMMIT).resolve(file)).doesNotExist();
        assertThat(leftovers()).isEmpty();
        if (file.endsWith(".safetensors")) {
            assertThat(repoDir().resolve("blobs").resolve(server.sha256(file))).doesNotExist();
        }
        assertThat(repoDir().resolve("refs/main")).doesNotExist();
        assertThatThrownBy(() -> new HubDownloader(server.options(cache).withOffline(true)).snapshot(REPO))
                .isInstanceOf(HubException.class);
    }

    @Test
    void missingFileGives404MessageNamingRepoFileAndRevision() {
        server.notFound("unet/config.json");

        assertThatThrownBy(() -> downloader().snapshot(REPO)).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.reason()).isEqualTo(HubException.Reason.NOT_FOUND);
            assertThat(e.getMessage()).contains("404", REPO, "unet/config.json", "'main'", "Check the repo id",
                    "revision");
        });
    }

    @Test
    void unknownRevisionGives404MessageNamingIt() {
        assertThatThrownBy(() -> downloader().snapshot(REPO, "no-such-branch", null, null))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.NOT_FOUND);
                    assertThat(e.getMessage()).contains("revision 'no-such-branch' does not exist", REPO);
                });
    }

    @Test
    void protectedRepoGives401MessageAboutTokenAndLicense() {
        server.requireToken("hf_secret");

        assertThatThrownBy(() -> downloader().snapshot(REPO)).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.reason()).isEqualTo(HubException.Reason.UNAUTHORIZED);
            assertThat(e.getMessage()).contains("401", REPO, "HF_TOKEN", "license",
                    server.endpoint() + "/" + REPO, "check the repo id");
        });
        assertThatThrownBy(() -> new HubDownloader(server.options(cache).withToken("hf_wrong")).snapshot(REPO))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.getMessage()).contains("refused"));
    }

    @Test
    void tokenIsSentToTheHubButNotToAnotherCdnHost() throws IOException {
        server.requireToken("hf_secret").cdnHost("localhost");

        Path snapshot = new HubDownloader(server.options(cache).withToken("hf_secret")).snapshot(REPO);

        assertSameBytesAsFixture(snapshot, expectedRegularFiles());
        List<FakeHubServer.Request> cdn = new ArrayList<>();
        for (FakeHubServer.Request r : server.requests()) {
            if (r.path().startsWith("/cdn/")) {
                cdn.add(r);
                assertThat(r.host()).startsWith("localhost");
                assertThat(r.authorization()).as("Authorization sent to %s", r.path()).isNull();
            } else {
                assertThat(r.authorization()).as("Authorization sent to %s", r.path()).isEqualTo("Bearer hf_secret");
            }
        }
        assertThat(cdn).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil.json", "unet/../../x", "/etc/passwd", "unet\\..\\x.json", "C:/x.json",
        "unet//config.json", "./model_index.json"})
    void listingWithAnUnsafeNameIsRefusedBeforeAnythingIsWritten(String name) throws IOException {
        server.listOnly(name);

        assertThatThrownBy(() -> downloader().snapshot(REPO)).isInstanceOfSatisfying(UnsafePathException.class,
                e -> {
                    assertThat(e.path()).isEqualTo(name);
                    assertThat(e.getMessage()).contains(name, REPO, "refused");
                });
        assertThat(server.requests()).hasSize(1);
        assertThat(Files.exists(cache) ? relativeFiles(cache) : new TreeSet<String>()).isEmpty();
    }

    @Test
    void unsafeComponentNameInModelIndexIsRefused() {
        server.addFile("model_index.json", ("{\"_class_name\": \"StableDiffusionPipeline\", \"../evil\":"
                + " [\"diffusers\", \"UNet2DConditionModel\"]}").getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> downloader().snapshot(REPO)).isInstanceOf(UnsafePathException.class)
                .hasMessageContaining("../evil");
        assertThat(tmp.resolve("evil")).doesNotExist();
    }

    @Test
    void fp16VariantPicksTheVariantUnetAndRegularWeightsElsewhere() throws IOException {
        Path snapshot = downloader().snapshot(REPO, "main", "fp16", null);

        TreeSet<String> expected = expectedRegularFiles();
        expected.remove(UNET_WEIGHTS);
        expected.add(UNET_FP16);
        assertThat(relativeFiles(snapshot)).containsExactlyElementsOf(expected);
        assertSameBytesAsFixture(snapshot, expected);
        assertThat(server.requestsFor(UNET_WEIGHTS)).isEmpty();
    }

    @Test
    void transientFailuresAreRetried() throws IOException {
        server.failOnce("unet/config.json", 503).failOnce("unet/config.json", 502).failOnce(UNET_WEIGHTS, 429)
                .failOnce("tokenizer/vocab.json", 500);

        Path snapshot = downloader().snapshot(REPO);

        assertSameBytesAsFixture(snapshot, expectedRegularFiles());
        assertThat(server.requestsFor("unet/config.json")).filteredOn(r -> r.method().equals("HEAD")).hasSize(3);
    }

    @Test
    void persistentServerErrorsFailAfterBoundedAttempts() {
        for (int i = 0; i < 10; i++) {
            server.failOnce("vae/config.json", 503);
        }

        assertThatThrownBy(() -> downloader().snapshot(REPO)).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.reason()).isEqualTo(HubException.Reason.NETWORK);
            assertThat(e.getMessage()).contains("vae/config.json", "4 attempt", "503");
        });
        assertThat(server.requestsFor("vae/config.json")).hasSize(4);
    }

    @Test
    void copiesInsteadOfSymlinksWhenLinksAreOff() throws IOException {
        Path snapshot = new HubDownloader(server.options(cache).withSymlinks(false)).snapshot(REPO);

        for (String f : expectedRegularFiles()) {
            assertThat(Files.isSymbolicLink(snapshot.resolve(f))).as("%s is a link", f).isFalse();
            assertThat(Files.isRegularFile(snapshot.resolve(f))).isTrue();
        }
        assertSameBytesAsFixture(snapshot, expectedRegularFiles());
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void unreachableHubFallsBackToACompleteCachedSnapshot() {
        Path online = downloader().snapshot(REPO);
        HubDownloader d = downloader();
        server.close();

        assertThat(d.snapshot(REPO)).isEqualTo(online);
    }

    @Test
    void unreachableHubWithoutCacheFailsWithTheNetworkError() {
        HubDownloader d = downloader();
        server.close();

        assertThatThrownBy(() -> d.snapshot(REPO)).isInstanceOfSatisfying(HubException.class, e -> {
            assertThat(e.reason()).isEqualTo(HubException.Reason.NETWORK);
            assertThat(e.getMessage()).contains(REPO, "HF_ENDPOINT")
                    .as("a refused connection is certain: no retries").contains("not retried")
                    .doesNotContain("attempt(s)");
            assertThat(e.getSuppressed()).hasSize(1);
            assertThat(((HubException) e.getSuppressed()[0]).reason()).isEqualTo(HubException.Reason.OFFLINE_MISSING);
        });
    }

    @Test
    void concurrentCallsDownloadEachFileOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Callable<Path> call = () -> downloader().snapshot(REPO);
                results.add(pool.submit(call));
            }
            Path first = results.get(0).get();
            for (Future<Path> f : results) {
                assertThat(f.get()).isEqualTo(first);
            }
            assertSameBytesAsFixture(first, expectedRegularFiles());
        } finally {
            pool.shutdownNow();
        }
        Map<String, Integer> cdnGets = new HashMap<>();
        for (FakeHubServer.Request r : server.requests()) {
            if (r.path().startsWith("/cdn/")) {
                cdnGets.merge(r.path(), 1, Integer::sum);
            }
        }
        assertThat(cdnGets).isNotEmpty().allSatisfy((p, n) -> assertThat(n).as("GETs of %s", p).isEqualTo(1));
    }

    @Test
    void repoWithoutModelIndexIsNotAPipeline() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("plain"));
        Files.writeString(folder.resolve("config.json"), "{}");
        try (FakeHubServer plain = FakeHubServer.start("someone/plain-model", folder)) {
            HubDownloader d = new HubDownloader(plain.options(cache));
            assertThatThrownBy(() -> d.snapshot("someone/plain-model")).isInstanceOfSatisfying(HubException.class,
                    e -> {
                        assertThat(e.reason()).isEqualTo(HubException.Reason.INVALID_REPOSITORY);
                        assertThat(e.getMessage()).contains("model_index.json", "someone/plain-model");
                    });
        }
    }

    @Test
    void componentWithOnlyUnsupportedWeightsIsReported() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("flax/unet"));
        Files.writeString(folder.resolve("config.json"), "{}");
        Files.writeString(folder.resolve("diffusion_flax_model.msgpack"), "flax");
        Files.writeString(folder.getParent().resolve("model_index.json"),
                "{\"unet\": [\"diffusers\", \"UNet2DConditionModel\"], \"safety_checker\": [null, null]}");
        try (FakeHubServer flax = FakeHubServer.start("someone/flax-only", folder.getParent())) {
            HubDownloader d = new HubDownloader(flax.options(cache));
            assertThatThrownBy(() -> d.snapshot("someone/flax-only")).isInstanceOfSatisfying(HubException.class,
                    e -> {
                        assertThat(e.reason()).isEqualTo(HubException.Reason.INVALID_REPOSITORY);
                        assertThat(e.getMessage()).contains("'unet'", "no weight file")
                                .doesNotContain("safety_checker");
                    });
            assertThat(flax.requestsFor("unet/diffusion_flax_model.msgpack")).isEmpty();
        }
    }

    @Test
    void invalidArgumentsAreRejectedBeforeAnyRequest() {
        HubDownloader d = downloader();
        assertThatThrownBy(() -> d.snapshot("../etc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.snapshot("a/b/c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.snapshot(REPO, "../main", null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> d.snapshot(REPO, "main", "fp16/../x", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(server.requests()).isEmpty();
    }
}

package dev.smallsd.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.smallsd.hub.HubOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A loopback stand-in for the Hugging Face Hub serving one model folder (by default the fixtures' tiny pipeline as
 * {@value #REPO}) in Hub URL form, for tests of {@link dev.smallsd.hub.HubDownloader} and of anything that downloads
 * a model first:
 * <ul>
 *   <li>{@code GET /api/models/{repo}/revision/{revision}}: {@code {"sha": COMMIT, "siblings": [{"rfilename": …}]}}
 *       for revision {@code main} or {@link #COMMIT}, else 404 {@code RevisionNotFound};</li>
 *   <li>{@code HEAD|GET /{repo}/resolve/{revision}/{path}} with {@code X-Repo-Commit}; LFS-like files (weights,
 *       checkpoints, anything over 10 MB) answer 302 to {@code /cdn/{sha256}/{path}} with {@code X-Linked-Etag}
 *       (the sha256) and {@code X-Linked-Size}; other files answer 200 with {@code ETag} = git blob sha1;</li>
 *   <li>{@code Range: bytes=N-} support (206 / 416) on every body.</li>
 * </ul>
 * Switches inject failures (dropped connection, stall, corrupt body, one-off status, 404 file, required token,
 * listing-only names, a different CDN host), and every request is recorded for assertions. Unknown repos get 401
 * {@code RepoNotFound} as on the real Hub.
 */
public final class FakeHubServer implements AutoCloseable {
    /** The repo id served by {@link #start()}. */
    public static final String REPO = "OFA-Sys/small-stable-diffusion-v0";
    /** The fixed fake commit every revision resolves to. */
    public static final String COMMIT = "c0ffee0000000000000000000000000000decafe";

    private static final Set<String> LFS_EXTENSIONS = Set.of("safetensors", "bin", "ckpt", "msgpack", "onnx", "pb",
            "h5", "pt", "pth");
    private static final long LFS_THRESHOLD = 10L << 20;

    /**
     * One request the server received.
     *
     * @param method HTTP method
     * @param path decoded request path
     * @param range the {@code Range} header or {@code null}
     * @param authorization the {@code Authorization} header or {@code null}
     * @param host the {@code Host} header
     */
    public record Request(String method, String path, String range, String authorization, String host) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final String repoId;
    private final Map<String, Path> diskFiles = new ConcurrentHashMap<>();
    private final Map<String, byte[]> extraFiles = new ConcurrentHashMap<>();
    private final List<String> listOnly = new CopyOnWriteArrayList<>();
    private final Map<String, byte[]> contentCache = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> dropOnce = new ConcurrentHashMap<>();
    private final Map<String, long[]> stallOnce = new ConcurrentHashMap<>();
    /** Released by {@link #close()}: ends any stall still pausing, so a stall can last "until the test is over". */
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final Set<String> notFound = ConcurrentHashMap.newKeySet();
    private final Map<String, ConcurrentLinkedQueue<Integer>> statusOnce = new ConcurrentHashMap<>();
    private final Set<String> noRange = ConcurrentHashMap.newKeySet();
    private volatile String requiredToken;
    private volatile String cdnHost = "127.0.0.1";

    private FakeHubServer(String repoId, Path folder) throws IOException {
        this.repoId = repoId;
        try (Stream<Path> s = Files.walk(folder)) {
            s.filter(Files::isRegularFile).forEach(p -> diskFiles.put(folder.relativize(p).toString()
                    .replace('\\', '/'), p));
        }
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-hub");
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** @return a server for {@value #REPO} serving {@link Golden#tinyModel()} */
    public static FakeHubServer start() {
        return start(REPO, Golden.tinyModel());
    }

    /**
     * @param repoId the repo id to serve
     * @param folder the folder whose files are the repository
     * @return the started server on 127.0.0.1 and a free port
     */
    public static FakeHubServer start(String repoId, Path folder) {
        try {
            return new FakeHubServer(repoId, folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** @return the repo id served */
    public String repoId() {
        return repoId;
    }

    /**
     * Options for a {@link dev.smallsd.hub.HubDownloader} talking to this server: online, no token, short timeouts,
     * 4 attempts with a 10 ms back-off.
     *
     * @param cacheDir the hub cache folder to use
     * @return the options
     */
    public HubOptions options(Path cacheDir) {
        return new HubOptions(endpoint(), cacheDir, null, false, Duration.ofSeconds(5), Duration.ofSeconds(2), 4,
                Duration.ofMillis(10), true);
    }

    /**
     * Adds (or replaces) a served file that is not in the folder.
     *
     * @param path repository path
     * @param content its bytes
     * @return this
     */
    public FakeHubServer addFile(String path, byte[] content) {
        extraFiles.put(path, content.clone());
        contentCache.remove(path);
        return this;
    }

    /**
     * Lists a name in the revision listing without serving it (e.g. a traversal name).
     *
     * @param name the listed name
     * @return this
     */
    public FakeHubServer listOnly(String name) {
        listOnly.add(name);
        return this;
    }

    /**
     * The next body of {@code path} that reaches byte {@code afterBytes} stops there and the connection is closed.
     *
     * @param path repository path
     * @param afterBytes absolute byte offset at which to cut
     * @return this
     */
    public FakeHubServer dropConnectionOnce(String path, long afterBytes) {
        dropOnce.put(path, afterBytes);
        return this;
    }

    /**
     * The next body of {@code path} that reaches byte {@code afterBytes} pauses there for {@code pause}, or until
     * {@link #close()} if that comes first (a pause longer than the test means "never resumes").
     *
     * @param path repository path
     * @param afterBytes absolute byte offset of the pause
     * @param pause how long nothing is sent
     * @return this
     */
    public FakeHubServer stallOnce(String path, long afterBytes, Duration pause) {
        stallOnce.put(path, new long[] {afterBytes, pause.toMillis()});
        return this;
    }

    /**
     * Every body of {@code path} has one byte flipped (headers still announce the true checksum).
     *
     * @param path repository path
     * @return this
     */
    public FakeHubServer corrupt(String path) {
        corrupt.add(path);
        return this;
    }

    /**
     * The next request about {@code path} (metadata or body) gets {@code status} (e.g. 503, 429).
     *
     * @param path repository path
     * @param status the status
     * @return this
     */
    public FakeHubServer failOnce(String path, int status) {
        statusOnce.computeIfAbsent(path, k -> new ConcurrentLinkedQueue<>()).add(status);
        return this;
    }

    /**
     * {@code path} stays listed but its resolve URL answers 404 {@code EntryNotFound}.
     *
     * @param path repository path
     * @return this
     */
    public FakeHubServer notFound(String path) {
        notFound.add(path);
        return this;
    }

    /**
     * Bodies of {@code path} ignore {@code Range} and are always sent whole with 200.
     *
     * @param path repository path
     * @return this
     */
    public FakeHubServer ignoreRange(String path) {
        noRange.add(path);
        return this;
    }

    /**
     * The repo answers 401 unless requests carry {@code Authorization: Bearer <token>} ({@code null} lifts this).
     *
     * @param token the accepted token
     * @return this
     */
    public FakeHubServer requireToken(String token) {
        requiredToken = token;
        return this;
    }

    /**
     * The host name used in CDN redirects (same server and port), e.g. {@code "localhost"} to make the CDN another
     * origin than the endpoint.
     *
     * @param host the host name
     * @return this
     */
    public FakeHubServer cdnHost(String host) {
        cdnHost = host;
        return this;
    }

    /** @return every request received so far, in order */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Forgets the recorded requests. */
    public void clearRequests() {
        requests.clear();
    }

    /**
     * @param path repository path
     * @return the requests that fetched or asked about that file (resolve and CDN URLs)
     */
    public List<Request> requestsFor(String path) {
        List<Request> out = new ArrayList<>();
        for (Request r : requests) {
            if (r.path().endsWith("/resolve/" + COMMIT + "/" + path) || r.path().endsWith("/resolve/main/" + path)
                    || r.path().startsWith("/cdn/") && r.path().endsWith("/" + path)) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * @param path repository path
     * @return the file's bytes as served (before any corruption)
     */
    public byte[] content(String path) {
        return contentCache.computeIfAbsent(path, p -> {
            byte[] extra = extraFiles.get(p);
            if (extra != null) {
                return extra;
            }
            Path disk = diskFiles.get(p);
            if (disk == null) {
                return null;
            }
            try {
                return Files.readAllBytes(disk);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * @param path repository path
     * @return its hex sha256 (the ETag of LFS files)
     */
    public String sha256(String path) {
        return hex("SHA-256", null, content(path));
    }

    /** @return every served file path, sorted */
    public List<String> files() {
        List<String> all = new ArrayList<>(diskFiles.keySet());
        for (String e : extraFiles.keySet()) {
            if (!all.contains(e)) {
                all.add(e);
            }
        }
        Collections.sort(all);
        return all;
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private boolean isLfs(String path) {
        int dot = path.lastIndexOf('.');
        String ext = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
        return LFS_EXTENSIONS.contains(ext) || content(path).length > LFS_THRESHOLD;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            Headers h = ex.getRequestHeaders();
            requests.add(new Request(ex.getRequestMethod(), path, h.getFirst("Range"), h.getFirst("Authorization"),
                    h.getFirst("Host")));
            if (path.startsWith("/api/models/")) {
                listing(ex, ex.getRequestURI().getRawPath().substring("/api/models/".length()));
            } else if (path.startsWith("/cdn/")) {
                cdn(ex, path.substring("/cdn/".length()));
            } else {
                resolve(ex, ex.getRequestURI().getRawPath().substring(1));
            }
        } catch (IOException | RuntimeException e) {
            // The client went away or a failure was injected; nothing more to send.
        }
    }

    private void listing(HttpExchange ex, String rawRest) throws IOException {
        int i = rawRest.indexOf("/revision/");
        if (i < 0) {
            error(ex, 404, null, "not found");
            return;
        }
        String repo = decode(rawRest.substring(0, i));
        String revision = decode(rawRest.substring(i + "/revision/".length()));
        if (!checkRepo(ex, repo) || !checkRevision(ex, revision)) {
            return;
        }
        JsonArray siblings = new JsonArray();
        for (String f : files()) {
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", f);
            siblings.add(s);
        }
        for (String f : listOnly) {
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", f);
            siblings.add(s);
        }
        JsonObject o = new JsonObject();
        o.addProperty("id", repoId);
        o.addProperty("modelId", repoId);
        o.addProperty("sha", COMMIT);
        o.addProperty("private", false);
        o.add("siblings", siblings);
        byte[] body = o.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolve(HttpExchange ex, String rawRest) throws IOException {
        String prefix = repoId + "/resolve/";
        if (!rawRest.startsWith(prefix)) {
            int r = rawRest.indexOf("/resolve/");
            checkRepo(ex, r < 0 ? rawRest : decode(rawRest.substring(0, r)));
            return;
        }
        if (!checkRepo(ex, repoId)) {
            return;
        }
        String rest = rawRest.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            error(ex, 404, "EntryNotFound", "no file");
            return;
        }
        String revision = decode(rest.substring(0, slash));
        String file = decode(rest.substring(slash + 1));
        if (!checkRevision(ex, revision)) {
            return;
        }
        if (injectedStatus(ex, file)) {
            return;
        }
        byte[] content = content(file);
        if (content == null || notFound.contains(file)) {
            error(ex, 404, "EntryNotFound", file + " does not exist on \"" + revision + "\"");
            return;
        }
        Headers out = ex.getResponseHeaders();
        out.set("X-Repo-Commit", COMMIT);
        if (isLfs(file)) {
            String sha = sha256(file);
            out.set("X-Linked-Etag", "\"" + sha + "\"");
            out.set("X-Linked-Size", Long.toString(content.length));
            out.set("ETag", "\"" + hex("SHA-1", "blob " + sha.length() + "\0", sha.getBytes(StandardCharsets.UTF_8))
                    + "\"");
            out.set("Location", "http://" + cdnHost + ":" + server.getAddress().getPort() + "/cdn/" + sha + "/"
                    + file);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        out.set("ETag", "\"" + hex("SHA-1", "blob " + content.length + "\0", content) + "\"");
        body(ex, file, content);
    }

    private void cdn(HttpExchange ex, String rest) throws IOException {
        int slash = rest.indexOf('/');
        String sha = slash < 0 ? rest : rest.substring(0, slash);
        String file = slash < 0 ? "" : rest.substring(slash + 1);
        byte[] content = content(file);
        if (content == null || !sha256(file).equals(sha)) {
            error(ex, 404, null, "no such object");
            return;
        }
        if (injectedStatus(ex, file)) {
            return;
        }
        body(ex, file, content);
    }

    /** Sends a file body honouring Range and the injected failures. */
    private void body(HttpExchange ex, String file, byte[] content) throws IOException {
        byte[] data = content;
        if (corrupt.contains(file) && data.length > 0) {
            data = data.clone();
            data[data.length / 2] ^= 0x5a;
        }
        long len = data.length;
        long start = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        Headers out = ex.getResponseHeaders();
        out.set("Accept-Ranges", "bytes");
        int status = 200;
        if (range != null && range.startsWith("bytes=") && !noRange.contains(file)) {
            String spec = range.substring("bytes=".length());
            start = Long.parseLong(spec.substring(0, spec.indexOf('-')));
            if (start >= len) {
                out.set("Content-Range", "bytes */" + len);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            status = 206;
            out.set("Content-Range", "bytes " + start + "-" + (len - 1) + "/" + len);
        }
        if (ex.getRequestMethod().equals("HEAD")) {
            out.set("Content-Length", Long.toString(len - start));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, len - start);
        OutputStream os = ex.getResponseBody();
        Long cut = dropOnce.get(file);
        if (cut != null && cut > start && cut < len && dropOnce.remove(file, cut)) {
            os.write(data, (int) start, (int) (cut - start));
            os.flush();
            throw new IOException("injected connection drop"); // closing with bytes missing drops the connection
        }
        long[] stall = stallOnce.get(file);
        if (stall != null && stall[0] > start && stall[0] < len && stallOnce.remove(file, stall)) {
            os.write(data, (int) start, (int) (stall[0] - start));
            os.flush();
            try {
                if (closing.await(stall[1], TimeUnit.MILLISECONDS)) {
                    throw new IOException("server closed during an injected stall");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            start = stall[0];
        }
        os.write(data, (int) start, (int) (len - start));
    }

    private boolean injectedStatus(HttpExchange ex, String file) throws IOException {
        ConcurrentLinkedQueue<Integer> q = statusOnce.get(file);
        Integer status = q == null ? null : q.poll();
        if (status == null) {
            return false;
        }
        if (status == 429 || status == 503) {
            ex.getResponseHeaders().set("Retry-After", "0");
        }
        error(ex, status, null, "injected failure");
        return true;
    }

    private boolean checkRepo(HttpExchange ex, String repo) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        boolean tokenOk = requiredToken == null || ("Bearer " + requiredToken).equals(auth);
        if (!repo.equals(repoId) || !tokenOk) {
            error(ex, 401, "RepoNotFound", "Repository not found");
            return false;
        }
        return true;
    }

    private boolean checkRevision(HttpExchange ex, String revision) throws IOException {
        if (!revision.equals("main") && !revision.equals(COMMIT)) {
            error(ex, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return false;
        }
        return true;
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message.replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String hex(String algorithm, String prefix, byte[] data) {
        try {
            MessageDigest d = MessageDigest.getInstance(algorithm);
            if (prefix != null) {
                d.update(prefix.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

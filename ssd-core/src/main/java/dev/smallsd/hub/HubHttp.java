package dev.smallsd.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.smallsd.internal.io.config.ConfigJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the Hub protocol as huggingface_hub speaks it: the revision listing, the {@code HEAD} file
 * metadata and file {@code GET}s, with bounded retries of transient failures, redirects handled here so that the
 * token never reaches another host, and error statuses turned into {@link HubException}s that say what to do.
 */
final class HubHttp {
    private static final Logger LOG = LoggerFactory.getLogger(HubHttp.class);
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_LISTING_BYTES = 64 << 20;
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);
    private static final String USER_AGENT = "smallsd-java/"
            + Optional.ofNullable(HubHttp.class.getPackage().getImplementationVersion()).orElse("dev") + "; java/"
            + System.getProperty("java.version");

    private final HubOptions options;
    private final HttpClient client;

    HubHttp(HubOptions options) {
        this.options = options;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(options.requestTimeout()).build();
    }

    /**
     * What a request is about, for messages.
     *
     * @param repoId the repo
     * @param revision the revision the caller asked for
     * @param commit the commit it resolved to, or {@code null} before the listing
     * @param path the file, or {@code null} for the listing
     */
    record Target(String repoId, String revision, String commit, String path) {
        Target withPath(String p) {
            return new Target(repoId, revision, commit, p);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("repo '").append(repoId).append("', revision '").append(revision)
                    .append('\'');
            if (commit != null && !commit.equals(revision)) {
                b.append(" (commit ").append(commit).append(')');
            }
            if (path != null) {
                b.append(", file '").append(path).append('\'');
            }
            return b.toString();
        }
    }

    /**
     * The revision listing.
     *
     * @param sha the commit the revision points to
     * @param files every file path of the repository at that commit
     */
    record Listing(String sha, List<String> files) {}

    /**
     * What a {@code HEAD} of a file says.
     *
     * @param commit {@code X-Repo-Commit}, or {@code null} when absent
     * @param etag {@code X-Linked-Etag} else {@code ETag}, without {@code W/} and quotes
     * @param size {@code X-Linked-Size} else {@code Content-Length}, or {@code -1}
     */
    record FileMetadata(String commit, String etag, long size) {}

    /** A failure worth another attempt: HTTP 5xx or 429. */
    static final class TransientStatusException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Duration retryAfter;

        TransientStatusException(String message, Duration retryAfter) {
            super(message);
            this.retryAfter = retryAfter;
        }
    }

    /** One attempt of a retried operation. */
    @FunctionalInterface
    interface Attempt<T> {
        T run() throws IOException;
    }

    /**
     * Runs an operation, retrying {@link IOException}s (network errors, HTTP 5xx/429) up to
     * {@link HubOptions#maxAttempts()} times with a doubling back-off. {@link HubException}s pass through at once.
     *
     * @throws HubException {@code NETWORK} when every attempt failed or the thread was interrupted
     */
    <T> T retry(String what, Attempt<T> attempt) {
        IOException last = null;
        for (int i = 1; i <= options.maxAttempts(); i++) {
            try {
                return attempt.run();
            } catch (IOException e) {
                last = e;
                if (Thread.currentThread().isInterrupted()) {
                    throw new HubException(HubException.Reason.NETWORK, what + " was interrupted", e);
                }
                if (unreachable(e)) {
                    throw new HubException(HubException.Reason.NETWORK, what + " failed: " + e
                            + " (the host cannot be reached: not retried). Check the network connection and "
                            + "HF_ENDPOINT (" + options.endpoint() + "); with HF_HUB_OFFLINE=1 only the local cache "
                            + "is used.", e);
                }
                if (i == options.maxAttempts()) {
                    break;
                }
                long waitMs = options.retryBackoff().toMillis() << Math.min(i - 1, 3);
                if (e instanceof TransientStatusException t && t.retryAfter != null) {
                    waitMs = Math.max(waitMs, Math.min(t.retryAfter.toMillis(), MAX_RETRY_AFTER.toMillis()));
                }
                LOG.warn("{} failed (attempt {} of {}): {}; retrying in {} ms", what, i, options.maxAttempts(),
                        e.toString(), waitMs);
                try {
                    Thread.sleep(waitMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new HubException(HubException.Reason.NETWORK, what + " was interrupted", ie);
                }
            }
        }
        throw new HubException(HubException.Reason.NETWORK, what + " failed after " + options.maxAttempts()
                + " attempt(s): " + last + ". Check the network connection and HF_ENDPOINT (" + options.endpoint()
                + "); with HF_HUB_OFFLINE=1 only the local cache is used.", last);
    }

    /**
     * Tells a failure that another attempt will not mend: the host name does not resolve, no route leads to it, or
     * it refuses the connection. Timeouts, resets and HTTP 5xx stay retried.
     */
    static boolean unreachable(IOException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UnknownHostException || c instanceof UnresolvedAddressException
                    || c instanceof NoRouteToHostException || c instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code GET {endpoint}/api/models/{repo}/revision/{revision}}: the commit and the file list.
     *
     * @throws HubException for error statuses, malformed answers and exhausted retries
     */
    Listing listing(Target t) {
        URI uri = URI.create(options.endpoint() + "/api/models/" + t.repoId() + "/revision/"
                + RepoPaths.encodeSegment(t.revision()));
        return retry("listing " + t, () -> {
            HttpResponse<InputStream> r = get(uri, 0, t);
            byte[] body;
            try (InputStream in = r.body()) {
                body = in.readNBytes(MAX_LISTING_BYTES + 1);
            }
            if (r.statusCode() != 200 || body.length > MAX_LISTING_BYTES) {
                throw new HubException(HubException.Reason.INVALID_RESPONSE, "unexpected answer to the listing of "
                        + t + " from " + uri + ": HTTP " + r.statusCode() + ", " + body.length + " bytes");
            }
            return parseListing(new String(body, StandardCharsets.UTF_8), t, uri);
        });
    }

    private static Listing parseListing(String json, Target t, URI uri) {
        try {
            JsonObject o = ConfigJson.parseStrict(json).getAsJsonObject();
            JsonElement sha = o.get("sha");
            JsonElement siblings = o.get("siblings");
            if (sha == null || !sha.isJsonPrimitive() || siblings == null || !siblings.isJsonArray()) {
                throw new HubException(HubException.Reason.INVALID_RESPONSE, "the listing of " + t + " from " + uri
                        + " has no 'sha' or no 'siblings'; is HF_ENDPOINT a Hugging Face Hub?");
            }
            String commit = sha.getAsString();
            if (!RepoPaths.isCommitHash(commit)) {
                throw new HubException(HubException.Reason.INVALID_RESPONSE, "the listing of " + t + " from " + uri
                        + " gives 'sha' '" + commit + "', not a 40-hex commit hash");
            }
            List<String> files = new ArrayList<>();
            JsonArray arr = siblings.getAsJsonArray();
            for (JsonElement s : arr) {
                JsonElement name = s.isJsonObject() ? s.getAsJsonObject().get("rfilename") : null;
                if (name == null || !name.isJsonPrimitive()) {
                    throw new HubException(HubException.Reason.INVALID_RESPONSE, "the listing of " + t + " from "
                            + uri + " has a sibling without 'rfilename': " + s);
                }
                files.add(RepoPaths.checkFileName(name.getAsString(), t.repoId()));
            }
            return new Listing(commit, List.copyOf(files));
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new HubException(HubException.Reason.INVALID_RESPONSE, "the listing of " + t + " from " + uri
                    + " is not the expected JSON: " + e.getMessage(), e);
        }
    }

    /** @return {@code {endpoint}/{repo}/resolve/{commit}/{path}} */
    URI resolveUrl(Target t) {
        return URI.create(options.endpoint() + "/" + t.repoId() + "/resolve/" + RepoPaths.encodeSegment(t.commit())
                + "/" + RepoPaths.encodePath(t.path()));
    }

    /**
     * {@code HEAD} of a file's resolve URL with {@code Accept-Encoding: identity}, following only relative
     * redirects (a renamed repo), not the redirect to the CDN.
     *
     * @throws HubException for error statuses, a missing ETag and exhausted retries
     */
    FileMetadata head(Target t) {
        URI start = resolveUrl(t);
        return retry("metadata request for " + t, () -> {
            URI uri = start;
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                HttpRequest req = request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .header("Accept-Encoding", "identity").build();
                HttpResponse<Void> r = send(req, HttpResponse.BodyHandlers.discarding());
                int status = r.statusCode();
                Optional<String> location = r.headers().firstValue("Location");
                if (isRedirect(status) && location.isPresent() && isRelative(location.get())) {
                    uri = resolve(uri, location.get(), t);
                    continue;
                }
                if (status >= 400) {
                    throw error(status, r.headers(), t, uri);
                }
                HttpHeaders h = r.headers();
                String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(HubHttp::normalizeEtag)
                        .orElse(null);
                if (etag == null || etag.isEmpty()) {
                    throw new HubException(HubException.Reason.INVALID_RESPONSE, "no ETag in the answer for " + t
                            + " from " + uri + " (HTTP " + status + "): the server does not look like a Hugging Face"
                            + " Hub; check HF_ENDPOINT and any proxy");
                }
                long size = parseLong(h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")));
                return new FileMetadata(h.firstValue("X-Repo-Commit").orElse(null), etag, size);
            }
            throw new HubException(HubException.Reason.INVALID_RESPONSE, "more than " + MAX_REDIRECTS
                    + " redirects for " + t + " from " + start);
        });
    }

    /**
     * A {@code GET} (optionally from byte {@code from} on) following redirects; the token is only sent to the
     * endpoint's origin. 2xx and 416 answers are returned with their body open; other errors are thrown.
     *
     * @throws TransientStatusException for HTTP 5xx/429 (to be retried)
     * @throws HubException for other error statuses
     */
    HttpResponse<InputStream> get(URI start, long from, Target t) throws IOException {
        URI uri = start;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = request(uri).GET().header("Accept-Encoding", "identity");
            if (from > 0) {
                b.header("Range", "bytes=" + from + "-");
            }
            HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            int status = r.statusCode();
            if (status >= 200 && status < 300 || status == 416) {
                return r;
            }
            r.body().close();
            Optional<String> location = r.headers().firstValue("Location");
            if (isRedirect(status) && location.isPresent()) {
                uri = resolve(uri, location.get(), t);
                continue;
            }
            throw error(status, r.headers(), t, uri);
        }
        throw new HubException(HubException.Reason.INVALID_RESPONSE, "more than " + MAX_REDIRECTS
                + " redirects for " + t + " from " + start);
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(options.requestTimeout())
                .header("User-Agent", USER_AGENT);
        if (options.token() != null && sameOrigin(uri, options.endpoint())) {
            b.header("Authorization", "Bearer " + options.token());
        }
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return client.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException x = new InterruptedIOException("interrupted while requesting " + req.uri());
            x.initCause(e);
            throw x;
        }
    }

    /** Maps an error status to the exception to throw (transient ones are retried by {@link #retry}). */
    private IOException error(int status, HttpHeaders h, Target t, URI uri) {
        String code = h.firstValue("X-Error-Code").orElse("");
        String serverMessage = h.firstValue("X-Error-Message").map(m -> " (server: " + m + ")").orElse("");
        if (status >= 500 || status == 429) {
            Duration retryAfter = h.firstValue("Retry-After").map(v -> {
                try {
                    return Duration.ofSeconds(Long.parseLong(v.strip()));
                } catch (NumberFormatException e) {
                    return null;
                }
            }).orElse(null);
            return new TransientStatusException("HTTP " + status + " from " + uri + serverMessage, retryAfter);
        }
        if (status == 401 || status == 403) {
            String tokenAdvice = options.token() == null
                    ? "No token is set: set HF_TOKEN to a Hugging Face access token (" + options.endpoint()
                            + "/settings/tokens)"
                    : "The token in use (HF_TOKEN) was refused or has no access to it";
            throw new HubException(HubException.Reason.UNAUTHORIZED, "HTTP " + status + " "
                    + (status == 401 ? "Unauthorized" : "Forbidden") + " for " + t + " at " + uri + serverMessage
                    + ": the repository is private or gated, or does not exist. " + tokenAdvice
                    + "; for a gated model, accept its license on " + options.endpoint() + "/" + t.repoId()
                    + " with that account; and check the repo id.");
        }
        if (status == 404) {
            String what = switch (code) {
                case "RepoNotFound" -> "repository '" + t.repoId() + "' does not exist";
                case "RevisionNotFound" -> "revision '" + t.revision() + "' does not exist in repo '" + t.repoId()
                        + "'";
                case "EntryNotFound" -> "file '" + t.path() + "' does not exist in repo '" + t.repoId()
                        + "' at revision '" + t.revision() + "'";
                default -> "not found";
            };
            throw new HubException(HubException.Reason.NOT_FOUND, "HTTP 404 Not Found for " + t + " at " + uri
                    + serverMessage + ": " + what + ". Check the repo id ('namespace/name' as on its Hub page) and"
                    + " the revision (branch, tag or commit).");
        }
        throw new HubException(HubException.Reason.INVALID_RESPONSE, "unexpected HTTP " + status + " for " + t
                + " at " + uri + serverMessage);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean isRelative(String location) {
        try {
            URI u = URI.create(location.strip());
            return u.getScheme() == null && u.getRawAuthority() == null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static URI resolve(URI base, String location, Target t) {
        try {
            URI u = base.resolve(location.strip());
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return u;
        } catch (IllegalArgumentException e) {
            throw new HubException(HubException.Reason.INVALID_RESPONSE, "bad redirect Location '" + location
                    + "' for " + t + " from " + base + ": " + e.getMessage(), e);
        }
    }

    /** Same scheme, host and port (default ports filled in). */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Strips a weak-validator prefix and quotes, as huggingface_hub does. */
    static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    private static long parseLong(Optional<String> v) {
        try {
            return v.map(s -> Long.parseLong(s.strip())).orElse(-1L);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

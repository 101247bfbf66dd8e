package dev.smallsd.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where and how a {@link HubDownloader} talks to the Hugging Face Hub and keeps its cache. Built from the same
 * environment variables as Python's {@code huggingface_hub} by {@link #fromEnvironment()}, so that Java and Python
 * share one cache; every value can be overridden with the {@code with…} methods (tests use
 * {@link #fromEnvironment(Map, Path)} with their own map and home folder).
 *
 * @param endpoint the Hub base URL, without a trailing slash ({@code HF_ENDPOINT}, default
 *     {@value #DEFAULT_ENDPOINT})
 * @param cacheDir the hub cache folder holding {@code models--<org>--<name>} ({@code HF_HUB_CACHE}, else
 *     {@code $HF_HOME/hub}, default {@code ~/.cache/huggingface/hub})
 * @param token an access token sent as {@code Authorization: Bearer} to the endpoint's host only, or {@code null}
 *     ({@code HF_TOKEN}, else the token file {@code $HF_HOME/token} written by {@code huggingface-cli login})
 * @param offline never make a request; use the cache only ({@code HF_HUB_OFFLINE=1})
 * @param requestTimeout connect timeout and time to wait for response headers ({@code HF_HUB_ETAG_TIMEOUT}, seconds,
 *     default 10)
 * @param downloadTimeout longest time a download may receive no data before it is retried ({@code
 *     HF_HUB_DOWNLOAD_TIMEOUT}, seconds, default 10)
 * @param maxAttempts attempts per request or file for transient failures (I/O errors, HTTP 5xx, 429), at least 1
 * @param retryBackoff wait before the second attempt; doubled for each further one, capped at 8 times this value
 * @param symlinks link snapshot files to blobs with relative symbolic links (as huggingface_hub does); when
 *     {@code false}, or when the file system refuses links, snapshot files are copies of the blobs
 */
public record HubOptions(URI endpoint, Path cacheDir, String token, boolean offline, Duration requestTimeout,
        Duration downloadTimeout, int maxAttempts, Duration retryBackoff, boolean symlinks) {
    /** The public Hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private static final Logger LOG = LoggerFactory.getLogger(HubOptions.class);
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int DEFAULT_ATTEMPTS = 5;
    private static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);

    /**
     * Validates and normalizes the values: trailing slashes of the endpoint are dropped, a blank token becomes
     * {@code null}, the cache folder is made absolute.
     *
     * @param endpoint the Hub base URL (http or https)
     * @param cacheDir the hub cache folder
     * @param token an access token or {@code null}
     * @param offline use the cache only
     * @param requestTimeout connect and response-header timeout, positive
     * @param downloadTimeout longest time without data during a download, positive
     * @param maxAttempts attempts for transient failures, at least 1
     * @param retryBackoff first wait between attempts, not negative
     * @param symlinks link snapshot files to blobs (else copy)
     * @throws IllegalArgumentException when a value is out of range
     */
    public HubOptions {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(downloadTimeout, "downloadTimeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
            throw new IllegalArgumentException("Hub endpoint must be an http(s) URL with a host, got '" + endpoint
                    + "' (HF_ENDPOINT)");
        }
        if (endpoint.getQuery() != null || endpoint.getFragment() != null) {
            throw new IllegalArgumentException("Hub endpoint must not have a query or fragment: '" + endpoint + "'");
        }
        String s = endpoint.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        endpoint = URI.create(s);
        cacheDir = cacheDir.toAbsolutePath().normalize();
        token = token == null || token.isBlank() ? null : token.strip();
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
        if (downloadTimeout.isNegative() || downloadTimeout.isZero()) {
            throw new IllegalArgumentException("downloadTimeout must be positive, got " + downloadTimeout);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("retryBackoff must not be negative, got " + retryBackoff);
        }
    }

    /**
     * Options from this process's environment ({@link System#getenv()}) and home folder (system property
     * {@code user.home}).
     *
     * @return the options
     * @throws IllegalArgumentException when a variable has an invalid value (the message names it)
     */
    public static HubOptions fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * Options from the given environment, resolved as huggingface_hub does:
     * <ul>
     *   <li>endpoint: {@code HF_ENDPOINT}, default {@value #DEFAULT_ENDPOINT};</li>
     *   <li>{@code HF_HOME}: that variable, else {@code $XDG_CACHE_HOME/huggingface}, else
     *       {@code <home>/.cache/huggingface} (a leading {@code ~} is expanded to {@code userHome});</li>
     *   <li>cache: {@code HF_HUB_CACHE}, else the legacy {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub};</li>
     *   <li>token: {@code HF_TOKEN}, else the legacy {@code HUGGING_FACE_HUB_TOKEN}, else the content of the file
     *       {@code HF_TOKEN_PATH} (default {@code $HF_HOME/token}) when it exists;</li>
     *   <li>offline: {@code HF_HUB_OFFLINE} (else the legacy {@code TRANSFORMERS_OFFLINE}) is one of {@code 1},
     *       {@code ON}, {@code YES}, {@code TRUE} (any case);</li>
     *   <li>timeouts: {@code HF_HUB_ETAG_TIMEOUT} and {@code HF_HUB_DOWNLOAD_TIMEOUT} in seconds (default 10);</li>
     *   <li>5 attempts with a 1 s back-off, symbolic links on.</li>
     * </ul>
     *
     * @param env the environment variables
     * @param userHome the user's home folder
     * @return the options
     * @throws IllegalArgumentException when a variable has an invalid value (the message names it)
     */
    public static HubOptions fromEnvironment(Map<String, String> env, Path userHome) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(userHome, "userHome");
        String endpointValue = value(env, "HF_ENDPOINT");
        URI endpoint;
        try {
            endpoint = URI.create(endpointValue == null ? DEFAULT_ENDPOINT : endpointValue);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("HF_ENDPOINT is not a URL: '" + endpointValue + "'", e);
        }
        Path hfHome;
        if (value(env, "HF_HOME") != null) {
            hfHome = expand(value(env, "HF_HOME"), userHome);
        } else if (value(env, "XDG_CACHE_HOME") != null) {
            hfHome = expand(value(env, "XDG_CACHE_HOME"), userHome).resolve("huggingface");
        } else {
            hfHome = userHome.resolve(".cache").resolve("huggingface");
        }
        Path cache;
        if (value(env, "HF_HUB_CACHE") != null) {
            cache = expand(value(env, "HF_HUB_CACHE"), userHome);
        } else if (value(env, "HUGGINGFACE_HUB_CACHE") != null) {
            cache = expand(value(env, "HUGGINGFACE_HUB_CACHE"), userHome);
        } else {
            cache = hfHome.resolve("hub");
        }
        String token = value(env, "HF_TOKEN");
        if (token == null) {
            token = value(env, "HUGGING_FACE_HUB_TOKEN");
        }
        if (token == null) {
            Path tokenFile = value(env, "HF_TOKEN_PATH") != null ? expand(value(env, "HF_TOKEN_PATH"), userHome)
                    : hfHome.resolve("token");
            token = readToken(tokenFile);
        }
        String offlineValue = value(env, "HF_HUB_OFFLINE");
        if (offlineValue == null) {
            offlineValue = value(env, "TRANSFORMERS_OFFLINE");
        }
        boolean offline = offlineValue != null && TRUE_VALUES.contains(offlineValue.strip().toUpperCase(Locale.ROOT));
        return new HubOptions(endpoint, cache, token, offline, seconds(env, "HF_HUB_ETAG_TIMEOUT"),
                seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT"), DEFAULT_ATTEMPTS, DEFAULT_BACKOFF, true);
    }

    /**
     * @param value the new endpoint
     * @return a copy with that endpoint
     */
    public HubOptions withEndpoint(URI value) {
        return new HubOptions(value, cacheDir, token, offline, requestTimeout, downloadTimeout, maxAttempts,
                retryBackoff, symlinks);
    }

    /**
     * @param value the new cache folder
     * @return a copy with that cache folder
     */
    public HubOptions withCacheDir(Path value) {
        return new HubOptions(endpoint, value, token, offline, requestTimeout, downloadTimeout, maxAttempts,
                retryBackoff, symlinks);
    }

    /**
     * @param value the new token, or {@code null} for none
     * @return a copy with that token
     */
    public HubOptions withToken(String value) {
        return new HubOptions(endpoint, cacheDir, value, offline, requestTimeout, downloadTimeout, maxAttempts,
                retryBackoff, symlinks);
    }

    /**
     * @param value whether to use the cache only
     * @return a copy with that offline flag
     */
    public HubOptions withOffline(boolean value) {
        return new HubOptions(endpoint, cacheDir, token, value, requestTimeout, downloadTimeout, maxAttempts,
                retryBackoff, symlinks);
    }

    /**
     * @param value the new connect/response-header timeout
     * @return a copy with that timeout
     */
    public HubOptions withRequestTimeout(Duration value) {
        return new HubOptions(endpoint, cacheDir, token, offline, value, downloadTimeout, maxAttempts, retryBackoff,
                symlinks);
    }

    /**
     * @param value the new stall timeout of downloads
     * @return a copy with that timeout
     */
    public HubOptions withDownloadTimeout(Duration value) {
        return new HubOptions(endpoint, cacheDir, token, offline, requestTimeout, value, maxAttempts, retryBackoff,
                symlinks);
    }

    /**
     * @param attempts the new number of attempts for transient failures
     * @param backoff the new wait before the second attempt
     * @return a copy with that retry policy
     */
    public HubOptions withRetries(int attempts, Duration backoff) {
        return new HubOptions(endpoint, cacheDir, token, offline, requestTimeout, downloadTimeout, attempts, backoff,
                symlinks);
    }

    /**
     * @param value whether snapshot files are symbolic links to blobs (else copies)
     * @return a copy with that setting
     */
    public HubOptions withSymlinks(boolean value) {
        return new HubOptions(endpoint, cacheDir, token, offline, requestTimeout, downloadTimeout, maxAttempts,
                retryBackoff, value);
    }

    /** @return the values, with the token masked */
    @Override
    public String toString() {
        return "HubOptions[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token="
                + (token == null ? "none" : "***") + ", offline=" + offline + ", requestTimeout=" + requestTimeout
                + ", downloadTimeout=" + downloadTimeout + ", maxAttempts=" + maxAttempts + ", retryBackoff="
                + retryBackoff + ", symlinks=" + symlinks + "]";
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static Path expand(String path, Path userHome) {
        if (path.equals("~")) {
            return userHome;
        }
        if (path.startsWith("~/") || path.startsWith("~\\")) {
            return userHome.resolve(path.substring(2));
        }
        return Path.of(path);
    }

    private static String readToken(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            String t = Files.readString(file, StandardCharsets.UTF_8).strip();
            return t.isEmpty() ? null : t;
        } catch (IOException e) {
            LOG.warn("Cannot read the Hugging Face token file {}: {}", file, e.toString());
            return null;
        }
    }

    private static Duration seconds(Map<String, String> env, String name) {
        String v = value(env, name);
        if (v == null) {
            return DEFAULT_TIMEOUT;
        }
        try {
            double s = Double.parseDouble(v);
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new NumberFormatException("not a positive number");
            }
            return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a positive number of seconds, got '" + v + "'", e);
        }
    }
}

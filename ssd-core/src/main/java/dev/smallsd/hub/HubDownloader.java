package dev.smallsd.hub;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.smallsd.internal.io.config.ConfigJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a diffusers pipeline (such as {@code OFA-Sys/small-stable-diffusion-v0}) from the Hugging Face Hub into the
 * huggingface_hub cache, so that Java and Python share one download — the Java counterpart of
 * {@code from_pretrained("OFA-Sys/small-stable-diffusion-v0")}:
 *
 * <pre>{@code
 * Path model = new HubDownloader().snapshot("OFA-Sys/small-stable-diffusion-v0");
 * }</pre>
 *
 * <p>Only what the pipeline needs is fetched, as diffusers does: {@code model_index.json} and, for each component it
 * names, its config/tokenizer files and one weight file ({@code .safetensors} before {@code .bin}, honouring a
 * variant such as {@code fp16}); never {@code .ckpt}, ONNX, Flax or other-variant files. Files land in
 * {@code <cache>/models--<ns>--<name>/blobs/<etag>}, verified against their SHA-256 (LFS files) or git blob hash
 * while they download (a cached file is not hashed again when it is used; {@link CacheVerifier} does that on request),
 * with {@code snapshots/<commit>/<path>} relative symbolic links (copies where links are not allowed) and
 * {@code refs/<revision>} holding the commit. Interrupted downloads resume from {@code blobs/<etag>.incomplete};
 * transient failures are retried. A call with everything cached makes one request (the revision listing, as
 * huggingface_hub does), and none in offline mode; when the Hub cannot be reached a complete cached snapshot of the
 * revision is used with a warning.
 *
 * <p>Instances are immutable and thread-safe; concurrent downloads of the same file (also from other JVMs using the
 * same cache) are serialized by lock files under {@code <cache>/.locks}. Nothing is written to stdout; logging goes
 * through slf4j.
 */
public final class HubDownloader {
    /** The revision used when none is given. */
    public static final String DEFAULT_REVISION = "main";

    private static final Logger LOG = LoggerFactory.getLogger(HubDownloader.class);
    private static final Pattern VARIANT = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final HubOptions options;
    private final HubHttp http;
    private final BlobFetcher fetcher;

    /** A downloader configured from the environment ({@link HubOptions#fromEnvironment()}). */
    public HubDownloader() {
        this(HubOptions.fromEnvironment());
    }

    /**
     * @param options endpoint, cache folder, token, offline mode, timeouts and retries
     */
    public HubDownloader(HubOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.http = new HubHttp(options);
        this.fetcher = new BlobFetcher(http, options);
    }

    /** @return the options in use */
    public HubOptions options() {
        return options;
    }

    /**
     * The repo id of a huggingface_hub cache snapshot folder ({@code .../models--<ns>--<name>/snapshots/<commit>}),
     * so a model loaded from such a folder is named as the Hub names it rather than by its commit hash.
     *
     * @param folder any folder
     * @return {@code <ns>/<name>} when the folder is a cached model snapshot, else empty
     */
    public static java.util.Optional<String> repoIdOfSnapshot(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        Path snapshots = abs.getParent();
        Path repo = snapshots == null ? null : snapshots.getParent();
        if (repo == null || repo.getFileName() == null || !"snapshots".equals(snapshots.getFileName().toString())) {
            return java.util.Optional.empty();
        }
        String name = repo.getFileName().toString();
        String prefix = RepoPaths.repoFolderName("");
        if (!name.startsWith(prefix) || name.length() == prefix.length()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(name.substring(prefix.length()).replace("--", "/"));
    }

    /**
     * Same as {@code snapshot(repoId, "main", null, DownloadListener.NONE)}.
     *
     * @param repoId e.g. {@code "OFA-Sys/small-stable-diffusion-v0"}
     * @return the snapshot folder, loadable as a diffusers model folder
     * @throws HubException when the model cannot be obtained (the message says why and what to do)
     * @throws UnsafePathException when the Hub names a file that would escape the cache
     */
    public Path snapshot(String repoId) {
        return snapshot(repoId, DEFAULT_REVISION, null, DownloadListener.NONE);
    }

    /**
     * Makes the files a pipeline needs available in the cache and returns the snapshot folder
     * {@code <cache>/models--<ns>--<name>/snapshots/<commit>}.
     *
     * @param repoId e.g. {@code "OFA-Sys/small-stable-diffusion-v0"}
     * @param revision a branch, tag or full commit hash; {@code null} means {@value #DEFAULT_REVISION}
     * @param variant a weight variant such as {@code "fp16"} (components without it use their regular weights, with a
     *     warning), or {@code null} for the regular weights
     * @param listener receives progress of the files actually downloaded; {@code null} for none
     * @return the snapshot folder, loadable as a diffusers model folder
     * @throws IllegalArgumentException for a malformed repo id, revision or variant
     * @throws HubException when the model cannot be obtained: {@link HubException#reason()} tells whether access was
     *     refused (401/403), something does not exist (404), the cache lacks files in offline mode, a checksum
     *     failed, the network failed after retries, or the repository is not a usable pipeline
     * @throws UnsafePathException when the Hub names a file that would escape the cache (nothing is downloaded)
     */
    public Path snapshot(String repoId, String revision, String variant, DownloadListener listener) {
        RepoPaths.checkRepoId(repoId);
        String rev = revision == null ? DEFAULT_REVISION : RepoPaths.checkRevision(revision);
        if (variant != null && !VARIANT.matcher(variant).matches()) {
            throw new IllegalArgumentException("invalid variant '" + variant + "': expected a name such as 'fp16'");
        }
        DownloadListener l = listener == null ? DownloadListener.NONE : listener;
        HubCache cache = new HubCache(options.cacheDir(), repoId, options.symlinks());
        if (options.offline()) {
            return fromCache(cache, repoId, rev, variant, "HF_HUB_OFFLINE is set, so no request is made");
        }
        HubHttp.Target target = new HubHttp.Target(repoId, rev, null, null);
        HubHttp.Listing listing;
        try {
            listing = http.listing(target);
        } catch (HubException e) {
            if (e.reason() != HubException.Reason.NETWORK || Thread.currentThread().isInterrupted()) {
                throw e;
            }
            try {
                Path cached = fromCache(cache, repoId, rev, variant, "the Hub could not be reached");
                LOG.warn("Cannot reach {} ({}); using the cached snapshot {}", options.endpoint(), e.getMessage(),
                        cached);
                return cached;
            } catch (HubException cacheMiss) {
                e.addSuppressed(cacheMiss);
                throw e;
            }
        }
        return download(cache, new HubHttp.Target(repoId, rev, listing.sha(), null), listing.files(), variant, l);
    }

    private Path download(HubCache cache, HubHttp.Target base, List<String> files, String variant,
            DownloadListener l) {
        Set<String> available = new HashSet<>(files);
        if (!available.contains(PipelineFiles.MODEL_INDEX)) {
            throw new HubException(HubException.Reason.INVALID_REPOSITORY, "repo '" + base.repoId()
                    + "' at revision '" + base.revision() + "' has no " + PipelineFiles.MODEL_INDEX
                    + ": it is not a diffusers pipeline repository. Check the repo id.");
        }
        ensure(cache, base.withPath(PipelineFiles.MODEL_INDEX), l);
        Path snapshot = cache.snapshotDir(base.commit());
        JsonObject index = readModelIndex(snapshot.resolve(PipelineFiles.MODEL_INDEX));
        PipelineFiles.Selection sel = PipelineFiles.select(index, available, variant, warner(base));
        if (!sel.problems().isEmpty()) {
            throw new HubException(HubException.Reason.INVALID_REPOSITORY, "repo '" + base.repoId()
                    + "' at revision '" + base.revision() + "' cannot be loaded as a pipeline: "
                    + String.join("; ", sel.problems()));
        }
        for (String f : sel.files()) {
            ensure(cache, base.withPath(f), l);
        }
        if (!base.revision().equals(base.commit())) {
            try {
                cache.writeRef(base.revision(), base.commit());
            } catch (IOException e) {
                throw new HubException(HubException.Reason.LOCAL_IO, "cannot write refs/" + base.revision() + " in "
                        + cache.repoDir() + ": " + e, e);
            }
        }
        return snapshot;
    }

    /** Makes one file present in the snapshot: nothing when it is, a link when its blob is cached, else a download. */
    private void ensure(HubCache cache, HubHttp.Target t, DownloadListener l) {
        Path snapshotFile = cache.snapshotFile(t.commit(), t.path());
        if (HubCache.present(snapshotFile)) {
            return;
        }
        HubHttp.FileMetadata meta = http.head(t);
        if (meta.commit() != null && !meta.commit().equals(t.commit())) {
            throw new HubException(HubException.Reason.INVALID_RESPONSE, "the Hub answered commit " + meta.commit()
                    + " for " + t + "; expected " + t.commit() + " from the listing. Try again.");
        }
        String etag = RepoPaths.checkBlobName(meta.etag(), t.toString());
        Path blob = cache.blob(etag);
        try {
            if (!HubCache.present(blob)) {
                HubCache.BlobLock lock = cache.lock(etag); // held for the check and the download
                try (lock) {
                    if (!HubCache.present(blob)) {
                        fetcher.fetch(t, http.resolveUrl(t), meta, blob, cache.incomplete(etag), l);
                        l.onFileDone(t.path());
                    }
                }
            }
            cache.link(blob, snapshotFile);
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot store " + t + " in " + cache.repoDir()
                    + ": " + e, e);
        }
    }

    /** Resolves the revision and checks that the cached snapshot has every needed file, without any request. */
    private Path fromCache(HubCache cache, String repoId, String rev, String variant, String why) {
        String advice = " Download it once with HF_HUB_OFFLINE unset (from Java or Python), or point HF_HUB_CACHE or"
                + " HF_HOME at a cache that has it.";
        String commit = RepoPaths.isCommitHash(rev) ? rev : cache.readRef(rev).orElse(null);
        if (commit == null) {
            throw new HubException(HubException.Reason.OFFLINE_MISSING, why + ", and the cache " + cache.repoDir()
                    + " has no snapshot of repo '" + repoId + "' at revision '" + rev + "' (no refs/" + rev + ")."
                    + advice);
        }
        Path snapshot = cache.snapshotDir(commit);
        Path index = snapshot.resolve(PipelineFiles.MODEL_INDEX);
        if (!HubCache.present(index)) {
            throw new HubException(HubException.Reason.OFFLINE_MISSING, why + ", and the cached snapshot " + snapshot
                    + " of repo '" + repoId + "' at revision '" + rev + "' lacks " + PipelineFiles.MODEL_INDEX + "."
                    + advice);
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.walk(snapshot)) {
            s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> names.add(snapshot.relativize(p).toString().replace('\\', '/')));
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot list " + snapshot + ": " + e, e);
        }
        HubHttp.Target target = new HubHttp.Target(repoId, rev, commit, null);
        PipelineFiles.Selection sel = PipelineFiles.select(readModelIndex(index), names, variant, warner(target));
        List<String> missing = new ArrayList<>(sel.problems());
        for (String f : sel.files()) {
            if (!HubCache.present(snapshot.resolve(f))) {
                missing.add("'" + f + "' links to a missing blob");
            }
        }
        if (!missing.isEmpty()) {
            throw new HubException(HubException.Reason.OFFLINE_MISSING, why + ", and the cached snapshot " + snapshot
                    + " of repo '" + repoId + "' at revision '" + rev + "' is incomplete: " + String.join("; ",
                            missing) + "." + advice);
        }
        LOG.debug("Using cached snapshot {} of {} at {}", snapshot, repoId, rev);
        return snapshot;
    }

    private static JsonObject readModelIndex(Path file) {
        try {
            return ConfigJson.parseStrict(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot read " + file + ": " + e, e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new HubException(HubException.Reason.INVALID_REPOSITORY, file + " is not a JSON object: "
                    + e.getMessage(), e);
        }
    }

    private static Consumer<String> warner(HubHttp.Target t) {
        return m -> LOG.warn("{} ({}): {}", t.repoId(), t.revision(), m);
    }
}

package dev.smallsd.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Checks a model's files in the huggingface_hub cache again, long after they were downloaded.
 *
 * <p>{@link HubDownloader} verifies a file against its SHA-256 (LFS files) or git blob hash while it downloads it, and
 * never again: a blob damaged later (a disk error, an interrupted copy of the cache, an edit) is loaded as it is —
 * huggingface_hub does the same. This class re-hashes every blob of one repository,
 * {@code <cache>/models--<ns>--<name>/blobs/<etag>}, against its name (the ETag: a 64-hex name is the SHA-256 of the
 * content, a 40-hex name the git blob SHA-1) and can delete the damaged ones, so that the next
 * {@code builder().model(repoId)} (or {@code ssd generate --model repoId}) downloads them again. Snapshot files that are
 * copies instead of links (file systems without symbolic links) are not checked.
 *
 * <pre>{@code
 * CacheVerifier.Report r = new CacheVerifier(HubOptions.fromEnvironment())
 *         .verify("OFA-Sys/small-stable-diffusion-v0", true);
 * }</pre>
 */
public final class CacheVerifier {
    private final HubOptions options;

    /**
     * @param options where the cache is ({@link HubOptions#cacheDir()}); nothing else is used, no request is made
     */
    public CacheVerifier(HubOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Re-hashes every blob of a repository in the cache.
     *
     * @param repoId e.g. {@code "OFA-Sys/small-stable-diffusion-v0"}
     * @param deleteDamaged delete each damaged blob (under its download lock), so the next download replaces it
     * @return what was checked and what is damaged
     * @throws IllegalArgumentException for a malformed repo id
     * @throws HubException {@link HubException.Reason#OFFLINE_MISSING} when the cache has nothing of the repository,
     *     {@link HubException.Reason#LOCAL_IO} when the cache cannot be read
     */
    public Report verify(String repoId, boolean deleteDamaged) {
        RepoPaths.checkRepoId(repoId);
        HubCache cache = new HubCache(options.cacheDir(), repoId, options.symlinks());
        Path blobs = cache.repoDir().resolve("blobs");
        if (!Files.isDirectory(blobs)) {
            throw new HubException(HubException.Reason.OFFLINE_MISSING, "the cache " + options.cacheDir()
                    + " has no files of repo '" + repoId + "' (no " + blobs + ")");
        }
        Map<Path, List<String>> linkedFrom = snapshotLinks(cache);
        List<Path> verified = new ArrayList<>();
        List<Path> unverifiable = new ArrayList<>();
        List<Damaged> damaged = new ArrayList<>();
        for (Path blob : list(blobs)) {
            String name = blob.getFileName().toString();
            BlobDigests.Kind kind = BlobDigests.kind(name);
            if (name.endsWith(".incomplete") || !Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (kind == BlobDigests.Kind.NONE) {
                unverifiable.add(blob);
                continue;
            }
            String problem = check(kind, blob, name);
            if (problem == null) {
                verified.add(blob);
                continue;
            }
            boolean deleted = deleteDamaged && delete(cache, blob, name);
            damaged.add(new Damaged(blob, linkedFrom.getOrDefault(blob, List.of()), problem, deleted));
        }
        return new Report(repoId, cache.repoDir(), List.copyOf(verified), List.copyOf(unverifiable),
                List.copyOf(damaged));
    }

    private static String check(BlobDigests.Kind kind, Path blob, String name) {
        try {
            String actual = BlobDigests.digest(kind, blob);
            return actual.equals(name.toLowerCase(Locale.ROOT)) ? null : kind.mismatch(actual, name);
        } catch (IOException e) {
            return "cannot be read: " + e;
        }
    }

    private static boolean delete(HubCache cache, Path blob, String etag) {
        try (HubCache.BlobLock lock = cache.lock(etag)) {
            return Files.deleteIfExists(blob);
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot delete the damaged blob " + blob + ": " + e,
                    e);
        }
    }

    /** @return for each blob, the snapshot files ({@code <commit>/<path>}) that are symbolic links to it */
    private static Map<Path, List<String>> snapshotLinks(HubCache cache) {
        Map<Path, List<String>> links = new TreeMap<>();
        Path snapshots = cache.repoDir().resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return links;
        }
        try (Stream<Path> s = Files.walk(snapshots)) {
            s.filter(Files::isSymbolicLink).forEach(link -> {
                try {
                    Path target = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
                    links.computeIfAbsent(target, k -> new ArrayList<>())
                            .add(snapshots.relativize(link).toString().replace('\\', '/'));
                } catch (IOException e) {
                    // an unreadable link names no blob; the blob itself is still checked
                }
            });
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot list " + snapshots + ": " + e, e);
        }
        return links;
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot list " + dir + ": " + e, e);
        }
    }

    /**
     * The outcome of {@link #verify}.
     *
     * @param repoId the repository
     * @param repoDir its folder in the cache
     * @param verified blobs whose content matches their name
     * @param unverifiable blobs whose name is no SHA-256 or git SHA-1 (not checked)
     * @param damaged blobs whose content does not match their name
     */
    public record Report(String repoId, Path repoDir, List<Path> verified, List<Path> unverifiable,
            List<Damaged> damaged) {
        /** @return whether no checked blob is damaged */
        public boolean ok() {
            return damaged.isEmpty();
        }
    }

    /**
     * One damaged blob.
     *
     * @param blob the blob file, {@code <cache>/models--<ns>--<name>/blobs/<etag>}
     * @param snapshotFiles the snapshot files linking to it, as {@code <commit>/<path>}
     * @param problem what is wrong, e.g. {@code sha256 <actual>, expected <etag>}
     * @param deleted whether it was deleted (the next download fetches it again)
     */
    public record Damaged(Path blob, List<String> snapshotFiles, String problem, boolean deleted) {}
}

package dev.smallsd.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The huggingface_hub cache layout of one model repo: {@code <cache>/models--<ns>--<name>/} with {@code blobs/<etag>}
 * (file contents named by ETag), {@code snapshots/<commit>/<path>} (relative symbolic links to the blobs, or copies)
 * and {@code refs/<revision>} (the commit a branch or tag pointed to), plus lock files under
 * {@code <cache>/.locks/models--<ns>--<name>/}.
 */
final class HubCache {
    private static final Logger LOG = LoggerFactory.getLogger(HubCache.class);
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

    private final Path cacheDir;
    private final Path repoDir;
    private final Path locksDir;
    private boolean symlinks;

    HubCache(Path cacheDir, String repoId, boolean symlinks) {
        this.cacheDir = cacheDir;
        String folder = RepoPaths.repoFolderName(repoId);
        this.repoDir = cacheDir.resolve(folder);
        this.locksDir = cacheDir.resolve(".locks").resolve(folder);
        this.symlinks = symlinks;
    }

    Path cacheDir() {
        return cacheDir;
    }

    Path repoDir() {
        return repoDir;
    }

    Path blob(String etag) {
        return repoDir.resolve("blobs").resolve(etag);
    }

    Path incomplete(String etag) {
        return repoDir.resolve("blobs").resolve(etag + ".incomplete");
    }

    Path snapshotDir(String commit) {
        return repoDir.resolve("snapshots").resolve(commit);
    }

    Path snapshotFile(String commit, String path) {
        return RepoPaths.inside(snapshotDir(commit), path);
    }

    /** @return the commit {@code refs/<revision>} names, if that file exists */
    Optional<String> readRef(String revision) {
        Path ref = RepoPaths.inside(repoDir.resolve("refs"), revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            if (!RepoPaths.isCommitHash(commit)) {
                throw new HubException(HubException.Reason.LOCAL_IO, ref + " does not hold a commit hash ('" + commit
                        + "'); delete it and download again");
            }
            return Optional.of(commit);
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot read " + ref + ": " + e, e);
        }
    }

    /** Writes {@code refs/<revision>} (no trailing newline, as huggingface_hub writes it) atomically. */
    void writeRef(String revision, String commit) throws IOException {
        Path ref = RepoPaths.inside(repoDir.resolve("refs"), revision);
        if (Files.isRegularFile(ref) && commit.equals(Files.readString(ref, StandardCharsets.UTF_8).strip())) {
            return;
        }
        Files.createDirectories(ref.getParent());
        Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            move(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Makes {@code snapshotFile} show the content of {@code blob}: a relative symbolic link, or a copy when links are
     * off or refused by the file system (then links stay off for this cache object).
     */
    void link(Path blob, Path snapshotFile) throws IOException {
        Files.createDirectories(snapshotFile.getParent());
        // Built under a unique name and renamed over the snapshot file, so that a dangling link (its blob was
        // deleted) or a stale copy is replaced atomically and concurrent callers do not collide.
        Path tmp = snapshotFile.resolveSibling("." + snapshotFile.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            if (symlinks) {
                Path target = snapshotFile.getParent().relativize(blob);
                try {
                    Files.createSymbolicLink(tmp, target);
                    move(tmp, snapshotFile);
                    return;
                } catch (UnsupportedOperationException | SecurityException | FileSystemException e) {
                    LOG.warn("Cannot create symbolic links in {} ({}); snapshot files will be copies of the blobs,"
                            + " which uses more disk space", cacheDir, e.toString());
                    symlinks = false;
                }
            }
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            move(tmp, snapshotFile);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Takes the lock of one blob, excluding other threads of this JVM and other processes that use the same lock
     * file (where the file system supports locks).
     */
    BlobLock lock(String etag) throws IOException {
        Files.createDirectories(locksDir);
        Path file = locksDir.resolve(etag + ".lock");
        ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(file, k -> new ReentrantLock());
        local.lock();
        FileChannel ch = null;
        FileLock fl = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            fl = ch.lock();
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("No file lock on {} ({}); relying on the in-process lock", file, e.toString());
            if (ch != null) {
                ch.close();
                ch = null;
            }
        } catch (RuntimeException | Error e) {
            if (ch != null) {
                ch.close();
            }
            local.unlock();
            throw e;
        }
        return new BlobLock(local, ch, fl);
    }

    /** Moves a file into place atomically where the file system allows it. */
    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** @return whether a path exists as a file, following links (a dangling link does not count) */
    static boolean present(Path p) {
        return Files.isRegularFile(p);
    }

    /** A held blob lock; {@link #close()} releases it. */
    static final class BlobLock implements AutoCloseable {
        private final ReentrantLock local;
        private final FileChannel channel;
        private final FileLock fileLock;

        BlobLock(ReentrantLock local, FileChannel channel, FileLock fileLock) {
            this.local = local;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override
        public void close() throws IOException {
            try {
                if (fileLock != null) {
                    fileLock.release();
                }
                if (channel != null) {
                    channel.close();
                }
            } finally {
                local.unlock();
            }
        }
    }
}

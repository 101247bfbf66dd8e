package dev.smallsd.hub;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one file into {@code blobs/<etag>.incomplete}, resuming with {@code Range} after interruptions (also
 * across runs), verifies it against its ETag and renames it to {@code blobs/<etag>}. A 64-hex ETag (an LFS file) is
 * its SHA-256, hashed while the bytes arrive; a 40-hex ETag (a regular git file) is its git blob hash
 * {@code sha1("blob <size>\0" + content)}, checked after the download; other ETags are not verifiable and only the
 * size is checked.
 */
final class BlobFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(BlobFetcher.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int BUFFER = 1 << 16;
    private static final long REPORT_EVERY = 1 << 20;

    private final HubHttp http;
    private final HubOptions options;

    BlobFetcher(HubHttp http, HubOptions options) {
        this.http = http;
        this.options = options;
    }

    /**
     * @param t the file
     * @param url where to {@code GET} it (redirects are followed)
     * @param meta its announced ETag and size
     * @param blob the final blob path
     * @param part the {@code .incomplete} path next to it
     * @param listener progress receiver
     * @throws HubException on checksum mismatch, exhausted retries or local I/O failure
     */
    void fetch(HubHttp.Target t, URI url, HubHttp.FileMetadata meta, Path blob, Path part, DownloadListener listener) {
        local(() -> Files.createDirectories(part.getParent()), part);
        listener.onFileStart(t.path(), meta.size());
        boolean restarted = false;
        while (true) {
            Transfer transfer = new Transfer(t, meta, part, listener);
            boolean hadPartial = local(() -> Files.exists(part) && Files.size(part) > 0, part);
            http.retry("download of " + t, () -> {
                transfer.attempt(url);
                return null;
            });
            String problem = local(transfer::verify, part);
            if (problem == null) {
                break;
            }
            local(() -> Files.deleteIfExists(part), part);
            if ((hadPartial || transfer.resumed) && !restarted) {
                LOG.warn("{} failed verification after a resumed download ({}); downloading it again from the start",
                        t, problem);
                restarted = true;
                continue;
            }
            throw new HubException(HubException.Reason.CHECKSUM_MISMATCH, "the download of " + t + " is corrupt: "
                    + problem + ". It was deleted; try again. If this persists, something between you and "
                    + options.endpoint() + " (proxy, antivirus) alters downloads.");
        }
        local(() -> {
            HubCache.move(part, blob);
            return null;
        }, blob);
    }

    /** The state of one file download across its attempts. */
    private final class Transfer {
        private final HubHttp.Target t;
        private final HubHttp.FileMetadata meta;
        private final Path part;
        private final DownloadListener listener;
        private final BlobDigests.Kind check;
        private final MessageDigest digest;
        /** How many leading bytes of {@code part} {@link #digest} has seen. */
        private long digested;
        private boolean resumed;

        Transfer(HubHttp.Target t, HubHttp.FileMetadata meta, Path part, DownloadListener listener) {
            this.t = t;
            this.meta = meta;
            this.part = part;
            this.listener = listener;
            String etag = meta.etag().toLowerCase(Locale.ROOT);
            check = BlobDigests.kind(etag);
            digest = check == BlobDigests.Kind.SHA256 ? BlobDigests.newDigest("SHA-256") : null;
            if (check == BlobDigests.Kind.NONE) {
                LOG.debug("ETag '{}' of {} is neither a sha256 nor a git sha1; only the size is checked", etag, t);
            }
        }

        /** One request: resumes from what {@code part} holds; throws IOException for anything worth a retry. */
        void attempt(URI url) throws IOException {
            long total = meta.size();
            long have = local(() -> Files.exists(part) ? Files.size(part) : 0L, part);
            if (total >= 0 && have > total) {
                LOG.info("{}: partial file {} is larger than the file; starting over", t, part);
                truncate(0);
                have = 0;
            }
            if (total > 0 && have == total) {
                return; // complete from an earlier run, only the rename was missing
            }
            HttpResponse<InputStream> r = http.get(url, have, t);
            try (InputStream in = r.body()) {
                long start = startOf(r, have);
                if (start > 0) {
                    resumed = true;
                    LOG.info("{}: resuming at byte {} of {}", t, start, total);
                }
                truncate(start);
                syncDigest(start);
                copy(in, start, total);
            }
        }

        private long startOf(HttpResponse<InputStream> r, long have) throws IOException {
            int status = r.statusCode();
            if (status == 416) {
                truncate(0);
                throw new IOException("HTTP 416 for a resume at byte " + have + "; starting over");
            }
            if (status == 206) {
                String range = r.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE.matcher(range.strip());
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    truncate(0);
                    throw new IOException("HTTP 206 with Content-Range '" + range + "' for a request from byte "
                            + have + "; starting over");
                }
                if (!m.group(3).equals("*") && meta.size() >= 0 && Long.parseLong(m.group(3)) != meta.size()) {
                    truncate(0);
                    throw new IOException("Content-Range '" + range + "' disagrees with the announced size "
                            + meta.size() + "; starting over");
                }
                return have;
            }
            if (status != 200) {
                throw new HubException(HubException.Reason.INVALID_RESPONSE, "unexpected HTTP " + status
                        + " downloading " + t);
            }
            if (have > 0) {
                LOG.info("{}: the server ignored the Range request; downloading from the start", t);
            }
            return 0;
        }

        private void copy(InputStream in, long start, long total) throws IOException {
            long done = start;
            long lastReport = start;
            listener.onProgress(t.path(), done, total);
            byte[] buf = new byte[BUFFER];
            OutputStream out = local(() -> new FileOutputStream(part.toFile(), true), part);
            try (StallGuard guard = new StallGuard(options.downloadTimeout(), in)) {
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException e) {
                        if (guard.fired()) {
                            throw new IOException("no data received for " + options.downloadTimeout().toMillis()
                                    + " ms after byte " + done + " (HF_HUB_DOWNLOAD_TIMEOUT)", e);
                        }
                        throw e;
                    }
                    if (n < 0) {
                        break;
                    }
                    guard.progress();
                    final int len = n;
                    local(() -> {
                        out.write(buf, 0, len);
                        return null;
                    }, part);
                    if (digest != null) {
                        digest.update(buf, 0, n);
                        digested += n;
                    }
                    done += n;
                    if (done - lastReport >= REPORT_EVERY) {
                        listener.onProgress(t.path(), done, total);
                        lastReport = done;
                    }
                }
            } finally {
                local(() -> {
                    out.flush();
                    ((FileOutputStream) out).getFD().sync();
                    out.close();
                    return null;
                }, part);
            }
            if (done != lastReport) {
                listener.onProgress(t.path(), done, total);
            }
            if (total >= 0 && done < total) {
                throw new IOException("connection closed after " + done + " of " + total + " bytes");
            }
        }

        /** Truncates {@code part} to {@code size} bytes (creating it if needed). */
        private void truncate(long size) {
            local(() -> {
                try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    if (ch.size() > size) {
                        ch.truncate(size);
                    }
                }
                return null;
            }, part);
        }

        /** Makes {@link #digest} cover exactly the first {@code n} bytes of {@code part}. */
        private void syncDigest(long n) {
            if (digest == null || digested == n) {
                return;
            }
            digest.reset();
            local(() -> {
                try (InputStream in = Files.newInputStream(part)) {
                    BlobDigests.hashInto(digest, in, n);
                }
                return null;
            }, part);
            digested = n;
        }

        /** @return {@code null} when the file matches its size and checksum, else what is wrong */
        String verify() throws IOException {
            long size = Files.size(part);
            if (meta.size() >= 0 && size != meta.size()) {
                return "size " + size + " bytes, announced " + meta.size();
            }
            String expected = meta.etag().toLowerCase(Locale.ROOT);
            String actual;
            switch (check) {
                case SHA256 -> {
                    syncDigest(size);
                    actual = HexFormat.of().formatHex(digest.digest());
                    digested = 0;
                }
                case GIT_SHA1 -> actual = BlobDigests.digest(check, part);
                default -> {
                    return null;
                }
            }
            return actual.equals(expected) ? null
                    : check.mismatch(actual, expected);
        }
    }

    @FunctionalInterface
    private interface LocalOp<T> {
        T run() throws IOException;
    }

    /** Runs a local file operation; its IOException is a {@code LOCAL_IO} failure, never retried. */
    private static <T> T local(LocalOp<T> op, Path file) {
        try {
            return op.run();
        } catch (IOException e) {
            throw new HubException(HubException.Reason.LOCAL_IO, "cannot write the Hub cache file " + file + ": "
                    + e, e);
        }
    }
}

package dev.smallsd.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a Hub ETag (the name of a blob in the cache) says about its content: a 64-hex ETag (an LFS file) is the
 * SHA-256 of the bytes, a 40-hex ETag (a regular git file) is the git blob hash {@code sha1("blob <size>\0" + bytes)};
 * anything else cannot be checked. Used when a download completes ({@link BlobFetcher}) and when cached blobs are
 * checked again ({@link CacheVerifier}).
 */
final class BlobDigests {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern GIT_SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final int BUFFER = 1 << 16;

    /** How an ETag can be checked. */
    enum Kind {
        /** An LFS file: the ETag is the SHA-256 of the content. */
        SHA256("sha256 "),
        /** A regular git file: the ETag is its git blob SHA-1. */
        GIT_SHA1("git blob sha1 "),
        /** Not checkable. */
        NONE("");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** @return how a mismatch is described, e.g. {@code sha256 <actual>, expected <etag>} */
        String mismatch(String actual, String expected) {
            return label + actual + ", expected " + expected;
        }
    }

    private BlobDigests() {}

    /**
     * @param etag an ETag or blob name
     * @return how it can be checked
     */
    static Kind kind(String etag) {
        String e = etag.toLowerCase(Locale.ROOT);
        return SHA256.matcher(e).matches() ? Kind.SHA256 : GIT_SHA1.matcher(e).matches() ? Kind.GIT_SHA1 : Kind.NONE;
    }

    /**
     * Hashes a whole file the way its ETag kind says.
     *
     * @param kind {@link Kind#SHA256} or {@link Kind#GIT_SHA1}
     * @param file the file
     * @return the lower-case hex digest
     * @throws IOException when the file cannot be read
     */
    static String digest(Kind kind, Path file) throws IOException {
        long size = Files.size(file);
        MessageDigest d = newDigest(kind == Kind.SHA256 ? "SHA-256" : "SHA-1");
        if (kind == Kind.GIT_SHA1) {
            d.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        } else if (kind != Kind.SHA256) {
            throw new IllegalArgumentException("not a checkable kind: " + kind);
        }
        try (InputStream in = Files.newInputStream(file)) {
            hashInto(d, in, size);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** Feeds exactly {@code n} bytes of {@code in} to {@code d}. */
    static void hashInto(MessageDigest d, InputStream in, long n) throws IOException {
        byte[] buf = new byte[BUFFER];
        long left = n;
        while (left > 0) {
            int k = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (k < 0) {
                throw new IOException("file shorter than " + n + " bytes");
            }
            d.update(buf, 0, k);
            left -= k;
        }
    }

    static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JVM", e);
        }
    }
}

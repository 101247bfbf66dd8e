package dev.smallsd.hub;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Validation and encoding of the names that become cache paths or URL parts. */
final class RepoPaths {
    private static final Pattern REPO_ID = Pattern.compile("([A-Za-z0-9_.-]{1,96}/)?[A-Za-z0-9_.-]{1,96}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern BLOB_NAME = Pattern.compile("[A-Za-z0-9_.+=-]{1,200}");
    private static final Pattern DRIVE = Pattern.compile("[A-Za-z]:.*");

    private RepoPaths() {}

    /**
     * Checks a repo id the way huggingface_hub does: {@code name} or {@code namespace/name} of letters, digits,
     * {@code - _ .}, neither starting nor ending with {@code -} or {@code .}, without {@code --} or {@code ..}.
     */
    static String checkRepoId(String repoId) {
        if (repoId == null || !REPO_ID.matcher(repoId).matches() || repoId.contains("--") || repoId.contains("..")) {
            throw new IllegalArgumentException("invalid Hugging Face repo id '" + repoId
                    + "': expected 'namespace/name' (e.g. 'OFA-Sys/small-stable-diffusion-v0') of letters, digits,"
                    + " '-', '_' and '.', without '--' or '..'");
        }
        for (String part : repoId.split("/")) {
            if (part.startsWith("-") || part.startsWith(".") || part.endsWith("-") || part.endsWith(".")) {
                throw new IllegalArgumentException("invalid Hugging Face repo id '" + repoId
                        + "': a part starts or ends with '-' or '.'");
            }
        }
        return repoId;
    }

    /** Checks a revision (branch, tag, {@code refs/pr/1} or commit) that also names a file under {@code refs/}. */
    static String checkRevision(String revision) {
        if (revision == null || revision.isEmpty()) {
            throw new IllegalArgumentException("revision must not be empty (use \"main\")");
        }
        try {
            checkRelative(revision, "revision");
        } catch (UnsafePathException e) {
            throw new IllegalArgumentException("invalid revision '" + revision + "': " + e.getMessage(), e);
        }
        return revision;
    }

    /**
     * Checks a file name of the repository listing.
     *
     * @throws UnsafePathException when it is not a plain relative path inside the repository
     */
    static String checkFileName(String name, String repoId) {
        return checkRelative(name, "file name '" + name + "' in the listing of repo '" + repoId + "'");
    }

    /** Checks a name used as a single path segment (component folder, blob name). */
    static String checkSegment(String name, String what) {
        checkRelative(name, what);
        if (name.contains("/")) {
            throw new UnsafePathException(name, "refused " + what + ": '" + name + "' must be a single name");
        }
        return name;
    }

    /** @return whether a string is a full 40-hex commit hash */
    static boolean isCommitHash(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    /** Checks an ETag (already stripped of quotes) that will name a blob file. */
    static String checkBlobName(String etag, String context) {
        if (etag == null || !BLOB_NAME.matcher(etag).matches() || etag.startsWith(".")) {
            throw new UnsafePathException(etag, "refused ETag '" + etag + "' of " + context
                    + ": it cannot be used as a blob file name");
        }
        return etag;
    }

    /** @return {@code root.resolve(relative)}, guaranteed to stay inside {@code root} */
    static Path inside(Path root, String relative) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root.normalize()) || p.equals(root.normalize())) {
            throw new UnsafePathException(relative, "refused path '" + relative + "': it escapes " + root);
        }
        return p;
    }

    /** @return the cache folder name of a model repo, {@code models--<namespace>--<name>} */
    static String repoFolderName(String repoId) {
        return "models--" + repoId.replace("/", "--");
    }

    /** @return one URL path segment, percent-encoded ({@code /} included) */
    static String encodeSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** @return a relative path, each segment percent-encoded, joined by {@code /} */
    static String encodePath(String path) {
        StringBuilder b = new StringBuilder();
        for (String seg : path.split("/", -1)) {
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(encodeSegment(seg));
        }
        return b.toString();
    }

    private static String checkRelative(String name, String what) {
        String why = null;
        if (name == null || name.isEmpty()) {
            why = "it is empty";
        } else if (name.startsWith("/")) {
            why = "it is an absolute path";
        } else if (name.indexOf('\\') >= 0) {
            why = "it contains a backslash";
        } else if (DRIVE.matcher(name).matches()) {
            why = "it starts with a drive letter";
        } else if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            why = "it contains a control character";
        } else {
            for (String seg : name.split("/", -1)) {
                if (seg.isEmpty()) {
                    why = "it has an empty path segment";
                } else if (seg.equals("..") || seg.equals(".")) {
                    why = "it has a '" + seg + "' segment that would leave its folder";
                }
                if (why != null) {
                    break;
                }
            }
        }
        if (why != null) {
            throw new UnsafePathException(name, "refused " + what + ": " + why);
        }
        return name;
    }
}

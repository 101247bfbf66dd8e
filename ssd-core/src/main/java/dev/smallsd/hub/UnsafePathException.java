package dev.smallsd.hub;

/**
 * A name received from the Hub (a file of the repository listing, a component of {@code model_index.json}, an ETag
 * used as a blob name) would escape the cache folder or is not a portable relative path: {@code ..} or {@code .}
 * segments, an absolute path, a backslash, a drive letter, an empty segment or a control character. Nothing is
 * written for such a repository.
 */
public class UnsafePathException extends SecurityException {
    private static final long serialVersionUID = 1L;

    /** The offending name as received. */
    private final String path;

    /**
     * @param path the offending name as received
     * @param message why it is refused and where it came from
     */
    public UnsafePathException(String path, String message) {
        super(message);
        this.path = path;
    }

    /** @return the offending name as received */
    public String path() {
        return path;
    }
}

package dev.smallsd;

import java.nio.file.Path;

/**
 * A model file or folder cannot be used: it is missing, malformed, hostile or does not fit the model being built.
 * The message always names the file (and, where it applies, the key or tensor) and says why.
 */
public class ModelLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception about a file.
     *
     * @param file the offending file (may be {@code null} when not file-bound)
     * @param message what is wrong
     */
    public ModelLoadException(Path file, String message) {
        super(file == null ? message : file + ": " + message);
    }

    /**
     * Creates an exception about a file with a cause.
     *
     * @param file the offending file (may be {@code null})
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public ModelLoadException(Path file, String message, Throwable cause) {
        super(file == null ? message : file + ": " + message, cause);
    }
}

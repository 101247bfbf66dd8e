package dev.smallsd.examples.cli;

/**
 * A failure the user can act on, reported by the CLI as one line on stderr without a stack trace.
 *
 * <p>{@link #exitCode()} tells a usage error (bad argument, {@value SsdCommand#EXIT_USAGE}) from a failure while
 * running (model missing or broken, I/O, {@value SsdCommand#EXIT_FAILURE}).
 */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /**
     * @param exitCode the process exit code to use
     * @param message the one-line message
     */
    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /**
     * @param exitCode the process exit code to use
     * @param message the one-line message
     * @param cause the underlying failure (shown with {@code --verbose})
     */
    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /**
     * A bad command-line argument.
     *
     * @param option the option, e.g. {@code "--size"}
     * @param message why the value is wrong
     * @return the exception
     */
    public static CliException usage(String option, String message) {
        return new CliException(SsdCommand.EXIT_USAGE, option + ": " + message);
    }

    /** @return the process exit code */
    public int exitCode() {
        return exitCode;
    }
}

package dev.smallsd.examples.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

/**
 * One in-JVM run of the {@code ssd} command line with captured output.
 *
 * @param exitCode the exit code
 * @param out what was written to stdout
 * @param err what was written to stderr
 */
record CliRun(int exitCode, String out, String err) {

    /**
     * @param args command-line arguments
     * @return the run
     */
    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SsdCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }

    /** @return stderr split into non-empty lines */
    List<String> errLines() {
        return Arrays.stream(err.split("\\R")).filter(s -> !s.isBlank()).toList();
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
}

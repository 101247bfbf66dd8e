package dev.smallsd.examples.cli;

import dev.smallsd.hub.HubOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
        // a Hub id must never reach the network from a test: the Hub is offline with an empty cache
        return with(new ModelSource(() -> HubOptions.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1"),
                Path.of(System.getProperty("java.io.tmpdir"), "ssd-cli-test-no-home"))), args);
    }

    /**
     * @param models how {@code --model} is resolved
     * @param args command-line arguments
     * @return the run
     */
    static CliRun with(ModelSource models, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SsdCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), models);
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

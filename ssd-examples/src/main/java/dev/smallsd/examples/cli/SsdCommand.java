package dev.smallsd.examples.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code ssd} command line: {@code ssd generate …}, {@code ssd schedulers}, {@code ssd verify <repo-id>},
 * {@code ssd --version}.
 *
 * <p>Exit codes: {@value #EXIT_OK} success; {@value #EXIT_FAILURE} the run failed (model missing or broken, I/O,
 * engine); {@value #EXIT_USAGE} bad command-line arguments. Every failure is reported as one line on stderr,
 * {@code ssd: <what is wrong>}; {@code --verbose} adds the stack trace (and the library's INFO log).
 */
@Command(name = "ssd", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        subcommands = {GenerateCommand.class, SchedulersCommand.class, VerifyCommand.class},
        description = "Small Stable Diffusion (OFA-Sys/small-stable-diffusion-v0) text-to-image and image-to-image on "
                + "the CPU, with the images diffusers gives for the same seed.",
        footer = {"", "Exit codes: 0 success, 1 the run failed (model missing or broken, I/O), 2 bad arguments."})
public final class SsdCommand implements Callable<Integer> {
    /** Success. */
    public static final int EXIT_OK = 0;
    /** The run failed: model missing or broken, I/O error, engine error. */
    public static final int EXIT_FAILURE = 1;
    /** Bad command-line arguments. */
    public static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Show stack traces of errors and the library's INFO log.")
    private boolean verbose;

    /** Creates the command (picocli instantiates it). */
    public SsdCommand() {}

    /** Without a subcommand: the usage on stderr and {@value #EXIT_USAGE}. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /**
     * Runs the tool and exits the JVM with its exit code.
     *
     * @param args the command-line arguments
     */
    public static void main(String[] args) {
        configureRuntime(args);
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Runs the tool in this JVM (tests, embedding) without exiting.
     *
     * @param args the command-line arguments
     * @param out standard output (results, summary line)
     * @param err standard error (progress, warnings, errors)
     * @return the exit code
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, ModelSource.system());
    }

    /**
     * Runs the tool in this JVM with a given way of resolving {@code --model} (tests use a loopback Hub).
     *
     * @param args the command-line arguments
     * @param out standard output
     * @param err standard error
     * @param models how {@code generate} resolves {@code --model}
     * @return the exit code
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, ModelSource models) {
        CommandLine cmd = commandLine(models);
        cmd.setOut(out);
        cmd.setErr(err);
        int code = cmd.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * @param models how {@code generate} resolves {@code --model}
     * @return the configured picocli command line (error handlers installed)
     */
    public static CommandLine commandLine(ModelSource models) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == VerifyCommand.class) {
                    return type.cast(new VerifyCommand(models));
                }
                return type == GenerateCommand.class ? type.cast(new GenerateCommand(models)) : defaults.create(type);
            }
        };
        CommandLine cmd = new CommandLine(new SsdCommand(), factory);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(SsdCommand::onBadArguments);
        cmd.setExecutionExceptionHandler(SsdCommand::onFailure);
        return cmd;
    }

    /**
     * Process-wide defaults for the command-line tool, each only when the user has not set it: DJL stays offline
     * (libtorch ships inside the jar), AWT is headless, the SLF4J simple logger shows warnings only (INFO with
     * {@code --verbose}) without thread names, and DJL's CUDA probe of this CPU-only build stays quiet.
     *
     * @param args the command-line arguments (scanned for {@code --verbose})
     */
    static void configureRuntime(String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("java.awt.headless", System.getProperty("java.awt.headless", "true"));
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        setDefault("org.slf4j.simpleLogger.showThreadName", "false");
        setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
        setDefault("org.slf4j.simpleLogger.logFile", "System.err");
        // DJL probes for CUDA on a CPU-only build and warns once per probe
        setDefault("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", verbose ? "info" : "error");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static int onBadArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("ssd: " + oneLine(e.getMessage()) + " (see '" + cmd.getCommandSpec().qualifiedName()
                + " --help')");
        if (verbose(cmd.getParseResult())) {
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_USAGE;
    }

    private static int onFailure(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        // picocli wraps an Error thrown by a command (e.g. a native library that fails to load) in ExecutionException
        Throwable e = ex instanceof CommandLine.ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
        int code;
        String message;
        if (e instanceof CliException c) {
            code = c.exitCode();
            message = c.getMessage();
        } else {
            code = EXIT_FAILURE;
            message = describe(e);
        }
        err.println("ssd: " + oneLine(message));
        if (verbose(parseResult)) {
            (e instanceof CliException && e.getCause() != null ? e.getCause() : e).printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /**
     * @param e any failure
     * @return its message, prefixed by its type when the message alone says too little
     */
    static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName() + (e.getCause() != null ? ": " + describe(e.getCause()) : "");
        }
        boolean selfExplaining = e.getClass().getName().startsWith("dev.smallsd.")
                || e instanceof IllegalArgumentException || e instanceof IllegalStateException;
        return selfExplaining ? m : e.getClass().getSimpleName() + ": " + m;
    }

    private static boolean verbose(ParseResult pr) {
        for (ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param message any message
     * @return it on one line (line breaks and runs of whitespace become one space)
     */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}

package dev.smallsd.examples.cli;

import dev.smallsd.hub.CacheVerifier;
import dev.smallsd.hub.HubException;
import dev.smallsd.hub.HubOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ssd verify <repo-id> [--delete]}: re-hashes a model's blobs in the Hugging Face cache
 * ({@link CacheVerifier}). Downloads are verified when they arrive, never later; this finds blobs damaged since.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Checks a Hub model's files in the Hugging Face cache (HF_HUB_CACHE / HF_HOME) against their "
                + "SHA-256 (LFS files) or git blob hash. Files are verified when they are downloaded, not when they "
                + "are loaded; this finds files damaged since. No network is used.",
            "Exit code 1 when a file is damaged; with --delete the damaged files are removed, and the next "
                + "'ssd generate --model <repo-id>' downloads them again."})
public final class VerifyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<repo-id>", description = "Hub model id, e.g. "
            + ModelSource.DEFAULT_MODEL + ".")
    private String repoId;

    @Option(names = "--delete", description = "Delete damaged files so that the next download replaces them.")
    private boolean delete;

    private final ModelSource models;

    /** Creates the command with the process environment's Hub settings (picocli instantiates it). */
    public VerifyCommand() {
        this(ModelSource.system());
    }

    /**
     * @param models where the Hub cache is (its {@link ModelSource#hubOptions()})
     */
    public VerifyCommand(ModelSource models) {
        this.models = models;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        HubOptions options;
        try {
            options = models.hubOptions();
        } catch (IllegalArgumentException e) {
            throw new CliException(SsdCommand.EXIT_FAILURE, "Hugging Face settings: " + e.getMessage(), e);
        }
        CacheVerifier.Report r;
        try {
            r = new CacheVerifier(options).verify(repoId, delete);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("<repo-id>", e.getMessage());
        } catch (HubException e) {
            throw new CliException(SsdCommand.EXIT_FAILURE, "verify: " + e.getMessage(), e);
        }
        for (CacheVerifier.Damaged d : r.damaged()) {
            out.println("DAMAGED " + d.blob() + (d.snapshotFiles().isEmpty() ? "" : " (" + String.join(", ",
                    d.snapshotFiles()) + ")") + ": " + d.problem() + (d.deleted() ? "; deleted" : ""));
        }
        out.println(repoId + ": " + r.verified().size() + " files verified, " + r.damaged().size() + " damaged"
                + (r.unverifiable().isEmpty() ? "" : ", " + r.unverifiable().size() + " without a checkable hash")
                + " (" + r.repoDir() + ")");
        if (!r.ok()) {
            out.println(delete ? "Run 'ssd generate --model " + repoId + "' (online) to download the deleted files "
                    + "again." : "Run 'ssd verify " + repoId + " --delete', then 'ssd generate --model " + repoId
                    + "' (online) to download them again.");
        }
        out.flush();
        return r.ok() ? SsdCommand.EXIT_OK : SsdCommand.EXIT_FAILURE;
    }
}

package dev.smallsd.examples.cli;

import dev.smallsd.PreviewMode;
import dev.smallsd.SmallStableDiffusion;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The live-preview options of {@code ssd generate} (a picocli mixin): {@code --preview-every} turns previews on,
 * {@code --preview-dir}, {@code --preview-mode} and {@code --preview-vae} say where and how they are made.
 */
public final class PreviewOptions {
    @Option(names = "--preview-every", paramLabel = "<n>", defaultValue = "0",
            description = "Save a preview PNG of the latents every n model calls (default: ${DEFAULT-VALUE} = none), "
                    + "written as the run goes and removed again if it fails.")
    int every;

    @Option(names = "--preview-dir", paramLabel = "<dir>", description = "Folder of the previews, named "
            + "<output stem>-<call>.png (default: <output stem>-previews next to --output; created if missing).")
    Path dir;

    @Option(names = "--preview-mode", paramLabel = "<mode>", defaultValue = "auto", description = "How previews are "
            + "made: auto (tiny if --preview-vae or a tiny --vae is given, else approx), tiny (the tiny "
            + "autoencoder), approx (AUTOMATIC1111's 'Approx cheap' colour map, free), full (the model's VAE, a "
            + "whole decode each) (default: ${DEFAULT-VALUE}).")
    PreviewMode mode;

    @Option(names = "--preview-vae", paramLabel = "<dir>", description = "Tiny autoencoder folder (TAESD, "
            + "AutoencoderTiny, e.g. madebyollin/taesd) used only for previews; the images still come from the "
            + "model's VAE.")
    Path vae;

    /**
     * Checks the options before anything is loaded.
     *
     * @param output the {@code --output} path
     * @throws CliException (usage) naming the option
     */
    void check(Path output) {
        if (every < 0) {
            throw CliException.usage("--preview-every", every + " must be >= 0 (0 = no previews)");
        }
        if (every == 0) {
            for (Object[] o : new Object[][] {{"--preview-dir", dir}, {"--preview-vae", vae},
                {"--preview-mode", mode == PreviewMode.AUTO ? null : mode}}) {
                if (o[1] != null) {
                    throw CliException.usage((String) o[0], "previews are off; give --preview-every <n> too");
                }
            }
            return;
        }
        if (vae != null && !Files.isDirectory(vae)) {
            throw CliException.usage("--preview-vae", vae + " is not a folder");
        }
        Path folder = folder(output);
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw CliException.usage("--preview-dir", folder + " exists and is not a folder");
        }
        try {
            OutputPaths.requireWritable(folder.resolve("preview.png"));
        } catch (IllegalArgumentException e) {
            throw new CliException(SsdCommand.EXIT_USAGE, "--preview-dir: " + e.getMessage(), e);
        }
    }

    /** @param b the instance builder: gets the preview autoencoder, if any */
    void configure(SmallStableDiffusion.Builder b) {
        if (vae != null) {
            b.previewVae(vae);
        }
    }

    /**
     * @param output the {@code --output} path
     * @return the run's preview files (none when previews are off)
     */
    PreviewFiles files(Path output) {
        return new PreviewFiles(every, mode, every > 0 ? folder(output) : null, OutputPaths.stem(output));
    }

    private Path folder(Path output) {
        return dir != null ? dir : output.resolveSibling(OutputPaths.stem(output) + "-previews");
    }
}

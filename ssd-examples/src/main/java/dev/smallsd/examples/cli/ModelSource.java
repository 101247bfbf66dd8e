package dev.smallsd.examples.cli;

import dev.smallsd.hub.DownloadListener;
import dev.smallsd.hub.HubDownloader;
import dev.smallsd.hub.HubException;
import dev.smallsd.hub.HubOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Turns the {@code --model} argument into a local diffusers folder: an existing folder is used as it is; otherwise an
 * argument of the form {@code owner/name} is a Hugging Face Hub id, fetched by {@link HubDownloader} into the shared
 * huggingface_hub cache (only what is missing is downloaded; {@code HF_HUB_OFFLINE=1} uses the cache only), with a
 * progress display per downloaded file on stderr.
 */
public final class ModelSource {
    /** The model {@code ssd generate} uses when {@code --model} is not given. */
    public static final String DEFAULT_MODEL = "OFA-Sys/small-stable-diffusion-v0";

    /** Hub ids: {@code owner/name} of letters, digits and {@code - _ .} (the Hub's own rules are checked later). */
    private static final Pattern HUB_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}");

    private final Supplier<HubOptions> hubOptions;

    /**
     * @param hubOptions the Hub endpoint, cache and offline mode, obtained only when a Hub id is resolved
     */
    public ModelSource(Supplier<HubOptions> hubOptions) {
        this.hubOptions = hubOptions;
    }

    /** @return a resolver configured like huggingface_hub, from the process environment ({@code HF_*} variables) */
    public static ModelSource system() {
        return new ModelSource(HubOptions::fromEnvironment);
    }

    /**
     * @return the Hub endpoint, cache and offline mode this resolver uses
     * @throws IllegalArgumentException when the {@code HF_*} settings are invalid
     */
    public HubOptions hubOptions() {
        return hubOptions.get();
    }

    /**
     * @param text a {@code --model} value
     * @return whether it has the form of a Hub model id ({@code owner/name})
     */
    public static boolean isHubId(String text) {
        return text != null && HUB_ID.matcher(text).matches() && !text.contains("..");
    }

    /**
     * Resolves {@code --model}.
     *
     * @param model the argument
     * @param revision the Hub revision (branch, tag or commit), or {@code null} for {@code main}
     * @param variant the weight variant, or {@code null}
     * @param err where download progress goes
     * @param style how download progress is shown
     * @return the local model folder
     * @throws CliException when there is no such folder, the id is malformed or the Hub download fails
     */
    public Path resolve(String model, String revision, String variant, PrintWriter err, ProgressBar.Style style) {
        if (model == null || model.isBlank()) {
            throw CliException.usage("--model", "empty model name");
        }
        Path local;
        try {
            local = Path.of(model);
        } catch (InvalidPathException e) {
            local = null;
        }
        if (local != null && Files.isDirectory(local)) {
            return local;
        }
        if (local != null && Files.exists(local)) {
            throw new CliException(SsdCommand.EXIT_FAILURE, "--model: " + model
                    + " is a file; give the model folder (the one with model_index.json)");
        }
        if (!isHubId(model)) {
            throw new CliException(SsdCommand.EXIT_FAILURE, "--model: model folder " + model + " does not exist");
        }
        HubOptions options;
        try {
            options = hubOptions.get();
        } catch (IllegalArgumentException e) {
            throw new CliException(SsdCommand.EXIT_FAILURE, "Hugging Face settings: " + e.getMessage(), e);
        }
        DownloadProgress progress = new DownloadProgress(err, style);
        try {
            return new HubDownloader(options).snapshot(model, revision, variant, progress);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--model", e.getMessage());
        } catch (HubException | SecurityException e) {
            throw new CliException(SsdCommand.EXIT_FAILURE, "--model: cannot get '" + model + "' from the Hugging "
                    + "Face Hub: " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
    }

    /** One progress display per file the Hub downloader fetches. */
    private static final class DownloadProgress implements DownloadListener {
        private final PrintWriter err;
        private final ProgressBar.Style style;
        private ProgressBar bar;

        DownloadProgress(PrintWriter err, ProgressBar.Style style) {
            this.err = err;
            this.style = style;
        }

        @Override
        public void onFileStart(String path, long totalBytes) {
            finish();
            if (totalBytes > 0) {
                bar = new ProgressBar(err, path, totalBytes, ProgressBar.Unit.BYTES, style, System::nanoTime);
            } else if (style.resolve() != ProgressBar.Style.NONE) {
                err.println(path + ": downloading (size unknown)");
                err.flush();
            }
        }

        @Override
        public void onProgress(String path, long bytesDone, long totalBytes) {
            if (bar != null) {
                bar.update(bytesDone);
            }
        }

        @Override
        public void onFileDone(String path) {
            if (bar != null) {
                bar.update(Long.MAX_VALUE);
            }
            finish();
        }

        void finish() {
            if (bar != null) {
                bar.finish();
                bar = null;
            }
        }
    }
}

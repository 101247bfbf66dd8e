package dev.smallsd.examples.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns the {@code --model} argument into a local diffusers folder.
 *
 * <ol>
 *   <li>An existing folder is used as it is.</li>
 *   <li>Otherwise an argument of the form {@code owner/name} is a Hugging Face Hub model id: a snapshot of it already
 *       in the local Hugging Face cache ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 *       {@code ~/.cache/huggingface/hub}; the revision {@code refs/main} points to) is used.</li>
 *   <li>Downloading from the Hub is not part of this build yet: an id with no cached snapshot fails with a message
 *       saying so.</li>
 * </ol>
 */
public final class ModelSource {
    /** The model {@code ssd generate} uses when {@code --model} is not given. */
    public static final String DEFAULT_MODEL = "OFA-Sys/small-stable-diffusion-v0";

    /** Hub ids: {@code owner/name}, letters, digits, {@code - _ .}, neither part starting with a dot or dash. */
    private static final Pattern HUB_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}");

    private final Map<String, String> env;
    private final Path home;

    /**
     * @param env the environment (for the Hugging Face cache variables)
     * @param home the user's home folder
     */
    public ModelSource(Map<String, String> env, Path home) {
        this.env = env;
        this.home = home;
    }

    /** @return a resolver reading the process environment and {@code user.home} */
    public static ModelSource system() {
        return new ModelSource(System.getenv(), Path.of(System.getProperty("user.home", ".")));
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
     * @return the local model folder
     * @throws CliException (exit code {@value SsdCommand#EXIT_FAILURE}) when there is no such folder and no cached
     *     snapshot of such a Hub id
     */
    public Path resolve(String model) {
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
        if (isHubId(model)) {
            Optional<Path> cached = cachedSnapshot(model);
            if (cached.isPresent()) {
                return cached.get();
            }
            throw new CliException(SsdCommand.EXIT_FAILURE, "--model: '" + model + "' is not a local folder and not in "
                    + "the Hugging Face cache (" + hubCache() + "); downloading from the Hub is not available in this "
                    + "build: download the model (e.g. `huggingface-cli download " + model + "`) or pass its folder");
        }
        throw new CliException(SsdCommand.EXIT_FAILURE, "--model: model folder " + model + " does not exist");
    }

    /** @return the Hugging Face hub cache folder */
    public Path hubCache() {
        String cache = env.get("HF_HUB_CACHE");
        if (cache != null && !cache.isBlank()) {
            return Path.of(cache);
        }
        String hfHome = env.get("HF_HOME");
        if (hfHome != null && !hfHome.isBlank()) {
            return Path.of(hfHome, "hub");
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "huggingface", "hub");
        }
        return home.resolve(".cache").resolve("huggingface").resolve("hub");
    }

    /**
     * Finds the snapshot of a Hub id in the local cache ({@code models--owner--name/snapshots/<refs/main>}).
     *
     * @param hubId {@code owner/name}
     * @return the snapshot folder when it exists and has a {@code model_index.json}
     */
    public Optional<Path> cachedSnapshot(String hubId) {
        Path repo = hubCache().resolve("models--" + hubId.replace("/", "--"));
        Path ref = repo.resolve("refs").resolve("main");
        try {
            if (!Files.isRegularFile(ref)) {
                return Optional.empty();
            }
            String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
            if (!commit.matches("[0-9a-fA-F]{7,64}")) {
                return Optional.empty();
            }
            Path snapshot = repo.resolve("snapshots").resolve(commit);
            return Files.isRegularFile(snapshot.resolve("model_index.json")) ? Optional.of(snapshot) : Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}

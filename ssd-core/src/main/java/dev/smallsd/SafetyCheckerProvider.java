package dev.smallsd;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Service-provider interface through which {@link SmallStableDiffusion} finds a {@link SafetyChecker} on the class
 * path ({@code META-INF/services/dev.smallsd.SafetyCheckerProvider}). Core never depends on an implementation.
 */
public interface SafetyCheckerProvider {

    /**
     * Loads the checker of a diffusers model folder.
     *
     * @param modelDirectory the snapshot folder (with {@code safety_checker/} and {@code feature_extractor/})
     * @param variant the weight variant requested by the user (e.g. {@code "fp16"}), or {@code null}
     * @return the checker, or empty when the folder has no safety checker
     */
    Optional<SafetyChecker> load(Path modelDirectory, String variant);
}

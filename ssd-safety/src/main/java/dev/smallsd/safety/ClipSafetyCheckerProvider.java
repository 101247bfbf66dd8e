package dev.smallsd.safety;

import dev.smallsd.SafetyChecker;
import dev.smallsd.SafetyCheckerProvider;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@link java.util.ServiceLoader} entry through which {@code SmallStableDiffusion} finds the CLIP safety checker
 * when {@code ssd-safety} is on the class path (registered in
 * {@code META-INF/services/dev.smallsd.SafetyCheckerProvider}). Stateless; a public no-argument constructor as
 * {@link java.util.ServiceLoader} requires.
 */
public final class ClipSafetyCheckerProvider implements SafetyCheckerProvider {

    /** Creates the provider (called by {@link java.util.ServiceLoader}). */
    public ClipSafetyCheckerProvider() {}

    /**
     * Loads {@code safety_checker/} and {@code feature_extractor/} of a model folder.
     *
     * @param modelDirectory the folder with {@code model_index.json}
     * @param variant weight variant such as {@code "fp16"}, or {@code null}
     * @return the checker, or empty when {@code model_index.json} declares no safety checker
     * @throws dev.smallsd.ModelLoadException naming the file when a declared component is missing or malformed
     */
    @Override
    public Optional<SafetyChecker> load(Path modelDirectory, String variant) {
        return ClipSafetyChecker.load(modelDirectory, variant).map(c -> c);
    }
}

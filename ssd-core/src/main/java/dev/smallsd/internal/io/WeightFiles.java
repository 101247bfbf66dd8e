package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Chooses the weight file of a model component the way diffusers does: {@code .safetensors} before {@code .bin};
 * with a variant (e.g. {@code "fp16"}) the {@code <stem>.<variant>.<ext>} files first, falling back to the regular
 * files with a warning when the component has none of that variant. Sharded checkpoints are not supported.
 */
public final class WeightFiles {
    private static final List<String> SAFETENSORS_STEMS = List.of("diffusion_pytorch_model", "model");
    private static final List<String> BIN_STEMS = List.of("diffusion_pytorch_model", "pytorch_model");

    private WeightFiles() {}

    /**
     * @param variant a variant such as {@code "fp16"}, or {@code null}
     * @return every file name looked for, in order of preference
     */
    public static List<String> candidates(String variant) {
        List<String> out = new ArrayList<>();
        if (variant != null) {
            out.addAll(names(variant));
        }
        out.addAll(names(null));
        return out;
    }

    private static List<String> names(String variant) {
        String infix = variant == null ? "" : "." + variant;
        List<String> out = new ArrayList<>();
        for (String stem : SAFETENSORS_STEMS) {
            out.add(stem + infix + ".safetensors");
        }
        for (String stem : BIN_STEMS) {
            out.add(stem + infix + ".bin");
        }
        return out;
    }

    /**
     * Picks one weight file from the names present in a component folder.
     *
     * @param present the file names in the folder (no directories)
     * @param variant a variant such as {@code "fp16"}, or {@code null}
     * @param warn receives a warning when the variant is missing and the regular file is used
     * @return the chosen name, or empty when no candidate is present
     */
    public static Optional<String> choose(Collection<String> present, String variant, Consumer<String> warn) {
        if (variant != null) {
            for (String n : names(variant)) {
                if (present.contains(n)) {
                    return Optional.of(n);
                }
            }
        }
        for (String n : names(null)) {
            if (present.contains(n)) {
                if (variant != null && warn != null) {
                    warn.accept("no '" + variant + "' variant weight file; using " + n);
                }
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /**
     * Finds the weight file of a component folder on disk.
     *
     * @param componentDir e.g. {@code <model>/unet}
     * @param variant a variant or {@code null}
     * @param warn receives a warning when falling back from a missing variant
     * @return the file
     * @throws ModelLoadException naming every file looked for when none exists
     */
    public static Path resolve(Path componentDir, String variant, Consumer<String> warn) {
        List<String> present = new ArrayList<>();
        if (Files.isDirectory(componentDir)) {
            try (Stream<Path> s = Files.list(componentDir)) {
                s.filter(Files::isRegularFile).forEach(p -> present.add(p.getFileName().toString()));
            } catch (IOException e) {
                throw new ModelLoadException(componentDir, "cannot list folder: " + e, e);
            }
        }
        String component = componentDir.getFileName() == null ? componentDir.toString()
                : componentDir.getFileName().toString();
        return choose(present, variant, m -> {
            if (warn != null) {
                warn.accept(component + ": " + m);
            }
        }).map(componentDir::resolve).orElseThrow(() -> new ModelLoadException(componentDir,
                "no weight file for component '" + component + "'; looked for " + candidates(variant)));
    }
}

package dev.smallsd.hub;

import dev.smallsd.internal.io.WeightFiles;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Chooses the files of a single-model diffusers repository (such as {@code madebyollin/taesd}: one model's
 * {@code config.json} and weights at the repository root, no {@code model_index.json}) that loading it needs, as
 * {@code ModelMixin.from_pretrained} does: {@code config.json} and one weight file chosen by {@link WeightFiles#choose}
 * ({@code .safetensors} before {@code .bin}, honouring a variant). Files in sub-folders are never chosen.
 */
final class ModelFiles {
    /** The model description at the repository root. */
    static final String CONFIG = "config.json";

    private ModelFiles() {}

    /**
     * @param available every file path of the repository (or of a cached snapshot)
     * @param variant a weight variant such as {@code "fp16"}, or {@code null}
     * @param warn receives a message when the variant is missing and the regular file is used
     * @return {@code config.json} and the weight file, or the problems that prevent loading
     */
    static PipelineFiles.Selection select(Collection<String> available, String variant, Consumer<String> warn) {
        List<String> atRoot = new ArrayList<>();
        for (String f : available) {
            if (f.indexOf('/') < 0) {
                atRoot.add(f);
            }
        }
        List<String> files = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (atRoot.contains(CONFIG)) {
            files.add(CONFIG);
        } else {
            problems.add("no " + CONFIG + " at the repository root");
        }
        Optional<String> weight = WeightFiles.choose(atRoot, variant, warn);
        weight.ifPresentOrElse(files::add, () -> problems.add("no weight file at the repository root; looked for "
                + WeightFiles.candidates(variant) + " (sharded, Flax, ONNX and .ckpt weights are not supported)"));
        return new PipelineFiles.Selection(List.copyOf(files), List.copyOf(problems));
    }
}

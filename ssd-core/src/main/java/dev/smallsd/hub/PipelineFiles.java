package dev.smallsd.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.WeightFiles;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Chooses the files of a diffusers pipeline repository that loading it needs, as diffusers does: {@code
 * model_index.json}; for each component it names with a {@code [library, class]} pair (nulls skipped) the known
 * config and tokenizer files present in the component's folder and one weight file chosen by
 * {@link WeightFiles#choose}. Checkpoints ({@code .ckpt}), ONNX, Flax ({@code .msgpack}), other-variant and
 * second-choice weight files are never chosen.
 */
final class PipelineFiles {
    /** The pipeline description at the repository root. */
    static final String MODEL_INDEX = "model_index.json";

    /** Config and tokenizer files taken from a component folder when present. */
    static final Set<String> CONFIG_FILES = Set.of("config.json", "scheduler_config.json",
            "preprocessor_config.json", "vocab.json", "merges.txt", "tokenizer_config.json",
            "special_tokens_map.json", "added_tokens.json", "tokenizer.json");

    private PipelineFiles() {}

    /**
     * The chosen files and what prevents loading (a named component without files, a model without weights).
     *
     * @param files repository paths, {@code model_index.json} first, then sorted
     * @param problems one sentence per problem, empty when the pipeline is complete
     */
    record Selection(List<String> files, List<String> problems) {}

    /**
     * @param modelIndex the parsed {@code model_index.json}
     * @param available every file path of the repository (or of a cached snapshot)
     * @param variant a weight variant such as {@code "fp16"}, or {@code null}
     * @param warn receives "component: message" when a variant is missing and the regular file is used
     * @return the selection
     * @throws UnsafePathException when a component name is not a single safe folder name
     */
    static Selection select(JsonObject modelIndex, Collection<String> available, String variant,
            Consumer<String> warn) {
        List<String> files = new ArrayList<>();
        files.add(MODEL_INDEX);
        TreeSet<String> chosen = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (String component : components(modelIndex)) {
            String prefix = component + "/";
            List<String> inFolder = new ArrayList<>();
            for (String f : available) {
                if (f.startsWith(prefix) && f.indexOf('/', prefix.length()) < 0) {
                    inFolder.add(f.substring(prefix.length()));
                }
            }
            if (inFolder.isEmpty()) {
                problems.add("component '" + component + "' named in model_index.json has no files in '" + prefix
                        + "'");
                continue;
            }
            int before = chosen.size();
            for (String name : inFolder) {
                if (CONFIG_FILES.contains(name)) {
                    chosen.add(prefix + name);
                }
            }
            Optional<String> weight = WeightFiles.choose(inFolder, variant, m -> {
                if (warn != null) {
                    warn.accept(component + ": " + m);
                }
            });
            weight.ifPresent(w -> chosen.add(prefix + w));
            if (weight.isEmpty() && inFolder.contains("config.json")) {
                problems.add("component '" + component + "' has a config.json but no weight file; looked for "
                        + WeightFiles.candidates(variant) + " (sharded, Flax, ONNX and .ckpt weights are not"
                        + " supported)");
            } else if (chosen.size() == before) {
                problems.add("component '" + component + "' has neither a known config file " + CONFIG_FILES
                        + " nor a weight file in '" + prefix + "'");
            }
        }
        files.addAll(chosen);
        return new Selection(List.copyOf(files), List.copyOf(problems));
    }

    /**
     * @param modelIndex the parsed {@code model_index.json}
     * @return the names of its components: entries whose value is a {@code [library, class]} pair without nulls
     * @throws UnsafePathException when such a name is not a single safe folder name
     */
    static List<String> components(JsonObject modelIndex) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : modelIndex.entrySet()) {
            if (e.getKey().startsWith("_") || !e.getValue().isJsonArray()) {
                continue;
            }
            JsonArray pair = e.getValue().getAsJsonArray();
            if (pair.size() != 2 || pair.get(0).isJsonNull() || pair.get(1).isJsonNull()) {
                continue;
            }
            out.add(RepoPaths.checkSegment(e.getKey(), "component name '" + e.getKey() + "' of model_index.json"));
        }
        out.sort(null);
        return out;
    }
}

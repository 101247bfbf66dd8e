package dev.smallsd.safety;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.internal.io.config.ConfigJson;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The configuration of the Stable Diffusion safety checker ({@code safety_checker/config.json}): a transformers
 * {@code CLIPConfig} of which the checker uses the vision tower and {@code projection_dim}.
 *
 * <p>Both spellings are accepted: the current {@code text_config}/{@code vision_config} objects and the 2022
 * {@code text_config_dict}/{@code vision_config_dict} objects (which hold only the values that differ from the
 * defaults). As in transformers, a {@code *_dict} value overrides the same key of the plain object, and keys absent
 * from both take {@code CLIPTextConfig}/{@code CLIPVisionConfig} defaults.
 *
 * @param projectionDim {@code projection_dim} of the CLIPConfig (default 512): the width of the image embeddings
 * @param textConfig the text tower (unused by the checker, kept for completeness)
 * @param visionConfig the vision tower
 */
public record SafetyCheckerConfig(int projectionDim, ClipTextConfig textConfig, ClipVisionConfig visionConfig) {

    /** The file name inside the component folder. */
    public static final String FILE_NAME = "config.json";

    /**
     * @param dir a model folder (or the built-in architecture)
     * @return its {@code safety_checker/config.json}, or empty when {@code model_index.json} declares no safety checker
     * @throws ModelLoadException when declared but its config is missing or malformed
     */
    public static Optional<SafetyCheckerConfig> of(ModelDirectory dir) {
        return dir.optionalConfig(ModelDirectory.SAFETY_CHECKER, FILE_NAME, SafetyCheckerConfig::parse);
    }

    /**
     * Reads {@code safety_checker/config.json}.
     *
     * @param file the file
     * @return the config
     * @throws ModelLoadException when the file is missing or malformed
     */
    public static SafetyCheckerConfig read(Path file) {
        return parse(ConfigJson.read(file));
    }

    /**
     * Parses and validates the config.
     *
     * @param j the parsed file
     * @return the config
     * @throws ModelLoadException naming the file and key on a wrong type or inconsistent sizes
     */
    public static SafetyCheckerConfig parse(ConfigJson j) {
        j.requireMarker("model_type", "clip");
        ConfigJson text = merged(j, "text_config");
        ConfigJson vision = merged(j, "vision_config");
        int projection = j.positive("projection_dim", j.intOr("projection_dim", 512));
        return new SafetyCheckerConfig(projection, ClipTextConfig.parse(text), ClipVisionConfig.parse(vision));
    }

    private static ConfigJson merged(ConfigJson j, String name) {
        JsonObject out = new JsonObject();
        for (String key : new String[] {name, name + "_dict"}) {
            ConfigJson part = j.objectOrNull(key);
            if (part != null) {
                for (Map.Entry<String, JsonElement> e : part.json().entrySet()) {
                    out.add(e.getKey(), e.getValue());
                }
            }
        }
        return j.child(out, name);
    }
}

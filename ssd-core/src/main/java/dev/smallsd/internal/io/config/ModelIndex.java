package dev.smallsd.internal.io.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The pipeline description {@code model_index.json} of a diffusers model folder.
 *
 * @param className the pipeline class ({@code _class_name}), e.g. {@code "StableDiffusionPipeline"}
 * @param diffusersVersion the {@code _diffusers_version} that wrote the file, or {@code null}
 * @param components every component key (also its sub-folder name) in file order, absent ones as
 *     {@link ComponentSpec#NONE}
 * @param requiresSafetyChecker {@code requires_safety_checker} (default {@code true}, as in diffusers'
 *     StableDiffusionPipeline)
 */
public record ModelIndex(String className, String diffusersVersion, Map<String, ComponentSpec> components,
        boolean requiresSafetyChecker) {

    /** The file name inside a model folder. */
    public static final String FILE_NAME = "model_index.json";

    /** Makes the component map unmodifiable (keeping its order). */
    public ModelIndex {
        components = Collections.unmodifiableMap(new LinkedHashMap<>(components));
    }

    /**
     * Reads {@code model_index.json}.
     *
     * @param file the file
     * @return the index
     * @throws dev.smallsd.ModelLoadException when the file is missing or malformed
     */
    public static ModelIndex read(Path file) {
        return parse(ConfigJson.read(file));
    }

    /**
     * Parses the index. Keys starting with {@code _} are metadata; a value that is {@code null} or a two-element list
     * is a component; other keys ({@code requires_safety_checker} and unknown ones) are pipeline options.
     *
     * @param json the parsed file
     * @return the index
     * @throws dev.smallsd.ModelLoadException when {@code _class_name} is missing or a value has the wrong type
     */
    public static ModelIndex parse(ConfigJson json) {
        String cls = json.requiredString("_class_name");
        String version = json.stringOr("_diffusers_version", null);
        Map<String, ComponentSpec> components = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : json.json().entrySet()) {
            String key = e.getKey();
            JsonElement v = e.getValue();
            if (key.startsWith("_")) {
                continue;
            }
            if (v.isJsonNull()) {
                components.put(key, ComponentSpec.NONE);
            } else if (v.isJsonArray() && v.getAsJsonArray().size() == 2) {
                JsonArray a = v.getAsJsonArray();
                components.put(key, new ComponentSpec(nullableString(json, key, a.get(0)),
                        nullableString(json, key, a.get(1))));
            }
        }
        boolean requires = json.boolOr("requires_safety_checker", true);
        return new ModelIndex(cls, version, components, requires);
    }

    private static String nullableString(ConfigJson json, String key, JsonElement e) {
        if (e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw json.error(key, "expected [library, class] as two strings (or nulls), found " + e);
        }
        return e.getAsString();
    }

    /**
     * @param name a component key, e.g. {@code "safety_checker"}
     * @return its declaration when present (not absent, not null)
     */
    public Optional<ComponentSpec> component(String name) {
        ComponentSpec c = components.get(name);
        return c == null || !c.isPresent() ? Optional.empty() : Optional.of(c);
    }

    /**
     * @param name a component key
     * @return whether the index declares it with a class
     */
    public boolean hasComponent(String name) {
        return component(name).isPresent();
    }
}

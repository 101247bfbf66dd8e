package dev.smallsd.schedulers;

import ai.djl.util.JsonUtils;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds schedulers with diffusers' {@code from_config} semantics.
 *
 * <p>Resolution of a class's configuration, as diffusers does it when a pipeline switches schedulers with
 * {@code Cls.from_config(pipe.scheduler.config, **overrides)}:
 * <ol>
 *   <li>start from the class's own constructor defaults;</li>
 *   <li>take every key of the base config that the class's constructor has (keys starting with {@code _}, keys the
 *       class does not know and keys listed in {@code _use_default_values} are ignored) — so a key the base
 *       scheduler only had at its own default (e.g. PNDM's {@code timestep_spacing}) is not inherited;</li>
 *   <li>apply the overrides (which must be keys of the class).</li>
 * </ol>
 */
public final class Schedulers {

    /** The classes {@link SchedulerType} names, by diffusers class name, in declaration order. */
    private static final Map<String, SchedulerClass> REGISTRY = new LinkedHashMap<>();

    static {
        for (SchedulerType t : SchedulerType.values()) {
            REGISTRY.putIfAbsent(t.className(), t.schedulerClass());
        }
    }

    private Schedulers() {}

    /**
     * Returns the diffusers class names this module implements.
     *
     * @return the class names
     */
    public static Set<String> classNames() {
        return Collections.unmodifiableSet(REGISTRY.keySet());
    }

    /**
     * Returns a class's constructor defaults (its config keys with their default values).
     *
     * @param className the diffusers class name
     * @return the defaults
     */
    public static Map<String, Object> classDefaults(String className) {
        return entry(className).defaults().get();
    }

    /**
     * Reads a {@code scheduler_config.json} and builds the scheduler its {@code _class_name} names.
     *
     * @param schedulerConfigJson the path of the JSON file
     * @return the scheduler
     * @throws IOException if the file cannot be read
     */
    public static Scheduler fromConfig(Path schedulerConfigJson) throws IOException {
        Map<String, Object> map = readJson(schedulerConfigJson);
        Object cls = map.get("_class_name");
        if (!(cls instanceof String name)) {
            throw new IllegalArgumentException(schedulerConfigJson + " has no _class_name");
        }
        return fromConfig(map, name, Map.of());
    }

    /**
     * Reads a scheduler config JSON file into a map (numbers as {@link Double}).
     *
     * @param json the path
     * @return the config map
     * @throws IOException if the file cannot be read
     */
    public static Map<String, Object> readJson(Path json) throws IOException {
        try (Reader r = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
            Map<String, Object> map = JsonUtils.GSON.fromJson(r, new TypeToken<Map<String, Object>>() {}.getType());
            if (map == null) {
                throw new IOException(json + " is empty");
            }
            return map;
        }
    }

    /**
     * Builds a scheduler of class {@code className} from a base config (e.g. the pipeline's scheduler config) with
     * overrides, like {@code Cls.from_config(base, **overrides)}.
     *
     * @param baseConfig the base config; unknown keys are ignored
     * @param className the diffusers class to build
     * @param overrides keys of that class to set
     * @return the scheduler
     * @throws IllegalArgumentException for an unknown class or override key
     */
    public static Scheduler fromConfig(Map<String, ?> baseConfig, String className, Map<String, ?> overrides) {
        return entry(className).factory().apply(resolve(baseConfig, className, overrides));
    }

    /**
     * Builds the scheduler a {@link SchedulerType} stands for, over a base config.
     *
     * @param type the user-facing scheduler type
     * @param baseConfig the base config
     * @return the scheduler
     */
    public static Scheduler create(SchedulerType type, Map<String, ?> baseConfig) {
        return fromConfig(baseConfig, type.className(), type.overrides());
    }

    /**
     * Builds the scheduler a {@link SchedulerType} stands for from a base config, like diffusers'
     * {@code Cls.from_config(base, **overrides)} with the type's overrides.
     *
     * @param baseConfig the base config: a {@code scheduler_config.json} map or another scheduler's
     *     {@link SchedulerConfig#toConfigMap()}; may hold {@code null} values
     * @param type the scheduler type
     * @return the scheduler
     */
    public static Scheduler fromConfig(Map<String, ?> baseConfig, SchedulerType type) {
        return fromConfig(baseConfig, type.className(), type.overrides());
    }

    /**
     * Switches schedulers as diffusers does with {@code Cls.from_config(previous.config)}: the new scheduler keeps
     * every key the previous one was given (its hidden keys included) and not the ones it only had at default.
     *
     * @param previous the configuration of the scheduler to switch from
     * @param type the scheduler type to switch to
     * @return the scheduler
     */
    public static Scheduler fromConfig(SchedulerConfig previous, SchedulerType type) {
        return fromConfig(previous.toConfigMap(), type);
    }

    /**
     * Parses a scheduler config given as JSON text (e.g. the content of a {@code scheduler_config.json}); JSON
     * {@code null}s are kept as {@code null} values.
     *
     * @param json the JSON object text
     * @return the config map
     * @throws IllegalArgumentException if the text is not a JSON object
     */
    public static Map<String, Object> parseConfig(String json) {
        Map<String, Object> map;
        try {
            map = JsonUtils.GSON.fromJson(json, new TypeToken<Map<String, Object>>() {}.getType());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("scheduler config is not a JSON object: " + e.getMessage(), e);
        }
        if (map == null) {
            throw new IllegalArgumentException("scheduler config is empty");
        }
        return map;
    }

    /**
     * Resolves a class's configuration as diffusers' {@code extract_init_dict} and {@code from_config} do.
     * <ol>
     *   <li>Keys the base lists in {@code _use_default_values} are dropped: the base only had them at its own
     *       default.</li>
     *   <li>Every remaining key that the class's constructor has is taken; the others (apart from
     *       {@code _class_name} and {@code _use_default_values}) are carried as {@link SchedulerConfig#hidden()}
     *       keys.</li>
     *   <li>The overrides, which must be constructor keys, win.</li>
     *   <li>Constructor keys given by neither keep the class default and are recorded in
     *       {@link SchedulerConfig#usedDefaults()}.</li>
     * </ol>
     *
     * @param baseConfig the base config
     * @param className the diffusers class
     * @param overrides the overrides
     * @return the resolved configuration
     * @throws IllegalArgumentException for an unknown class or override key
     */
    public static SchedulerConfig resolve(
            Map<String, ?> baseConfig, String className, Map<String, ?> overrides) {
        Map<String, Object> defaults = entry(className).defaults().get();
        Set<String> baseDefaults = new HashSet<>();
        if (baseConfig.get(SchedulerConfig.USE_DEFAULT_VALUES) instanceof Collection<?> c) {
            c.forEach(o -> baseDefaults.add(String.valueOf(o)));
        }
        Map<String, Object> values = new LinkedHashMap<>(defaults);
        Map<String, Object> hidden = new LinkedHashMap<>();
        Set<String> given = new HashSet<>();
        for (Map.Entry<String, ?> e : baseConfig.entrySet()) {
            String k = e.getKey();
            if (k.equals(SchedulerConfig.USE_DEFAULT_VALUES) || k.equals("_class_name") || baseDefaults.contains(k)) {
                continue;
            }
            if (defaults.containsKey(k)) {
                values.put(k, normalize(e.getValue()));
                given.add(k);
            } else {
                hidden.put(k, normalize(e.getValue()));
            }
        }
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            if (!defaults.containsKey(e.getKey())) {
                throw new IllegalArgumentException(
                        className + " has no config key '" + e.getKey() + "'; valid keys: " + defaults.keySet());
            }
            values.put(e.getKey(), normalize(e.getValue()));
            given.add(e.getKey());
        }
        Set<String> usedDefaults = new HashSet<>(defaults.keySet());
        usedDefaults.removeAll(given);
        return new SchedulerConfig(className, values, hidden, usedDefaults);
    }

    private static Object normalize(Object v) {
        if (v instanceof Number n && !(v instanceof Double)) {
            return n.doubleValue() == Math.rint(n.doubleValue()) && !(v instanceof Float)
                    ? (Object) n.intValue()
                    : (Object) n.doubleValue();
        }
        if (v instanceof double[] arr) {
            List<Object> list = new ArrayList<>();
            for (double d : arr) {
                list.add(d);
            }
            return Collections.unmodifiableList(list);
        }
        if (v instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            for (Object o : list) {
                copy.add(normalize(o));
            }
            return Collections.unmodifiableList(copy);
        }
        return v;
    }

    private static SchedulerClass entry(String className) {
        SchedulerClass e = REGISTRY.get(className);
        if (e == null) {
            throw new IllegalArgumentException(
                    "unknown scheduler class '" + className + "'; supported: " + REGISTRY.keySet());
        }
        return e;
    }
}

package dev.smallsd.schedulers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The resolved, immutable configuration of a scheduler, as diffusers' {@code scheduler.config} holds it:
 * <ul>
 *   <li>{@link #asMap()}: every key of the diffusers class's constructor with its value (class default, carried over
 *       from the base config, or overridden);</li>
 *   <li>{@link #hidden()}: the keys of the base config that this class does not know (e.g. a DPM solver's
 *       {@code final_sigmas_type} on a UniPC scheduler, or PNDM's {@code skip_prk_steps}), carried along so that
 *       switching to yet another class finds them again — diffusers' hidden config entries;</li>
 *   <li>{@link #usedDefaults()}: the constructor keys that took the class default because neither the base config
 *       nor an override gave them — diffusers' {@code _use_default_values}, which a later {@code from_config}
 *       does not inherit.</li>
 * </ul>
 *
 * <p>Values are JSON-like: {@code null}, {@link Boolean}, {@link Number}, {@link String} or {@link List}.
 */
public final class SchedulerConfig {

    /** The key under which diffusers records {@link #usedDefaults()}. */
    public static final String USE_DEFAULT_VALUES = "_use_default_values";

    private final String className;
    private final Map<String, Object> values;
    private final Map<String, Object> hidden;
    private final Set<String> usedDefaults;

    /**
     * Creates a configuration with no hidden keys and no recorded defaults.
     *
     * @param className the diffusers class name
     * @param values key to value; copied
     */
    public SchedulerConfig(String className, Map<String, Object> values) {
        this(className, values, Map.of(), Set.of());
    }

    SchedulerConfig(String className, Map<String, Object> values, Map<String, Object> hidden,
            Set<String> usedDefaults) {
        this.className = Objects.requireNonNull(className, "className");
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.hidden = Collections.unmodifiableMap(new LinkedHashMap<>(hidden));
        this.usedDefaults = Collections.unmodifiableSet(new TreeSet<>(usedDefaults));
    }

    /**
     * Returns a copy with one constructor key changed, as diffusers' {@code register_to_config} inside a
     * constructor does (hidden keys and recorded defaults are kept).
     *
     * @param key a constructor key of this class
     * @param value the new value
     * @return the changed configuration
     */
    SchedulerConfig with(String key, Object value) {
        get(key);
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return new SchedulerConfig(className, copy, hidden, usedDefaults);
    }

    /**
     * Returns the base-config keys this class does not know, carried for later switches (diffusers' hidden config
     * entries), without {@code _class_name}.
     *
     * @return an unmodifiable map
     */
    public Map<String, Object> hidden() {
        return hidden;
    }

    /**
     * Returns the constructor keys that took the class default (diffusers' {@code _use_default_values}).
     *
     * @return an unmodifiable, sorted set
     */
    public Set<String> usedDefaults() {
        return usedDefaults;
    }

    /**
     * Returns the whole configuration as diffusers' {@code scheduler.config} dictionary: {@code _class_name}, the
     * constructor keys, the hidden keys and {@code _use_default_values}. Pass it to
     * {@link Schedulers#fromConfig(Map, SchedulerType)} to switch schedulers as diffusers does.
     *
     * @return a new, modifiable map
     */
    public Map<String, Object> toConfigMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_class_name", className);
        m.putAll(values);
        hidden.forEach(m::putIfAbsent);
        m.put(USE_DEFAULT_VALUES, List.copyOf(usedDefaults));
        return m;
    }

    /**
     * Returns the diffusers class name.
     *
     * @return the class name
     */
    public String className() {
        return className;
    }

    /**
     * Returns all keys and values.
     *
     * @return an unmodifiable map
     */
    public Map<String, Object> asMap() {
        return values;
    }

    /**
     * Tells whether the configuration has a key.
     *
     * @param key the key
     * @return true if present
     */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /**
     * Returns a raw value.
     *
     * @param key the key
     * @return the value, possibly null
     * @throws IllegalArgumentException if the key is unknown to the scheduler
     */
    public Object get(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException(className + " has no config key '" + key + "'");
        }
        return values.get(key);
    }

    /**
     * Returns an integer value.
     *
     * @param key the key
     * @return the value
     */
    public int getInt(String key) {
        Object v = get(key);
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d != Math.rint(d)) {
                throw new IllegalArgumentException(key + " must be an integer, got " + v);
            }
            return (int) d;
        }
        throw new IllegalArgumentException(key + " must be an integer, got " + v);
    }

    /**
     * Returns a floating-point value; the strings {@code "inf"}, {@code "-inf"} and {@code "nan"} are accepted.
     *
     * @param key the key
     * @return the value
     */
    public double getDouble(String key) {
        return toDouble(key, get(key));
    }

    /**
     * Returns a boolean value.
     *
     * @param key the key
     * @return the value
     */
    public boolean getBoolean(String key) {
        Object v = get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(key + " must be a boolean, got " + v);
    }

    /**
     * Returns a string value, or null.
     *
     * @param key the key
     * @return the value or null
     */
    public String getString(String key) {
        Object v = get(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        throw new IllegalArgumentException(key + " must be a string, got " + v);
    }

    /**
     * Returns a numeric list value, or null.
     *
     * @param key the key
     * @return the values or null
     */
    public double[] getDoubleArray(String key) {
        Object v = get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof List<?> list) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = toDouble(key, list.get(i));
            }
            return out;
        }
        if (v instanceof double[] arr) {
            return arr.clone();
        }
        throw new IllegalArgumentException(key + " must be a list of numbers, got " + v);
    }

    static double toDouble(String key, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "inf", "+inf", "infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-inf", "-infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                case "nan" -> {
                    return Double.NaN;
                }
                default -> { }
            }
        }
        throw new IllegalArgumentException(key + " must be a number, got " + v);
    }

    @Override
    public String toString() {
        return className + values + (hidden.isEmpty() ? "" : " hidden " + hidden);
    }
}

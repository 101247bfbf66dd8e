package dev.smallsd.schedulers;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The resolved, immutable configuration of a scheduler: every key of the diffusers class's constructor with its
 * value (class default, carried over from the base config, or overridden).
 *
 * <p>Values are JSON-like: {@code null}, {@link Boolean}, {@link Number}, {@link String} or {@link List}.
 */
public final class SchedulerConfig {

    private final String className;
    private final Map<String, Object> values;

    /**
     * Creates a configuration.
     *
     * @param className the diffusers class name
     * @param values key to value; copied
     */
    public SchedulerConfig(String className, Map<String, Object> values) {
        this.className = Objects.requireNonNull(className, "className");
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
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
            switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
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
        return className + values;
    }
}

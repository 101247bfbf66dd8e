package dev.smallsd.internal.io.config;

import com.google.gson.JsonElement;
import java.util.Objects;

/** Rejects config options whose non-default values this implementation does not support. */
final class Unsupported {
    private Unsupported() {}

    /**
     * Fails when {@code key} is present and not JSON null.
     *
     * @param json the config
     * @param key the option
     * @param feature what the option would enable, for the message
     */
    static void requireNull(ConfigJson json, String key, String feature) {
        JsonElement e = json.get(key);
        if (e != null) {
            throw json.error(key, "value " + e + " (" + feature + ") is not supported; only null is");
        }
    }

    /**
     * Fails when {@code key} is present and its boolean value differs from {@code supported}.
     *
     * @param json the config
     * @param key the option
     * @param supported the only supported value
     */
    static void requireBool(ConfigJson json, String key, boolean supported) {
        if (json.boolOr(key, supported) != supported) {
            throw json.error(key, "value " + !supported + " is not supported; only " + supported + " is");
        }
    }

    /**
     * Fails when {@code key} is present and its string value differs from {@code supported}.
     *
     * @param json the config
     * @param key the option
     * @param supported the only supported value
     */
    static void requireString(ConfigJson json, String key, String supported) {
        String v = json.stringOr(key, supported);
        if (!Objects.equals(v, supported)) {
            throw json.error(key, "value \"" + v + "\" is not supported; only \"" + supported + "\" is");
        }
    }

    /**
     * Fails when {@code key} is present and its integer value differs from {@code supported}.
     *
     * @param json the config
     * @param key the option
     * @param supported the only supported value
     */
    static void requireInt(ConfigJson json, String key, int supported) {
        int v = json.intOr(key, supported);
        if (v != supported) {
            throw json.error(key, "value " + v + " is not supported; only " + supported + " is");
        }
    }

    /**
     * Fails when {@code key} is present and its number differs from {@code supported}.
     *
     * @param json the config
     * @param key the option
     * @param supported the only supported value
     */
    static void requireDouble(ConfigJson json, String key, double supported) {
        double v = json.doubleOr(key, supported);
        if (v != supported) {
            throw json.error(key, "value " + v + " is not supported; only " + supported + " is");
        }
    }
}

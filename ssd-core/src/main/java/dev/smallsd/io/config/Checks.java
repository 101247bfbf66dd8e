package dev.smallsd.io.config;

/** Small value checks shared by the config parsers. */
final class Checks {
    private Checks() {}

    /**
     * @param j the config
     * @param key the key the value came from
     * @param v the value
     * @return {@code v}
     * @throws dev.smallsd.io.ModelLoadException when {@code v <= 0}
     */
    static int positive(ConfigJson j, String key, int v) {
        if (v <= 0) {
            throw j.error(key, "must be positive, is " + v);
        }
        return v;
    }

    /**
     * Checks a class or model-type marker when the config has one.
     *
     * @param j the config
     * @param key e.g. {@code _class_name} or {@code model_type}
     * @param expected the only accepted value
     * @throws dev.smallsd.io.ModelLoadException when present with another value
     */
    static void marker(ConfigJson j, String key, String expected) {
        String v = j.stringOr(key, expected);
        if (!expected.equals(v)) {
            throw j.error(key, "this is a \"" + v + "\" config, expected \"" + expected + "\"");
        }
    }
}

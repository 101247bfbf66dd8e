package dev.smallsd.internal.io.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.smallsd.ModelLoadException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed, validating access to one JSON object of a config file. Absent keys and JSON {@code null} take the caller's
 * default; a present value of the wrong type fails with a {@link ModelLoadException} that names the file and the key.
 * Unknown keys are simply never asked for.
 */
public final class ConfigJson {
    /** The largest config file read (configs are a few kilobytes; this only guards against hostile input). */
    public static final long MAX_CONFIG_BYTES = 16L * 1024 * 1024;

    private final JsonObject object;
    private final Path file;
    private final String prefix;

    private ConfigJson(JsonObject object, Path file, String prefix) {
        this.object = object;
        this.file = file;
        this.prefix = prefix;
    }

    /**
     * Wraps a parsed object.
     *
     * @param object the JSON object
     * @param file the file it came from, named in errors
     * @return the accessor
     */
    public static ConfigJson of(JsonObject object, Path file) {
        return new ConfigJson(object, file, "");
    }

    /**
     * Reads a config file whose top level must be a JSON object.
     *
     * @param file the file
     * @return the accessor
     * @throws ModelLoadException when the file is missing, unreadable, too large or not a JSON object
     */
    public static ConfigJson read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_CONFIG_BYTES) {
                throw new ModelLoadException(file, "config file of " + size + " bytes is larger than the "
                        + MAX_CONFIG_BYTES + "-byte limit");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file, "missing config file");
        } catch (IOException e) {
            throw new ModelLoadException(file, "cannot read config file: " + e, e);
        }
        return parse(bytes, file);
    }

    /**
     * Parses config bytes (UTF-8, strict JSON) whose top level must be an object.
     *
     * @param bytes the file content
     * @param file the file name used in errors
     * @return the accessor
     * @throws ModelLoadException when the content is not a valid JSON object
     */
    public static ConfigJson parse(byte[] bytes, Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(file, "config file is not valid UTF-8");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        JsonElement el = parseStrict(text, file, "config file");
        if (!el.isJsonObject()) {
            throw new ModelLoadException(file, "config file is not a JSON object");
        }
        return of(el.getAsJsonObject(), file);
    }

    /**
     * Parses one complete JSON document strictly (no comments, unquoted names, single quotes, NaN or trailing data).
     *
     * @param text the JSON text
     * @param file the file named in errors
     * @param what what the text is, for the error message (e.g. {@code "safetensors header"})
     * @return the parsed element
     * @throws ModelLoadException when the text is not exactly one valid JSON value
     */
    public static JsonElement parseStrict(String text, Path file, String what) {
        try {
            return parseStrict(text);
        } catch (JsonParseException | StackOverflowError e) {
            String msg = e instanceof StackOverflowError ? "nested too deeply" : e.getMessage();
            throw new ModelLoadException(file, what + " is not valid JSON: " + msg, e);
        }
    }

    /**
     * The same strict parse for JSON that does not come from a model file (e.g. a Hub answer).
     *
     * @param text the JSON text
     * @return the parsed element
     * @throws JsonParseException when the text is not exactly one valid JSON value
     */
    public static JsonElement parseStrict(String text) {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            JsonElement el = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("unexpected data after the value");
            }
            return el;
        } catch (IOException | IllegalStateException e) {
            throw new JsonParseException(e.getMessage(), e);
        }
    }

    /** @return the file this object came from */
    public Path file() {
        return file;
    }

    /** @return the underlying JSON object (do not modify) */
    public JsonObject json() {
        return object;
    }

    /**
     * @param key a key
     * @return whether the key is present with a non-null value
     */
    public boolean has(String key) {
        JsonElement e = object.get(key);
        return e != null && !e.isJsonNull();
    }

    /**
     * @param key a key
     * @return the raw value, or {@code null} when absent or JSON null
     */
    public JsonElement get(String key) {
        JsonElement e = object.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    /**
     * @param key a key
     * @return the full key name used in messages (with the nesting prefix, e.g. {@code vision_config.hidden_size})
     */
    public String qualified(String key) {
        return prefix + key;
    }

    /**
     * Builds an error about one key.
     *
     * @param key the key
     * @param why what is wrong
     * @return the exception (to throw)
     */
    public ModelLoadException error(String key, String why) {
        return new ModelLoadException(file, "key '" + qualified(key) + "': " + why);
    }

    /**
     * @param key the key the value came from
     * @param v the value
     * @return {@code v}
     * @throws ModelLoadException naming this file and the key when {@code v <= 0}
     */
    public int positive(String key, int v) {
        if (v <= 0) {
            throw error(key, "must be positive, is " + v);
        }
        return v;
    }

    /**
     * @param key the key of the divisor (named in the error)
     * @param divisor its value
     * @param ofKey the key of the value it must divide
     * @param value that value
     * @throws ModelLoadException naming this file and {@code key} when {@code divisor} does not divide {@code value}
     */
    public void requireDivides(String key, int divisor, String ofKey, int value) {
        if (value % divisor != 0) {
            throw error(key, divisor + " does not divide " + ofKey + " " + value);
        }
    }

    /**
     * Checks one entry of {@code block_out_channels} against {@code norm_num_groups} (UNet and VAE configs).
     *
     * @param i the block index
     * @param channels the entry
     * @param groups {@code norm_num_groups}
     * @throws ModelLoadException naming this file and the key when the entry is not positive or not divisible
     */
    void requireBlockChannels(int i, int channels, int groups) {
        if (channels <= 0) {
            throw error("block_out_channels", "entry " + channels + " must be positive");
        }
        if (groups <= 0 || channels % groups != 0) {
            throw error("norm_num_groups", groups + " does not divide block_out_channels[" + i + "] = " + channels);
        }
    }

    /**
     * Checks a class or model-type marker when the config has one.
     *
     * @param key e.g. {@code _class_name} or {@code model_type}
     * @param expected the only accepted value
     * @throws ModelLoadException naming this file and the key when present with another value
     */
    public void requireMarker(String key, String expected) {
        String v = stringOr(key, expected);
        if (!expected.equals(v)) {
            throw error(key, "this is a \"" + v + "\" config, expected \"" + expected + "\"");
        }
    }

    private ModelLoadException typeError(String key, String expected, JsonElement found) {
        String s = String.valueOf(found);
        if (s.length() > 80) {
            s = s.substring(0, 77) + "...";
        }
        return error(key, "expected " + expected + ", found " + s);
    }

    /**
     * @param key a key whose value, when present, must be an object
     * @return the nested accessor (errors then name {@code key.inner}), or {@code null} when absent or null
     */
    public ConfigJson objectOrNull(String key) {
        JsonElement e = get(key);
        if (e == null) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw typeError(key, "an object", e);
        }
        return new ConfigJson(e.getAsJsonObject(), file, prefix + key + ".");
    }

    /**
     * Wraps another object of the same file whose keys are reported as {@code name.key}.
     *
     * @param nested the object
     * @param name its name in messages, e.g. {@code "vision_config"}
     * @return the accessor
     */
    public ConfigJson child(JsonObject nested, String name) {
        return new ConfigJson(nested, file, prefix + name + ".");
    }

    /**
     * @param key a required key
     * @return its integer value
     * @throws ModelLoadException when absent, null, fractional, out of range or not a number
     */
    public int requiredInt(String key) {
        JsonElement e = get(key);
        if (e == null) {
            throw error(key, "required integer is missing");
        }
        return toInt(key, e);
    }

    /**
     * @param key a key
     * @param def the default for an absent or null value
     * @return the integer value
     */
    public int intOr(String key, int def) {
        JsonElement e = get(key);
        return e == null ? def : toInt(key, e);
    }

    /**
     * @param key a key
     * @return the integer value, or {@code null} when absent or null
     */
    public Integer intOrNull(String key) {
        JsonElement e = get(key);
        return e == null ? null : toInt(key, e);
    }

    /**
     * @param key a key
     * @param def the default for an absent or null value
     * @return the number as a double
     */
    public double doubleOr(String key, double def) {
        JsonElement e = get(key);
        return e == null ? def : toDouble(key, e);
    }

    /**
     * @param key a key
     * @param def the default for an absent or null value
     * @return the boolean value
     */
    public boolean boolOr(String key, boolean def) {
        JsonElement e = get(key);
        if (e == null) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw typeError(key, "true or false", e);
        }
        return e.getAsBoolean();
    }

    /**
     * @param key a key
     * @param def the default for an absent or null value (may be {@code null})
     * @return the string value
     */
    public String stringOr(String key, String def) {
        JsonElement e = get(key);
        if (e == null) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw typeError(key, "a string", e);
        }
        return e.getAsString();
    }

    /**
     * @param key a required key
     * @return its string value
     */
    public String requiredString(String key) {
        if (get(key) == null) {
            throw error(key, "required string is missing");
        }
        return stringOr(key, null);
    }

    /**
     * @param key a key
     * @param def the default for an absent or null value
     * @return the list of strings (unmodifiable)
     */
    public List<String> stringListOr(String key, List<String> def) {
        JsonElement e = get(key);
        if (e == null) {
            return def;
        }
        if (!e.isJsonArray()) {
            throw typeError(key, "a list of strings", e);
        }
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) {
                throw typeError(key, "a list of strings", e);
            }
            out.add(x.getAsString());
        }
        return List.copyOf(out);
    }

    /**
     * @param key a key
     * @param def the default for an absent or null value
     * @return the list of integers (unmodifiable)
     */
    public List<Integer> intListOr(String key, List<Integer> def) {
        JsonElement e = get(key);
        if (e == null) {
            return def;
        }
        if (!e.isJsonArray()) {
            throw typeError(key, "a list of integers", e);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!isWholeNumber(x)) {
                throw typeError(key, "a list of integers", e);
            }
            out.add(toInt(key, x));
        }
        return List.copyOf(out);
    }

    /**
     * Reads a value that may be one number (used for every entry) or a list of numbers.
     *
     * @param key a key
     * @param count the length of the result when the value is a single number
     * @param def the default for an absent or null value
     * @return the list (unmodifiable)
     */
    public List<Double> doubleOrDoubleListOr(String key, int count, List<Double> def) {
        JsonElement e = get(key);
        if (e == null) {
            return def;
        }
        if (e.isJsonArray()) {
            List<Double> out = new ArrayList<>();
            for (JsonElement x : e.getAsJsonArray()) {
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
                    throw typeError(key, "a number or a list of numbers", e);
                }
                out.add(x.getAsDouble());
            }
            return List.copyOf(out);
        }
        return Collections.nCopies(count, toDouble(key, e));
    }

    /**
     * Reads a value that may be one integer (used for every entry) or a list of integers; diffusers' {@code int or
     * tuple} fields.
     *
     * @param key a key
     * @param count the length of the result when the value is a single integer
     * @param def the default for an absent or null value
     * @return the list (unmodifiable)
     */
    public List<Integer> intOrIntListOr(String key, int count, List<Integer> def) {
        JsonElement e = get(key);
        if (e == null) {
            return def;
        }
        if (e.isJsonArray()) {
            return intListOr(key, def);
        }
        if (!isWholeNumber(e)) {
            throw typeError(key, "an integer or a list of integers", e);
        }
        return Collections.nCopies(count, toInt(key, e));
    }

    private static boolean isWholeNumber(JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            return false;
        }
        try {
            BigDecimal d = e.getAsBigDecimal();
            return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
        } catch (NumberFormatException ex) {
            return false;
        }
    }

    private int toInt(String key, JsonElement e) {
        if (!isWholeNumber(e)) {
            throw typeError(key, "an integer", e);
        }
        try {
            return e.getAsBigDecimal().intValueExact();
        } catch (ArithmeticException ex) {
            throw error(key, "integer " + e + " is out of range");
        }
    }

    private double toDouble(String key, JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw typeError(key, "a number", e);
        }
        try {
            return e.getAsDouble();
        } catch (NumberFormatException ex) {
            throw typeError(key, "a number", e);
        }
    }

    /**
     * Converts the whole object to plain Java values, keeping key order: objects become unmodifiable ordered
     * {@code Map<String,Object>}, arrays unmodifiable {@code List<Object>}, strings {@code String}, booleans
     * {@code Boolean}, numbers written without fraction or exponent {@code Long} (when they fit, else
     * {@code Double}), other numbers {@code Double}, and JSON null {@code null}.
     *
     * @return the ordered map
     */
    public Map<String, Object> toPlainMap() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) plain(object);
        return m;
    }

    private static Object plain(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
                m.put(x.getKey(), plain(x.getValue()));
            }
            return Collections.unmodifiableMap(m);
        }
        if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            List<Object> l = new ArrayList<>(a.size());
            for (JsonElement x : a) {
                l.add(plain(x));
            }
            return Collections.unmodifiableList(l);
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isString()) {
            return p.getAsString();
        }
        String text = p.getAsNumber().toString();
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException ex) {
                // too large for a long: fall through to double
            }
        }
        return p.getAsDouble();
    }
}

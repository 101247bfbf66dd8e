package dev.smallsd.testing;

import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Access to the golden fixtures under the folder named by system property {@code ssd.fixtures}: manifests, case
 * tensors and their stated tolerances ({@link Tolerance}).
 */
public final class Golden {
    private Golden() {}

    /** @return the fixtures root (system property {@code ssd.fixtures}, default {@code ../shared/fixtures}) */
    public static Path root() {
        String p = System.getProperty("ssd.fixtures", "../shared/fixtures");
        Path root = Path.of(p).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            fail("fixtures folder not found: " + root + " (set -Dssd.fixtures=...)");
        }
        return root;
    }

    /** @return {@code <root>/golden} */
    public static Path goldenDir() {
        return root().resolve("golden");
    }

    /** @return the tiny pipeline folder named by the manifest's {@code tiny_pipeline} */
    public static Path tinyModel() {
        return root().resolve(manifest().get("tiny_pipeline").getAsString());
    }

    /** @return the parsed {@code golden/MANIFEST.json} */
    public static JsonObject manifest() {
        return readJson(goldenDir().resolve("MANIFEST.json"));
    }

    /**
     * @param kind a case key of the manifest, e.g. {@code "unet"}
     * @return its manifest entry
     */
    public static JsonObject caseEntry(String kind) {
        JsonObject cases = manifest().getAsJsonObject("cases");
        JsonElement c = cases.get(kind);
        if (c == null) {
            fail("golden manifest has no case '" + kind + "'");
        }
        return c.getAsJsonObject();
    }

    /**
     * @param kind a case key
     * @return the opened tensor file of that case
     */
    public static SafeTensorsFile open(String kind) {
        return SafeTensors.open(goldenDir().resolve(caseEntry(kind).get("file").getAsString()));
    }

    /**
     * Reads any JSON file.
     *
     * @param file the file
     * @return its top-level object
     */
    public static JsonObject readJson(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The tolerance the main golden manifest states for a tensor of a case: its own entry, else the case's {@code all}
     * entry, else the defaults; under the rule of {@code golden/README}, {@link Tolerance.Rule#SCALED_BY_MAX}
     * ({@code |java - golden| <= suggested_atol + suggested_rtol * max|golden|}).
     *
     * @param caseEntry the manifest entry of the case
     * @param tensor the tensor name (a sub-case prefix may be included)
     * @param defaultAtol atol when the manifest states none
     * @return the tolerance
     */
    public static Tolerance tolerance(JsonObject caseEntry, String tensor, double defaultAtol) {
        JsonObject tol = caseEntry.has("tolerance") ? caseEntry.getAsJsonObject("tolerance") : new JsonObject();
        JsonObject t = tol.has(tensor) ? tol.getAsJsonObject(tensor) : tol.has("all") ? tol.getAsJsonObject("all") : null;
        if (t == null) {
            return Tolerance.absolute(defaultAtol);
        }
        double atol = t.has("suggested_atol") ? t.get("suggested_atol").getAsDouble() : defaultAtol;
        double rtol = t.has("suggested_rtol") ? t.get("suggested_rtol").getAsDouble() : 0;
        return Tolerance.scaledByMax(atol, rtol);
    }

    /**
     * Asserts two tensors agree within a tolerance, under the tolerance's own rule ({@link Tolerance#assertClose}).
     *
     * @param what a label for the message
     * @param actual the Java result
     * @param expected the golden tensor
     * @param tol the tolerance
     */
    public static void assertClose(String what, NDArray actual, NDArray expected, Tolerance tol) {
        tol.assertClose(what, actual, expected);
    }

    /**
     * Asserts two integer tensors are equal.
     *
     * @param what a label
     * @param actual Java result
     * @param expected golden
     */
    public static void assertEqualLongs(String what, NDArray actual, NDArray expected) {
        long[] a = actual.toType(DataType.INT64, false).toLongArray();
        long[] e = expected.toType(DataType.INT64, false).toLongArray();
        if (!Arrays.equals(a, e) || !actual.getShape().equals(expected.getShape())) {
            fail(what + ": " + actual.getShape() + " " + Arrays.toString(a) + " != golden " + expected.getShape() + " "
                    + Arrays.toString(e));
        }
    }

    /**
     * @param a any numeric array
     * @return its values as doubles
     */
    public static double[] toDoubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        try (NDArray d = a.toType(DataType.FLOAT64, true)) {
            return d.toDoubleArray();
        }
    }

    /**
     * Converts a JSON object to the plain Java map form the scheduler factory takes (numbers as Long when whole,
     * else Double; arrays as lists; null kept).
     *
     * @param o the object
     * @return the map
     */
    public static java.util.Map<String, Object> toMap(JsonObject o) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, JsonElement> e : o.entrySet()) {
            m.put(e.getKey(), toJava(e.getValue()));
        }
        return m;
    }

    private static Object toJava(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            return toMap(e.getAsJsonObject());
        }
        if (e.isJsonArray()) {
            java.util.List<Object> l = new java.util.ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(toJava(x)));
            return l;
        }
        com.google.gson.JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            java.math.BigDecimal d = p.getAsBigDecimal();
            try {
                return d.longValueExact();
            } catch (ArithmeticException ex) {
                return d.doubleValue();
            }
        }
        return p.getAsString();
    }

    /** @return a new base manager for a test */
    public static NDManager newManager() {
        return NDManager.newBaseManager();
    }

    /**
     * Reads a manifest value that is one string or a list of strings.
     *
     * @param e the JSON value
     * @return the strings
     */
    public static List<String> strings(JsonElement e) {
        List<String> out = new ArrayList<>();
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> out.add(x.getAsString()));
        } else {
            out.add(e.getAsString());
        }
        return out;
    }
}

package dev.smallsd.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.schedulers.TorchGenerator;
import dev.smallsd.testing.Golden;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden {@code rng} case: every tensor is {@code torch.randn(shape, generator=Generator("cpu").manual_seed(s))}
 * with a fresh generator. Seed and shape come from the manifest (the seed from the tensor's meaning, else its key).
 */
class TorchGeneratorGoldenTest {
    private static final String CASE = "rng";
    private static final Pattern SEED_IN_MEANING = Pattern.compile("manual_seed\\((-?\\d+)\\)");
    private static final Pattern SEED_IN_KEY = Pattern.compile("^seed(-?\\d+)_");

    @TestFactory
    Stream<DynamicTest> randnMatchesTorch() {
        JsonObject entry = Golden.caseEntry(CASE);
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonElement> t : entry.getAsJsonObject("tensors").entrySet()) {
            String key = t.getKey();
            JsonObject info = t.getValue().getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(key, () -> check(entry, key, info)));
        }
        assertThat(tests).as("tensors of golden case '%s'", CASE).isNotEmpty();
        return tests.stream();
    }

    private static void check(JsonObject entry, String key, JsonObject info) {
        long seed = seedOf(key, info);
        long[] shape = new long[info.getAsJsonArray("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = info.getAsJsonArray("shape").get(i).getAsLong();
        }
        float[] java = new TorchGenerator(seed).randn(shape);
        try (NDManager manager = Golden.newManager(); SafeTensorsFile file = Golden.open(CASE)) {
            NDArray golden = file.load(key, manager);
            assertThat(golden.getShape()).as(key + " stored shape").isEqualTo(new Shape(shape));
            assertThat(golden.getDataType()).isEqualTo(DataType.FLOAT32);
            float[] expected = golden.toFloatArray();
            int exact = 0;
            double maxAbs = 0;
            long maxUlp = 0;
            for (int i = 0; i < expected.length; i++) {
                int a = Float.floatToRawIntBits(java[i]);
                int e = Float.floatToRawIntBits(expected[i]);
                if (a == e) {
                    exact++;
                } else {
                    maxAbs = Math.max(maxAbs, Math.abs((double) java[i] - expected[i]));
                    maxUlp = Math.max(maxUlp, Math.abs((long) a - e));
                }
            }
            System.out.printf("rng %s (seed %d): %d/%d bit-exact, max |diff| %.3g, max ulp %d%n", key, seed, exact,
                    expected.length, maxAbs, maxUlp);
            Golden.assertClose(CASE + "." + key, manager.create(java, new Shape(shape)), golden,
                    Golden.tolerance(entry, key, 0.0));
        }
    }

    private static long seedOf(String key, JsonObject info) {
        if (info.has("meaning")) {
            Matcher m = SEED_IN_MEANING.matcher(info.get("meaning").getAsString());
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        Matcher m = SEED_IN_KEY.matcher(key);
        if (m.find()) {
            return Long.parseLong(m.group(1));
        }
        return fail("golden rng tensor '" + key + "' names no seed in its meaning or key");
    }
}

package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorFiles;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Tolerance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The checker against diffusers' {@code StableDiffusionSafetyChecker.forward} on the {@code safety} case, with the
 * tiny model's checker loaded from each of its weight files. Every tensor the manifest lists for the case is
 * compared (the input {@code clip_input} is fed), each within its manifest tolerance (else atol 1e-5, the README's
 * floor for single models); flags and thresholds must be exact, and the flags must equal the manifest's
 * {@code expected_flags}.
 */
class StableDiffusionSafetyCheckerGoldenTest {
    private static final String CASE = "safety";
    private static final String INPUT = "clip_input";
    private static final double SINGLE_MODEL_ATOL = 1e-5;
    private static final NDManager MANAGER = NDManager.newBaseManager();

    /** How each manifest tensor is read off the Java results (one row per image, or the checker's thresholds). */
    private static final Map<String, Function<Run, double[]>> OUTPUTS = new LinkedHashMap<>();

    static {
        OUTPUTS.put("pooled_output", r -> perImage(r, s -> toDoubles(s.pooledOutput())));
        OUTPUTS.put("image_embeds", r -> perImage(r, s -> toDoubles(s.imageEmbeds())));
        OUTPUTS.put("special_cos_dist", r -> perImage(r, s -> toDoubles(s.specialCosDist())));
        OUTPUTS.put("cos_dist", r -> perImage(r, s -> toDoubles(s.cosDist())));
        OUTPUTS.put("special_scores", r -> perImage(r, SafetyResult::specialScores));
        OUTPUTS.put("concept_scores", r -> perImage(r, SafetyResult::conceptScores));
        OUTPUTS.put("adjustment", r -> perImage(r, s -> new double[] {s.adjustment()}));
        OUTPUTS.put("has_nsfw_concept", r -> perImage(r, s -> new double[] {s.nsfw() ? 1 : 0}));
        OUTPUTS.put("concept_embeds_weights", r -> toDoubles(r.checker().conceptEmbedsWeights()));
        OUTPUTS.put("special_care_embeds_weights", r -> toDoubles(r.checker().specialCareEmbedsWeights()));
    }

    /** Exact tensors: flags, and the thresholds copied from the checkpoint. */
    private static final List<String> EXACT = List.of("has_nsfw_concept", "concept_embeds_weights",
            "special_care_embeds_weights");

    private record Run(StableDiffusionSafetyChecker checker, List<SafetyResult> results) {}

    @AfterAll
    static void closeManager() {
        MANAGER.close();
    }

    private static List<Path> weightFiles() throws IOException {
        Path dir = Golden.tinyModel().resolve(ModelDirectory.SAFETY_CHECKER);
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".safetensors") || p.toString().endsWith(".bin"))
                    .sorted().toList();
            assertThat(files).as("weight files in %s", dir).isNotEmpty();
            return files;
        }
    }

    private static Run run(Path weights) {
        SafetyCheckerConfig config = SafetyCheckerConfig.of(ModelDirectory.open(Golden.tinyModel())).orElseThrow();
        StableDiffusionSafetyChecker checker;
        try (TensorFile f = TensorFiles.open(weights)) {
            checker = StableDiffusionSafetyChecker.load(config, f, MANAGER);
        }
        try (NDManager m = MANAGER.newSubManager(); SafeTensorsFile g = Golden.open(CASE)) {
            return new Run(checker, checker.forward(g.load(INPUT, m)));
        }
    }

    @TestFactory
    Stream<DynamicNode> safetyCaseFromEachWeightFile() throws IOException {
        JsonObject entry = Golden.caseEntry(CASE);
        List<DynamicNode> containers = new ArrayList<>();
        for (Path weights : weightFiles()) {
            String label = CASE + " with " + weights.getFileName();
            Run run = run(weights);
            List<DynamicNode> tests = new ArrayList<>();
            for (Map.Entry<String, JsonElement> t : entry.getAsJsonObject("tensors").entrySet()) {
                String name = t.getKey();
                if (name.equals(INPUT)) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(CASE + "." + name, () -> compare(entry, name, run)));
            }
            tests.add(DynamicTest.dynamicTest(CASE + ".expected_flags",
                    () -> assertThat(run.results().stream().map(SafetyResult::nsfw).toList())
                            .as("flags vs manifest expected_flags")
                            .isEqualTo(expectedFlags(entry))));
            containers.add(DynamicContainer.dynamicContainer(label, tests));
        }
        return containers.stream();
    }

    private static List<Boolean> expectedFlags(JsonObject entry) {
        List<Boolean> flags = new ArrayList<>();
        entry.getAsJsonArray("expected_flags").forEach(e -> flags.add(e.getAsBoolean()));
        return flags;
    }

    private static void compare(JsonObject entry, String name, Run run) {
        Function<Run, double[]> output = OUTPUTS.get(name);
        if (output == null) {
            fail("manifest tensor " + CASE + "." + name + " has no Java counterpart in this test");
        }
        try (NDManager m = MANAGER.newSubManager(); SafeTensorsFile g = Golden.open(CASE)) {
            NDArray expected = g.load(name, m);
            double[] values = output.apply(run);
            NDArray actual = m.create(values, expected.getShape().size() == values.length ? expected.getShape()
                    : new Shape(values.length));
            String what = CASE + "." + name;
            if (EXACT.contains(name)) {
                assertThat(values).as(what).containsExactly(Golden.toDoubles(expected));
                System.out.printf("%s: exact (%d values)%n", what, values.length);
                return;
            }
            Tolerance tol = Golden.tolerance(entry, name, SINGLE_MODEL_ATOL);
            Golden.assertClose(what, actual, expected, tol);
            System.out.printf("%s: max |java - golden| = %.3g (bound %.3g)%n", what, maxAbsDiff(values,
                    Golden.toDoubles(expected)), tol.largestBound(expected));
        }
    }

    private static double[] perImage(Run r, Function<SafetyResult, double[]> row) {
        List<double[]> rows = new ArrayList<>();
        int n = 0;
        for (SafetyResult s : r.results()) {
            double[] v = row.apply(s);
            rows.add(v);
            n += v.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (double[] v : rows) {
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double maxAbsDiff(double[] a, double[] e) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - e[i]));
        }
        return worst;
    }
}

package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.smallsd.SafetyChecker;
import dev.smallsd.SafetyCheckerProvider;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.config.ModelIndex;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checker as the pipeline uses it (decoded float images in, flags out), loaded from the tiny model folder, on
 * every golden pipeline case that stores the decoded images it showed the checker ({@code image_unfiltered}), the
 * flags ({@code has_nsfw_concept}) and the pipeline output ({@code image}); plus loading rules.
 */
class ClipSafetyCheckerTest {
    private static final String DECODED = "image_unfiltered";
    private static final String FLAGS = "has_nsfw_concept";
    private static final String OUTPUT = "image";
    /** The README's tolerance for images without their own entry. */
    private static final double IMAGE_ATOL = 1e-4;

    private static ClipSafetyChecker checker;

    @BeforeAll
    static void load() {
        checker = ClipSafetyChecker.load(Golden.tinyModel(), null).orElseThrow();
    }

    @AfterAll
    static void close() {
        checker.close();
    }

    private static List<String> pipelineCases() {
        List<String> cases = new ArrayList<>();
        for (Map.Entry<String, JsonElement> c : Golden.manifest().getAsJsonObject("cases").entrySet()) {
            JsonObject tensors = c.getValue().getAsJsonObject().getAsJsonObject("tensors");
            if (tensors.has(DECODED) && tensors.has(FLAGS) && tensors.has(OUTPUT)) {
                cases.add(c.getKey());
            }
        }
        assertThat(cases).as("pipeline cases with %s, %s and %s", DECODED, FLAGS, OUTPUT).isNotEmpty();
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> everyPipelineCaseFlagsAndFiltersItsDecodedImages() {
        return pipelineCases().stream().map(kind -> DynamicTest.dynamicTest(kind + ": " + FLAGS + " and " + OUTPUT
                + " from " + DECODED, () -> checkCase(kind)));
    }

    private static void checkCase(String kind) {
        JsonObject entry = Golden.caseEntry(kind);
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile g = Golden.open(kind)) {
            NDArray decoded = g.load(DECODED, m);
            List<SafetyResult> results = checker.evaluate(decoded);
            boolean[] flags = checker.check(decoded);
            long[] expected = g.load(FLAGS, m).toLongArray();
            boolean[] expectedFlags = new boolean[expected.length];
            for (int i = 0; i < expected.length; i++) {
                expectedFlags[i] = expected[i] != 0;
            }
            assertThat(flags).as(kind + "." + FLAGS).containsExactly(expectedFlags);
            List<Boolean> manifestFlags = new ArrayList<>();
            entry.getAsJsonArray(FLAGS).forEach(e -> manifestFlags.add(e.getAsBoolean()));
            assertThat(results.stream().map(SafetyResult::nsfw).toList()).as(kind + " manifest " + FLAGS)
                    .isEqualTo(manifestFlags);
            NDArray filtered = ClipSafetyChecker.filter(decoded, flags);
            NDArray golden = g.load(OUTPUT, m);
            Golden.assertClose(kind + "." + OUTPUT, filtered, golden, Golden.tolerance(entry, OUTPUT, IMAGE_ATOL));
            for (int i = 0; i < flags.length; i++) {
                if (flags[i]) {
                    assertThat(filtered.get(i).toFloatArray()).as(kind + " flagged image " + i + " is black")
                            .containsOnly(0f);
                }
            }
            System.out.printf("%s: flags %s, max concept score per image %s, filtered image max |java - golden| "
                    + "= %.3g%n", kind, Arrays.toString(flags), results.stream().map(r -> Arrays.stream(
                            r.conceptScores()).max().orElseThrow()).toList(),
                    filtered.sub(golden).abs().max().getFloat());
        }
    }

    @Test
    void checkingDoesNotModifyTheImagesAndGivesOneFlagPerImage() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray images = m.randomUniform(0f, 1f, new Shape(3, 40, 24, 3));
            float[] before = images.toFloatArray();
            boolean[] flags = checker.check(images);
            assertThat(flags).hasSize(3);
            assertThat(images.toFloatArray()).containsExactly(before);
            assertThat(checker.evaluate(images)).hasSize(3);
        }
    }

    @Test
    void filterZeroesOnlyFlaggedImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray images = m.randomUniform(0.1f, 1f, new Shape(2, 4, 4, 3));
            NDArray out = ClipSafetyChecker.filter(images, new boolean[] {false, true});
            assertThat(out.get(0).toFloatArray()).containsExactly(images.get(0).toFloatArray());
            assertThat(out.get(1).toFloatArray()).containsOnly(0f);
            assertThatThrownBy(() -> ClipSafetyChecker.filter(images, new boolean[] {true}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("flags");
        }
    }

    @Test
    void badImagesAreRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> checker.check(m.full(new Shape(1, 8, 8, 3), 1.5f)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.5");
            assertThatThrownBy(() -> checker.check(m.zeros(new Shape(1, 8, 8, 2))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("channels");
        }
    }

    @Test
    void missingVariantFallsBackToTheRegularWeights() {
        try (ClipSafetyChecker c = ClipSafetyChecker.load(Golden.tinyModel(), "fp16").orElseThrow()) {
            assertThat(c.model().numConcepts()).isEqualTo(checker.model().numConcepts());
            assertThat(c.model().conceptEmbedsWeights()).containsExactly(checker.model().conceptEmbedsWeights());
        }
    }

    @Test
    void closedCheckerRefusesWork() {
        ClipSafetyChecker c = ClipSafetyChecker.load(Golden.tinyModel(), null).orElseThrow();
        c.close();
        c.close();
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> c.check(m.zeros(new Shape(1, 8, 8, 3))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    /** A copy of the tiny model's {@code model_index.json} with some components set to {@code null}. */
    private static Path folderWithout(Path dir, String... nullComponents) throws IOException {
        JsonObject index = Golden.readJson(Golden.tinyModel().resolve(ModelIndex.FILE_NAME));
        for (String c : nullComponents) {
            index.add(c, JsonNull.INSTANCE);
        }
        Files.writeString(dir.resolve(ModelIndex.FILE_NAME), index.toString(), StandardCharsets.UTF_8);
        return dir;
    }

    @Test
    void folderWithoutSafetyCheckerGivesNoChecker(@TempDir Path dir) throws IOException {
        assertThat(ClipSafetyChecker.load(folderWithout(dir, ModelDirectory.SAFETY_CHECKER,
                ModelDirectory.FEATURE_EXTRACTOR), null)).isEqualTo(Optional.empty());
    }

    @Test
    void serviceLoaderFindsTheProvider(@TempDir Path dir) throws IOException {
        List<SafetyCheckerProvider> providers = new ArrayList<>();
        ServiceLoader.load(SafetyCheckerProvider.class).forEach(providers::add);
        assertThat(providers).hasAtLeastOneElementOfType(ClipSafetyCheckerProvider.class);
        SafetyCheckerProvider p = providers.stream().filter(x -> x instanceof ClipSafetyCheckerProvider)
                .findFirst().orElseThrow();
        Optional<SafetyChecker> loaded = p.load(Golden.tinyModel(), null);
        assertThat(loaded).containsInstanceOf(ClipSafetyChecker.class);
        loaded.get().close();
        assertThat(p.load(folderWithout(dir, ModelDirectory.SAFETY_CHECKER), null)).isEmpty();
    }

    @Test
    void safetyCheckerWithoutFeatureExtractorIsAnError(@TempDir Path dir) throws IOException {
        folderWithout(dir, ModelDirectory.FEATURE_EXTRACTOR);
        Path sc = Files.createDirectories(dir.resolve(ModelDirectory.SAFETY_CHECKER));
        Files.copy(Golden.tinyModel().resolve(ModelDirectory.SAFETY_CHECKER).resolve("config.json"),
                sc.resolve("config.json"));
        assertThatThrownBy(() -> ClipSafetyChecker.load(dir, null)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(ModelIndex.FILE_NAME).hasMessageContaining("feature_extractor");
    }

    @Test
    void missingWeightsNameTheFolder(@TempDir Path dir) throws IOException {
        folderWithout(dir);
        for (String component : List.of(ModelDirectory.SAFETY_CHECKER, ModelDirectory.FEATURE_EXTRACTOR)) {
            Path target = Files.createDirectories(dir.resolve(component));
            try (Stream<Path> files = Files.list(Golden.tinyModel().resolve(component))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    Files.copy(f, target.resolve(f.getFileName()));
                }
            }
        }
        assertThatThrownBy(() -> ClipSafetyChecker.load(dir, null)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(ModelDirectory.SAFETY_CHECKER);
    }
}

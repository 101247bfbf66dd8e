package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.smallsd.SmallStableDiffusion;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.pipeline.InternalAccess;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Lazy;
import dev.smallsd.testing.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every pipeline case of the golden manifest, end to end with the safety checker that {@code SmallStableDiffusion}
 * finds through {@link java.util.ServiceLoader} (default mode: block): the flags ({@code has_nsfw_concept}), the
 * filtered output ({@code image}, compared as the float images the pipeline decoded with the flagged ones zeroed, and
 * as the 8-bit images the API returns) and what the checker saw ({@code safety_clip_input}, recomputed from the
 * decoded images by the same preprocessing).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SafetyPipelineGoldenTest {
    private static final String FLAGS = "has_nsfw_concept";
    private static final String IMAGE = "image";
    private static final String CLIP_INPUT = "safety_clip_input";
    private static final String DECODED = "image_unfiltered";
    /** The README's tolerance for pipeline tensors and images without their own entry. */
    private static final double PIPELINE_DEFAULT_ATOL = 1e-4;

    private SmallStableDiffusion sd;
    private NDManager manager;

    @BeforeAll
    void load() {
        sd = SmallStableDiffusion.builder().modelPath(Golden.tinyModel()).build();
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    void close() {
        manager.close();
        sd.close();
    }

    @Test
    void theServiceLoaderProvidesTheClipChecker() {
        assertThat(InternalAccess.engine(sd).safetyChecker()).isInstanceOf(ClipSafetyChecker.class);
    }

    @TestFactory
    Stream<DynamicNode> everyPipelineCaseWithTheChecker() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (String name : PipelineCases.names()) {
            JsonObject entry = Golden.caseEntry(name);
            Supplier<PipelineCases.Run> run = Lazy.of(() -> PipelineCases.run(sd, name, manager));
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(DynamicTest.dynamicTest(name + " " + FLAGS, () -> checkFlags(name, entry, run.get())));
            tests.add(DynamicTest.dynamicTest(name + " " + IMAGE + " (float, flagged zeroed)",
                    () -> checkFloatImage(name, entry, run.get())));
            tests.add(DynamicTest.dynamicTest(name + " " + IMAGE + " (8-bit result images)",
                    () -> checkResultImages(name, entry, run.get())));
            tests.add(DynamicTest.dynamicTest(name + " " + CLIP_INPUT, () -> checkClipInput(name, entry,
                    run.get())));
            nodes.add(DynamicContainer.dynamicContainer(name, tests));
        }
        return nodes.stream();
    }

    private void checkFlags(String name, JsonObject entry, PipelineCases.Run run) {
        try (SafeTensorsFile f = Golden.open(name)) {
            long[] golden = f.load(FLAGS, manager).toLongArray();
            List<Boolean> expected = new ArrayList<>();
            for (long g : golden) {
                expected.add(g != 0);
            }
            assertThat(run.result().nsfw()).as(name + " " + FLAGS).isEqualTo(expected);
            List<Boolean> manifest = new ArrayList<>();
            entry.getAsJsonArray(FLAGS).forEach(e -> manifest.add(e.getAsBoolean()));
            assertThat(run.result().nsfw()).as(name + " manifest " + FLAGS).isEqualTo(manifest);
            System.out.printf("%s %s: %s (exact)%n", name, FLAGS, run.result().nsfw());
        }
    }

    private void checkFloatImage(String name, JsonObject entry, PipelineCases.Run run) {
        try (SafeTensorsFile f = Golden.open(name)) {
            NDArray golden = f.load(IMAGE, manager);
            NDArray filtered = ClipSafetyChecker.filter(run.decoded(), flags(run));
            Tolerance tol = Golden.tolerance(entry, IMAGE, PIPELINE_DEFAULT_ATOL);
            Golden.assertClose(name + " " + IMAGE, filtered, golden, tol);
            System.out.printf("%s %s: max |java - golden| = %.3g (atol %.3g)%n", name, IMAGE,
                    filtered.sub(golden).abs().max().getFloat(), tol.atol());
        }
    }

    private void checkResultImages(String name, JsonObject entry, PipelineCases.Run run) {
        try (SafeTensorsFile f = Golden.open(name)) {
            NDArray golden = f.load(IMAGE, manager);
            double worst = PipelineCases.assertQuantisedClose(name + " " + IMAGE, run.result().images(), golden,
                    Golden.tolerance(entry, IMAGE, PIPELINE_DEFAULT_ATOL).atol());
            for (int i = 0; i < run.result().images().size(); i++) {
                if (run.result().isNsfw(i)) {
                    assertThat(PipelineCases.isBlack(run.result().images().get(i)))
                            .as(name + " flagged image " + i + " is black").isTrue();
                }
            }
            System.out.printf("%s %s (8-bit): max |u8/255 - golden| = %.3g%n", name, IMAGE, worst);
        }
    }

    /**
     * What the checker saw. The preprocessing quantises the decoded images to 8 bits ({@code numpy_to_pil}) before
     * resizing, so a decoded value that lies within the float tolerance of a rounding boundary may legitimately land
     * one grey level off the reference, and the bicubic resize spreads that level over its neighbourhood. The check:
     * every 8-bit sample that differs from the reference's is one level off at a value the reference puts within
     * {@code image_unfiltered}'s tolerance of the boundary; without such samples {@code safety_clip_input} must be
     * within the pipeline default tolerance, with them within that plus one grey level in normalised units
     * ({@code 1 / (255 * min image_std)}). The preprocessing itself is bit-exact on the reference's own decoded
     * images ({@link ClipImageProcessorGoldenTest}).
     */
    private void checkClipInput(String name, JsonObject entry, PipelineCases.Run run) {
        ClipSafetyChecker checker = (ClipSafetyChecker) InternalAccess.engine(sd).safetyChecker();
        try (SafeTensorsFile f = Golden.open(name); NDManager m = manager.newSubManager()) {
            NDArray golden = f.load(CLIP_INPUT, m);
            NDArray goldenDecoded = f.load(DECODED, m);
            Tolerance decodedTol = Golden.tolerance(entry, DECODED, PIPELINE_DEFAULT_ATOL);
            double decodedBound = decodedTol.largestBound(goldenDecoded);
            int flips = countExplainedFlips(name, run.decoded(), goldenDecoded, decodedBound);
            NDArray actual = checker.processor().preprocess(run.decoded(), m);
            Tolerance tol = Golden.tolerance(entry, CLIP_INPUT, PIPELINE_DEFAULT_ATOL);
            double level = 1.0 / (255.0 * checker.processor().config().imageStd().stream()
                    .mapToDouble(Double::doubleValue).min().orElseThrow());
            Tolerance used = flips == 0 ? tol : tol.plusAtol(level);
            float maxDiff = actual.sub(golden).abs().max().getFloat();
            long beyond = actual.sub(golden).abs().gt(tol.atol()).sum().getLong();
            System.out.printf("%s %s: max |java - golden| = %.3g; %d 8-bit samples one level off (each within "
                    + "%.3g of a rounding boundary in the reference), %d of %d values beyond atol %.3g%n", name,
                    CLIP_INPUT, maxDiff, flips, decodedBound, beyond, golden.size(), tol.atol());
            Golden.assertClose(name + " " + CLIP_INPUT, actual, golden, used);
        }
    }

    /**
     * Counts the samples whose {@code numpy_to_pil} value differs between the Java and the reference decoded
     * images, asserting each is one level apart and explained by the float tolerance.
     */
    private static int countExplainedFlips(String name, NDArray javaDecoded, NDArray goldenDecoded, double bound) {
        float[] a = javaDecoded.toFloatArray();
        float[] g = goldenDecoded.toFloatArray();
        assertThat(a.length).as(name + " decoded size").isEqualTo(g.length);
        int flips = 0;
        for (int i = 0; i < a.length; i++) {
            float va = a[i] * 255f;
            float vg = g[i] * 255f;
            long qa = (long) Math.rint(va);
            long qg = (long) Math.rint(vg);
            if (qa == qg) {
                continue;
            }
            flips++;
            double boundary = Math.min(qa, qg) + 0.5;
            assertThat(Math.abs(qa - qg)).as(name + " 8-bit sample " + i + " level difference").isEqualTo(1L);
            assertThat(Math.abs(vg - boundary)).as(name + " sample %d: reference %s*255 = %s is within the "
                    + "decoded tolerance of the rounding boundary %s", i, g[i], vg, boundary)
                    .isLessThanOrEqualTo(bound * 255 + 1e-4);
        }
        return flips;
    }

    private static boolean[] flags(PipelineCases.Run run) {
        boolean[] flags = new boolean[run.result().nsfw().size()];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = run.result().nsfw().get(i);
        }
        return flags;
    }
}

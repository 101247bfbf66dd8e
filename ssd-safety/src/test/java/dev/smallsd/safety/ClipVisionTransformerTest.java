package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.smallsd.internal.clip.ClipEncoderSpec;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorFiles;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.safety.SafetyCheckerConfig;
import dev.smallsd.internal.nn.Linear;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ClipVisionTransformerTest {
    private static final String CASE = "safety";
    /** {@code pooled_output} has no tolerance entry of its own: it takes the closest stated one, image_embeds'. */
    private static final String POOLED_TOLERANCE_FROM = "image_embeds";

    /** The safety checker's vision tower and projection, as the safety module builds them. */
    private record Tower(ClipVisionTransformer vision, Linear visualProjection) {
        static Tower build(Weights root, SafetyCheckerConfig cfg) {
            ClipVisionTransformer vision = new ClipVisionTransformer(root.child("vision_model").child("vision_model"),
                    cfg.visionConfig());
            Linear proj = new Linear(root.child("visual_projection"), cfg.visionConfig().hiddenSize(),
                    cfg.projectionDim(), false);
            return new Tower(vision, proj);
        }
    }

    @TestFactory
    Stream<DynamicTest> goldenPooledOutputAndImageEmbedsFromBothWeightFormats() {
        JsonObject entry = Golden.caseEntry(CASE);
        Tolerance pooledTol = Golden.tolerance(entry, POOLED_TOLERANCE_FROM, 1e-5);
        Tolerance embedsTol = Golden.tolerance(entry, "image_embeds", 1e-5);
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("model.safetensors", "pytorch_model.bin")) {
            tests.add(DynamicTest.dynamicTest(CASE + ".pooled_output (tolerance of " + POOLED_TOLERANCE_FROM
                    + ") from " + file, () -> run(file, false, pooledTol)));
            tests.add(DynamicTest.dynamicTest(CASE + ".image_embeds from " + file,
                    () -> run(file, true, embedsTol)));
        }
        return tests.stream();
    }

    private static void run(String weightFile, boolean projected, Tolerance tol) {
        Path file = Golden.tinyModel().resolve("safety_checker").resolve(weightFile);
        SafetyCheckerConfig cfg = SafetyCheckerConfig.of(ModelDirectory.open(Golden.tinyModel())).orElseThrow();
        try (NDManager m = NDManager.newBaseManager(); TensorFile f = TensorFiles.open(file)) {
            Weights w = Weights.fromFile(f, m, CheckpointKeys::canonicalName, CheckpointKeys::isIgnorable);
            Tower t = Tower.build(w, cfg);
            // the concept tensors belong to the safety checker proper; requested here only so that the
            // checkpoint is fully accounted for
            for (String k : List.of("concept_embeds", "special_care_embeds")) {
                w.get(k, f.info(k).shape());
                w.get(k + "_weights", f.info(k + "_weights").shape());
            }
            w.finish();
            try (SafeTensorsFile g = Golden.open(CASE)) {
                NDArray pooled = t.vision().pooledOutput(g.load("clip_input", m));
                if (projected) {
                    check("image_embeds", t.visualProjection().forward(pooled), g.load("image_embeds", m), tol);
                } else {
                    check("pooled_output", pooled, g.load("pooled_output", m), tol);
                }
            }
        }
    }

    private static void check(String name, NDArray actual, NDArray expected, Tolerance tol) {
        Golden.assertClose(CASE + "." + name, actual, expected, tol);
        System.out.printf("safety.%s max |java - golden| = %.3g (bound %.3g)%n", name,
                actual.sub(expected).abs().max().getFloat(),
                tol.largestBound(expected));
    }

    /**
     * The full-size safety checker (ViT-L/14 vision tower from the bundled config, random weights): tower +
     * visual_projection, plus the checker's own concept tensors (17 concepts and 3 special-care embeddings of
     * projection_dim values and one threshold each, fixed sizes in diffusers' StableDiffusionSafetyChecker), has the
     * parameter count of the released checkpoint.
     */
    @Test
    void fullSizeSafetyVisionTowerHasTheCheckpointsParameterCount() {
        SafetyCheckerConfig cfg = SafetyCheckerConfig.of(ModelDirectory.builtinArchitecture()).orElseThrow();
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.random(5, m);
            Tower.build(w, cfg);
            long towerAndProjection = w.parameterCount();
            int d = cfg.projectionDim();
            long concepts = 17L * d + 3L * d + 17 + 3;
            System.out.printf("full-size vision tower + visual_projection: %d parameters; with concept tensors %d%n",
                    towerAndProjection, towerAndProjection + concepts);
            assertThat(towerAndProjection).isEqualTo(303_966_208L);
            assertThat(towerAndProjection + concepts).isEqualTo(303_981_588L);
        }
    }

    @Test
    void wrongImageShapeIsRejected() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipVisionTransformer v = new ClipVisionTransformer(Weights.random(1, m), 32, 16, 3,
                    new ClipEncoderSpec(8, 1, 2, 16, "quick_gelu", 1e-5));
            assertThat(v.numPositions()).isEqualTo(5);
            assertThat(v.pooledOutput(m.randomNormal(new Shape(2, 3, 32, 32))).getShape()).isEqualTo(new Shape(2, 8));
            assertThatThrownBy(() -> v.pooledOutput(m.zeros(new Shape(1, 3, 64, 64))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, 3, 32, 32]");
        }
    }
}

package dev.smallsd.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.smallsd.io.ModelDirectory;
import dev.smallsd.io.SafeTensors;
import dev.smallsd.io.SafeTensorsFile;
import dev.smallsd.io.config.SafetyCheckerConfig;
import dev.smallsd.nn.Linear;
import dev.smallsd.nn.Weights;
import dev.smallsd.testing.Golden;
import java.nio.file.Path;
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
    Stream<DynamicTest> goldenPooledOutputAndImageEmbeds() {
        Path dir = Golden.tinyModel().resolve("safety_checker");
        JsonObject entry = Golden.caseEntry(CASE);
        SafetyCheckerConfig cfg = ModelDirectory.open(Golden.tinyModel()).safetyCheckerConfig().orElseThrow();
        NDManager m = NDManager.newBaseManager();
        NDArray pooled;
        NDArray embeds;
        NDArray expectedPooled;
        NDArray expectedEmbeds;
        try (SafeTensorsFile f = SafeTensors.open(dir.resolve("model.safetensors"))) {
            // the concept tensors belong to the safety checker proper; they are requested here only so the
            // checkpoint is fully accounted for
            Weights w = Weights.fromFile(f, m, k -> k, PositionIds::isBuffer);
            Tower t = Tower.build(w, cfg);
            for (String k : List.of("concept_embeds", "special_care_embeds")) {
                w.get(k, f.info(k).shape());
                w.get(k + "_weights", f.info(k + "_weights").shape());
            }
            w.finish();
            try (SafeTensorsFile g = Golden.open(CASE)) {
                NDArray input = g.load("clip_input", m);
                expectedPooled = g.load("pooled_output", m);
                expectedEmbeds = g.load("image_embeds", m);
                pooled = t.vision().pooledOutput(input);
                embeds = t.visualProjection().forward(pooled);
            }
        }
        Golden.Tolerance pooledTol = Golden.tolerance(entry, POOLED_TOLERANCE_FROM, 1e-5);
        Golden.Tolerance embedsTol = Golden.tolerance(entry, "image_embeds", 1e-5);
        return Stream.of(
                DynamicTest.dynamicTest(CASE + ".pooled_output (tolerance of " + POOLED_TOLERANCE_FROM + ")",
                        () -> check("pooled_output", pooled, expectedPooled, pooledTol)),
                DynamicTest.dynamicTest(CASE + ".image_embeds", () -> {
                    check("image_embeds", embeds, expectedEmbeds, embedsTol);
                    m.close();
                }));
    }

    private static void check(String name, NDArray actual, NDArray expected, Golden.Tolerance tol) {
        Golden.assertClose(CASE + "." + name, actual, expected, tol);
        System.out.printf("safety.%s max |java - golden| = %.3g (bound %.3g)%n", name,
                actual.sub(expected).abs().max().getFloat(),
                tol.atol() + tol.rtol() * expected.abs().max().getFloat());
    }

    /**
     * The full-size safety checker (ViT-L/14 vision tower from the bundled config, random weights): tower +
     * visual_projection, plus the checker's own concept tensors (17 concepts and 3 special-care embeddings of
     * projection_dim values and one threshold each, fixed sizes in diffusers' StableDiffusionSafetyChecker), has the
     * parameter count of the released checkpoint.
     */
    @Test
    void fullSizeSafetyVisionTowerHasTheCheckpointsParameterCount() {
        SafetyCheckerConfig cfg = ModelDirectory.builtinArchitecture().safetyCheckerConfig().orElseThrow();
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

package dev.smallsd.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.ModelLoadException;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structure, loading rules and concurrency of the checker model. */
class StableDiffusionSafetyCheckerTest {
    /** Parameters of the released CompVis/OFA safety checker (ViT-L/14 tower, projection, concept tensors). */
    private static final long RELEASED_CHECKER_PARAMETERS = 303_981_588L;

    private static SafetyCheckerConfig tinyConfig() {
        return SafetyCheckerConfig.of(ModelDirectory.open(Golden.tinyModel())).orElseThrow();
    }

    private static Path tinyWeights() {
        return Golden.tinyModel().resolve(ModelDirectory.SAFETY_CHECKER).resolve("model.safetensors");
    }

    /**
     * The full-size checker built from the bundled architecture config, with diffusers' constructor sizes (17 and 3
     * concepts), has the released checkpoint's parameter count. Shapes only: nothing is materialised.
     */
    @Test
    void fullSizeCheckerHasTheReleasedParameterCount() {
        SafetyCheckerConfig config = SafetyCheckerConfig.of(ModelDirectory.builtinArchitecture()).orElseThrow();
        try (NDManager m = NDManager.newBaseManager()) {
            StableDiffusionSafetyChecker c = new StableDiffusionSafetyChecker(Weights.shapesOnly(m), config,
                    StableDiffusionSafetyChecker.DEFAULT_CONCEPTS, StableDiffusionSafetyChecker.DEFAULT_SPECIAL_CARE);
            System.out.printf("full-size safety checker: %d parameters, projection_dim %d, image_size %d%n",
                    c.parameterCount(), c.projectionDim(), c.imageSize());
            assertThat(c.parameterCount()).isEqualTo(RELEASED_CHECKER_PARAMETERS);
            assertThat(c.numConcepts()).isEqualTo(17);
            assertThat(c.numSpecialCare()).isEqualTo(3);
        }
    }

    /** Copies the tiny checkpoint with some tensors replaced or removed. */
    private static Path rewritten(Path dir, Map<String, NDArray> replace, List<String> remove, NDManager m)
            throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensors.open(tinyWeights())) {
            for (String name : f.names()) {
                if (!remove.contains(name)) {
                    tensors.put(name, replace.getOrDefault(name, f.load(name, m)));
                }
            }
        }
        Path out = dir.resolve("model.safetensors");
        SafeTensors.write(out, tensors, Map.of("format", "pt"));
        return out;
    }

    @Test
    void conceptCountsComeFromTheCheckpoint(@TempDir Path dir) throws IOException {
        SafetyCheckerConfig config = tinyConfig();
        try (NDManager m = NDManager.newBaseManager()) {
            int d = config.projectionDim();
            Path file = rewritten(dir, Map.of(
                    "concept_embeds", m.randomNormal(new Shape(5, d)),
                    "concept_embeds_weights", m.full(new Shape(5), 0.2f),
                    "special_care_embeds", m.randomNormal(new Shape(2, d)),
                    "special_care_embeds_weights", m.full(new Shape(2), 0.3f)), List.of(), m);
            try (TensorFile f = SafeTensors.open(file)) {
                StableDiffusionSafetyChecker c = StableDiffusionSafetyChecker.load(config, f, m);
                assertThat(c.numConcepts()).isEqualTo(5);
                assertThat(c.numSpecialCare()).isEqualTo(2);
                List<SafetyResult> r = c.forward(m.randomNormal(new Shape(1, 3, config.visionConfig().imageSize(),
                        config.visionConfig().imageSize())));
                assertThat(r.get(0).cosDist()).hasSize(5);
                assertThat(r.get(0).specialScores()).hasSize(2);
            }
        }
    }

    @Test
    void missingAndMismatchedKeysNameTheFile(@TempDir Path dir) throws IOException {
        SafetyCheckerConfig config = tinyConfig();
        try (NDManager m = NDManager.newBaseManager()) {
            Path file = rewritten(dir, Map.of("concept_embeds_weights", m.ones(new Shape(4))),
                    List.of("special_care_embeds"), m);
            try (TensorFile f = SafeTensors.open(file)) {
                assertThatThrownBy(() -> StableDiffusionSafetyChecker.load(config, f, m))
                        .isInstanceOf(ModelLoadException.class)
                        .hasMessageContaining(file.toString())
                        .hasMessageContaining("special_care_embeds")
                        .hasMessageContaining("concept_embeds_weights is [4], expected [17]");
            }
        }
    }

    @Test
    void concurrentCallsGiveTheSameResults() throws Exception {
        SafetyCheckerConfig config = tinyConfig();
        try (NDManager m = NDManager.newBaseManager(); TensorFile f = SafeTensors.open(tinyWeights());
                SafeTensorsFile g = Golden.open("safety")) {
            StableDiffusionSafetyChecker c = StableDiffusionSafetyChecker.load(config, f, m);
            NDArray input = g.load("clip_input", m);
            List<SafetyResult> expected = c.forward(input);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<List<SafetyResult>>> futures = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    futures.add(pool.submit(() -> {
                        try (NDManager local = NDManager.newBaseManager()) {
                            return c.forward(local.create(input.toFloatArray(), input.getShape()));
                        }
                    }));
                }
                for (Future<List<SafetyResult>> fu : futures) {
                    assertThat(fu.get()).isEqualTo(expected);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void wrongInputShapeIsRejected() {
        try (NDManager m = NDManager.newBaseManager(); TensorFile f = SafeTensors.open(tinyWeights())) {
            StableDiffusionSafetyChecker c = StableDiffusionSafetyChecker.load(tinyConfig(), f, m);
            assertThatThrownBy(() -> c.forward(m.zeros(new Shape(1, 3, 64, 64))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("224");
        }
    }
}

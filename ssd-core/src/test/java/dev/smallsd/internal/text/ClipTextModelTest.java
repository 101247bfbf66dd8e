package dev.smallsd.internal.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.clip.ClipEncoderSpec;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorFiles;
import dev.smallsd.internal.io.config.ClipTextConfig;
import dev.smallsd.internal.nn.Weights;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ClipTextModelTest {
    private static final String CASE = "text_encoder";

    private static Path tinyTextEncoder() {
        return Golden.tinyModel().resolve("text_encoder");
    }

    private static ClipTextConfig tinyConfig() {
        return ModelDirectory.open(Golden.tinyModel()).textEncoderConfig();
    }

    private static ClipTextModel loadTiny(Path weightFile, NDManager m) {
        try (TensorFile f = TensorFiles.open(weightFile)) {
            return ClipTextModel.load(tinyConfig(), f, m);
        }
    }

    @TestFactory
    Stream<DynamicTest> goldenLastHiddenStatePerPrompt() {
        JsonObject entry = Golden.caseEntry(CASE);
        Tolerance tol = Golden.tolerance(entry, "last_hidden_state", 1e-5);
        List<String> prompts = new ArrayList<>();
        for (JsonElement p : entry.getAsJsonArray("prompts")) {
            prompts.add(p.getAsString());
        }
        NDManager m = NDManager.newBaseManager();
        ClipTextModel model = loadTiny(tinyTextEncoder().resolve("model.safetensors"), m);
        NDArray ids;
        NDArray expected;
        try (SafeTensorsFile f = Golden.open(CASE)) {
            ids = f.load("input_ids", m);
            expected = f.load("last_hidden_state", m);
        }
        assertThat(ids.getShape().get(0)).isEqualTo(prompts.size());
        NDArray actual = model.encode(ids);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            int row = i;
            tests.add(DynamicTest.dynamicTest("row " + row + ": \"" + prompts.get(row) + "\"", () -> {
                NDArray a = actual.get(row);
                NDArray e = expected.get(row);
                Golden.assertClose(CASE + ".last_hidden_state[" + row + "]", a, e, tol);
                System.out.printf("text_encoder row %d max |java - golden| = %.3g (bound %.3g)%n", row,
                        a.sub(e).abs().max().getFloat(), tol.largestBound(e));
            }));
        }
        tests.add(DynamicTest.dynamicTest("each row alone equals its row of the batch", () -> {
            for (int row = 0; row < prompts.size(); row++) {
                NDArray single = model.encode(ids.get(row + ":" + (row + 1)));
                assertThat(single.sub(actual.get(row + ":" + (row + 1))).abs().max().getFloat())
                        .isLessThanOrEqualTo(1e-6f);
            }
            m.close();
        }));
        return tests.stream();
    }

    @Test
    void binAndSafetensorsGiveIdenticalOutputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel fromSafetensors = loadTiny(tinyTextEncoder().resolve("model.safetensors"), m);
            ClipTextModel fromBin = loadTiny(tinyTextEncoder().resolve("pytorch_model.bin"), m);
            NDArray ids;
            try (SafeTensorsFile f = Golden.open(CASE)) {
                ids = f.load("input_ids", m);
            }
            assertThat(fromBin.encode(ids).toFloatArray()).containsExactly(fromSafetensors.encode(ids).toFloatArray());
        }
    }

    @Test
    void loadsTheTextEncoderComponentOfAModelFolder() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel model = ClipTextModel.load(ModelDirectory.open(Golden.tinyModel()), null, m);
            assertThat(model.hiddenSize()).isEqualTo(tinyConfig().hiddenSize());
            assertThat(model.numLayers()).isEqualTo(tinyConfig().numHiddenLayers());
        }
    }

    /** The full-size ViT-L/14 text encoder of small-stable-diffusion-v0, from the bundled config, random weights. */
    @Test
    void fullSizeTextEncoderHasTheCheckpointsParameterCountAndEncodesTwoPrompts() {
        ClipTextConfig config = ModelDirectory.builtinArchitecture().textEncoderConfig();
        try (NDManager weights = NDManager.newBaseManager(); NDManager m = NDManager.newBaseManager()) {
            Weights w = Weights.random(11, weights);
            ClipTextModel model = new ClipTextModel(config, w);
            assertThat(w.parameterCount()).isEqualTo(123_060_480L);
            int n = config.maxPositionEmbeddings();
            long[] ids = new long[2 * n];
            Arrays.fill(ids, 49407);
            long[][] prompts = {{49406, 320, 3055, 267, 275, 330}, {49406, 320, 3086, 539, 320, 2368, 638}};
            for (int p = 0; p < prompts.length; p++) {
                System.arraycopy(prompts[p], 0, ids, p * n, prompts[p].length);
            }
            NDArray out = model.encode(m.create(ids, new Shape(2, n)));
            assertThat(out.getShape()).isEqualTo(new Shape(2, n, config.hiddenSize()));
            assertThat(out.isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void clipSkipUsesTheHiddenStateBeforeTheLastLayersThenTheFinalNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel model = loadTiny(tinyTextEncoder().resolve("model.safetensors"), m);
            NDArray ids;
            try (SafeTensorsFile f = Golden.open(CASE)) {
                ids = f.load("input_ids", m);
            }
            assertThat(model.encode(ids, 0).sub(model.encode(ids)).abs().max().getFloat()).isZero();
            NDArray skip1 = model.encode(ids, 1);
            assertThat(skip1.getShape()).isEqualTo(new Shape(ids.getShape().get(0), ids.getShape().get(1),
                    model.hiddenSize()));
            assertThat(skip1.sub(model.encode(ids)).abs().max().getFloat()).isGreaterThan(1e-3f);
            // reference: the same weights with one layer fewer
            ClipEncoderSpec full = ClipEncoderSpec.of(tinyConfig());
            ClipEncoderSpec shorter = new ClipEncoderSpec(full.hiddenSize(), full.numHiddenLayers() - 1,
                    full.numAttentionHeads(), full.intermediateSize(), full.hiddenAct(), full.layerNormEps());
            try (SafeTensorsFile f = SafeTensors.open(tinyTextEncoder().resolve("model.safetensors"))) {
                Weights w = Weights.fromFile(f, m, k -> k, k -> false);
                ClipTextModel truncated = new ClipTextModel(w, model.vocabSize(), model.maxPositionEmbeddings(),
                        shorter);
                assertThat(truncated.encode(ids).sub(skip1).abs().max().getFloat()).isZero();
            }
            assertThatThrownBy(() -> model.encode(ids, model.numLayers() + 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clipSkip");
            assertThatThrownBy(() -> model.encode(ids, -1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void intermediatesDoNotOutliveTheCallAndWeightsGetNoNewArrays() {
        try (NDManager weights = NDManager.newBaseManager(); NDManager caller = NDManager.newBaseManager()) {
            ClipTextModel model = loadTiny(tinyTextEncoder().resolve("model.safetensors"), weights);
            NDArray ids = caller.create(new long[] {49406, 320, 3055, 49407, 49407, 49407}, new Shape(2, 3));
            int weightArrays = weights.getManagedArrays().size();
            int callerArrays = caller.getManagedArrays().size();
            NDArray out;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                out = model.encode(ids, 1);
                assertThat(caller.getManagedArrays()).hasSize(callerArrays + 1);
                assertThat(weights.getManagedArrays()).hasSize(weightArrays);
                NDScope.unregister(out);
            }
            assertThat(out.isReleased()).isFalse();
            assertThat(caller.getManagedArrays()).hasSize(callerArrays + 1);
        }
    }

    @Test
    void concurrentCallsGiveTheSameResult() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel model = loadTiny(tinyTextEncoder().resolve("model.safetensors"), m);
            NDArray ids;
            try (SafeTensorsFile f = Golden.open(CASE)) {
                ids = f.load("input_ids", m);
            }
            float[] expected = model.encode(ids).toFloatArray();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    results.add(pool.submit(() -> {
                        try (NDManager own = NDManager.newBaseManager()) {
                            NDArray mine = own.create(ids.toLongArray(), ids.getShape());
                            return model.encode(mine).toFloatArray();
                        }
                    }));
                }
                for (Future<float[]> r : results) {
                    assertThat(r.get()).containsExactly(expected);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheReason() {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipTextModel model = new ClipTextModel(Weights.random(3, m), 100, 8,
                    new ClipEncoderSpec(16, 1, 2, 32, "quick_gelu", 1e-5));
            assertThatThrownBy(() -> model.encode(m.zeros(new Shape(1, 9), DataType.INT64)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_position_embeddings");
            assertThatThrownBy(() -> model.encode(m.create(new long[] {1, 100}, new Shape(1, 2))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100")
                    .hasMessageContaining("vocab_size");
            assertThatThrownBy(() -> model.encode(m.zeros(new Shape(2, 3, 4), DataType.INT64)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, tokens]");
            assertThatThrownBy(() -> model.encode(m.zeros(new Shape(1, 3), DataType.FLOAT32)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("int64");
            assertThatThrownBy(() -> new ClipEncoderSpec(30, 1, 4, 32, "quick_gelu", 1e-5))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_attention_heads");
            assertThatThrownBy(() -> new ClipEncoderSpec(32, 1, 4, 32, "relu6", 1e-5))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relu6");
        }
    }

    @Test
    void causalMaskIsMinusInfinityAboveTheDiagonal() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] v = ClipTextModel.causalMask(m, 3).toFloatArray();
            float inf = Float.NEGATIVE_INFINITY;
            assertThat(v).containsExactly(0, inf, inf, 0, 0, inf, 0, 0, 0);
        }
    }
}

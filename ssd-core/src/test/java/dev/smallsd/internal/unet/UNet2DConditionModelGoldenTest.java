package dev.smallsd.internal.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.config.UNet2DConditionConfig;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.KernelFallback;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Tolerance;
import dev.smallsd.testing.SubCases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The tiny UNet against diffusers' outputs in the golden {@code unet} case, one dynamic test per sub-case. */
class UNet2DConditionModelGoldenTest {
    private static final String KIND = "unet";
    private static NDManager weightsManager;
    private static UNet2DConditionModel model;

    @BeforeAll
    static void load() {
        weightsManager = NDManager.newBaseManager();
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        UNet2DConditionConfig config = dir.unetConfig();
        try (TensorFile f = dir.openWeights(ModelDirectory.UNET, null, null)) {
            model = UNet2DConditionModel.load(config, f, weightsManager);
        }
    }

    @AfterAll
    static void close() {
        weightsManager.close();
    }

    @TestFactory
    Stream<DynamicTest> noisePredictionMatchesDiffusers() {
        JsonObject entry = Golden.caseEntry(KIND);
        Map<String, Set<String>> subCases = SubCases.of(entry);
        assertThat(subCases).isNotEmpty();
        return subCases.entrySet().stream().map(sc -> DynamicTest.dynamicTest(KIND + " " + sc.getKey(), () -> {
            String p = sc.getKey() + "_";
            assertThat(sc.getValue()).contains("sample", "timestep", "encoder_hidden_states", "noise_pred");
            try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile f = Golden.open(KIND)) {
                NDArray sample = f.load(p + "sample", m);
                NDArray t = f.load(p + "timestep", m);
                NDArray ehs = f.load(p + "encoder_hidden_states", m);
                NDArray expected = f.load(p + "noise_pred", m);
                Tolerance tol = Golden.tolerance(entry, p + "noise_pred", 1e-5);
                NDArray out = model.forward(sample, t, ehs);
                Golden.assertClose(p + "noise_pred (" + t.getDataType() + " timesteps)", out, expected, tol);
                // the DJL fallback (no kernel module) with query-sliced attention must agree as well
                NDArray sliced = KernelFallback.run(
                        () -> model.withAttentionSlicing(AttentionSlicing.fixed(7)).forward(sample, t, ehs));
                Golden.assertClose(p + "noise_pred, fallback, attention in slices of 7", sliced, expected, tol);
                System.out.printf("%s %s_noise_pred: max|diff| %.3g (bound %.3g), fallback sliced %.3g%n", KIND,
                        sc.getKey(), maxAbsDiff(out, expected),
                        tol.largestBound(expected), maxAbsDiff(sliced, expected));
            }
        }));
    }

    @Test
    void noIntermediateOutlivesTheCallAndAScalarTimestepIsBroadcast() {
        JsonObject entry = Golden.caseEntry(KIND);
        String p = SubCases.of(entry).keySet().iterator().next() + "_";
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile f = Golden.open(KIND)) {
            NDArray sample = f.load(p + "sample", m);
            NDArray ehs = f.load(p + "encoder_hidden_states", m);
            NDArray t = f.load(p + "timestep", m);
            long first = t.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray()[0];
            int before = m.getManagedArrays().size();
            NDArray perItem;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                perItem = model.forward(sample, m.create(new long[] {first, first}).get("0:" + sample.getShape()
                        .get(0)), ehs);
                NDArray scalar = model.forward(sample, first, ehs);
                NDArray one = model.forward(sample, m.create(new long[] {first}), ehs);
                assertThat(maxAbsDiff(scalar, perItem)).isZero();
                assertThat(maxAbsDiff(one, perItem)).isZero();
                NDScope.unregister(perItem);
            }
            // only the unregistered result is left
            assertThat(m.getManagedArrays().size()).isEqualTo(before + 1);
            assertThat(perItem.isReleased()).isFalse();
        }
    }

    @Test
    void concurrentCallsGiveTheSameResults() throws Exception {
        JsonObject entry = Golden.caseEntry(KIND);
        List<String> prefixes = new ArrayList<>(SubCases.of(entry).keySet());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile f = Golden.open(KIND)) {
            List<Future<float[]>> futures = new ArrayList<>();
            List<float[]> sequential = new ArrayList<>();
            for (int rep = 0; rep < 2; rep++) {
                for (String sc : prefixes) {
                    String p = sc + "_";
                    NDArray sample = f.load(p + "sample", m);
                    NDArray t = f.load(p + "timestep", m);
                    NDArray ehs = f.load(p + "encoder_hidden_states", m);
                    if (rep == 0) {
                        sequential.add(model.forward(sample, t, ehs).toFloatArray());
                    }
                    futures.add(pool.submit(() -> {
                        try (NDScope scope = new NDScope()) {
                            scope.suppressNotUsedWarning();
                            return model.forward(sample, t, ehs).toFloatArray();
                        }
                    }));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).containsExactly(sequential.get(i % prefixes.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static double maxAbsDiff(NDArray a, NDArray b) {
        double[] x = Golden.toDoubles(a);
        double[] y = Golden.toDoubles(b);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        return worst;
    }
}

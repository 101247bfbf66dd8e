package dev.smallsd.internal.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.smallsd.Precision;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.unet.UNet2DConditionModel;
import dev.smallsd.internal.vae.AutoencoderKL;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.SubCases;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The tiny UNet and VAE loaded with {@link Precision#BF16}: their parameters really are bfloat16 (half the bytes,
 * as libtorch reports the element size), and one call of each, on the inputs of the golden {@code unet} and
 * {@code vae} cases, stays within a relative L2 error ({@code ‖bf16 − golden‖ / ‖golden‖}) of diffusers' float32
 * output. Measured here (libtorch 2.7.1, AMD EPYC with AVX-512 BF16): UNet at most {@value #MEASURED_UNET}, VAE
 * decode at most {@value #MEASURED_VAE}; the bounds add a margin of about 1.5× for other CPUs' kernels.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Bf16ModelsTest {
    /** Largest relative L2 error of one bf16 UNet call over the golden sub-cases, as measured. */
    static final double MEASURED_UNET = 0.0175;
    /** {@link #MEASURED_UNET} plus the margin. */
    static final double UNET_BOUND = 0.026;
    /** Largest relative L2 error of one bf16 VAE decode over the golden sub-cases, as measured. */
    static final double MEASURED_VAE = 0.0093;
    /** {@link #MEASURED_VAE} plus the margin. */
    static final double VAE_BOUND = 0.014;

    private final NDManager manager = NDManager.newBaseManager();
    private final ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());

    @AfterAll
    void close() {
        manager.close();
    }

    private <M> Weights build(String component, Precision precision, Function<Weights, M> make, List<M> out) {
        try (TensorFile f = dir.openWeights(component, null, null)) {
            Weights w = Weights.fromFile(f, manager, CheckpointKeys::canonicalName, CheckpointKeys::isIgnorable);
            out.add(make.apply(w.withPrecision(precision)));
            w.finish();
            return w;
        }
    }

    @Test
    void bf16ParametersTakeHalfTheBytes() {
        List<Object> models = new ArrayList<>();
        for (String component : List.of(ModelDirectory.UNET, ModelDirectory.VAE)) {
            Function<Weights, Object> make = component.equals(ModelDirectory.UNET)
                    ? w -> new UNet2DConditionModel(dir.unetConfig(), w)
                    : w -> new AutoencoderKL(dir.vaeConfig(), w);
            Weights fp32 = build(component, Precision.FP32, make, models);
            Weights bf16 = build(component, Precision.BF16, make, models);
            assertThat(bf16.parameterCount()).isEqualTo(fp32.parameterCount()).isPositive();
            assertThat(fp32.parameterBytes()).as(component + " float32 bytes").isEqualTo(4 * fp32.parameterCount());
            assertThat(bf16.parameterBytes()).as(component + " bfloat16 bytes").isEqualTo(2 * bf16.parameterCount());
        }
        assertThat(((UNet2DConditionModel) models.get(1)).precision()).isEqualTo(Precision.BF16);
        assertThat(((AutoencoderKL) models.get(3)).precision()).isEqualTo(Precision.BF16);
    }

    @TestFactory
    Stream<DynamicTest> oneUNetCallStaysCloseToDiffusers() {
        List<UNet2DConditionModel> models = new ArrayList<>();
        build(ModelDirectory.UNET, Precision.BF16, w -> new UNet2DConditionModel(dir.unetConfig(), w), models);
        return cases("unet", "noise_pred", UNET_BOUND, (f, p) -> models.get(0).forward(f.load(p + "sample", manager),
                f.load(p + "timestep", manager), f.load(p + "encoder_hidden_states", manager)));
    }

    @TestFactory
    Stream<DynamicTest> oneVaeDecodeStaysCloseToDiffusers() {
        List<AutoencoderKL> models = new ArrayList<>();
        build(ModelDirectory.VAE, Precision.BF16, w -> new AutoencoderKL(dir.vaeConfig(), w), models);
        return cases("vae", "decoded", VAE_BOUND, (f, p) -> models.get(0).decode(f.load(p + "z", manager)));
    }

    private interface Call {
        NDArray apply(SafeTensorsFile f, String prefix);
    }

    private Stream<DynamicTest> cases(String kind, String output, double bound, Call call) {
        JsonObject entry = Golden.caseEntry(kind);
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Set<String>> sc : SubCases.of(entry).entrySet()) {
            if (!sc.getValue().contains(output)) {
                continue; // e.g. the VAE's encode sub-case
            }
            String p = sc.getKey() + "_";
            tests.add(DynamicTest.dynamicTest(kind + " " + p + output + " in bf16", () -> {
                try (SafeTensorsFile f = Golden.open(kind)) {
                    NDArray expected = f.load(p + output, manager);
                    NDArray actual = call.apply(f, p);
                    assertThat(actual.getShape()).isEqualTo(expected.getShape());
                    double rel = actual.sub(expected).norm().getFloat() / expected.norm().getFloat();
                    System.out.printf(Locale.ROOT, "%s %s%s bf16: relative L2 error %.5f (bound %.5f)%n", kind, p,
                            output, rel, bound);
                    assertThat(rel).isLessThanOrEqualTo(bound).isPositive();
                }
            }));
        }
        assertThat(tests).as(kind + " sub-cases with " + output).isNotEmpty();
        return tests.stream();
    }
}

package dev.smallsd.internal.vae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.nn.AttentionSlicing;
import dev.smallsd.internal.nn.KernelFallback;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.Tolerance;
import dev.smallsd.testing.SubCases;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The tiny VAE against diffusers' outputs in the golden {@code vae} case, one dynamic test per sub-case: decode
 * sub-cases have {@code z}/{@code decoded}, encode sub-cases have {@code image}/{@code mean}.
 */
class AutoencoderKLGoldenTest {
    private static final String KIND = "vae";
    private static NDManager weightsManager;
    private static AutoencoderKL vae;

    @BeforeAll
    static void load() {
        weightsManager = NDManager.newBaseManager();
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        try (TensorFile f = dir.openWeights(ModelDirectory.VAE, null, null)) {
            vae = AutoencoderKL.load(dir.vaeConfig(), f, weightsManager);
        }
    }

    @AfterAll
    static void close() {
        weightsManager.close();
    }

    @TestFactory
    Stream<DynamicTest> matchesDiffusers() {
        JsonObject entry = Golden.caseEntry(KIND);
        Map<String, Set<String>> subCases = SubCases.of(entry);
        assertThat(subCases).isNotEmpty();
        return subCases.entrySet().stream().map(sc -> DynamicTest.dynamicTest(KIND + " " + sc.getKey(), () -> {
            Set<String> names = sc.getValue();
            if (names.contains("z") && names.contains("decoded")) {
                checkDecode(entry, sc.getKey() + "_", names);
            } else if (names.contains("image") && names.contains("mean")) {
                checkEncode(entry, sc.getKey() + "_", names);
            } else {
                fail("sub-case " + sc.getKey() + " has neither z/decoded nor image/mean tensors: " + names);
            }
        }));
    }

    private static void checkDecode(JsonObject entry, String p, Set<String> names) {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile f = Golden.open(KIND)) {
            NDArray z = f.load(p + "z", m);
            NDArray expected = f.load(p + "decoded", m);
            Tolerance tol = Golden.tolerance(entry, p + "decoded", 1e-5);
            NDArray decoded = vae.decode(z);
            Golden.assertClose(p + "decoded", decoded, expected, tol);
            report(p + "decoded", decoded, expected, tol);
            // the DJL fallback (no kernel module) with query-sliced attention must agree as well
            NDArray sliced = KernelFallback.run(() -> vae.withAttentionSlicing(AttentionSlicing.fixed(5)).decode(z));
            Golden.assertClose(p + "decoded, fallback, attention in slices of 5", sliced, expected, tol);
            if (names.contains("image_np")) {
                NDArray image = AutoencoderKL.postprocess(decoded);
                NDArray expectedImage = f.load(p + "image_np", m);
                Tolerance itol = Golden.tolerance(entry, p + "image_np", 1e-4);
                Golden.assertClose(p + "image_np", image, expectedImage, itol);
                report(p + "image_np", image, expectedImage, itol);
            }
            if (names.contains("latents")) {
                NDArray latents = f.load(p + "latents", m);
                NDArray fromLatents = vae.decodeLatents(latents);
                Golden.assertClose(p + "decoded from pipeline latents", fromLatents, expected, tol);
                NDArray zJava = latents.div((float) vae.scalingFactor());
                System.out.printf("%s %sz: latents / scaling_factor in Java vs golden z: max|diff| %.3g%n", KIND, p,
                        maxAbsDiff(zJava, z));
            }
        }
    }

    private static void checkEncode(JsonObject entry, String p, Set<String> names) {
        try (NDManager m = NDManager.newBaseManager(); SafeTensorsFile f = Golden.open(KIND)) {
            NDArray image = f.load(p + "image", m);
            DiagonalGaussianDistribution dist = vae.encode(image);
            Map<String, NDArray> produced = Map.of("mean", dist.mean(), "logvar", dist.logvar(), "std", dist.std());
            int checked = 0;
            for (Map.Entry<String, NDArray> e : produced.entrySet()) {
                if (!names.contains(e.getKey())) {
                    continue;
                }
                NDArray expected = f.load(p + e.getKey(), m);
                Tolerance tol = Golden.tolerance(entry, p + e.getKey(), 1e-5);
                Golden.assertClose(p + e.getKey(), e.getValue(), expected, tol);
                report(p + e.getKey(), e.getValue(), expected, tol);
                checked++;
            }
            assertThat(checked).isPositive();
            NDArray noise = m.randomNormal(dist.mean().getShape());
            NDArray sample = dist.sample(noise);
            assertThat(maxAbsDiff(sample, dist.mean().add(dist.std().mul(noise)))).isZero();
        }
    }

    private static void report(String what, NDArray actual, NDArray expected, Tolerance tol) {
        System.out.printf("%s %s: max|diff| %.3g (bound %.3g)%n", KIND, what, maxAbsDiff(actual, expected),
                tol.largestBound(expected));
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

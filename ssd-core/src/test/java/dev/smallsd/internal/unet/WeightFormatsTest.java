package dev.smallsd.internal.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.CheckpointKeys;
import dev.smallsd.internal.io.ModelDirectory;
import dev.smallsd.internal.io.SafeTensorsFile;
import dev.smallsd.internal.io.TensorFile;
import dev.smallsd.internal.io.TensorFiles;
import dev.smallsd.internal.io.WeightFiles;
import dev.smallsd.testing.Golden;
import dev.smallsd.testing.SubCases;
import dev.smallsd.internal.vae.AutoencoderKL;
import dev.smallsd.internal.vae.DiagonalGaussianDistribution;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every regular (non-variant) weight file of the tiny pipeline's UNet and VAE ({@code .safetensors} and the legacy
 * {@code .bin}, whose VAE uses the old attention names) gives the same outputs on every golden sub-case.
 */
class WeightFormatsTest {

    @TestFactory
    Stream<DynamicTest> unetWeightFilesAgree() {
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        return Stream.of(DynamicTest.dynamicTest("unet: " + weightFiles(dir, ModelDirectory.UNET), () ->
                assertAllFilesAgree(dir, ModelDirectory.UNET, "unet", (file, m) -> {
                    UNet2DConditionModel model = UNet2DConditionModel.load(dir.unetConfig(), file, m);
                    return (golden, p) -> {
                        try (NDManager io = NDManager.newBaseManager()) {
                            NDArray out = model.forward(golden.load(p + "sample", io), golden.load(p + "timestep", io),
                                    golden.load(p + "encoder_hidden_states", io));
                            return List.of(out.toFloatArray());
                        }
                    };
                })));
    }

    @TestFactory
    Stream<DynamicTest> vaeWeightFilesAgree() {
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        return Stream.of(DynamicTest.dynamicTest("vae: " + weightFiles(dir, ModelDirectory.VAE), () -> {
            boolean legacy = false;
            for (Path p : weightFiles(dir, ModelDirectory.VAE)) {
                try (TensorFile f = TensorFiles.open(p)) {
                    legacy |= f.names().stream().anyMatch(k -> !CheckpointKeys.canonicalName(k).equals(k));
                }
            }
            assertThat(legacy).as("one VAE file uses the legacy attention names").isTrue();
            assertAllFilesAgree(dir, ModelDirectory.VAE, "vae", (file, m) -> {
                AutoencoderKL vae = AutoencoderKL.load(dir.vaeConfig(), file, m);
                return (golden, p) -> {
                    try (NDManager io = NDManager.newBaseManager()) {
                        Set<String> names = golden.names();
                        List<float[]> out = new ArrayList<>();
                        if (names.contains(p + "z")) {
                            out.add(vae.decode(golden.load(p + "z", io)).toFloatArray());
                        }
                        if (names.contains(p + "image")) {
                            DiagonalGaussianDistribution d = vae.encode(golden.load(p + "image", io));
                            out.add(d.mean().toFloatArray());
                            out.add(d.logvar().toFloatArray());
                        }
                        return out;
                    }
                };
            });
        }));
    }

    /** Runs a model on one golden sub-case (given the tensor file and the prefix with underscore). */
    private interface Runner extends BiFunction<SafeTensorsFile, String, List<float[]>> {}

    private static void assertAllFilesAgree(ModelDirectory dir, String component, String kind,
            BiFunction<TensorFile, NDManager, Runner> build) {
        List<Path> files = weightFiles(dir, component);
        assertThat(files).as("safetensors and bin files of " + component).hasSizeGreaterThanOrEqualTo(2);
        Map<String, List<float[]>> reference = null;
        for (Path p : files) {
            Map<String, List<float[]>> outputs = new LinkedHashMap<>();
            try (NDManager m = NDManager.newBaseManager(); TensorFile file = TensorFiles.open(p);
                    SafeTensorsFile golden = Golden.open(kind)) {
                Runner run = build.apply(file, m);
                for (String sc : SubCases.of(Golden.caseEntry(kind)).keySet()) {
                    outputs.put(sc, run.apply(golden, sc + "_"));
                }
            }
            if (reference == null) {
                reference = outputs;
                continue;
            }
            for (Map.Entry<String, List<float[]>> e : outputs.entrySet()) {
                List<float[]> ref = reference.get(e.getKey());
                assertThat(e.getValue()).hasSameSizeAs(ref);
                for (int i = 0; i < ref.size(); i++) {
                    assertThat(e.getValue().get(i)).as(p.getFileName() + " " + e.getKey() + " output " + i)
                            .containsExactly(ref.get(i));
                }
            }
            System.out.printf("%s: %s gives outputs identical to %s on sub-cases %s%n", component, p.getFileName(),
                    files.get(0).getFileName(), outputs.keySet());
        }
    }

    private static List<Path> weightFiles(ModelDirectory dir, String component) {
        Path folder = dir.componentDir(component);
        List<Path> out = new ArrayList<>();
        for (String name : WeightFiles.candidates(null)) {
            if (Files.isRegularFile(folder.resolve(name))) {
                out.add(folder.resolve(name));
            }
        }
        return out;
    }
}

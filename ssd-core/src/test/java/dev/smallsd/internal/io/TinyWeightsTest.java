package dev.smallsd.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smallsd.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The tiny pipeline's weight files agree with each other: for every component the {@code .bin} (after the legacy
 * renames, without ignorable buffers) holds bitwise the tensors of the {@code .safetensors}, and every variant file
 * (e.g. {@code fp16}) holds the regular file's values rounded to its precision.
 */
class TinyWeightsTest {
    private static final Pattern VARIANT = Pattern.compile("(.+)\\.([A-Za-z0-9_]+)\\.safetensors");

    private static List<Path> componentDirs() throws IOException {
        ModelDirectory dir = ModelDirectory.open(Golden.tinyModel());
        List<Path> out = new ArrayList<>();
        for (String c : dir.modelIndex().components().keySet()) {
            if (dir.hasComponent(c) && Files.isDirectory(dir.componentDir(c))) {
                out.add(dir.componentDir(c));
            }
        }
        return out;
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> binMatchesSafetensorsBitwise() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path comp : componentDirs()) {
            List<String> names = files(comp);
            // diffusers: diffusion_pytorch_model.{bin,safetensors}; transformers: pytorch_model.bin / model.safetensors
            for (String[] pair : new String[][] {{"diffusion_pytorch_model.bin", "diffusion_pytorch_model.safetensors"},
                {"pytorch_model.bin", "model.safetensors"}}) {
                if (names.contains(pair[0]) && names.contains(pair[1])) {
                    Path bin = comp.resolve(pair[0]);
                    Path safe = comp.resolve(pair[1]);
                    tests.add(dynamicTest(comp.getFileName() + ": " + pair[0] + " == " + pair[1],
                            () -> compareBitwise(bin, safe)));
                }
            }
        }
        assertThat(tests).as("components with both .bin and .safetensors").isNotEmpty();
        return tests.stream();
    }

    private static void compareBitwise(Path binFile, Path safeFile) {
        try (TensorFile bin = TensorFiles.open(binFile); TensorFile safe = TensorFiles.open(safeFile);
                NDManager m = NDManager.newBaseManager()) {
            assertThat(bin).isInstanceOf(TorchCheckpoint.class);
            Map<String, String> binIndex = CheckpointKeys.canonicalIndex(bin);
            Map<String, String> safeIndex = CheckpointKeys.canonicalIndex(safe);
            CheckpointKeys.requireExactly(binFile, safeIndex.keySet(), binIndex.keySet());
            for (Map.Entry<String, String> e : safeIndex.entrySet()) {
                String binKey = binIndex.get(e.getKey());
                TensorInfo a = bin.info(binKey);
                TensorInfo b = safe.info(e.getValue());
                assertThat(a.dtype()).as(e.getKey()).isEqualTo(b.dtype());
                assertThat(a.shape()).as(e.getKey()).isEqualTo(b.shape());
                try (NDArray x = bin.load(binKey, m); NDArray y = safe.load(e.getValue(), m)) {
                    assertThat(x.getShape()).as(e.getKey()).isEqualTo(y.getShape());
                    assertThat(x.toByteArray()).as(e.getKey()).isEqualTo(y.toByteArray());
                }
            }
            // ignorable buffers are listed and loadable, just not parameters
            for (String k : bin.names()) {
                if (CheckpointKeys.isIgnorable(k)) {
                    try (NDArray ids = bin.load(k, m)) {
                        assertThat(ids.getDataType()).as(k).isEqualTo(DataType.INT64);
                    }
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> variantFilesAreTheRegularWeightsRounded() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path comp : componentDirs()) {
            List<String> names = files(comp);
            for (String n : names) {
                Matcher v = VARIANT.matcher(n);
                if (!v.matches() || !names.contains(v.group(1) + ".safetensors")) {
                    continue;
                }
                Path variant = comp.resolve(n);
                Path regular = comp.resolve(v.group(1) + ".safetensors");
                tests.add(dynamicTest(comp.getFileName() + ": " + n + " ~ " + regular.getFileName(),
                        () -> compareRounded(variant, regular)));
            }
        }
        assertThat(tests).as("variant weight files").isNotEmpty();
        return tests.stream();
    }

    private static void compareRounded(Path variantFile, Path regularFile) {
        try (TensorFile low = TensorFiles.open(variantFile); TensorFile full = TensorFiles.open(regularFile);
                NDManager m = NDManager.newBaseManager()) {
            assertThat(low.names()).containsExactlyInAnyOrderElementsOf(full.names());
            for (String k : full.names()) {
                try (NDArray a = low.load(k, m); NDArray b = full.load(k, m)) {
                    assertThat(a.getShape()).as(k).isEqualTo(b.getShape());
                    DataType lowType = a.getDataType();
                    // b rounded to the variant's precision (round to nearest even, as torch's .half())
                    try (NDArray rounded = b.toType(lowType, false)) {
                        assertThat(a.toByteArray()).as(k + " equals the fp32 value rounded to " + lowType)
                                .isEqualTo(rounded.toByteArray());
                    }
                    try (NDArray a32 = a.toType(DataType.FLOAT32, false);
                            NDArray diff = a32.sub(b).abs();
                            NDArray bound = b.abs().mul(Math.scalb(1f, -11)).add(Math.scalb(1f, -25))) {
                        assertThat(diff.lte(bound).all().getBoolean()).as(k + " within half an fp16 ulp").isTrue();
                    }
                }
            }
        }
    }
}

package dev.smallsd.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticWeightFileTest {
    @TempDir
    Path tmp;

    @Test
    void layoutReachesTheSizeWithUnetLikeTensors() {
        long min = 2200L << 20;
        List<SyntheticWeightFile.Tensor> tensors = SyntheticWeightFile.layout(min);
        long total = tensors.stream().mapToLong(SyntheticWeightFile.Tensor::bytes).sum();
        assertThat(total).isGreaterThanOrEqualTo(min);
        // cut at the first tensor reaching the target: at most one tensor (largest 1280x1280x3x3, 56.25 MiB) past it
        assertThat(total - min).isLessThan(1280L * 1280 * 9 * 4);
        assertThat(tensors).hasSizeGreaterThan(300);
        assertThat(new HashSet<>(tensors.stream().map(SyntheticWeightFile.Tensor::name).toList()))
                .hasSameSizeAs(tensors);
        assertThat(tensors).anySatisfy(t -> assertThat(t.shape()).containsExactly(1280, 1280, 3, 3));
        assertThat(tensors).anySatisfy(t -> assertThat(t.shape()).containsExactly(320, 768));
        assertThat(tensors).anySatisfy(t -> assertThat(t.shape()).containsExactly(320));
    }

    @Test
    void writesAFileThatLoadsBackCompletelyAndDeterministically() throws Exception {
        BenchmarkEnvironment.init();
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        long min = 3L << 20;
        List<SyntheticWeightFile.Tensor> tensors = SyntheticWeightFile.write(a, min, 7);
        SyntheticWeightFile.write(b, min, 7);
        assertThat(Files.mismatch(a, b)).isEqualTo(-1L);

        long expected = tensors.stream().mapToLong(SyntheticWeightFile.Tensor::bytes).sum();
        try (SafeTensorsFile f = SafeTensors.open(a)) {
            assertThat(List.copyOf(f.names()))
                    .containsExactlyElementsOf(tensors.stream().map(SyntheticWeightFile.Tensor::name).toList());
            for (SyntheticWeightFile.Tensor t : tensors) {
                assertThat(f.info(t.name()).shape()).containsExactly(t.shape());
            }
        }
        try (NDManager m = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE)) {
            assertThat(WeightsLoadBenchmark.materialise(a, m)).isEqualTo(expected);
            assertThat(m.getManagedArrays()).isEmpty();
        }
    }

    @Test
    void weightFileStateWritesAndDeletes() throws Exception {
        String old = System.getProperty(WeightsLoadBenchmark.TMPDIR_PROPERTY);
        System.setProperty(WeightsLoadBenchmark.TMPDIR_PROPERTY, tmp.toString());
        try {
            WeightsLoadBenchmark.WeightFile w = new WeightsLoadBenchmark.WeightFile();
            w.fileMiB = 2;
            w.write();
            assertThat(w.file).isRegularFile();
            assertThat(Files.size(w.file)).isGreaterThan(2L << 20);
            WeightsLoadBenchmark bench = new WeightsLoadBenchmark();
            assertThat(bench.open(w)).isEqualTo(w.tensors.size());
            assertThat(bench.openAndMaterialise(w)).isEqualTo(w.dataBytes);
            Path dir = w.dir;
            w.delete();
            assertThat(dir).doesNotExist();
        } finally {
            if (old == null) {
                System.clearProperty(WeightsLoadBenchmark.TMPDIR_PROPERTY);
            } else {
                System.setProperty(WeightsLoadBenchmark.TMPDIR_PROPERTY, old);
            }
        }
    }
}

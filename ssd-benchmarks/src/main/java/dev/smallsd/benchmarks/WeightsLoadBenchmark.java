package dev.smallsd.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.SafeTensors;
import dev.smallsd.internal.io.SafeTensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Loading a full-size float32 checkpoint: a {@link SyntheticWeightFile} of {@code fileMiB} MiB (default 2200 MiB,
 * 2.31 GB, the size of the small-SD UNet in float32) is written once per trial to a temporary folder (under
 * {@code -Dssd.bench.tmpdir}, default {@code java.io.tmpdir}) and deleted afterwards.
 *
 * <ul>
 *   <li>{@link #open}: {@link SafeTensors#open} (header read and validated, file channel ready for mapping) and
 *       close; average time.
 *   <li>{@link #openAndMaterialise}: open, {@link SafeTensorsFile#load} of every tensor into an NDArray owning its
 *       memory (each tensor is memory-mapped, copied and unmapped), then close the arrays and the file; one call per
 *       iteration. The file was just written, so it reads from a warm page cache: this measures mapping and copying,
 *       not the disk.
 * </ul>
 */
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public class WeightsLoadBenchmark {

    /** The system property naming the folder for the temporary file. */
    public static final String TMPDIR_PROPERTY = "ssd.bench.tmpdir";

    /** The temporary checkpoint of one trial. */
    @State(Scope.Benchmark)
    public static class WeightFile {
        /** Data size of the file in MiB. */
        @Param({"2200"})
        public int fileMiB;

        Path dir;
        Path file;
        List<SyntheticWeightFile.Tensor> tensors;
        long dataBytes;
        NDManager manager;

        /**
         * Writes the file (once per trial).
         *
         * @throws IOException when the file cannot be written
         */
        @Setup(Level.Trial)
        public void write() throws IOException {
            BenchmarkEnvironment.init();
            if (fileMiB < 1) {
                throw new IllegalArgumentException("parameter fileMiB=" + fileMiB + " must be at least 1");
            }
            Path parent = Path.of(System.getProperty(TMPDIR_PROPERTY, System.getProperty("java.io.tmpdir")));
            Files.createDirectories(parent);
            dir = Files.createTempDirectory(parent, "ssd-weights-load-");
            file = dir.resolve("diffusion_pytorch_model.safetensors");
            long t0 = System.nanoTime();
            try {
                tensors = SyntheticWeightFile.write(file, (long) fileMiB << 20, ComponentState.SEED);
            } catch (IOException | RuntimeException e) {
                delete();
                throw e;
            }
            dataBytes = tensors.stream().mapToLong(SyntheticWeightFile.Tensor::bytes).sum();
            manager = NDManager.newBaseManager(BenchmarkEnvironment.ENGINE);
            // drop the writer's garbage (heap copies of each tensor) before measuring
            System.gc();
            System.out.printf("# smallsd: wrote %s: %d tensors, %.1f MiB of data, %.2f GB file, in %.1f s%n", file,
                    tensors.size(), dataBytes / 1048576.0, Files.size(file) / 1e9, (System.nanoTime() - t0) / 1e9);
        }

        /**
         * Deletes the file and its folder (once per trial).
         *
         * @throws IOException when the file cannot be deleted
         */
        @TearDown(Level.Trial)
        public void delete() throws IOException {
            if (manager != null) {
                manager.close();
                manager = null;
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
            if (dir != null) {
                try (var leftovers = Files.list(dir)) {
                    // a failed atomic write may leave its temporary file
                    for (Path p : (Iterable<Path>) leftovers::iterator) {
                        Files.deleteIfExists(p);
                    }
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
                Files.deleteIfExists(dir);
            }
        }
    }

    /**
     * Opens the file (header parse and validation) and closes it.
     *
     * @param w the file
     * @return the number of tensors
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1, time = 2)
    @Measurement(iterations = 3, time = 2)
    public int open(WeightFile w) {
        try (SafeTensorsFile f = SafeTensors.open(w.file)) {
            return f.names().size();
        }
    }

    /**
     * Opens the file, loads every tensor into an owned NDArray, then closes the arrays and the file.
     *
     * @param w the file
     * @return the number of bytes loaded
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public long openAndMaterialise(WeightFile w) {
        return materialise(w.file, w.manager);
    }

    /**
     * Loads every tensor of a safetensors file into arrays of a sub-manager of {@code parent}, then closes them.
     *
     * @param file the file
     * @param parent the manager under which the arrays are created
     * @return the number of bytes loaded
     */
    static long materialise(Path file, NDManager parent) {
        long bytes = 0;
        try (SafeTensorsFile f = SafeTensors.open(file); NDManager m = parent.newSubManager()) {
            for (String name : f.names()) {
                NDArray a = f.load(name, m);
                bytes += a.getShape().size() * a.getDataType().getNumOfBytes();
            }
        }
        return bytes;
    }
}

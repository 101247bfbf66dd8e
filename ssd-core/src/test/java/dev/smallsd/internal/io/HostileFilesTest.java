package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import static dev.smallsd.internal.io.HandMadeFiles.f32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smallsd.internal.io.HandMadeFiles.Pickle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and malicious weight files, each built here byte by byte: every one must fail fast with a
 * {@link ModelLoadException} that names the file and says why, never crash, hang or exhaust memory.
 */
class HostileFilesTest {
    private static final Duration FAST = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** Opens the file (and loads every tensor) expecting a ModelLoadException that names the file. */
    private static AbstractThrowableAssert<?, ? extends Throwable> rejects(Path file) {
        Throwable[] thrown = new Throwable[1];
        assertTimeoutPreemptively(FAST, () -> {
            try (TensorFile f = TensorFiles.open(file); NDManager m = NDManager.newBaseManager()) {
                for (String n : f.names()) {
                    f.load(n, m).close();
                }
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        assertThat(thrown[0]).as("expected a ModelLoadException for " + file.getFileName()).isNotNull();
        return assertThat(thrown[0]).isInstanceOf(ModelLoadException.class).hasMessageContaining(file.toString());
    }

    // ---------------------------------------------------------------- safetensors

    @Test
    void safetensorsTruncatedBeforeTheHeaderLength() throws IOException {
        Path f = tmp.resolve("t.safetensors");
        Files.write(f, new byte[] {10, 0, 0});
        rejects(f).hasMessageContaining("truncated");
    }

    @Test
    void safetensorsTruncatedData() throws IOException {
        Path f = HandMadeFiles.safetensors(tmp.resolve("t.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", f32(1, 2));
        rejects(f).hasMessageContaining("'a'").hasMessageContaining("outside the data section");
    }

    @Test
    void safetensorsHeaderLengthLargerThanTheFile() throws IOException {
        byte[] h = "{}".getBytes();
        Path f = HandMadeFiles.safetensors(tmp.resolve("t.safetensors"), 1000, h, new byte[0]);
        rejects(f).hasMessageContaining("header length 1000 exceeds the file size");
    }

    @Test
    void safetensorsHeaderLengthTwoToTheSixtySecond() throws IOException {
        Path f = HandMadeFiles.safetensors(tmp.resolve("t.safetensors"), 1L << 62, "{}".getBytes(), new byte[0]);
        rejects(f).hasMessageContaining("invalid safetensors header length " + (1L << 62));
        Path g = HandMadeFiles.safetensors(tmp.resolve("neg.safetensors"), -8, "{}".getBytes(), new byte[0]);
        rejects(g).hasMessageContaining("invalid safetensors header length");
    }

    @Test
    void safetensorsOffsetsOutOfRange() throws IOException {
        Path f = HandMadeFiles.safetensors(tmp.resolve("t.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", f32(1, 2));
        rejects(f).hasMessageContaining("'w'").hasMessageContaining("data_offsets [8, 16]");
        Path g = HandMadeFiles.safetensors(tmp.resolve("huge.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", f32(1, 2));
        rejects(g).hasMessageContaining("'w'").hasMessageContaining("not a whole number");
        Path h = HandMadeFiles.safetensors(tmp.resolve("reversed.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", f32(1, 2));
        rejects(h).hasMessageContaining("'w'");
    }

    @Test
    void safetensorsOverlappingOffsets() throws IOException {
        Path f = HandMadeFiles.safetensors(tmp.resolve("t.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", f32(1, 2, 3));
        rejects(f).hasMessageContaining("'a' and 'b' overlap");
    }

    @Test
    void safetensorsShapeBytesMismatch() throws IOException {
        Path f = HandMadeFiles.safetensors(tmp.resolve("t.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", f32(1, 2));
        rejects(f).hasMessageContaining("'a'").hasMessageContaining("needs 12 bytes but data_offsets give 8");
        Path g = HandMadeFiles.safetensors(tmp.resolve("overflow.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", f32(1, 2));
        rejects(g).hasMessageContaining("'a'").hasMessageContaining("overflows");
    }

    @Test
    void safetensorsUnknownDtype() throws IOException {
        Path f = HandMadeFiles.safetensors(tmp.resolve("t.safetensors"),
                "{\"a\":{\"dtype\":\"F8_E9M9\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
        rejects(f).hasMessageContaining("'a'").hasMessageContaining("unknown dtype 'F8_E9M9'");
    }

    @Test
    void safetensorsInvalidJson() throws IOException {
        String[] bad = {
            "{\"a\":{\"dtype\":\"F32\",",
            "{a:{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} trailing",
            "[1,2,3]",
            "{\"a\":{\"dtype\":'F32',\"shape\":[1],\"data_offsets\":[0,4]}}",
        };
        for (int i = 0; i < bad.length; i++) {
            Path f = HandMadeFiles.safetensors(tmp.resolve("bad" + i + ".safetensors"), bad[i], f32(1));
            rejects(f).as(bad[i]).hasMessageContaining("header");
        }
    }

    @Test
    void safetensorsHandWrittenBf16IsWidenedExactly() throws IOException {
        // bf16 1.0 = 0x3F80, -2.5 = 0xC020
        Path f = HandMadeFiles.safetensors(tmp.resolve("bf16.safetensors"),
                "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}     ",
                new byte[] {(byte) 0x80, 0x3F, 0x20, (byte) 0xC0});
        try (TensorFile t = TensorFiles.open(f); NDManager m = NDManager.newBaseManager()) {
            NDArray a = t.load("a", m);
            assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(a.toFloatArray()).containsExactly(1.0f, -2.5f);
        }
    }

    // ---------------------------------------------------------------- torch .bin

    private static Map<String, byte[]> checkpoint(byte[] pickle, Map<String, byte[]> storages) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("archive/data.pkl", pickle);
        for (Map.Entry<String, byte[]> e : storages.entrySet()) {
            m.put("archive/data/" + e.getKey(), e.getValue());
        }
        m.put("archive/version", "3\n".getBytes());
        return m;
    }

    private static byte[] oneTensorPickle(String storageType, long storageNumel, long... shape) {
        return new Pickle().proto(2).orderedDict().mark().str("w")
                .tensor(storageType, "0", storageNumel, 0, shape)
                .op('u').stop().bytes();
    }

    @Test
    void handMadeCheckpointLoads() throws IOException {
        byte[] pkl = new Pickle().proto(2).orderedDict().mark()
                .str("a").tensor("FloatStorage", "0", 6, 0, 2, 3)
                .str("b").tensor("FloatStorage", "0", 6, 4, 2)
                .str("h").tensor("HalfStorage", "1", 2, 0, 2)
                .str("bf").tensor("BFloat16Storage", "2", 2, 0, 2)
                .str("ids").tensor("LongStorage", "3", 3, 0, 1, 3)
                .str("s").tensor("FloatStorage", "4", 1, 0)
                .op('u').stop().bytes();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        storages.put("0", f32(1, 2, 3, 4, 5, 6));
        storages.put("1", new byte[] {0x00, 0x3C, 0x00, (byte) 0xC0}); // f16 1.0, -2.0
        storages.put("2", new byte[] {(byte) 0x80, 0x3F, 0x20, (byte) 0xC0}); // bf16 1.0, -2.5
        storages.put("3", java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(0).putLong(1).putLong(2).array());
        storages.put("4", f32(7));
        Path f = HandMadeFiles.zip(tmp.resolve("my_weights.bin"), checkpoint(pkl, storages));
        try (TensorFile t = TensorFiles.open(f); NDManager m = NDManager.newBaseManager()) {
            assertThat(t).isInstanceOf(TorchCheckpoint.class);
            assertThat(t.names()).containsExactly("a", "b", "h", "bf", "ids", "s");
            assertThat(t.info("a")).isEqualTo(new TensorInfo("a", DType.F32, new long[] {2, 3}));
            assertThat(t.load("a", m).toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(t.load("b", m).toFloatArray()).as("offset view").containsExactly(5, 6);
            NDArray h = t.load("h", m);
            assertThat(h.getDataType()).isEqualTo(DataType.FLOAT16);
            assertThat(h.toType(DataType.FLOAT32, false).toFloatArray()).containsExactly(1f, -2f);
            NDArray bf = t.load("bf", m);
            assertThat(bf.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(bf.toFloatArray()).containsExactly(1f, -2.5f);
            assertThat(t.load("ids", m).toLongArray()).containsExactly(0, 1, 2);
            NDArray s = t.load("s", m);
            assertThat(s.getShape().dimension()).isZero();
            assertThat(s.getFloat()).isEqualTo(7f);
        }
    }

    @Test
    void stateDictWithModuleMetadataLoads() throws IOException {
        // model.state_dict() carries OrderedDict attribute _metadata, pickled as SETITEM ... BUILD
        byte[] pkl = new Pickle().proto(2).orderedDict()
                .str("w").tensor("FloatStorage", "0", 2, 0, 2).op('s')
                .op('}').str("_metadata").orderedDict()
                .mark().str("").op('}').str("version").integer(1).op('s')
                .str("down").op('}').str("version").integer(1).op('s').op('u')
                .op('s').op('b').stop().bytes();
        Path f = HandMadeFiles.zip(tmp.resolve("meta.bin"), checkpoint(pkl, Map.of("0", f32(3, 4))));
        try (TensorFile t = TensorFiles.open(f); NDManager m = NDManager.newBaseManager()) {
            assertThat(t.names()).containsExactly("w");
            assertThat(t.load("w", m).toFloatArray()).containsExactly(3f, 4f);
        }
    }

    @Test
    void pickleCallingOsSystemIsRefusedWithoutRunningIt() throws IOException {
        Path marker = tmp.resolve("pwned");
        String[][] globals = {{"os", "system"}, {"posix", "system"}, {"builtins", "eval"},
            {"subprocess", "Popen"}, {"torch", "load"}, {"__builtin__", "exec"}};
        for (String[] g : globals) {
            byte[] pkl = new Pickle().proto(2).global(g[0], g[1]).mark().str("touch " + marker).tuple().reduce()
                    .stop().bytes();
            Path f = HandMadeFiles.zip(tmp.resolve(g[0] + "_" + g[1] + ".bin"), checkpoint(pkl, Map.of()));
            rejects(f).hasMessageContaining("forbidden global '" + g[0] + "." + g[1] + "'")
                    .hasMessageContaining("security");
        }
        // the same through STACK_GLOBAL (protocol 4)
        byte[] pkl = new Pickle().proto(4).op(0x8c).op(2).op('o').op('s').op(0x8c).op(6)
                .op('s').op('y').op('s').op('t').op('e').op('m').op(0x93)
                .mark().str("touch " + marker).tuple().reduce().stop().bytes();
        Path f = HandMadeFiles.zip(tmp.resolve("stack_global.bin"), checkpoint(pkl, Map.of()));
        rejects(f).hasMessageContaining("forbidden global 'os.system'");
        // a forbidden global hidden as the value of a state dict entry
        byte[] nested = new Pickle().proto(2).orderedDict().mark().str("w").global("os", "system")
                .str("id").op(0x85).reduce().op('u').stop().bytes();
        Path g = HandMadeFiles.zip(tmp.resolve("nested.bin"), checkpoint(nested, Map.of()));
        rejects(g).hasMessageContaining("forbidden global 'os.system'");
        assertThat(marker).doesNotExist();
    }

    @Test
    void pickleInstantiatingObjectsIsRefused() throws IOException {
        // BUILD on something that is not an OrderedDict, and the INST/OBJ/NEWOBJ opcodes
        byte[] build = new Pickle().proto(2).op(']').op('}').op('b').stop().bytes();
        rejects(HandMadeFiles.zip(tmp.resolve("build.bin"), checkpoint(build, Map.of())))
                .hasMessageContaining("BUILD");
        byte[] newobj = new Pickle().proto(2).global("collections", "OrderedDict").op(')').op(0x81).stop().bytes();
        rejects(HandMadeFiles.zip(tmp.resolve("newobj.bin"), checkpoint(newobj, Map.of())))
                .hasMessageContaining("instantiates");
    }

    @Test
    void pickleOfMillionsOfCheapValuesIsCutOff() throws IOException {
        Pickle p = new Pickle().proto(2);
        for (int i = 0; i < RestrictedUnpickler.MAX_VALUES + 10; i++) {
            p.op(']');
        }
        Path f = HandMadeFiles.zip(tmp.resolve("bomb.bin"), checkpoint(p.stop().bytes(), Map.of()));
        rejects(f).hasMessageContaining("more than " + RestrictedUnpickler.MAX_VALUES + " values");
    }

    @Test
    void checkpointWithMissingStorageEntry() throws IOException {
        byte[] pkl = oneTensorPickle("FloatStorage", 2, 2);
        Path f = HandMadeFiles.zip(tmp.resolve("missing.bin"), checkpoint(pkl, Map.of()));
        rejects(f).hasMessageContaining("tensor 'w'").hasMessageContaining("missing storage entry 'archive/data/0'");
    }

    @Test
    void checkpointStorageSizeMismatch() throws IOException {
        byte[] pkl = oneTensorPickle("FloatStorage", 4, 4);
        Path f = HandMadeFiles.zip(tmp.resolve("short.bin"), checkpoint(pkl, Map.of("0", f32(1, 2, 3))));
        rejects(f).hasMessageContaining("tensor 'w'").hasMessageContaining("holds 12 bytes")
                .hasMessageContaining("16 bytes");
        byte[] outside = new Pickle().proto(2).orderedDict().mark().str("w")
                .tensor("FloatStorage", "0", 3, 2, 2).op('u').stop().bytes();
        Path g = HandMadeFiles.zip(tmp.resolve("outside.bin"), checkpoint(outside, Map.of("0", f32(1, 2, 3))));
        rejects(g).hasMessageContaining("tensor 'w'").hasMessageContaining("outside its storage");
    }

    @Test
    void checkpointEntryClaimingAHugeSize() throws IOException {
        // The pickle and the zip entry agree on ~2 GiB of floats; the file holds 8 bytes.
        long numel = 0x1FFFFFF0L;
        byte[] pkl = oneTensorPickle("FloatStorage", numel, numel);
        Path f = HandMadeFiles.zip(tmp.resolve("huge.bin"), checkpoint(pkl, Map.of("0", f32(1, 2))));
        HandMadeFiles.patchZipEntrySize(f, "archive/data/0", numel * 4);
        rejects(f).hasMessageContaining("tensor 'w'").hasMessageContaining("more than the whole file");
        // data.pkl itself claiming 4 GiB
        Path g = HandMadeFiles.zip(tmp.resolve("hugepkl.bin"), checkpoint(oneTensorPickle("FloatStorage", 2, 2),
                Map.of("0", f32(1, 2))));
        HandMadeFiles.patchZipEntrySize(g, "archive/data.pkl", 0xFFFFFFF0L);
        rejects(g).hasMessageContaining("archive/data.pkl").hasMessageContaining("limit");
        // a pickle claiming a 2^40-element tensor in an 8-byte storage
        byte[] big = oneTensorPickle("FloatStorage", 1L << 40, 1L << 40);
        Path h = HandMadeFiles.zip(tmp.resolve("bigpickle.bin"), checkpoint(big, Map.of("0", f32(1, 2))));
        rejects(h).hasMessageContaining("tensor 'w'").hasMessageContaining("more than this reader loads at once");
    }

    @Test
    void checkpointNonContiguousTensor() throws IOException {
        byte[] pkl = new Pickle().proto(2).orderedDict().mark().str("w")
                .tensorStrided("FloatStorage", "0", 6, 0, new long[] {2, 3}, new long[] {1, 2})
                .op('u').stop().bytes();
        Path f = HandMadeFiles.zip(tmp.resolve("strided.bin"), checkpoint(pkl, Map.of("0", f32(1, 2, 3, 4, 5, 6))));
        rejects(f).hasMessageContaining("tensor 'w'").hasMessageContaining("non-contiguous");
    }

    @Test
    void checkpointLegacyAndNonZipFormats() throws IOException {
        Path legacy = tmp.resolve("legacy.bin");
        Files.write(legacy, new byte[] {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
            (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e});
        rejects(legacy).hasMessageContaining("unsupported legacy").hasMessageContaining("torch>=1.6");
        Path junk = tmp.resolve("junk.bin");
        Files.writeString(junk, "<html>404</html>");
        rejects(junk).hasMessageContaining("not a PyTorch checkpoint");
        Path truncatedZip = tmp.resolve("truncated.bin");
        byte[] whole = Files.readAllBytes(HandMadeFiles.zip(tmp.resolve("whole.bin"),
                checkpoint(oneTensorPickle("FloatStorage", 2, 2), Map.of("0", f32(1, 2)))));
        Files.write(truncatedZip, java.util.Arrays.copyOf(whole, whole.length / 2));
        rejects(truncatedZip).hasMessageContaining("not a valid zip archive");
    }

    @Test
    void malformedPickles() throws IOException {
        byte[][] pickles = {
            new Pickle().proto(2).orderedDict().bytes(), // no STOP
            new Pickle().proto(2).op('X').op(0xff).op(0xff).op(0xff).op(0x7f).stop().bytes(), // string past the end
            new Pickle().proto(2).op('h').op(7).stop().bytes(), // memo never stored
            new Pickle().proto(2).op('R').stop().bytes(), // stack underflow
            new Pickle().proto(2).op(0xfe).stop().bytes(), // unknown opcode
            new Pickle().proto(2).op(']').stop().bytes(), // a list, not a state dict
            new Pickle().proto(2).orderedDict().mark().str("w").integer(5).op('u').stop().bytes(), // not a tensor
            new Pickle().proto(2).global("torch", "ComplexFloatStorage").stop().bytes(),
        };
        for (int i = 0; i < pickles.length; i++) {
            Path f = HandMadeFiles.zip(tmp.resolve("p" + i + ".bin"), checkpoint(pickles[i], Map.of()));
            rejects(f).as("pickle " + i).hasMessageContaining("data.pkl");
        }
    }
}

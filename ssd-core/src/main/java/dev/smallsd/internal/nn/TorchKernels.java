package dev.smallsd.internal.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch operations that DJL's JNI does not expose (fused attention, group norm in one call, bfloat16 tensors),
 * reached through a TorchScript module that is compiled in memory from the source text in
 * {@code torch_kernels.py} beside this class. No Python and no file on disk are involved: the archive libtorch's
 * {@code torch::jit::load} expects (a zip of {@code code/__torch__.py}, a pickled module object, an empty constants
 * table and a format version) is assembled here and handed to {@link JniUtils#loadModule}.
 *
 * <p>The module is compiled once per process, on first use, and shared: TorchScript methods can be called from
 * several threads at once. If it cannot be built (another engine, a libtorch without an operation), {@link #get()} is
 * empty, the reason is logged once, and callers keep their plain DJL formulation. System property
 * {@value #DISABLE_PROPERTY}{@code =true} forces that fallback (tests compare both paths).
 */
public final class TorchKernels {
    /** Set to {@code true} to run without the kernel module (the DJL formulations only). */
    public static final String DISABLE_PROPERTY = "ssd.kernels.disable";
    private static final Logger LOG = LoggerFactory.getLogger(TorchKernels.class);
    private static final String SOURCE = "torch_kernels.py";
    private static final String CLASS_NAME = "TorchKernels";
    /** TorchScript file-format version written into the archive (libtorch 2.x reads 1 to 10). */
    private static final String FORMAT_VERSION = "8";

    private static volatile Optional<TorchKernels> instance;
    /** Set by tests and A/B measurements to run the DJL fallback in a process whose module has loaded. */
    private static volatile boolean fallbackForced;

    private final PtSymbolBlock module;

    private TorchKernels(PtSymbolBlock module) {
        this.module = module;
    }

    /**
     * @return the process-wide kernel module, or empty when it cannot be used here (logged once) or is disabled
     */
    public static Optional<TorchKernels> get() {
        if (fallbackForced) {
            return Optional.empty();
        }
        Optional<TorchKernels> k = instance;
        if (k == null) {
            synchronized (TorchKernels.class) {
                k = instance;
                if (k == null) {
                    k = load();
                    instance = k;
                }
            }
        }
        return k;
    }

    private static Optional<TorchKernels> load() {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            LOG.info("TorchScript kernels disabled by -D{}=true: plain DJL operations only", DISABLE_PROPERTY);
            return Optional.empty();
        }
        try {
            NDManager system = Engine.getEngine("PyTorch").newBaseManager();
            // the module outlives every request: its manager is never closed (one per process)
            PtSymbolBlock block = JniUtils.loadModule((PtNDManager) system, new ByteArrayInputStream(archive()),
                    false, false);
            LOG.debug("TorchScript kernels compiled ({} bytes of source)", source().length());
            return Optional.of(new TorchKernels(block));
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.warn("TorchScript kernels unavailable, using plain DJL operations (slower, same results): {}",
                    e.toString());
            return Optional.empty();
        }
    }

    /**
     * Runs one method of the module.
     *
     * @param method method name in {@code torch_kernels.py}
     * @param args arguments in order: {@link NDArray} (a PyTorch-engine array), {@link Long}/{@link Integer},
     *     {@link Double}/{@link Float} or {@link Boolean}
     * @return the tensor the method returns, owned by the manager of the first array argument (and registered with
     *     the caller's open {@code NDScope}, like any DJL result). DJL runs the method in libtorch's inference mode,
     *     so a tensor the method creates is an inference tensor: DJL's in-place operations ({@code addi},
     *     {@code muli}, …) on it fail ("Inplace update to inference tensor outside InferenceMode"); use the
     *     out-of-place ones. A view of an argument (e.g. a reshape) is an ordinary tensor.
     */
    public NDArray call(String method, Object... args) {
        PtNDManager manager = null;
        List<IValue> values = new ArrayList<>(args.length);
        try {
            for (Object a : args) {
                if (a instanceof NDArray array) {
                    if (manager == null) {
                        manager = (PtNDManager) array.getManager();
                    }
                    values.add(IValue.from((PtNDArray) array));
                } else if (a instanceof Long || a instanceof Integer) {
                    values.add(IValue.from(((Number) a).longValue()));
                } else if (a instanceof Double || a instanceof Float) {
                    values.add(IValue.from(((Number) a).doubleValue()));
                } else if (a instanceof Boolean b) {
                    values.add(IValue.from(b));
                } else {
                    throw new IllegalArgumentException("TorchKernels." + method + ": unsupported argument " + a);
                }
            }
            if (manager == null) {
                throw new IllegalArgumentException("TorchKernels." + method + ": needs at least one array argument");
            }
            try (IValue result = IValueUtils.runMethod(module, method, values.toArray(IValue[]::new))) {
                return result.toTensor(manager);
            }
        } finally {
            values.forEach(IValue::close);
        }
    }

    /**
     * Makes {@link #get()} empty (or usable again) for the whole process, so a test or an A/B measurement can compare
     * the fallback with the kernels in one JVM. Not for concurrent use with running models.
     *
     * @param forced {@code true} for the DJL formulations only
     */
    static void forceFallback(boolean forced) {
        fallbackForced = forced;
    }

    /** @return the TorchScript source text of the module */
    static String source() {
        try (InputStream in = TorchKernels.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + SOURCE + " missing beside " + TorchKernels.class);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the TorchScript archive (an uncompressed zip) libtorch loads */
    static byte[] archive() {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            String dir = "kernels/";
            stored(out, dir + "data.pkl", moduleObjectPickle());
            stored(out, dir + "code/__torch__.py", source().getBytes(StandardCharsets.UTF_8));
            // the constants table: an empty tuple (protocol 2: PROTO 2, EMPTY_TUPLE, STOP)
            stored(out, dir + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(out, dir + "version", (FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip.toByteArray();
    }

    /**
     * The module object as libtorch pickles it: an instance of {@code __torch__.TorchKernels} built by
     * {@code NEWOBJ} and given its one attribute, {@code training = False}, by {@code BUILD}.
     */
    private static byte[] moduleObjectPickle() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2}); // PROTO 2
        p.writeBytes(("c__torch__\n" + CLASS_NAME + "\n").getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        p.writeBytes(new byte[] {')', (byte) 0x81, '}', '('}); // EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X'); // BINUNICODE, 4-byte little-endian length
        p.writeBytes(new byte[] {(byte) key.length, 0, 0, 0});
        p.writeBytes(key);
        p.writeBytes(new byte[] {(byte) 0x89, 'u', 'b', '.'}); // NEWFALSE, SETITEMS, BUILD, STOP
        return p.toByteArray();
    }

    private static void stored(ZipOutputStream out, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        out.putNextEntry(e);
        out.write(data);
        out.closeEntry();
    }
}

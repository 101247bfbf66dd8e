package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.smallsd.internal.io.RestrictedUnpickler.StorageRef;
import dev.smallsd.internal.io.RestrictedUnpickler.TensorRef;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch state dict checkpoint ({@code .bin}, {@code .pt}) as {@code torch.save(state_dict)} writes it since
 * torch 1.6: a zip archive with one top folder (named after the file stem, but found here by its {@code data.pkl})
 * holding {@code data.pkl} (the pickled {@code OrderedDict} name to tensor), {@code data/<key>} (one raw
 * little-endian storage per key) and {@code version}.
 *
 * <p>The pickle is read by a restricted unpickler that, like PyTorch's {@code weights_only=True}, never executes or
 * instantiates anything: a pickle referring to any global other than {@code collections.OrderedDict},
 * {@code torch._utils._rebuild_tensor_v2}/{@code _rebuild_parameter} and the {@code torch.*Storage} classes is
 * refused with a security error naming the global. Every tensor is validated when the file is opened (storage entry
 * present, its size equal to the storage's element count times the element size, tensor inside its storage,
 * contiguous strides), and no buffer is ever sized from a claimed length that was not checked against the actual
 * file. Tensors are then read one at a time on demand. Integer buffers such as {@code position_ids} are listed like
 * any tensor (a model loader ignores them, see {@link CheckpointKeys#isIgnorable}). Thread-safe for concurrent loads.
 */
public final class TorchCheckpoint extends IndexedTensorFile<TorchCheckpoint.Entry> {
    /** The largest {@code data.pkl} accepted (a full Stable Diffusion state dict pickle is ~100 KB). */
    public static final long MAX_PICKLE_BYTES = 64L * 1024 * 1024;
    /** Highest uncompressed/compressed ratio the DEFLATE format can reach (bounds sizes of compressed entries). */
    private static final long MAX_DEFLATE_RATIO = 1032;

    record Entry(TensorInfo info, ZipEntry zipEntry, long byteOffset) implements Indexed {}

    private final ZipFile zip;

    private TorchCheckpoint(Path path, ZipFile zip, Map<String, Entry> entries) {
        super(path, entries);
        this.zip = zip;
    }

    /**
     * Opens and validates a checkpoint.
     *
     * @param path the file
     * @return the open checkpoint; close it when done
     * @throws ModelLoadException when the file is unreadable, of the legacy (torch &lt; 1.6) format, malformed or
     *     refers to anything a state dict does not need
     */
    public static TorchCheckpoint open(Path path) {
        return open(path, false);
    }

    /**
     * Opens a checkpoint whose pickle is a dict of nested dicts rather than a flat state dict, such as an
     * AUTOMATIC1111 embedding ({@code {"string_to_param": {"*": tensor}, "name": ..., "step": ...}}): every tensor
     * is listed under its key path joined with {@code '.'} (e.g. {@code string_to_param.*}); plain values (strings,
     * numbers, booleans, {@code None} and tuples/lists of them) are skipped. Same restrictions and validation as
     * {@link #open}.
     *
     * @param path the file
     * @return the open checkpoint; close it when done
     * @throws ModelLoadException when the file is unreadable, malformed, nested more than
     *     {@value #MAX_NESTING} dicts deep, or refers to anything but tensors and plain values
     */
    public static TorchCheckpoint openNested(Path path) {
        return open(path, true);
    }

    /** The deepest dict nesting {@link #openNested} follows. */
    public static final int MAX_NESTING = 8;

    private static TorchCheckpoint open(Path path, boolean nested) {
        long fileSize = checkZipMagic(path);
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new ModelLoadException(path, "not a valid zip archive (corrupt or truncated checkpoint): "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot open checkpoint: " + e, e);
        }
        try {
            return new TorchCheckpoint(path, zip, parse(path, zip, fileSize, nested));
        } catch (RuntimeException e) {
            SafeTensors.closeQuietly(zip);
            throw e;
        }
    }

    private static long checkZipMagic(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 512));
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // fill
            }
            head.flip();
            byte[] b = new byte[head.remaining()];
            head.get(b);
            if (b.length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
                return size;
            }
            boolean legacyPickle = b.length >= 2 && (b[0] & 0xFF) == 0x80 && (b[1] & 0xFF) <= 5;
            boolean legacyTar = b.length >= 262 && new String(b, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
            if (legacyPickle || legacyTar) {
                throw new ModelLoadException(path, "unsupported legacy PyTorch checkpoint format (written by torch < 1.6"
                        + " or with _use_new_zipfile_serialization=False); re-save it with torch>=1.6, e.g. "
                        + "torch.save(torch.load(f), f), or convert it to .safetensors");
            }
            throw new ModelLoadException(path, "not a PyTorch checkpoint: expected a zip archive (torch.save format)");
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read checkpoint: " + e, e);
        }
    }

    private static Map<String, Entry> parse(Path path, ZipFile zip, long fileSize, boolean nested) {
        String prefix = null;
        Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            String n = all.nextElement().getName();
            if (n.equals("data.pkl") || (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length())) {
                String p = n.substring(0, n.length() - "data.pkl".length());
                if (prefix != null && !prefix.equals(p)) {
                    throw new ModelLoadException(path, "checkpoint archive has several data.pkl entries ('"
                            + prefix + "data.pkl', '" + n + "')");
                }
                prefix = p;
            }
        }
        if (prefix == null) {
            throw new ModelLoadException(path, "zip archive has no <folder>/data.pkl entry: not a torch.save checkpoint");
        }
        ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
        if (byteorder != null) {
            String order = new String(readSmall(path, zip, byteorder, 16), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw new ModelLoadException(path, "checkpoint stores '" + order
                        + "'-endian storages; only little-endian is supported");
            }
        }
        ZipEntry pklEntry = zip.getEntry(prefix + "data.pkl");
        byte[] pkl = readSmall(path, zip, pklEntry, MAX_PICKLE_BYTES);
        Object root = RestrictedUnpickler.load(path, prefix + "data.pkl", pkl);
        if (!(root instanceof Map)) {
            throw new ModelLoadException(path, prefix + "data.pkl holds a value of type "
                    + RestrictedUnpickler.typeName(root) + ", not a state dict (an OrderedDict of name to tensor)");
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        Map<String, DType> storageTypes = new HashMap<>();
        if (nested) {
            flatten(path, zip, prefix, (Map<?, ?>) root, "", 1, fileSize, storageTypes, out);
            return Collections.unmodifiableMap(out);
        }
        for (Map.Entry<?, ?> e : ((Map<?, ?>) root).entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new ModelLoadException(path, prefix + "data.pkl: state dict key is of type "
                        + RestrictedUnpickler.typeName(e.getKey()) + ", not a string");
            }
            String name = (String) e.getKey();
            if (!(e.getValue() instanceof TensorRef)) {
                throw new ModelLoadException(path, prefix + "data.pkl: state dict entry '" + name + "' is of type "
                        + RestrictedUnpickler.typeName(e.getValue()) + ", not a tensor");
            }
            out.put(name, entry(path, zip, prefix, name, (TensorRef) e.getValue(), fileSize, storageTypes));
        }
        return Collections.unmodifiableMap(out);
    }

    private static void flatten(Path path, ZipFile zip, String prefix, Map<?, ?> dict, String keyPrefix, int depth,
            long fileSize, Map<String, DType> storageTypes, Map<String, Entry> out) {
        if (depth > MAX_NESTING) {
            throw new ModelLoadException(path, prefix + "data.pkl: dicts nested more than " + MAX_NESTING
                    + " deep at '" + keyPrefix + "'");
        }
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            String name = keyPrefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof TensorRef t) {
                if (out.containsKey(name)) {
                    throw new ModelLoadException(path, prefix + "data.pkl: two tensors are named '" + name + "'");
                }
                out.put(name, entry(path, zip, prefix, name, t, fileSize, storageTypes));
            } else if (v instanceof Map<?, ?> m) {
                flatten(path, zip, prefix, m, name + ".", depth + 1, fileSize, storageTypes, out);
            } else if (!isPlain(v, depth)) {
                throw new ModelLoadException(path, prefix + "data.pkl: entry '" + name + "' is of type "
                        + RestrictedUnpickler.typeName(v) + ", neither a tensor, a dict nor a plain value");
            }
        }
    }

    /** A plain value, or a tuple/list of them nested at most {@link #MAX_NESTING} deep. */
    private static boolean isPlain(Object v, int depth) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return true;
        }
        if (depth > MAX_NESTING) {
            return false;
        }
        List<?> items = v instanceof RestrictedUnpickler.Tuple t ? t.items()
                : v instanceof List<?> l ? l : null;
        return items != null && items.stream().allMatch(x -> isPlain(x, depth + 1));
    }

    private static Entry entry(Path path, ZipFile zip, String prefix, String name, TensorRef t, long fileSize,
            Map<String, DType> storageTypes) {
        StorageRef s = t.storage();
        String where = "tensor '" + name + "' (storage '" + s.key() + "')";
        DType prev = storageTypes.putIfAbsent(s.key(), s.dtype());
        if (prev != null && prev != s.dtype()) {
            throw new ModelLoadException(path, where + ": storage is used as both " + prev + " and " + s.dtype());
        }
        TensorInfo info = new TensorInfo(name, s.dtype(), t.size());
        long numel;
        long storageBytes;
        try {
            for (long d : t.size()) {
                if (d < 0) {
                    throw new ModelLoadException(path, where + ": negative dimension in shape "
                            + Arrays.toString(t.size()));
                }
            }
            numel = info.elementCount();
            storageBytes = Math.multiplyExact(s.numel(), (long) s.dtype().byteSize());
            info.loadedByteCount();
        } catch (ArithmeticException ex) {
            throw new ModelLoadException(path, where + ": size overflows");
        }
        if (t.size().length != t.stride().length) {
            throw new ModelLoadException(path, where + ": shape " + Arrays.toString(t.size()) + " and stride "
                    + Arrays.toString(t.stride()) + " differ in length");
        }
        if (numel > 0) {
            long expected = 1;
            for (int i = t.size().length - 1; i >= 0; i--) {
                if (t.size()[i] != 1 && t.stride()[i] != expected) {
                    throw new ModelLoadException(path, where + ": non-contiguous strides " + Arrays.toString(t.stride())
                            + " for shape " + Arrays.toString(t.size()) + " are not supported (save .contiguous() tensors)");
                }
                expected *= t.size()[i];
            }
        }
        if (t.offset() < 0 || t.offset() > s.numel() || numel > s.numel() - t.offset()) {
            throw new ModelLoadException(path, where + ": elements [" + t.offset() + ", " + t.offset() + " + " + numel
                    + ") lie outside its storage of " + s.numel() + " elements");
        }
        if (info.loadedByteCount() > SafeTensors.MAX_TENSOR_BYTES) {
            throw new ModelLoadException(path, where + ": " + info.loadedByteCount()
                    + " bytes in one tensor is more than this reader loads at once (2 GiB)");
        }
        String entryName = prefix + "data/" + s.key();
        ZipEntry ze = zip.getEntry(entryName);
        if (ze == null) {
            throw new ModelLoadException(path, where + ": missing storage entry '" + entryName + "' in the archive");
        }
        checkEntrySize(path, ze, storageBytes, fileSize, where);
        return new Entry(info, ze, t.offset() * s.dtype().byteSize());
    }

    private static void checkEntrySize(Path path, ZipEntry ze, long expected, long fileSize, String where) {
        long size = ze.getSize();
        long csize = ze.getCompressedSize();
        if (size != expected) {
            throw new ModelLoadException(path, where + ": storage entry '" + ze.getName() + "' holds " + size
                    + " bytes but the pickle describes " + expected + " bytes");
        }
        if (csize < 0 || csize > fileSize) {
            throw new ModelLoadException(path, where + ": storage entry '" + ze.getName() + "' claims " + csize
                    + " stored bytes, more than the whole file (" + fileSize + " bytes)");
        }
        if (ze.getMethod() == ZipEntry.STORED && csize != size) {
            throw new ModelLoadException(path, where + ": stored entry '" + ze.getName() + "' claims " + size
                    + " bytes but occupies " + csize);
        }
        if (ze.getMethod() != ZipEntry.STORED && size > Math.max(csize, 1) * MAX_DEFLATE_RATIO) {
            throw new ModelLoadException(path, where + ": compressed entry '" + ze.getName() + "' claims " + size
                    + " bytes from " + csize + " compressed bytes, more than DEFLATE can produce");
        }
    }

    /** Reads a small entry fully, never trusting its claimed size beyond {@code limit}. */
    private static byte[] readSmall(Path path, ZipFile zip, ZipEntry ze, long limit) {
        if (ze.getSize() > limit) {
            throw new ModelLoadException(path, "entry '" + ze.getName() + "' claims " + ze.getSize()
                    + " bytes, more than the " + limit + "-byte limit");
        }
        try (InputStream in = zip.getInputStream(ze)) {
            byte[] b = in.readNBytes((int) limit + 1);
            if (b.length > limit) {
                throw new ModelLoadException(path, "entry '" + ze.getName() + "' is larger than the " + limit
                        + "-byte limit");
            }
            if (ze.getSize() >= 0 && b.length != ze.getSize()) {
                throw new ModelLoadException(path, "entry '" + ze.getName() + "' is truncated: " + b.length + " of "
                        + ze.getSize() + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read entry '" + ze.getName() + "': " + e, e);
        }
    }

    @Override
    public NDArray load(String name, NDManager manager) {
        Entry e = entry(name);
        TensorInfo info = e.info();
        int bytes = (int) info.byteCount();
        if (bytes == 0) {
            return manager.zeros(info.djlShape(), info.dtype().loadedAs());
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            try (InputStream in = zip.getInputStream(e.zipEntry())) {
                in.skipNBytes(e.byteOffset());
                byte[] chunk = new byte[Math.min(bytes, 1 << 20)];
                while (buf.hasRemaining()) {
                    int n = in.read(chunk, 0, Math.min(chunk.length, buf.remaining()));
                    if (n < 0) {
                        throw new EOFException();
                    }
                    buf.put(chunk, 0, n);
                }
            } catch (EOFException ex) {
                throw new ModelLoadException(path(), "tensor '" + name + "': storage entry '"
                        + e.zipEntry().getName() + "' is truncated", ex);
            } catch (IOException ex) {
                throw new ModelLoadException(path(), "tensor '" + name + "': cannot read storage entry '"
                        + e.zipEntry().getName() + "': " + ex, ex);
            }
            buf.flip();
            return SafeTensorsFile.fromLittleEndian(buf, info, manager);
        } finally {
            MappedBuffers.release(buf);
        }
    }

    @Override
    public void close() {
        SafeTensors.closeQuietly(zip);
    }
}

package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import ai.djl.ndarray.NDArray;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.smallsd.internal.io.config.ConfigJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Reading validates the whole header before any data is touched (header length, JSON, dtypes, shapes, offsets
 * inside the data section, no overlaps, byte counts) and then memory-maps one tensor at a time: the file is never
 * copied onto the Java heap and files larger than 2 GiB work. Writing goes through a temporary file that is moved
 * into place, so a failed write never leaves a half-written file behind.
 */
public final class SafeTensors {
    /** The largest header accepted (the format's own limit). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** The largest single tensor loaded, in bytes of the loaded array (a Java buffer limit). */
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

    private static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {}

    /**
     * Opens and validates a safetensors file.
     *
     * @param path the file
     * @return the open file; close it when done
     * @throws ModelLoadException when the file is unreadable or malformed (the message says where and why)
     */
    public static SafeTensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot open safetensors file: " + e, e);
        }
        try {
            return parse(path, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafeTensorsFile parse(Path path, FileChannel channel) {
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new ModelLoadException(path, "truncated safetensors file: " + fileSize
                        + " bytes, fewer than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lenBuf, 0, path);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
                throw new ModelLoadException(path, "invalid safetensors header length " + Long.toUnsignedString(headerLen)
                        + " (must be between 1 and " + MAX_HEADER_BYTES + " bytes)");
            }
            if (headerLen > fileSize - 8) {
                throw new ModelLoadException(path, "safetensors header length " + headerLen
                        + " exceeds the file size " + fileSize + " (truncated file?)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(channel, headerBuf, 8, path);
            String headerText;
            try {
                headerText = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(headerBuf).toString();
            } catch (CharacterCodingException e) {
                throw new ModelLoadException(path, "safetensors header is not valid UTF-8");
            }
            // Strict JSON: Gson's default parser is lenient (unquoted names, single quotes, NaN, comments).
            JsonElement el = ConfigJson.parseStrict(headerText, path, "safetensors header");
            if (!el.isJsonObject()) {
                throw new ModelLoadException(path, "safetensors header is not a JSON object");
            }
            JsonObject header = el.getAsJsonObject();
            long dataStart = 8 + headerLen;
            long dataLen = fileSize - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, SafeTensorsFile.Entry> entries = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                String name = e.getKey();
                if (METADATA_KEY.equals(name)) {
                    if (e.getValue().isJsonObject()) {
                        for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                            metadata.put(m.getKey(), m.getValue().isJsonPrimitive()
                                    ? m.getValue().getAsString() : m.getValue().toString());
                        }
                    }
                    continue;
                }
                entries.put(name, parseEntry(path, name, e.getValue(), dataLen));
            }
            checkOverlaps(path, entries);
            return new SafeTensorsFile(path, channel, dataStart, Collections.unmodifiableMap(metadata), entries);
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read safetensors file: " + e, e);
        }
    }

    private static SafeTensorsFile.Entry parseEntry(Path path, String name, JsonElement value, long dataLen) {
        if (!value.isJsonObject()) {
            throw new ModelLoadException(path, "tensor '" + name + "': header entry is not an object");
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dt = o.get("dtype");
        if (dt == null || !dt.isJsonPrimitive()) {
            throw new ModelLoadException(path, "tensor '" + name + "': missing 'dtype'");
        }
        DType dtype = DType.fromSafetensorsName(dt.getAsString());
        if (dtype == null) {
            throw new ModelLoadException(path, "tensor '" + name + "': unknown dtype '" + dt.getAsString()
                    + "' (known: " + Arrays.toString(DType.values()) + ")");
        }
        long[] shape = longArray(path, name, "shape", o.get("shape"), -1);
        long[] offsets = longArray(path, name, "data_offsets", o.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataLen) {
            throw new ModelLoadException(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLen + " bytes");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape);
        long expected;
        try {
            expected = info.byteCount();
        } catch (ArithmeticException ex) {
            throw new ModelLoadException(path, "tensor '" + name + "': shape " + Arrays.toString(shape) + " overflows");
        }
        if (expected != end - begin) {
            throw new ModelLoadException(path, "tensor '" + name + "': shape " + Arrays.toString(shape) + " of "
                    + dtype + " needs " + expected + " bytes but data_offsets give " + (end - begin));
        }
        if (end - begin > Integer.MAX_VALUE || info.loadedByteCount() > MAX_TENSOR_BYTES) {
            throw new ModelLoadException(path, "tensor '" + name + "': " + info.loadedByteCount()
                    + " bytes in one tensor is more than this reader loads at once (2 GiB)");
        }
        return new SafeTensorsFile.Entry(info, begin, end);
    }

    private static long[] longArray(Path path, String name, String key, JsonElement el, int requiredLength) {
        if (el == null || !el.isJsonArray()) {
            throw new ModelLoadException(path, "tensor '" + name + "': missing or non-array '" + key + "'");
        }
        JsonArray a = el.getAsJsonArray();
        if (requiredLength >= 0 && a.size() != requiredLength) {
            throw new ModelLoadException(path, "tensor '" + name + "': '" + key + "' must have " + requiredLength
                    + " entries, has " + a.size());
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = a.get(i);
            long x;
            try {
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                    throw new NumberFormatException(String.valueOf(v));
                }
                x = v.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
            } catch (NumberFormatException | ArithmeticException ex) {
                throw new ModelLoadException(path, "tensor '" + name + "': '" + key + "' entry " + v
                        + " is not a whole number");
            }
            if (x < 0) {
                throw new ModelLoadException(path, "tensor '" + name + "': '" + key + "' entry " + x + " is negative");
            }
            out[i] = x;
        }
        return out;
    }

    private static void checkOverlaps(Path path, Map<String, SafeTensorsFile.Entry> entries) {
        List<SafeTensorsFile.Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(SafeTensorsFile.Entry::begin).thenComparingLong(SafeTensorsFile.Entry::end));
        SafeTensorsFile.Entry prev = null;
        for (SafeTensorsFile.Entry e : sorted) {
            if (e.begin() == e.end()) {
                continue;
            }
            if (prev != null && e.begin() < prev.end()) {
                throw new ModelLoadException(path, "tensors '" + prev.info().name() + "' and '" + e.info().name()
                        + "' overlap: [" + prev.begin() + ", " + prev.end() + ") and [" + e.begin() + ", " + e.end() + ")");
            }
            prev = e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path path) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new ModelLoadException(path, "unexpected end of file at byte " + pos);
            }
            pos += n;
        }
        buf.flip();
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing to do
        }
    }

    /**
     * Writes tensors to a safetensors file, atomically (temporary file, then move).
     *
     * @param path the destination
     * @param tensors name to array, written in iteration order
     * @param metadata the {@code __metadata__} entries (may be empty)
     * @throws IOException when writing fails; the destination is then untouched
     */
    public static void write(Path path, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put(METADATA_KEY, metadata);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            DType dt = DType.of(a.getDataType());
            long bytes = a.getShape().size() * dt.byteSize();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", dt.name());
            entry.put("shape", a.getShape().getShape());
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        byte[] json = gson.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(headerBytes));
            for (NDArray a : tensors.values()) {
                if (a.getShape().size() == 0) {
                    continue;
                }
                ByteBuffer data = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                writeFully(ch, data);
            }
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}

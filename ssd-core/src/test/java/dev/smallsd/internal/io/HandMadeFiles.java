package dev.smallsd.internal.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds weight files byte by byte for tests: safetensors files, pickles and torch.save-style zip archives. */
final class HandMadeFiles {
    private HandMadeFiles() {}

    /**
     * Writes {@code [u64 headerLength][header][data]}.
     *
     * @param file destination
     * @param headerLength the length field to write (may lie)
     * @param header the header bytes
     * @param data the data section
     * @return {@code file}
     */
    static Path safetensors(Path file, long headerLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }

    /**
     * Writes a safetensors file with a correct header length.
     *
     * @param file destination
     * @param headerJson the header
     * @param data the data section
     * @return {@code file}
     */
    static Path safetensors(Path file, String headerJson, byte[] data) throws IOException {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        return safetensors(file, h.length, h, data);
    }

    /**
     * Writes a zip archive of STORED (uncompressed) entries, as torch.save does.
     *
     * @param file destination
     * @param entries name to content, in order
     * @return {@code file}
     */
    static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                ze.setCompressedSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return file;
    }

    /**
     * Overwrites the size fields of one entry, in its local header and in the central directory.
     *
     * @param file a zip written by {@link #zip}
     * @param entryName the entry
     * @param claimed the (unsigned 32-bit) size to claim
     */
    static void patchZipEntrySize(Path file, String entryName, long claimed) throws IOException {
        byte[] b = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        byte[] name = entryName.getBytes(StandardCharsets.UTF_8);
        int patched = 0;
        for (int i = 0; i + 46 < b.length; i++) {
            int sig = bb.getInt(i);
            if (sig == 0x04034b50 && matches(b, i + 30, name) && (bb.getShort(i + 26) & 0xFFFF) == name.length) {
                bb.putInt(i + 18, (int) claimed);
                bb.putInt(i + 22, (int) claimed);
                patched++;
            } else if (sig == 0x02014b50 && matches(b, i + 46, name) && (bb.getShort(i + 28) & 0xFFFF) == name.length) {
                bb.putInt(i + 20, (int) claimed);
                bb.putInt(i + 24, (int) claimed);
                patched++;
            }
        }
        if (patched != 2) {
            throw new IllegalStateException("patched " + patched + " headers of " + entryName);
        }
        Files.write(file, b);
    }

    private static boolean matches(byte[] b, int at, byte[] name) {
        if (at + name.length > b.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (b[at + i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    /** Emits pickle opcodes (the subset torch.save uses, plus whatever a hostile test needs). */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int opcode) {
            out.write(opcode);
            return this;
        }

        Pickle proto(int v) {
            return op(0x80).op(v);
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            if (v >= 0 && v < 256) {
                return op('K').op((int) v);
            }
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
                return this;
            }
            op(0x8a).op(8);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Pickle mark() {
            return op('(');
        }

        Pickle tuple() {
            return op('t');
        }

        Pickle ints(long... values) {
            mark();
            for (long v : values) {
                integer(v);
            }
            return tuple();
        }

        Pickle reduce() {
            return op('R');
        }

        Pickle stop() {
            return op('.');
        }

        /** {@code OrderedDict()} as torch.save writes it. */
        Pickle orderedDict() {
            return global("collections", "OrderedDict").op(')').reduce();
        }

        /**
         * A {@code _rebuild_tensor_v2} call of a contiguous tensor over storage {@code key}.
         *
         * @param storageType e.g. {@code "FloatStorage"}
         * @param key the storage key
         * @param storageNumel elements of the storage
         * @param offset element offset
         * @param shape the shape
         * @return this
         */
        Pickle tensor(String storageType, String key, long storageNumel, long offset, long... shape) {
            long[] stride = new long[shape.length];
            long s = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                stride[i] = s;
                s *= shape[i];
            }
            return tensorStrided(storageType, key, storageNumel, offset, shape, stride);
        }

        Pickle tensorStrided(String storageType, String key, long storageNumel, long offset, long[] shape,
                long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2");
            mark();
            mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(storageNumel).tuple();
            op('Q');
            integer(offset).ints(shape).ints(stride).op(0x89).orderedDict();
            tuple();
            return reduce();
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** @return little-endian float32 bytes */
    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }
}

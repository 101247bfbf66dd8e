package dev.smallsd.internal.io;

import dev.smallsd.ModelLoadException;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;

/** An opened, validated safetensors file; see {@link SafeTensors#open(Path)}. Thread-safe for concurrent loads. */
public final class SafeTensorsFile extends IndexedTensorFile<SafeTensorsFile.Entry> {

    /** A header entry: tensor description plus its byte range in the data section. */
    record Entry(TensorInfo info, long begin, long end) implements Indexed {}

    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;

    SafeTensorsFile(Path path, FileChannel channel, long dataStart, Map<String, String> metadata,
            Map<String, Entry> entries) {
        super(path, entries);
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = metadata;
    }

    /** @return the {@code __metadata__} map of the header */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public NDArray load(String name, NDManager manager) {
        Entry e = entry(name);
        TensorInfo info = e.info();
        long length = e.end() - e.begin();
        if (length == 0) {
            return manager.zeros(info.djlShape(), info.dtype().loadedAs());
        }
        MappedByteBuffer mapped;
        try {
            mapped = MappedBuffers.map(channel, dataStart + e.begin(), length);
        } catch (IOException ex) {
            throw new ModelLoadException(path(), "cannot map tensor '" + name + "': " + ex, ex);
        }
        try {
            return fromLittleEndian(mapped, info, manager);
        } finally {
            MappedBuffers.release(mapped);
        }
    }

    /**
     * Copies little-endian tensor bytes into a new array that owns its memory.
     *
     * @param data the bytes, position 0 to limit
     * @param info the tensor description
     * @param manager the owner of the new array
     * @return the array (BF16 widened to F32)
     */
    static NDArray fromLittleEndian(ByteBuffer data, TensorInfo info, NDManager manager) {
        data.order(ByteOrder.LITTLE_ENDIAN);
        if (info.dtype() == DType.BF16) {
            int n = Math.toIntExact(info.elementCount());
            ByteBuffer out = manager.allocateDirect(Math.multiplyExact(n, 4)).order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                out.putFloat(Float.intBitsToFloat((data.getShort(i * 2) & 0xFFFF) << 16));
            }
            out.rewind();
            return manager.create(out, info.djlShape(), DataType.FLOAT32);
        }
        try (NDArray view = manager.create(data, info.djlShape(), info.dtype().loadedAs())) {
            return view.duplicate();
        }
    }

    @Override
    public void close() {
        SafeTensors.closeQuietly(channel);
    }
}

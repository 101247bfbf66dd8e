package dev.smallsd.internal.io;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.io.IOException;

/** Maps file regions and releases them promptly instead of waiting for the garbage collector. */
final class MappedBuffers {
    private static final Method INVOKE_CLEANER;
    private static final Object UNSAFE;

    static {
        Method m = null;
        Object u = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            u = f.get(null);
            m = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            m = null;
            u = null;
        }
        INVOKE_CLEANER = m;
        UNSAFE = u;
    }

    private MappedBuffers() {}

    /**
     * Maps {@code length} bytes read-only, little-endian.
     *
     * @param channel the open file
     * @param position absolute file offset
     * @param length number of bytes (at most {@link Integer#MAX_VALUE})
     * @return the mapping
     * @throws IOException when the mapping fails
     */
    static MappedByteBuffer map(FileChannel channel, long position, long length) throws IOException {
        MappedByteBuffer b = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
        b.order(ByteOrder.LITTLE_ENDIAN);
        return b;
    }

    /**
     * Unmaps a buffer now. Only call when nothing (no NDArray) refers to its memory any more.
     *
     * @param buffer a mapped buffer
     */
    static void release(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // fall back to the garbage collector
        }
    }
}

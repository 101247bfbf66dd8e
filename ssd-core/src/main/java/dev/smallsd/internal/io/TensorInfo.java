package dev.smallsd.internal.io;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Name, element type and shape of a stored tensor.
 *
 * @param name the key in the file
 * @param dtype the stored element type
 * @param shape the dimensions
 */
public record TensorInfo(String name, DType dtype, long[] shape) {

    /** @return the number of elements */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** @return the number of bytes the data occupies in the file */
    public long byteCount() {
        return Math.multiplyExact(elementCount(), dtype.byteSize());
    }

    /** @return the number of bytes of the loaded array (BF16 is widened to 4-byte F32 on load) */
    public long loadedByteCount() {
        return Math.multiplyExact(elementCount(), (long) dtype.loadedAs().getNumOfBytes());
    }

    /** @return the shape as a DJL {@link Shape} */
    public Shape djlShape() {
        return new Shape(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && t.name.equals(name)
                && t.dtype == dtype
                && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}

package dev.smallsd.internal.io;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/** Element types found in safetensors and PyTorch checkpoints, with their sizes and DJL counterparts. */
public enum DType {
    /** 64-bit float. */
    F64(8, DataType.FLOAT64),
    /** 32-bit float. */
    F32(4, DataType.FLOAT32),
    /** IEEE half precision. */
    F16(2, DataType.FLOAT16),
    /** bfloat16: widened to F32 on load (DJL 0.36 cannot hold BF16 arrays safely). */
    BF16(2, DataType.FLOAT32),
    /** 64-bit signed integer. */
    I64(8, DataType.INT64),
    /** 32-bit signed integer. */
    I32(4, DataType.INT32),
    /** 8-bit signed integer. */
    I8(1, DataType.INT8),
    /** 8-bit unsigned integer. */
    U8(1, DataType.UINT8),
    /** boolean, one byte per element. */
    BOOL(1, DataType.BOOLEAN);

    private final int byteSize;
    private final DataType loadedAs;

    DType(int byteSize, DataType loadedAs) {
        this.byteSize = byteSize;
        this.loadedAs = loadedAs;
    }

    /** @return bytes per element in the file */
    public int byteSize() {
        return byteSize;
    }

    /** @return the DJL data type of the array this element type is loaded into */
    public DataType loadedAs() {
        return loadedAs;
    }

    /** @return whether this is a floating point type */
    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /**
     * Parses a safetensors dtype name.
     *
     * @param name e.g. {@code "F32"}
     * @return the type, or {@code null} when unknown
     */
    public static DType fromSafetensorsName(String name) {
        if (name == null) {
            return null;
        }
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Maps a DJL data type to the element type written for it.
     *
     * @param type the DJL type
     * @return the file element type
     * @throws IllegalArgumentException for types safetensors cannot hold here
     */
    public static DType of(DataType type) {
        switch (type) {
            case FLOAT64:
                return F64;
            case FLOAT32:
                return F32;
            case FLOAT16:
                return F16;
            case INT64:
                return I64;
            case INT32:
                return I32;
            case INT8:
                return I8;
            case UINT8:
                return U8;
            case BOOLEAN:
                return BOOL;
            default:
                throw new IllegalArgumentException("unsupported data type for safetensors: " + type);
        }
    }
}

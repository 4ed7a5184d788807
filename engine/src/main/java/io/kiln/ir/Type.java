package io.kiln.ir;

/**
 * The value types of the kernel IR: the JVM's computational types. {@code byte}, {@code short},
 * {@code char} and {@code boolean} values live in {@link #I32} registers, exactly as on the JVM
 * operand stack; narrowing happens only through explicit conversions and narrow array stores.
 */
public enum Type {
    /** 32-bit two's-complement integer (Java {@code int}). */
    I32,
    /** 64-bit two's-complement integer (Java {@code long}). */
    I64,
    /** IEEE 754 binary32 (Java {@code float}). */
    F32,
    /** IEEE 754 binary64 (Java {@code double}). */
    F64;

    /** Whether this is a floating-point type. */
    public boolean isFloating() {
        return this == F32 || this == F64;
    }

    /** Whether this type is 64 bits wide. */
    public boolean isWide() {
        return this == I64 || this == F64;
    }
}

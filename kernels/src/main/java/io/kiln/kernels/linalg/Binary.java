package io.kiln.kernels.linalg;

/**
 * The elementwise functions of two tensors ({@link Elementwise#binary}, {@link Linalg#binary}):
 * IEEE float arithmetic, bit for bit Java's on every device. Kernels take the op as its
 * {@link #code()}.
 */
public enum Binary {
    /** {@code a + b}. */
    ADD,
    /** {@code a - b}. */
    SUB,
    /** {@code a * b}. */
    MUL,
    /** {@code a / b}. */
    DIV;

    /** The code kernels take for this function (its ordinal). */
    public int code() {
        return ordinal();
    }
}

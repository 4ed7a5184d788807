package io.kiln.kernels.linalg;

/**
 * How the second operand of a {@link Binary} function covers a {@code rows x cols} tensor. Kernels take
 * it as its {@link #code()}.
 */
public enum Broadcast {
    /** b has the tensor's shape: {@code b[r * cols + c]}. */
    NONE,
    /** b is a row vector of {@code cols} elements, repeated for every row: {@code b[c]}. */
    ROW,
    /** b is a column vector of {@code rows} elements, repeated along every row: {@code b[r]}. */
    COLUMN;

    /** The code kernels take for this broadcast (its ordinal). */
    public int code() {
        return ordinal();
    }

    /** The elements b must have for a {@code rows x cols} tensor. */
    public long length(int rows, int cols) {
        return switch (this) {
            case NONE -> (long) rows * cols;
            case ROW -> cols;
            case COLUMN -> rows;
        };
    }
}

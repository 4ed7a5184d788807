package io.kiln.kernels.linalg;

/**
 * The reductions along an axis of a {@code rows x cols} tensor ({@link AxisReductions#reduce},
 * {@link Linalg#reduce}); the index of the largest element is {@link Linalg#argmax}. Kernels take the op
 * as its {@link #code()}.
 */
public enum Reduction {
    /** The sum, accumulated in double. */
    SUM,
    /** The sum divided by the count, in double. */
    MEAN,
    /** The population variance (divided by the count, NumPy's {@code ddof=0}), two passes in double. */
    VARIANCE,
    /** The smallest element; NaN if any is NaN (NumPy's {@code min}). */
    MIN,
    /** The largest element; NaN if any is NaN (NumPy's {@code max}). */
    MAX;

    /** The code kernels take for this reduction (its ordinal). */
    public int code() {
        return ordinal();
    }
}

package io.kiln.kernels.linalg;

/**
 * The options of a matrix product {@code C = alpha * op(A) * op(B) + beta * C} in {@link Linalg}:
 * transposes, scales and leading dimensions ({@code 0}: the packed row length). Immutable; each
 * {@code with} method returns a copy:
 * <pre>{@code
 * linalg.matmul(a, b, c, m, n, k, Matmul.DEFAULT.transposeB().scale(0.5, 1));   // C = 0.5 * A * B^T + C
 * }</pre>
 *
 * @param transA whether op(A) is A transposed (A stored {@code k x m})
 * @param transB whether op(B) is B transposed (B stored {@code n x k})
 * @param alpha  the scale of the product
 * @param beta   the scale of C's old contents ({@code 0}: C is not read)
 * @param lda    A's leading dimension, or {@code 0} for its row length
 * @param ldb    B's leading dimension, or {@code 0} for its row length
 * @param ldc    C's leading dimension, or {@code 0} for {@code n}
 */
public record Matmul(boolean transA, boolean transB, double alpha, double beta, int lda, int ldb, int ldc) {
    /** {@code C = A * B}, all packed. */
    public static final Matmul DEFAULT = new Matmul(false, false, 1, 0, 0, 0, 0);

    /** These options with op(A) = A transposed. */
    public Matmul transposeA() {
        return new Matmul(true, transB, alpha, beta, lda, ldb, ldc);
    }

    /** These options with op(B) = B transposed. */
    public Matmul transposeB() {
        return new Matmul(transA, true, alpha, beta, lda, ldb, ldc);
    }

    /** These options with {@code C = alpha * op(A) op(B) + beta * C}. */
    public Matmul scale(double alpha, double beta) {
        return new Matmul(transA, transB, alpha, beta, lda, ldb, ldc);
    }

    /** These options with explicit leading dimensions (row strides; {@code 0}: the row length). */
    public Matmul leadingDimensions(int lda, int ldb, int ldc) {
        return new Matmul(transA, transB, alpha, beta, lda, ldb, ldc);
    }

    /** A's leading dimension for these shapes. */
    int lda(int m, int k) {
        return lda != 0 ? lda : Math.max(1, transA ? m : k);
    }

    /** B's leading dimension for these shapes. */
    int ldb(int n, int k) {
        return ldb != 0 ? ldb : Math.max(1, transB ? k : n);
    }

    /** C's leading dimension for these shapes. */
    int ldc(int n) {
        return ldc != 0 ? ldc : Math.max(1, n);
    }
}

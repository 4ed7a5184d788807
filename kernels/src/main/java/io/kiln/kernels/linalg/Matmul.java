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
 * @param strideA in a strided batch, the elements from one A to the next ({@code 0}: one A for the whole
 *                batch), or {@code -1} for the stored matrices one after another ({@code rows * lda})
 * @param strideB the same for B
 * @param strideC the same for C ({@code -1}: {@code m * ldc}; the C matrices must not overlap)
 */
public record Matmul(boolean transA, boolean transB, double alpha, double beta, int lda, int ldb, int ldc,
                     int strideA, int strideB, int strideC) {
    /** {@code C = A * B}, all packed. */
    public static final Matmul DEFAULT = new Matmul(false, false, 1, 0, 0, 0, 0, -1, -1, -1);

    /** These options with op(A) = A transposed. */
    public Matmul transposeA() {
        return new Matmul(true, transB, alpha, beta, lda, ldb, ldc, strideA, strideB, strideC);
    }

    /** These options with op(B) = B transposed. */
    public Matmul transposeB() {
        return new Matmul(transA, true, alpha, beta, lda, ldb, ldc, strideA, strideB, strideC);
    }

    /** These options with {@code C = alpha * op(A) op(B) + beta * C}. */
    public Matmul scale(double alpha, double beta) {
        return new Matmul(transA, transB, alpha, beta, lda, ldb, ldc, strideA, strideB, strideC);
    }

    /** These options with explicit leading dimensions (row strides; {@code 0}: the row length). */
    public Matmul leadingDimensions(int lda, int ldb, int ldc) {
        return new Matmul(transA, transB, alpha, beta, lda, ldb, ldc, strideA, strideB, strideC);
    }

    /**
     * These options with explicit batch strides: the elements from one matrix of a strided batch to the
     * next; {@code 0} uses one A (or one B) for every product; {@code -1} (the default) places the stored
     * matrices one after another.
     */
    public Matmul batchStrides(int strideA, int strideB, int strideC) {
        return new Matmul(transA, transB, alpha, beta, lda, ldb, ldc, strideA, strideB, strideC);
    }

    /** The strides {@code {strideA, strideB, strideC}} of a strided batch for these shapes. */
    int[] strides(int m, int n, int k) {
        return new int[] {strideA >= 0 ? strideA : (transA ? k : m) * lda(m, k), strideB >= 0 ? strideB : (transB ? n : k) * ldb(n, k),
                strideC >= 0 ? strideC : m * ldc(n)};
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

package io.kiln.kernels.linalg;

/**
 * The argument rules of {@link Gemm}, checked before a product runs (kernels themselves cannot throw).
 */
public final class GemmShapes {
    private GemmShapes() {
    }

    /**
     * Checks the dimensions, leading dimensions and array lengths of a product
     * {@code C = alpha * op(A) * op(B) + beta * C} (see {@link Gemm}).
     *
     * @throws IllegalArgumentException saying which argument is wrong and what it must be
     */
    public static void check(boolean transA, boolean transB, int m, int n, int k, int aLength, int lda,
                             int bLength, int ldb, int cLength, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: m, n and k must not be negative, got m=" + m + " n=" + n + " k=" + k);
        }
        matrix("A", transA ? k : m, transA ? m : k, aLength, lda, transA ? "m" : "k");
        matrix("B", transB ? n : k, transB ? k : n, bLength, ldb, transB ? "k" : "n");
        matrix("C", m, n, cLength, ldc, "n");
    }

    /** A stored {@code rows x cols} matrix with row stride {@code ld} in an array of {@code length}. */
    private static void matrix(String name, int rows, int cols, int length, int ld, String colsName) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("gemm: ld" + name.toLowerCase(java.util.Locale.ROOT) + "=" + ld + " is less than the "
                    + cols + " columns (" + colsName + ") of the stored " + name + ": a leading dimension is at least the row length");
        }
        long need = rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
        if (length < need) {
            throw new IllegalArgumentException("gemm: " + name + " (" + rows + " x " + cols + ", leading dimension " + ld + ") needs "
                    + need + " elements, its array has " + length);
        }
    }
}

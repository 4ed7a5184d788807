package io.kiln.kernels.linalg;

/**
 * The {@code cpu} variants of {@link MatVec#sgemv} and {@link MatVec#dgemv}: bit for bit the reference (each output summed in the
 * same order with the same roundings), but with A read row by row in both cases. For op(A) = A each
 * output is one row's dot product; for op(A) = A^T the reference walks a column of A per output (a
 * stride of {@code lda} floats), so this variant keeps a block of partial sums and adds row after row
 * of A into it, a contiguous loop that C2 vectorises. Blocks run on the caller's pool ({@link CpuRanges}).
 */
public final class CpuMatVec {
    /** Outputs per task (the partial sums of a transposed block stay in L1). */
    private static final int BLOCK = 1024;

    private CpuMatVec() {
    }

    /**
     * {@link MatVec#sgemv}, the same result bit for bit.
     *
     * @throws IllegalArgumentException if a dimension, stride or array length is wrong
     */
    public static void sgemv(boolean trans, int m, int n, float alpha, float[] a, int lda, float[] x, int incx, float beta,
                             float[] y, int incy) {
        GemmShapes.checkGemv(trans, m, n, a.length, lda, x.length, incx, y.length, incy);
        int rows = trans ? n : m, len = trans ? m : n;
        if (alpha == 0f || (long) rows * len < 1 << 16) {
            MatVec.sgemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
            return;
        }
        blocks(rows, (lo, hi) -> {
            if (trans) columns(m, lo, hi, alpha, a, lda, x, incx, beta, y, incy);
            else rows(n, lo, hi, alpha, a, lda, x, incx, beta, y, incy);
        });
    }

    /** Outputs {@code [lo, hi)} of a gemv. */
    @FunctionalInterface
    private interface Outputs {
        void run(int lo, int hi);
    }

    /** Runs {@code outputs} over {@code [0, rows)} in blocks of {@link #BLOCK} on the caller's pool, one schedule for both types. */
    private static void blocks(int rows, Outputs outputs) {
        CpuRanges.run(rows, BLOCK, (from, to) -> {
            for (int lo = (int) from; lo < to; lo += BLOCK) outputs.run(lo, (int) Math.min(to, lo + BLOCK));
        });
    }

    /** Outputs {@code [j0, j1)} of {@code y = alpha * A^T x + beta * y}, A read row by row. */
    private static void columns(int m, int j0, int j1, float alpha, float[] a, int lda, float[] x, int incx, float beta,
                                float[] y, int incy) {
        float[] acc = new float[j1 - j0];
        for (int p = 0; p < m; p++) {
            float xp = x[p * incx];
            int o = p * lda + j0;
            for (int j = 0; j < acc.length; j++) {
                acc[j] += a[o + j] * xp;
            }
        }
        for (int j = j0; j < j1; j++) {
            int yi = j * incy;
            float sum = acc[j - j0];
            y[yi] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yi];
        }
    }

    /** Outputs {@code [i0, i1)} of {@code y = alpha * A x + beta * y}: one dot product per row. */
    private static void rows(int n, int i0, int i1, float alpha, float[] a, int lda, float[] x, int incx, float beta, float[] y,
                             int incy) {
        for (int i = i0; i < i1; i++) {
            float sum = 0f;
            int o = i * lda;
            for (int p = 0; p < n; p++) {
                sum += a[o + p] * x[p * incx];
            }
            int yi = i * incy;
            y[yi] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yi];
        }
    }

    /**
     * {@link MatVec#dgemv}, the same result bit for bit; scheduled as {@link #sgemv}.
     *
     * @throws IllegalArgumentException if a dimension, stride or array length is wrong
     */
    public static void dgemv(boolean trans, int m, int n, double alpha, double[] a, int lda, double[] x, int incx, double beta,
                             double[] y, int incy) {
        GemmShapes.checkGemv(trans, m, n, a.length, lda, x.length, incx, y.length, incy);
        int rows = trans ? n : m, len = trans ? m : n;
        if (alpha == 0d || (long) rows * len < 1 << 16) {
            MatVec.dgemv(trans, m, n, alpha, a, lda, x, incx, beta, y, incy);
            return;
        }
        blocks(rows, (lo, hi) -> {
            if (trans) columns(m, lo, hi, alpha, a, lda, x, incx, beta, y, incy);
            else rows(n, lo, hi, alpha, a, lda, x, incx, beta, y, incy);
        });
    }

    /** {@link #columns(int, int, int, float, float[], int, float[], int, float, float[], int)} in double. */
    private static void columns(int m, int j0, int j1, double alpha, double[] a, int lda, double[] x, int incx, double beta,
                                double[] y, int incy) {
        double[] acc = new double[j1 - j0];
        for (int p = 0; p < m; p++) {
            double xp = x[p * incx];
            int o = p * lda + j0;
            for (int j = 0; j < acc.length; j++) {
                acc[j] += a[o + j] * xp;
            }
        }
        for (int j = j0; j < j1; j++) {
            int yi = j * incy;
            double sum = acc[j - j0];
            y[yi] = beta == 0d ? alpha * sum : alpha * sum + beta * y[yi];
        }
    }

    /** {@link #rows(int, int, int, float, float[], int, float[], int, float, float[], int)} in double. */
    private static void rows(int n, int i0, int i1, double alpha, double[] a, int lda, double[] x, int incx, double beta, double[] y,
                             int incy) {
        for (int i = i0; i < i1; i++) {
            double sum = 0d;
            int o = i * lda;
            for (int p = 0; p < n; p++) {
                sum += a[o + p] * x[p * incx];
            }
            int yi = i * incy;
            y[yi] = beta == 0d ? alpha * sum : alpha * sum + beta * y[yi];
        }
    }
}

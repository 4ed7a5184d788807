package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.Variant;

/**
 * Matrix-vector operations, BLAS level 2 style, on a row-major {@code m x n} matrix A (element (i, j) at
 * {@code a[i * lda + j]}, {@code lda >= n}) and strided vectors (element {@code p} of x at
 * {@code x[p * incx]}, {@code incx >= 1}). Portable Kiln kernels, on Java arrays and on off-heap
 * {@link FloatArray}s (the same sums in the same order; their element offsets are {@code long});
 * {@link #sgemv} and {@link #dgemv} on Java arrays have cpu variants ({@link CpuMatVec}) that compute the
 * same sums in the same order. {@link #dgemv} is gemv in {@code double}, on {@code double[]} and
 * {@link DoubleArray}s.
 * <p><b>Precision.</b> Both are bit for bit their plain Java code on every device: each dot product is
 * summed in {@code float} in order of increasing index with separate roundings (no FMA), and so is
 * the cpu variant ({@code double} for dgemv). Against the exact value that order is within
 * {@code (len + 2) * u * (|alpha| |A| |x| + |beta| |y|)} elementwise, {@code u = 2^-24} (sgemv) or
 * {@code 2^-53} (dgemv): the gemm bound with {@code k = len}.
 * <p><b>Special values (as in reference BLAS).</b> gemv: {@code beta == 0} does not read y;
 * {@code alpha == 0} does not read A or x. ger: {@code alpha == 0} leaves A untouched.
 */
public final class MatVec {
    private MatVec() {
    }

    /**
     * {@code y = alpha * op(A) * x + beta * y}: op(A) = A ({@code x} has {@code n} elements, {@code y} has
     * {@code m}) or A transposed ({@code x} has {@code m}, {@code y} has {@code n}).
     *
     * @param trans whether op(A) is A transposed
     * @param m     rows of A
     * @param n     columns of A
     * @param alpha the scale of the product
     * @param a     A, row-major
     * @param lda   A's leading dimension ({@code >= n})
     * @param x     the input vector
     * @param incx  x's element stride ({@code >= 1})
     * @param beta  the scale of y's old contents ({@code 0}: not read)
     * @param y     the output vector, updated in place
     * @param incy  y's element stride ({@code >= 1})
     */
    @Variant(backend = Backend.CPU, in = CpuMatVec.class)
    public static void sgemv(boolean trans, int m, int n, float alpha, float[] a, int lda, float[] x, int incx, float beta,
                             float[] y, int incy) {
        int rows = trans ? n : m, len = trans ? m : n;
        for (@Parallel int i = 0; i < rows; i++) {
            float sum = 0f;
            if (alpha != 0f) {
                for (int p = 0; p < len; p++) {
                    float v = trans ? a[p * lda + i] : a[i * lda + p];
                    sum += v * x[p * incx];
                }
            }
            int yi = i * incy;
            if (alpha == 0f) {
                y[yi] = beta == 0f ? 0f : beta * y[yi];
            } else {
                y[yi] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yi];
            }
        }
    }

    /**
     * The outer-product update {@code A += alpha * x * y^T}: {@code a[i * lda + j] += (alpha * x[i * incx]) * y[j * incy]}
     * for {@code i < m}, {@code j < n} (BLAS {@code sger}).
     *
     * @param m     rows of A, elements of x
     * @param n     columns of A, elements of y
     * @param alpha the scale ({@code 0}: A is left as it is)
     * @param x     the column vector
     * @param incx  x's element stride
     * @param y     the row vector
     * @param incy  y's element stride
     * @param a     A, updated in place
     * @param lda   A's leading dimension ({@code >= n})
     */
    public static void sger(int m, int n, float alpha, float[] x, int incx, float[] y, int incy, float[] a, int lda) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                if (alpha != 0f) {
                    a[i * lda + j] += (alpha * x[i * incx]) * y[j * incy];
                }
            }
        }
    }

    /**
     * {@link #sgemv(boolean, int, int, float, float[], int, float[], int, float, float[], int)} on off-heap
     * arrays: the same sums in the same order, element offsets computed in {@code long}.
     */
    public static void sgemv(boolean trans, int m, int n, float alpha, FloatArray a, int lda, FloatArray x, int incx, float beta,
                             FloatArray y, int incy) {
        int rows = trans ? n : m, len = trans ? m : n;
        for (@Parallel int i = 0; i < rows; i++) {
            float sum = 0f;
            if (alpha != 0f) {
                for (int p = 0; p < len; p++) {
                    float v = trans ? a.get((long) p * lda + i) : a.get((long) i * lda + p);
                    sum += v * x.get((long) p * incx);
                }
            }
            long yi = (long) i * incy;
            if (alpha == 0f) {
                y.set(yi, beta == 0f ? 0f : beta * y.get(yi));
            } else {
                y.set(yi, beta == 0f ? alpha * sum : alpha * sum + beta * y.get(yi));
            }
        }
    }

    /** {@link #sger(int, int, float, float[], int, float[], int, float[], int)} on off-heap arrays. */
    public static void sger(int m, int n, float alpha, FloatArray x, int incx, FloatArray y, int incy, FloatArray a, int lda) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                if (alpha != 0f) {
                    long e = (long) i * lda + j;
                    a.set(e, a.get(e) + (alpha * x.get((long) i * incx)) * y.get((long) j * incy));
                }
            }
        }
    }

    /**
     * {@link #sgemv(boolean, int, int, float, float[], int, float[], int, float, float[], int)} in
     * {@code double}: {@code y = alpha * op(A) * x + beta * y}, each dot product summed in double in order
     * of increasing index with separate roundings (no FMA); the same arguments and special values.
     */
    @Variant(backend = Backend.CPU, in = CpuMatVec.class)
    public static void dgemv(boolean trans, int m, int n, double alpha, double[] a, int lda, double[] x, int incx, double beta,
                             double[] y, int incy) {
        int rows = trans ? n : m, len = trans ? m : n;
        for (@Parallel int i = 0; i < rows; i++) {
            double sum = 0d;
            if (alpha != 0d) {
                for (int p = 0; p < len; p++) {
                    double v = trans ? a[p * lda + i] : a[i * lda + p];
                    sum += v * x[p * incx];
                }
            }
            int yi = i * incy;
            if (alpha == 0d) {
                y[yi] = beta == 0d ? 0d : beta * y[yi];
            } else {
                y[yi] = beta == 0d ? alpha * sum : alpha * sum + beta * y[yi];
            }
        }
    }

    /**
     * {@link #dgemv(boolean, int, int, double, double[], int, double[], int, double, double[], int)} on
     * off-heap arrays: the same sums in the same order, element offsets computed in {@code long}.
     */
    public static void dgemv(boolean trans, int m, int n, double alpha, DoubleArray a, int lda, DoubleArray x, int incx, double beta,
                             DoubleArray y, int incy) {
        int rows = trans ? n : m, len = trans ? m : n;
        for (@Parallel int i = 0; i < rows; i++) {
            double sum = 0d;
            if (alpha != 0d) {
                for (int p = 0; p < len; p++) {
                    double v = trans ? a.get((long) p * lda + i) : a.get((long) i * lda + p);
                    sum += v * x.get((long) p * incx);
                }
            }
            long yi = (long) i * incy;
            if (alpha == 0d) {
                y.set(yi, beta == 0d ? 0d : beta * y.get(yi));
            } else {
                y.set(yi, beta == 0d ? alpha * sum : alpha * sum + beta * y.get(yi));
            }
        }
    }
}

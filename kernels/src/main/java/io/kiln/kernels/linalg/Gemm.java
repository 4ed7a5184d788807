package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.Variant;

/**
 * General matrix products, BLAS style, on row-major matrices:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(X)} is {@code X} or its transpose. These
 * methods are the portable references (Kiln kernels: one work-item per element of C, each summed in order
 * of increasing {@code p}); on {@code cpu} the engine runs their {@link Variant}s in {@link CpuGemm}
 * instead (packed, cache-blocked, vectorised, on all cores), and on OpenCL and CUDA devices {@code sgemm}
 * and {@code dgemm} on Java arrays run the tiled work-group kernels of {@link GpuGemm} (bit for bit these
 * references).
 * <p><b>Shapes.</b> {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, C is {@code m x n}.
 * Without transposition A is stored {@code m x k} with element (i, p) at {@code a[i * lda + p]}
 * ({@code lda >= k}); transposed, A is stored {@code k x m} and op(A)(i, p) is {@code a[p * lda + i]}
 * ({@code lda >= m}). The same for B ({@code k x n}, {@code ldb >= n}; or stored {@code n x k},
 * {@code ldb >= k}); C is {@code m x n} with {@code ldc >= n}. A leading dimension larger than the row
 * length addresses a sub-matrix of a larger one. {@link GemmShapes#check} states and checks all this.
 * <p><b>Special values (as in reference BLAS).</b> {@code beta == 0}: C is only written, never read (NaN
 * or Inf in C does not propagate). {@code alpha == 0}: A and B are not read and C becomes
 * {@code beta * C}. Otherwise NaN and Inf in A or B propagate to every element of C they contribute to.
 * <p><b>Precision.</b> These references sum each element in order of increasing {@code p} with separate
 * roundings; the cpu variants reassociate (slices of 256 FMAs each) and use FMA. Every implementation is
 * within {@code |C - C64| <= (2k + 4) * u * (|alpha| |op(A)| |op(B)| + |beta| |C|)} elementwise of the
 * exact result (computed in float64 for {@code sgemm}), with {@code u = 2^-24} for {@code sgemm} and
 * {@code 2^-53} for {@code dgemm}, barring overflow and underflow: see docs/library-linalg.md. {@code io.kiln.kernels.Blas#sgemm} keeps the plain Java order on every
 * device, bit for bit.
 */
public final class Gemm {
    private Gemm() {
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} in {@code float}; see the class comment for shapes,
     * special values and precision.
     *
     * @param transA whether op(A) is A transposed
     * @param transB whether op(B) is B transposed
     * @param m      rows of op(A) and C
     * @param n      columns of op(B) and C
     * @param k      columns of op(A), rows of op(B)
     * @param alpha  the scale of the product
     * @param a      A
     * @param lda    A's leading dimension (row stride)
     * @param b      B
     * @param ldb    B's leading dimension
     * @param beta   the scale of C's old contents ({@code 0}: not read)
     * @param c      C, updated in place
     * @param ldc    C's leading dimension
     */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    @Variant(backend = Backend.OPENCL, in = GpuGemm.class, grid = "sgemmGrid")
    @Variant(backend = Backend.CUDA, in = GpuGemm.class, grid = "sgemmGrid")
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                             float[] b, int ldb, float beta, float[] c, int ldc) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0f;
                if (alpha != 0f) {
                    for (int p = 0; p < k; p++) {
                        float x = transA ? a[p * lda + i] : a[i * lda + p];
                        float y = transB ? b[j * ldb + p] : b[p * ldb + j];
                        sum += x * y;
                    }
                }
                int ci = i * ldc + j;
                if (alpha == 0f) {
                    c[ci] = beta == 0f ? 0f : beta * c[ci];
                } else {
                    c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
                }
            }
        }
    }

    /**
     * {@link #sgemm(boolean, boolean, int, int, int, float, float[], int, float[], int, float, float[], int)}
     * on off-heap matrices: the same contract, with element {@code e} of a matrix at {@code get(e)}.
     */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatArray a, int lda,
                             FloatArray b, int ldb, float beta, FloatArray c, int ldc) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0f;
                if (alpha != 0f) {
                    for (int p = 0; p < k; p++) {
                        float x = transA ? a.get(p * lda + i) : a.get(i * lda + p);
                        float y = transB ? b.get(j * ldb + p) : b.get(p * ldb + j);
                        sum += x * y;
                    }
                }
                int ci = i * ldc + j;
                if (alpha == 0f) {
                    c.set(ci, beta == 0f ? 0f : beta * c.get(ci));
                } else {
                    c.set(ci, beta == 0f ? alpha * sum : alpha * sum + beta * c.get(ci));
                }
            }
        }
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} in {@code double}; the same contract as
     * {@link #sgemm}.
     */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    @Variant(backend = Backend.OPENCL, in = GpuGemm.class, grid = "dgemmGrid")
    @Variant(backend = Backend.CUDA, in = GpuGemm.class, grid = "dgemmGrid")
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                             double[] b, int ldb, double beta, double[] c, int ldc) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                double sum = 0d;
                if (alpha != 0d) {
                    for (int p = 0; p < k; p++) {
                        double x = transA ? a[p * lda + i] : a[i * lda + p];
                        double y = transB ? b[j * ldb + p] : b[p * ldb + j];
                        sum += x * y;
                    }
                }
                int ci = i * ldc + j;
                if (alpha == 0d) {
                    c[ci] = beta == 0d ? 0d : beta * c[ci];
                } else {
                    c[ci] = beta == 0d ? alpha * sum : alpha * sum + beta * c[ci];
                }
            }
        }
    }

    /**
     * {@link #dgemm(boolean, boolean, int, int, int, double, double[], int, double[], int, double, double[], int)}
     * on off-heap matrices: the same contract, with element {@code e} of a matrix at {@code get(e)}.
     */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, DoubleArray a, int lda,
                             DoubleArray b, int ldb, double beta, DoubleArray c, int ldc) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                product(transA, transB, k, alpha, a, 0, lda, b, 0, ldb, beta, c, i * ldc + j, i, j);
            }
        }
    }

    /**
     * Strided-batched {@code C[q] = alpha * op(A[q]) * op(B[q]) + beta * C[q]} for {@code q < batch}, in one
     * launch: matrix {@code q} of A starts at {@code a[q * strides[0]]}, of B at {@code b[q * strides[1]]},
     * of C at {@code c[q * strides[2]]}; each is addressed as in {@link #sgemm} with its leading dimension.
     * A stride of 0 reuses one matrix for the whole batch (A and B only: the C matrices must not overlap).
     * The three strides travel in one array because a task takes at most 15 arguments.
     *
     * @param strides {@code {strideA, strideB, strideC}}, in elements
     * @param batch   the number of products
     */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                                           float[] b, int ldb, float beta, float[] c, int ldc, int[] strides, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, q * strides[0], lda, b, q * strides[1], ldb, beta, c, q * strides[2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /**
     * Batched {@code C[q] = alpha * op(A[q]) * op(B[q]) + beta * C[q]} for {@code q < batch}, in one launch,
     * with each matrix at its own offset (BLAS's array of pointers): matrix {@code q} of A starts at
     * {@code a[offsets[3q]]}, of B at {@code b[offsets[3q + 1]]}, of C at {@code c[offsets[3q + 2]]}. The C
     * matrices must not overlap (the facade checks it).
     *
     * @param offsets {@code 3 * batch} element offsets: A, B and C of each product in turn
     * @param batch   the number of products
     */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void sgemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                                    float[] b, int ldb, float beta, float[] c, int ldc, int[] offsets, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, offsets[3 * q], lda, b, offsets[3 * q + 1], ldb, beta, c, offsets[3 * q + 2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /** {@link #sgemmStridedBatched} on off-heap matrices (the strides stay a Java array). */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatArray a, int lda,
                                           FloatArray b, int ldb, float beta, FloatArray c, int ldc, int[] strides, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, q * strides[0], lda, b, q * strides[1], ldb, beta, c, q * strides[2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /** {@link #sgemmBatched} on off-heap matrices (the offsets stay a Java array). */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void sgemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatArray a, int lda,
                                    FloatArray b, int ldb, float beta, FloatArray c, int ldc, int[] offsets, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, offsets[3 * q], lda, b, offsets[3 * q + 1], ldb, beta, c, offsets[3 * q + 2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /** {@link #sgemmStridedBatched} in {@code double}: each product as {@link #dgemm} computes it. */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void dgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                                           double[] b, int ldb, double beta, double[] c, int ldc, int[] strides, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, q * strides[0], lda, b, q * strides[1], ldb, beta, c, q * strides[2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /** {@link #sgemmBatched} in {@code double}. */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void dgemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                                    double[] b, int ldb, double beta, double[] c, int ldc, int[] offsets, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, offsets[3 * q], lda, b, offsets[3 * q + 1], ldb, beta, c, offsets[3 * q + 2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /** {@link #dgemmStridedBatched} on off-heap matrices. */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void dgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, DoubleArray a, int lda,
                                           DoubleArray b, int ldb, double beta, DoubleArray c, int ldc, int[] strides, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, q * strides[0], lda, b, q * strides[1], ldb, beta, c, q * strides[2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /** {@link #dgemmBatched} on off-heap matrices. */
    @Variant(backend = Backend.CPU, in = CpuGemm.class)
    public static void dgemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, DoubleArray a, int lda,
                                    DoubleArray b, int ldb, double beta, DoubleArray c, int ldc, int[] offsets, int batch) {
        for (@Parallel int q = 0; q < batch; q++) {
            for (@Parallel int i = 0; i < m; i++) {
                for (@Parallel int j = 0; j < n; j++) {
                    product(transA, transB, k, alpha, a, offsets[3 * q], lda, b, offsets[3 * q + 1], ldb, beta, c, offsets[3 * q + 2] + i * ldc + j, i, j);
                }
            }
        }
    }

    /**
     * Element (i, j) of one product of a batch, exactly as {@link #sgemm} computes it, written to
     * {@code c[ci]}; A and B start at {@code oa}, {@code ob} (a helper: kernels inline it).
     */
    private static void product(boolean transA, boolean transB, int k, float alpha, float[] a, int oa, int lda, float[] b, int ob,
                                int ldb, float beta, float[] c, int ci, int i, int j) {
        float sum = 0f;
        if (alpha != 0f) {
            for (int p = 0; p < k; p++) {
                float x = transA ? a[oa + p * lda + i] : a[oa + i * lda + p];
                float y = transB ? b[ob + j * ldb + p] : b[ob + p * ldb + j];
                sum += x * y;
            }
        }
        if (alpha == 0f) {
            c[ci] = beta == 0f ? 0f : beta * c[ci];
        } else {
            c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
        }
    }

    /** {@link #product(boolean, boolean, int, float, float[], int, int, float[], int, int, float, float[], int, int, int)} off-heap. */
    private static void product(boolean transA, boolean transB, int k, float alpha, FloatArray a, int oa, int lda, FloatArray b, int ob,
                                int ldb, float beta, FloatArray c, int ci, int i, int j) {
        float sum = 0f;
        if (alpha != 0f) {
            for (int p = 0; p < k; p++) {
                float x = transA ? a.get(oa + p * lda + i) : a.get(oa + i * lda + p);
                float y = transB ? b.get(ob + j * ldb + p) : b.get(ob + p * ldb + j);
                sum += x * y;
            }
        }
        if (alpha == 0f) {
            c.set(ci, beta == 0f ? 0f : beta * c.get(ci));
        } else {
            c.set(ci, beta == 0f ? alpha * sum : alpha * sum + beta * c.get(ci));
        }
    }

    /** Element (i, j) of one {@code double} product, exactly as {@link #dgemm} computes it. */
    private static void product(boolean transA, boolean transB, int k, double alpha, double[] a, int oa, int lda, double[] b, int ob,
                                int ldb, double beta, double[] c, int ci, int i, int j) {
        double sum = 0d;
        if (alpha != 0d) {
            for (int p = 0; p < k; p++) {
                double x = transA ? a[oa + p * lda + i] : a[oa + i * lda + p];
                double y = transB ? b[ob + j * ldb + p] : b[ob + p * ldb + j];
                sum += x * y;
            }
        }
        if (alpha == 0d) {
            c[ci] = beta == 0d ? 0d : beta * c[ci];
        } else {
            c[ci] = beta == 0d ? alpha * sum : alpha * sum + beta * c[ci];
        }
    }

    /** Element (i, j) of one off-heap {@code double} product, exactly as {@link #dgemm} computes it. */
    private static void product(boolean transA, boolean transB, int k, double alpha, DoubleArray a, int oa, int lda, DoubleArray b,
                                int ob, int ldb, double beta, DoubleArray c, int ci, int i, int j) {
        double sum = 0d;
        if (alpha != 0d) {
            for (int p = 0; p < k; p++) {
                double x = transA ? a.get(oa + p * lda + i) : a.get(oa + i * lda + p);
                double y = transB ? b.get(ob + j * ldb + p) : b.get(ob + p * ldb + j);
                sum += x * y;
            }
        }
        if (alpha == 0d) {
            c.set(ci, beta == 0d ? 0d : beta * c.get(ci));
        } else {
            c.set(ci, beta == 0d ? alpha * sum : alpha * sum + beta * c.get(ci));
        }
    }
}

package io.kiln.kernels.linalg;

/**
 * The plain-Java block of {@link CpuGemm}, used where the Vector API is not resolved: C is first
 * scaled by beta, then for each 256-deep slice the slice of op(B) is copied into a row-major buffer and
 * each row of C gets {@code c[i, j] += (alpha * op(A)(i, p)) * b[p, j]}, an inner loop that C2
 * auto-vectorises. The float and double methods are the same code, once per primitive type. Slower than {@link VectorSgemm} (measured in docs/benchmarks.md), always available.
 */
final class ScalarGemm {
    private static final int KC = 256;
    private static final int NB = 512;
    private static final ThreadLocal<float[]> FLOATS = ThreadLocal.withInitial(() -> new float[KC * NB]);
    private static final ThreadLocal<double[]> DOUBLES = ThreadLocal.withInitial(() -> new double[KC * NB]);

    private ScalarGemm() {
    }

    /** The block {@code [i0, i1) x [j0, j1)} of {@link CpuGemm#sgemm}; alpha is non-zero and k positive. */
    static void sgemm(boolean transA, boolean transB, int k, float alpha, float[] a, int lda, float[] b, int ldb,
                      float beta, float[] c, int ldc, int i0, int i1, int j0, int j1) {
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                int ci = i * ldc + j;
                c[ci] = beta == 0f ? 0f : beta * c[ci];
            }
        }
        float[] bp = FLOATS.get();
        for (int jb = j0; jb < j1; jb += NB) {
            int nb = Math.min(NB, j1 - jb);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < nb; j++) {
                        bp[p * nb + j] = transB ? b[(jb + j) * ldb + pc + p] : b[(pc + p) * ldb + jb + j];
                    }
                }
                for (int i = i0; i < i1; i++) {
                    int ci = i * ldc + jb;
                    for (int p = 0; p < kc; p++) {
                        float x = alpha * (transA ? a[(pc + p) * lda + i] : a[i * lda + pc + p]);
                        int bo = p * nb;
                        for (int j = 0; j < nb; j++) {
                            c[ci + j] += x * bp[bo + j];
                        }
                    }
                }
            }
        }
    }

    /** The block {@code [i0, i1) x [j0, j1)} of {@link CpuGemm#dgemm}; alpha is non-zero and k positive. */
    static void dgemm(boolean transA, boolean transB, int k, double alpha, double[] a, int lda, double[] b, int ldb,
                      double beta, double[] c, int ldc, int i0, int i1, int j0, int j1) {
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                int ci = i * ldc + j;
                c[ci] = beta == 0d ? 0d : beta * c[ci];
            }
        }
        double[] bp = DOUBLES.get();
        for (int jb = j0; jb < j1; jb += NB) {
            int nb = Math.min(NB, j1 - jb);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < nb; j++) {
                        bp[p * nb + j] = transB ? b[(jb + j) * ldb + pc + p] : b[(pc + p) * ldb + jb + j];
                    }
                }
                for (int i = i0; i < i1; i++) {
                    int ci = i * ldc + jb;
                    for (int p = 0; p < kc; p++) {
                        double x = alpha * (transA ? a[(pc + p) * lda + i] : a[i * lda + pc + p]);
                        int bo = p * nb;
                        for (int j = 0; j < nb; j++) {
                            c[ci + j] += x * bp[bo + j];
                        }
                    }
                }
            }
        }
    }
}

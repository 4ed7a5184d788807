package io.kiln.kernels;

import io.kiln.KernelContext;
import io.kiln.Parallel;

/**
 * Basic linear algebra kernels, written in Kiln's kernel language. Each method runs as plain Java too,
 * and then computes exactly what every Kiln device computes: the reference mode that keeps Java's
 * summation order. {@link io.kiln.kernels.linalg.Gemm} has the full BLAS products (transposes, alpha,
 * beta, leading dimensions) with fast per-device variants, and {@link io.kiln.kernels.linalg.Linalg} a
 * call-style facade.
 * <pre>{@code
 * new TaskGraph("axpy").task("saxpy", Blas::saxpy, 2f, x, y).transferToHost(Transfer.EVERY_RUN, y);
 * }</pre>
 */
public final class Blas {
    private Blas() {
    }

    /**
     * {@code y[i] = a * x[i] + y[i]} for every {@code i < y.length}, rounded as Java rounds it (the
     * product and the sum each rounded to {@code float}; never fused into one FMA).
     *
     * @param a the scale factor
     * @param x the input vector; at least {@code y.length} elements
     * @param y the vector updated in place
     */
    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /**
     * {@code C = A * B} for row-major matrices: {@code A} is {@code m x k}, {@code B} is
     * {@code k x n}, {@code C} is {@code m x n} and is overwritten. Each element of {@code C} is the
     * dot product summed in order of increasing {@code p}, in {@code float}, without FMA. A naive
     * kernel: one work-item per element of {@code C}.
     *
     * @param m rows of A and C
     * @param n columns of B and C
     * @param k columns of A, rows of B
     * @param a A, at least {@code m * k} elements, element (i, p) at {@code i * k + p}
     * @param b B, at least {@code k * n} elements, element (p, j) at {@code p * n + j}
     * @param c C, at least {@code m * n} elements, element (i, j) at {@code i * n + j}
     */
    public static void sgemm(int m, int n, int k, float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    sum += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = sum;
            }
        }
    }

    /**
     * {@code C = A * B} like {@link #sgemm}, in {@code double}: each element of C the dot product summed
     * in order of increasing {@code p}, without FMA, so every device computes it bit for bit as plain Java
     * does. A naive kernel; {@link io.kiln.kernels.linalg.Gemm#dgemm} is the full BLAS form with a fast
     * {@code cpu} variant.
     */
    public static void dgemm(int m, int n, int k, double[] a, double[] b, double[] c) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                double sum = 0d;
                for (int p = 0; p < k; p++) {
                    sum += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = sum;
            }
        }
    }

    /** Tile edge of {@link #sgemmTiled}. */
    public static final int TILE = 16;

    /**
     * {@code C = A * B} like {@link #sgemm}, with {@code TILE x TILE} tiles of A and B staged in
     * local memory so that each element is read from global memory {@code n / TILE} times instead of
     * {@code n} times. Each element of C is still summed in order of increasing {@code p}, so the
     * result equals {@link #sgemm}'s bit for bit. Launch with
     * {@code Grid.of(n rounded up to TILE, m rounded up to TILE).local(TILE, TILE)}.
     */
    public static void sgemmTiled(KernelContext ctx, int m, int n, int k, float[] a, float[] b, float[] c) {
        float[] ta = ctx.localFloats(TILE * TILE);
        float[] tb = ctx.localFloats(TILE * TILE);
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int col = ctx.groupIdx() * TILE + lx;
        int row = ctx.groupIdy() * TILE + ly;
        float sum = 0f;
        for (int t = 0; t < k; t += TILE) {
            int ac = t + lx;
            int br = t + ly;
            ta[ly * TILE + lx] = row < m && ac < k ? a[row * k + ac] : 0f;
            tb[ly * TILE + lx] = br < k && col < n ? b[br * n + col] : 0f;
            ctx.barrier();
            int steps = Math.min(TILE, k - t);
            for (int p = 0; p < steps; p++) {
                sum += ta[ly * TILE + p] * tb[p * TILE + lx];
            }
            ctx.barrier();
        }
        if (row < m && col < n) {
            c[row * n + col] = sum;
        }
    }
}

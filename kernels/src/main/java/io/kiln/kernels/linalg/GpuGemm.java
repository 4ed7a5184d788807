package io.kiln.kernels.linalg;

import io.kiln.Grid;
import io.kiln.KernelContext;

/**
 * The OpenCL and CUDA variants of {@link Gemm#sgemm} and {@link Gemm#dgemm} ({@link io.kiln.Variant}
 * with a geometry of their own): tiled, register-blocked work-group kernels, the GPU-shaped algorithm.
 * <p><b>Shape.</b> A work-group of {@code 16 x 16} work-items computes a {@code 64 x 64} tile of C; each
 * work-item a {@code 4 x 4} register block, rows {@code ly + 16 r} and columns {@code lx + 16 c} of the
 * tile (so that neighbouring work-items touch neighbouring columns: coalesced stores, no bank conflicts
 * on the tile of B). For each 16-deep slice of the sum the group stages the {@code 64 x 16} slice of
 * op(A) and the {@code 16 x 64} slice of op(B) in local memory (4 elements per work-item each, read in
 * the order that keeps neighbouring work-items on neighbouring addresses for either transpose), waits at
 * a barrier, and every work-item then reads 8 values and does 16 multiply-adds per step: 16 global reads
 * per 64 multiply-adds instead of 2 per 1. Edges (any m, n, k, including 1 and primes) load zeros outside
 * the matrices and store only inside; the slice loop runs only to {@code k}.
 * <p><b>Precision.</b> Each element of C is summed exactly as the reference sums it: from 0, in order of
 * increasing {@code p}, each product and sum rounded separately (Kiln never contracts to FMA), then scaled
 * as the reference scales it. So the variant is <b>bit for bit</b> the portable reference on the same
 * device, within the bound {@link Gemm} documents, and keeps BLAS's special cases ({@code alpha == 0}
 * reads neither A nor B, {@code beta == 0} does not read C).
 * <p>Its geometry ({@link #sgemmGrid}): {@code ceil(n / 64) * 16 x ceil(m / 64) * 16} work-items in groups of
 * {@code 16 x 16}. The kernels are kernels like any other: in a graph, run one directly with that grid
 * ({@code graph.task("mm", GpuGemm::sgemm, new KernelContext(), ...)}, {@code plan.withGrid("mm", GpuGemm.sgemmGrid(...))}).
 */
public final class GpuGemm {
    /** Work-items per work-group side. */
    public static final int GROUP = 16;
    /** Rows (and columns) of C per work-item's register block. */
    public static final int BLOCK = 4;
    /** The side of the tile of C a work-group computes ({@code GROUP * BLOCK}). */
    public static final int TILE = GROUP * BLOCK;
    /** The depth of one slice of the sum staged in local memory. */
    public static final int DEPTH = 16;

    private GpuGemm() {
    }

    /** The grid of {@link #sgemm}: one {@code 16 x 16} work-group per {@code 64 x 64} tile of C. */
    public static Grid sgemmGrid(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                                 float[] b, int ldb, float beta, float[] c, int ldc) {
        return grid(m, n);
    }

    /** The grid of {@link #dgemm}; as {@link #sgemmGrid}. */
    public static Grid dgemmGrid(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                                 double[] b, int ldb, double beta, double[] c, int ldc) {
        return grid(m, n);
    }

    private static Grid grid(int m, int n) {
        return Grid.of((long) ((n + TILE - 1) / TILE) * GROUP, (long) ((m + TILE - 1) / TILE) * GROUP).local(GROUP, GROUP);
    }

    /**
     * {@link Gemm#sgemm} as a tiled work-group kernel (see the class comment); launch with
     * {@link #sgemmGrid}. Parameters as {@link Gemm#sgemm}'s.
     */
    public static void sgemm(KernelContext ctx, boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
                             int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        // ta[row * DEPTH + p] = op(A)(i0 + row, t + p); tb[p * TILE + col] = op(B)(t + p, j0 + col)
        float[] ta = ctx.localFloats(TILE * DEPTH);
        float[] tb = ctx.localFloats(DEPTH * TILE);
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int l = ly * GROUP + lx;
        int i0 = ctx.groupIdy() * TILE;
        int j0 = ctx.groupIdx() * TILE;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        // alpha == 0: A and B are not read (reference BLAS); a uniform condition, so every work-item
        // of the group takes it alike and the barriers inside stay legal.
        int depth = alpha != 0f ? k : 0;
        for (int t = 0; t < depth; t += DEPTH) {
            for (int s = 0; s < BLOCK; s++) {
                int e = l + s * GROUP * GROUP;
                // untransposed A: neighbours read neighbouring p (one row); transposed: neighbouring rows
                int row = transA ? e % TILE : e / DEPTH;
                int p = transA ? e / TILE : e % DEPTH;
                int i = i0 + row, q = t + p;
                ta[row * DEPTH + p] = i < m && q < k ? (transA ? a[q * lda + i] : a[i * lda + q]) : 0f;
                // untransposed B: neighbours read neighbouring columns; transposed: neighbouring p
                int col = transB ? e / DEPTH : e % TILE;
                int pb = transB ? e % DEPTH : e / TILE;
                int j = j0 + col, qb = t + pb;
                tb[pb * TILE + col] = j < n && qb < k ? (transB ? b[j * ldb + qb] : b[qb * ldb + j]) : 0f;
            }
            ctx.barrier();
            // only to k: padding would add +0 to a -0 sum and so change a bit of the reference's result
            int steps = Math.min(DEPTH, k - t);
            for (int p = 0; p < steps; p++) {
                float a0 = ta[ly * DEPTH + p], a1 = ta[(ly + GROUP) * DEPTH + p];
                float a2 = ta[(ly + 2 * GROUP) * DEPTH + p], a3 = ta[(ly + 3 * GROUP) * DEPTH + p];
                float b0 = tb[p * TILE + lx], b1 = tb[p * TILE + lx + GROUP];
                float b2 = tb[p * TILE + lx + 2 * GROUP], b3 = tb[p * TILE + lx + 3 * GROUP];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            ctx.barrier();
        }
        int i = i0 + ly, j = j0 + lx;
        store(c, ldc, m, n, i, j, alpha, beta, c00, c01, c02, c03);
        store(c, ldc, m, n, i + GROUP, j, alpha, beta, c10, c11, c12, c13);
        store(c, ldc, m, n, i + 2 * GROUP, j, alpha, beta, c20, c21, c22, c23);
        store(c, ldc, m, n, i + 3 * GROUP, j, alpha, beta, c30, c31, c32, c33);
    }

    /** Row {@code i} of a register block: columns {@code j + 16 c}, each stored as the reference stores it. */
    private static void store(float[] c, int ldc, int m, int n, int i, int j, float alpha, float beta,
                              float s0, float s1, float s2, float s3) {
        if (i < m) {
            store(c, i * ldc, n, j, alpha, beta, s0);
            store(c, i * ldc, n, j + GROUP, alpha, beta, s1);
            store(c, i * ldc, n, j + 2 * GROUP, alpha, beta, s2);
            store(c, i * ldc, n, j + 3 * GROUP, alpha, beta, s3);
        }
    }

    /** {@code C(i, j)} from its sum, exactly as {@link Gemm#sgemm} writes it. */
    private static void store(float[] c, int row, int n, int j, float alpha, float beta, float sum) {
        if (j < n) {
            int ci = row + j;
            if (alpha == 0f) {
                c[ci] = beta == 0f ? 0f : beta * c[ci];
            } else {
                c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }

    /**
     * {@link Gemm#dgemm} as a tiled work-group kernel, the same algorithm as {@link #sgemm} in
     * {@code double}; launch with {@link #dgemmGrid}.
     */
    public static void dgemm(KernelContext ctx, boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a,
                             int lda, double[] b, int ldb, double beta, double[] c, int ldc) {
        double[] ta = ctx.localDoubles(TILE * DEPTH);
        double[] tb = ctx.localDoubles(DEPTH * TILE);
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int l = ly * GROUP + lx;
        int i0 = ctx.groupIdy() * TILE;
        int j0 = ctx.groupIdx() * TILE;
        double c00 = 0d, c01 = 0d, c02 = 0d, c03 = 0d, c10 = 0d, c11 = 0d, c12 = 0d, c13 = 0d;
        double c20 = 0d, c21 = 0d, c22 = 0d, c23 = 0d, c30 = 0d, c31 = 0d, c32 = 0d, c33 = 0d;
        int depth = alpha != 0d ? k : 0;
        for (int t = 0; t < depth; t += DEPTH) {
            for (int s = 0; s < BLOCK; s++) {
                int e = l + s * GROUP * GROUP;
                int row = transA ? e % TILE : e / DEPTH;
                int p = transA ? e / TILE : e % DEPTH;
                int i = i0 + row, q = t + p;
                ta[row * DEPTH + p] = i < m && q < k ? (transA ? a[q * lda + i] : a[i * lda + q]) : 0d;
                int col = transB ? e / DEPTH : e % TILE;
                int pb = transB ? e % DEPTH : e / TILE;
                int j = j0 + col, qb = t + pb;
                tb[pb * TILE + col] = j < n && qb < k ? (transB ? b[j * ldb + qb] : b[qb * ldb + j]) : 0d;
            }
            ctx.barrier();
            int steps = Math.min(DEPTH, k - t);
            for (int p = 0; p < steps; p++) {
                double a0 = ta[ly * DEPTH + p], a1 = ta[(ly + GROUP) * DEPTH + p];
                double a2 = ta[(ly + 2 * GROUP) * DEPTH + p], a3 = ta[(ly + 3 * GROUP) * DEPTH + p];
                double b0 = tb[p * TILE + lx], b1 = tb[p * TILE + lx + GROUP];
                double b2 = tb[p * TILE + lx + 2 * GROUP], b3 = tb[p * TILE + lx + 3 * GROUP];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            ctx.barrier();
        }
        int i = i0 + ly, j = j0 + lx;
        store(c, ldc, m, n, i, j, alpha, beta, c00, c01, c02, c03);
        store(c, ldc, m, n, i + GROUP, j, alpha, beta, c10, c11, c12, c13);
        store(c, ldc, m, n, i + 2 * GROUP, j, alpha, beta, c20, c21, c22, c23);
        store(c, ldc, m, n, i + 3 * GROUP, j, alpha, beta, c30, c31, c32, c33);
    }

    /** {@link #store(float[], int, int, int, int, int, float, float, float, float, float, float)} in {@code double}. */
    private static void store(double[] c, int ldc, int m, int n, int i, int j, double alpha, double beta,
                              double s0, double s1, double s2, double s3) {
        if (i < m) {
            store(c, i * ldc, n, j, alpha, beta, s0);
            store(c, i * ldc, n, j + GROUP, alpha, beta, s1);
            store(c, i * ldc, n, j + 2 * GROUP, alpha, beta, s2);
            store(c, i * ldc, n, j + 3 * GROUP, alpha, beta, s3);
        }
    }

    /** {@code C(i, j)} from its sum, exactly as {@link Gemm#dgemm} writes it. */
    private static void store(double[] c, int row, int n, int j, double alpha, double beta, double sum) {
        if (j < n) {
            int ci = row + j;
            if (alpha == 0d) {
                c[ci] = beta == 0d ? 0d : beta * c[ci];
            } else {
                c[ci] = beta == 0d ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }
}

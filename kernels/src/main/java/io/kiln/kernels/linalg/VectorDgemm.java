package io.kiln.kernels.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The {@code double} twin of {@link VectorSgemm} (keep the two in step: the Vector API has no access to
 * primitive arrays that is generic over the element type, so the code is written once per type).
 * The {@code double} block of {@link CpuGemm} with the Vector API: packing, cache blocking and a
 * register-blocked micro-kernel of {@link #MR} rows by two vectors: 6 x 16 on AVX-512 (12 vector
 * accumulators, two B vectors and one broadcast of its 32 registers), 4 x 8 on AVX2 and 4 x 4 on NEON (8
 * accumulators: 6 x 8 needed 15 of AVX2's 16 {@code ymm} registers live, see {@link VectorSgemm}). Loaded only when
 * {@code jdk.incubator.vector} is resolved and vectors have at least 2 double lanes ({@link #usable()});
 * {@link ScalarGemm} serves everywhere else.
 * <p>Blocking (Goto/BLIS): for each {@link #NC}-column block of B and each {@link #KC}-deep slice, the
 * slice of op(B) is packed into {@value #NR}-column panels (stays in L2/L3); for each {@link #MC}-row
 * block of op(A) the block is packed into {@value #MR}-row panels (stays in L2); the micro-kernel then
 * multiplies one A panel by one B panel (the B panel, {@code KC * NR * 4} = 32 KiB, stays in L1) into
 * registers and updates C once. Panels are zero-padded, so edges need no special case in the
 * micro-kernel; edge tiles go through a small buffer. As in {@link VectorSgemm}, the 4-row kernel writes
 * a full tile straight into C, C's lines read before its loop ({@link #kernel4}).
 */
final class VectorDgemm {
    /** The machine's own vector width: 8 lanes on AVX-512, 4 on AVX2, 2 on NEON. */
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /**
     * Rows of the micro-tile (broadcast values of A), by the rule of {@link VectorSgemm#MR}: 6 where there
     * are 32 vector registers (8 double lanes: AVX-512), else 4 (AVX2's 16 registers, NEON).
     */
    static final int MR = L >= 8 ? 6 : 4;
    /** Columns of the micro-tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of a packed slice: the B panel (32 KiB with 8 lanes) fits in L1. */
    static final int KC = 256;
    /** Rows of a packed A block: 12 KiB per panel, 384 KiB per block, fits in L2. */
    static final int MC = 32 * MR;
    /** Columns of a packed B block: at most 2 MiB. */
    static final int NC = 1024;

    /** Per-thread packing buffers, reused across calls (about 2.4 MiB per thread that ran a product). */
    private static final ThreadLocal<double[][]> BUFFERS = ThreadLocal.withInitial(
            () -> new double[][] {new double[MC * KC], new double[KC * NC], new double[MR * NR]});

    private VectorDgemm() {
    }

    /** Whether the machine has real vectors (at least 2 lanes), so that the micro-kernel pays. */
    static boolean usable() {
        return L >= 2;
    }

    /**
     * {@code C[i0:i1, j0:j1] = alpha * op(A) op(B) + beta * C} on that block; beta == 0 does not read C.
     * Arguments as {@link CpuGemm#dgemm}; alpha is non-zero and k positive.
     */
    static void block(boolean transA, boolean transB, int k, double alpha, double[] a, int lda, double[] b, int ldb,
                      double beta, double[] c, int ldc, int i0, int i1, int j0, int j1) {
        blockOf(transA, transB, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc, i0, i1, j0, j1);
    }

    /** {@link #block} on matrices that start at {@code offA}, {@code offB}, {@code offC} (one product of a batch). */
    static void block(boolean transA, boolean transB, int k, double alpha, double[] a, int offA, int lda, double[] b, int offB,
                      int ldb, double beta, double[] c, int offC, int ldc, int i0, int i1, int j0, int j1) {
        blockOf(transA, transB, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, i0, i1, j0, j1);
    }

    /**
     * {@link #block} on off-heap matrices (the segments of {@code DoubleArray}s) that start at
     * {@code offA}, {@code offB}, {@code offC}: only packing and the update of C differ.
     */
    static void block(boolean transA, boolean transB, int k, double alpha, MemorySegment a, int offA, int lda, MemorySegment b,
                      int offB, int ldb, double beta, MemorySegment c, int offC, int ldc, int i0, int i1, int j0, int j1) {
        blockOf(transA, transB, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, i0, i1, j0, j1);
    }

    /** The blocked loops; {@code a}, {@code b}, {@code c} are all {@code double[]} or all {@link MemorySegment}. */
    private static void blockOf(boolean transA, boolean transB, int k, double alpha, Object a, int offA, int lda, Object b,
                                int offB, int ldb, double beta, Object c, int offC, int ldc, int i0, int i1, int j0, int j1) {
        double[][] buf = BUFFERS.get();
        double[] pa = buf[0], pb = buf[1], tile = buf[2];
        // Strides of op(A)(i, p) and op(B)(p, j) in their arrays.
        int ars = transA ? 1 : lda, acs = transA ? lda : 1;
        int brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // The first slice applies beta; later ones accumulate onto it.
                double bt = pc == 0 ? beta : 1d;
                if (b instanceof double[] bh) packB(bh, offB + pc * brs + jc * bcs, brs, bcs, kc, nc, pb);
                else packB((MemorySegment) b, offB + pc * brs + jc * bcs, brs, bcs, kc, nc, pb);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    if (a instanceof double[] ah) packA(ah, offA + ic * ars + pc * acs, ars, acs, mc, kc, pa);
                    else packA((MemorySegment) a, offA + ic * ars + pc * acs, ars, acs, mc, kc, pa);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int co = offC + (ic + ir) * ldc + jc + jr;
                            if (MR == 4 && mr == MR && nr == NR && c instanceof double[] ch) {
                                // AVX2, NEON: the kernel writes a full tile straight into C (kernel4).
                                kernel4(kc, pa, ir * kc, pb, jr * kc, ch, co, ldc, alpha, bt, tile);
                                continue;
                            }
                            kernel(kc, pa, ir * kc, pb, jr * kc, tile);
                            if (c instanceof double[] ch) {
                                if (mr == MR && nr == NR) update(tile, ch, co, ldc, alpha, bt);
                                else merge(tile, mr, nr, ch, co, ldc, alpha, bt);
                            } else {
                                merge(tile, mr == MR && nr == NR, mr, nr, (MemorySegment) c, co, ldc, alpha, bt);
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@link #packA(double[], int, int, int, int, int, double[])} from a segment (element reads; packing is O(n^2)). */
    private static void packA(MemorySegment a, int o, int rs, int cs, int mc, int kc, double[] pa) {
        int w = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            for (int p = 0; p < kc; p++, w += MR) {
                for (int r = 0; r < MR; r++) {
                    pa[w + r] = r < mr ? a.getAtIndex(ValueLayout.JAVA_DOUBLE, o + (long) (ir + r) * rs + (long) p * cs) : 0d;
                }
            }
        }
    }

    /** {@link #packB(double[], int, int, int, int, int, double[])} from a segment. */
    private static void packB(MemorySegment b, int o, int rs, int cs, int kc, int nc, double[] pb) {
        int w = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            for (int p = 0; p < kc; p++, w += NR) {
                for (int j = 0; j < NR; j++) {
                    pb[w + j] = j < nr ? b.getAtIndex(ValueLayout.JAVA_DOUBLE, o + (long) p * rs + (long) (jr + j) * cs) : 0d;
                }
            }
        }
    }

    /** A tile into C in a segment: vectors for a full tile ({@code full}), elements for an edge. */
    private static void merge(double[] tile, boolean full, int mr, int nr, MemorySegment c, int co, int ldc, double alpha, double beta) {
        for (int r = 0; r < mr; r++) {
            if (full) {
                for (int v = 0; v < NR; v += L) {
                    long off = (co + (long) r * ldc + v) * Double.BYTES;
                    DoubleVector t = DoubleVector.fromArray(S, tile, r * NR + v).mul(alpha);
                    if (beta != 0d) t = DoubleVector.fromMemorySegment(S, c, off, ByteOrder.nativeOrder()).mul(beta).add(t);
                    t.intoMemorySegment(c, off, ByteOrder.nativeOrder());
                }
                continue;
            }
            for (int j = 0; j < nr; j++) {
                long ci = co + (long) r * ldc + j;
                double v = alpha * tile[r * NR + j];
                c.setAtIndex(ValueLayout.JAVA_DOUBLE, ci, beta == 0d ? v : beta * c.getAtIndex(ValueLayout.JAVA_DOUBLE, ci) + v);
            }
        }
    }

    /** Packs op(A)(i, p), {@code i < mc, p < kc}, from {@code a[o + i * rs + p * cs]} into MR-row panels. */
    private static void packA(double[] a, int o, int rs, int cs, int mc, int kc, double[] pa) {
        int w = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = o + ir * rs;
            if (mr == MR && cs == 1) {
                // Row by row: each row of A is read sequentially. Six rows at once would read six
                // addresses a power-of-two stride apart for square sizes, which alias in the cache.
                for (int r = 0; r < MR; r++) {
                    int s = base + r * rs;
                    for (int p = 0; p < kc; p++) {
                        pa[w + p * MR + r] = a[s + p];
                    }
                }
                w += MR * kc;
            } else if (mr == MR) {
                for (int p = 0; p < kc; p++, w += MR) {
                    int s = base + p * cs;
                    for (int r = 0; r < MR; r++) {
                        pa[w + r] = a[s + r * rs];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++, w += MR) {
                    for (int r = 0; r < MR; r++) {
                        pa[w + r] = r < mr ? a[base + p * cs + r * rs] : 0d;
                    }
                }
            }
        }
    }

    /** Packs op(B)(p, j), {@code p < kc, j < nc}, from {@code b[o + p * rs + j * cs]} into NR-column panels. */
    private static void packB(double[] b, int o, int rs, int cs, int kc, int nc, double[] pb) {
        int w = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int base = o + jr * cs;
            if (nr == NR && cs == 1) {
                for (int p = 0; p < kc; p++, w += NR) {
                    int s = base + p * rs;
                    DoubleVector.fromArray(S, b, s).intoArray(pb, w);
                    DoubleVector.fromArray(S, b, s + L).intoArray(pb, w + L);
                }
            } else {
                for (int p = 0; p < kc; p++, w += NR) {
                    int s = base + p * rs;
                    for (int j = 0; j < NR; j++) {
                        pb[w + j] = j < nr ? b[s + j * cs] : 0d;
                    }
                }
            }
        }
    }

    /**
     * The micro-kernel: {@code tile[MR x NR] = A panel x B panel}, each element a chain of FMAs in order
     * of increasing p. The accumulators go to {@code tile} rather than to C: a vector passed to another
     * method that C2 does not inline is boxed, which cost 10x in a measurement. {@code MR} is a constant,
     * so C2 keeps one of the two bodies. Full tiles of a heap C on 4 rows do not come here: {@link #blockOf}
     * calls {@link #kernel4} with C itself.
     */
    private static void kernel(int kc, double[] pa, int ao, double[] pb, int bo, double[] tile) {
        if (MR == 6) kernel6(kc, pa, ao, pb, bo, tile);
        else kernel4(kc, pa, ao, pb, bo, tile, 0, NR, 1d, 0d, tile);
    }

    /**
     * The 4-row micro-kernel (AVX2, NEON): 8 accumulators, written out as
     * {@code out[oo + r * ld + j] = alpha * tile(r, j) + beta * out[...]} (beta == 0 does not read out):
     * straight into C for a full tile of a heap C, else into {@code tile} (alpha 1, beta 0) for a merge.
     * <p>Before its loop it reads the first and last element of each of the tile's rows in {@code out}
     * (the sum goes to {@code sink[0]}, the caller's tile buffer, so that C2 keeps the loads) and so
     * fetches C's cache lines while the FMAs run. With a power-of-two {@code ldc} the rows of a column
     * of tiles fall into one L1 set and few L2 sets and are evicted between updates: the update's loads
     * then missed to L3 after the loop. Measured on AVX2 (Zen 3, one thread, N = 1024, per CPU-second):
     * 0.62-0.78x OpenBLAS through the tile, 0.79-0.83x straight into C with the reads first (sgemm:
     * {@link VectorSgemm}'s kernel4).
     */
    private static void kernel4(int kc, double[] pa, int ao, double[] pb, int bo, double[] out, int oo, int ld, double alpha, double beta,
                                double[] sink) {
        double touch = 0;
        for (int r = 0; r < MR; r++) touch += out[oo + r * ld] + out[oo + r * ld + NR - 1];
        DoubleVector c00 = DoubleVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            DoubleVector b0 = DoubleVector.fromArray(S, pb, bi), b1 = DoubleVector.fromArray(S, pb, bi + L);
            DoubleVector x = DoubleVector.broadcast(S, pa[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(S, pa[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(S, pa[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(S, pa[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        sink[0] = touch;
        // Written out, not through a helper: C2 stopped inlining the last call (node count) and boxed its vector.
        { int o = oo; DoubleVector t = c00.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + L; DoubleVector t = c01.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + ld; DoubleVector t = c10.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + ld + L; DoubleVector t = c11.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 2 * ld; DoubleVector t = c20.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 2 * ld + L; DoubleVector t = c21.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 3 * ld; DoubleVector t = c30.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 3 * ld + L; DoubleVector t = c31.mul(alpha); if (beta != 0d) t = DoubleVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
    }

    /** The 6-row micro-kernel (AVX-512): 12 accumulators. */
    private static void kernel6(int kc, double[] pa, int ao, double[] pb, int bo, double[] tile) {
        DoubleVector c00 = DoubleVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        DoubleVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            DoubleVector b0 = DoubleVector.fromArray(S, pb, bi), b1 = DoubleVector.fromArray(S, pb, bi + L);
            DoubleVector x = DoubleVector.broadcast(S, pa[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(S, pa[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(S, pa[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(S, pa[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(S, pa[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = DoubleVector.broadcast(S, pa[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    /** A full tile into C: {@code C = alpha * tile + beta * C}, not reading C when beta is 0. */
    private static void update(double[] tile, double[] c, int co, int ldc, double alpha, double beta) {
        for (int r = 0; r < MR; r++) {
            for (int v = 0; v < NR; v += L) {
                int o = co + r * ldc + v;
                DoubleVector t = DoubleVector.fromArray(S, tile, r * NR + v).mul(alpha);
                if (beta != 0d) t = DoubleVector.fromArray(S, c, o).mul(beta).add(t);
                t.intoArray(c, o);
            }
        }
    }

    /** Merges the valid {@code mr x nr} corner of an edge tile into C, as {@link #update} does. */
    private static void merge(double[] tile, int mr, int nr, double[] c, int co, int ldc, double alpha, double beta) {
        for (int r = 0; r < mr; r++) {
            for (int j = 0; j < nr; j++) {
                int ci = co + r * ldc + j;
                double v = alpha * tile[r * NR + j];
                c[ci] = beta == 0d ? v : beta * c[ci] + v;
            }
        }
    }
}

package io.kiln.kernels.linalg;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@code float} block of {@link CpuGemm} with the Vector API: packing, cache blocking and a
 * register-blocked micro-kernel of {@link #MR} rows by two vectors: 8 x 32 on AVX-512 (16 vector
 * accumulators, two B vectors and one broadcast of its 32 registers), 4 x 16 on AVX2 and 4 x 8 on NEON
 * (8 accumulators). Measured on AVX2 (Zen 3, 16 {@code ymm} registers, JDK 25), on panels in L1: the
 * 6 x 16 kernel ran at 37-41 GFLOP/s on one core and the 4 x 16 one at 44-92 (medians 44-65), since
 * C2 does not keep 15 live vectors in 16 registers. On AVX-512 (Zen 5, one thread, N = 1024 and 2048,
 * four alternated pairs) 8 x 32 did 16-75% more GFLOP per CPU-second than 6 x 32 (on a Sapphire
 * Rapids VM earlier the two had run at the same speed). Loaded only when
 * {@code jdk.incubator.vector} is resolved and vectors have at least 4 float lanes ({@link #usable()});
 * {@link ScalarGemm} serves everywhere else.
 * <p>Blocking (Goto/BLIS): for each {@link #NC}-column block of B and each {@link #KC}-deep slice, the
 * slice of op(B) is packed into {@value #NR}-column panels (stays in L2/L3); for each {@link #MC}-row
 * block of op(A) the block is packed into {@value #MR}-row panels (stays in L2); the micro-kernel then
 * multiplies one A panel by one B panel (the B panel, {@code KC * NR * 4} = 32 KiB, stays in L1) into
 * registers and updates C once. Panels are zero-padded, so edges need no special case in the
 * micro-kernel; edge tiles go through a small buffer. Measured on AVX-512 (JDK 25): a 12-row tile (24
 * accumulators) ran 20x slower, its vectors no longer stayed in registers. The 4-row kernel writes a
 * full tile straight into C and reads C's lines before its loop ({@link #kernel4}, on AVX2 15-40% more
 * GFLOP per CPU-second); the 8-row one keeps the tile (the same idea gained nothing on AVX-512 before).
 */
final class VectorSgemm {
    /** The machine's own vector width: 16 lanes on AVX-512, 8 on AVX2, 4 on NEON. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /**
     * Rows of the micro-tile (broadcast values of A): 8 where there are 32 vector registers (16 lanes:
     * AVX-512: 16 accumulators, 2 B vectors, a broadcast), else 4, so that accumulators, B vectors and
     * the broadcast stay well inside 16 registers.
     */
    static final int MR = L >= 16 ? 8 : 4;
    /** Columns of the micro-tile: two vectors. */
    static final int NR = 2 * L;
    /** Depth of a packed slice: the B panel (32 KiB with 16 lanes) fits in L1. */
    static final int KC = 256;
    /** Rows of a packed A block: 32 panels, at most 8 KiB each, 256 KiB per block, fits in L2. */
    static final int MC = 32 * MR;
    /** Columns of a packed B block: at most 2 MiB. */
    static final int NC = 2048;

    /** Per-thread packing buffers, reused across calls (about 2.2 MiB per thread that ran a product). */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(
            () -> new float[][] {new float[MC * KC], new float[KC * NC], new float[MR * NR]});

    private VectorSgemm() {
    }

    /** Whether the machine has real vectors (at least 4 lanes), so that the micro-kernel pays. */
    static boolean usable() {
        return L >= 4;
    }

    /**
     * {@code C[i0:i1, j0:j1] = alpha * op(A) op(B) + beta * C} on that block; beta == 0 does not read C.
     * Arguments as {@link CpuGemm#sgemm}; alpha is non-zero and k positive.
     */
    static void block(boolean transA, boolean transB, int k, float alpha, float[] a, int lda, float[] b, int ldb,
                      float beta, float[] c, int ldc, int i0, int i1, int j0, int j1) {
        blockOf(transA, transB, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc, i0, i1, j0, j1);
    }

    /**
     * {@link #block} on matrices that start at {@code offA}, {@code offB}, {@code offC} in their arrays
     * (one product of a batch): the offsets only move where packing reads and the update writes.
     */
    static void block(boolean transA, boolean transB, int k, float alpha, float[] a, int offA, int lda, float[] b, int offB,
                      int ldb, float beta, float[] c, int offC, int ldc, int i0, int i1, int j0, int j1) {
        blockOf(transA, transB, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, i0, i1, j0, j1);
    }

    /**
     * {@link #block} on off-heap matrices (the segments of {@code FloatArray}s): only packing and the
     * update of C differ, the micro-kernel works on the packed copies either way.
     */
    static void block(boolean transA, boolean transB, int k, float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                      float beta, MemorySegment c, int ldc, int i0, int i1, int j0, int j1) {
        blockOf(transA, transB, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc, i0, i1, j0, j1);
    }

    /** {@link #block} on off-heap matrices that start at {@code offA}, {@code offB}, {@code offC} (one product of a batch). */
    static void block(boolean transA, boolean transB, int k, float alpha, MemorySegment a, int offA, int lda, MemorySegment b,
                      int offB, int ldb, float beta, MemorySegment c, int offC, int ldc, int i0, int i1, int j0, int j1) {
        blockOf(transA, transB, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, i0, i1, j0, j1);
    }

    /** The blocked loops; {@code a}, {@code b}, {@code c} are all {@code float[]} or all {@link MemorySegment}. */
    private static void blockOf(boolean transA, boolean transB, int k, float alpha, Object a, int offA, int lda, Object b,
                                int offB, int ldb, float beta, Object c, int offC, int ldc, int i0, int i1, int j0, int j1) {
        float[][] buf = BUFFERS.get();
        float[] pa = buf[0], pb = buf[1], tile = buf[2];
        // Strides of op(A)(i, p) and op(B)(p, j) in their arrays.
        int ars = transA ? 1 : lda, acs = transA ? lda : 1;
        int brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                // The first slice applies beta; later ones accumulate onto it.
                float bt = pc == 0 ? beta : 1f;
                if (b instanceof float[] bh) packB(bh, offB + pc * brs + jc * bcs, brs, bcs, kc, nc, pb);
                else packB((MemorySegment) b, offB + pc * brs + jc * bcs, brs, bcs, kc, nc, pb);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    if (a instanceof float[] ah) packA(ah, offA + ic * ars + pc * acs, ars, acs, mc, kc, pa);
                    else packA((MemorySegment) a, offA + ic * ars + pc * acs, ars, acs, mc, kc, pa);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int co = offC + (ic + ir) * ldc + jc + jr;
                            if (MR == 4 && mr == MR && nr == NR && c instanceof float[] ch) {
                                // AVX2, NEON: the kernel writes a full tile straight into C (kernel4).
                                kernel4(kc, pa, ir * kc, pb, jr * kc, ch, co, ldc, alpha, bt, tile);
                                continue;
                            }
                            kernel(kc, pa, ir * kc, pb, jr * kc, tile);
                            if (c instanceof float[] ch) {
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

    /** Packs op(A)(i, p), {@code i < mc, p < kc}, from {@code a[o + i * rs + p * cs]} into MR-row panels. */
    private static void packA(float[] a, int o, int rs, int cs, int mc, int kc, float[] pa) {
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
                        pa[w + r] = r < mr ? a[base + p * cs + r * rs] : 0f;
                    }
                }
            }
        }
    }

    /** Packs op(B)(p, j), {@code p < kc, j < nc}, from {@code b[o + p * rs + j * cs]} into NR-column panels. */
    private static void packB(float[] b, int o, int rs, int cs, int kc, int nc, float[] pb) {
        int w = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int base = o + jr * cs;
            if (nr == NR && cs == 1) {
                for (int p = 0; p < kc; p++, w += NR) {
                    int s = base + p * rs;
                    FloatVector.fromArray(S, b, s).intoArray(pb, w);
                    FloatVector.fromArray(S, b, s + L).intoArray(pb, w + L);
                }
            } else {
                for (int p = 0; p < kc; p++, w += NR) {
                    int s = base + p * rs;
                    for (int j = 0; j < NR; j++) {
                        pb[w + j] = j < nr ? b[s + j * cs] : 0f;
                    }
                }
            }
        }
    }

    /** {@link #packA(float[], int, int, int, int, int, float[])} from a segment (element reads; packing is O(n^2)). */
    private static void packA(MemorySegment a, int o, int rs, int cs, int mc, int kc, float[] pa) {
        int w = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            for (int p = 0; p < kc; p++, w += MR) {
                for (int r = 0; r < MR; r++) {
                    pa[w + r] = r < mr ? a.getAtIndex(ValueLayout.JAVA_FLOAT, o + (long) (ir + r) * rs + (long) p * cs) : 0f;
                }
            }
        }
    }

    /** {@link #packB(float[], int, int, int, int, int, float[])} from a segment. */
    private static void packB(MemorySegment b, int o, int rs, int cs, int kc, int nc, float[] pb) {
        int w = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            for (int p = 0; p < kc; p++, w += NR) {
                for (int j = 0; j < NR; j++) {
                    pb[w + j] = j < nr ? b.getAtIndex(ValueLayout.JAVA_FLOAT, o + (long) p * rs + (long) (jr + j) * cs) : 0f;
                }
            }
        }
    }

    /** A tile into C in a segment: vectors for a full tile ({@code full}), elements for an edge. */
    private static void merge(float[] tile, boolean full, int mr, int nr, MemorySegment c, int co, int ldc, float alpha, float beta) {
        for (int r = 0; r < mr; r++) {
            if (full) {
                for (int v = 0; v < NR; v += L) {
                    long off = (co + (long) r * ldc + v) * Float.BYTES;
                    FloatVector t = FloatVector.fromArray(S, tile, r * NR + v).mul(alpha);
                    if (beta != 0f) t = FloatVector.fromMemorySegment(S, c, off, ByteOrder.nativeOrder()).mul(beta).add(t);
                    t.intoMemorySegment(c, off, ByteOrder.nativeOrder());
                }
                continue;
            }
            for (int j = 0; j < nr; j++) {
                long ci = co + (long) r * ldc + j;
                float v = alpha * tile[r * NR + j];
                c.setAtIndex(ValueLayout.JAVA_FLOAT, ci, beta == 0f ? v : beta * c.getAtIndex(ValueLayout.JAVA_FLOAT, ci) + v);
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
    private static void kernel(int kc, float[] pa, int ao, float[] pb, int bo, float[] tile) {
        if (MR == 8) kernel8(kc, pa, ao, pb, bo, tile);
        else kernel4(kc, pa, ao, pb, bo, tile, 0, NR, 1f, 0f, tile);
    }

    /**
     * The 4-row micro-kernel (AVX2, NEON): 8 accumulators, written out as
     * {@code out[oo + r * ld + j] = alpha * tile(r, j) + beta * out[...]} (beta == 0 does not read out):
     * straight into C for a full tile of a heap C, else into {@code tile} (alpha 1, beta 0) for a merge.
     * <p>Before its loop it reads the first and last element of each of the tile's rows in {@code out}
     * (the sum goes to {@code sink[0]}, the caller's tile buffer, so that C2 keeps the loads) and so
     * fetches C's cache lines while the FMAs run. With a power-of-two {@code ldc} the rows of a column
     * of tiles fall into one L1 set and few L2 sets and are evicted between updates: the update's loads
     * then missed to L3 after the loop. Measured on AVX2 (Zen 3, one thread, sgemm N = 1024 and 2048,
     * variants alternated in one process): 38-45 GFLOP per CPU-second through the tile, 45-57 straight
     * into C with the reads first, about the same as through the tile without them.
     */
    private static void kernel4(int kc, float[] pa, int ao, float[] pb, int bo, float[] out, int oo, int ld, float alpha, float beta,
                                float[] sink) {
        float touch = 0;
        for (int r = 0; r < MR; r++) touch += out[oo + r * ld] + out[oo + r * ld + NR - 1];
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bi), b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector x = FloatVector.broadcast(S, pa[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        sink[0] = touch;
        // Written out, not through a helper: C2 stopped inlining the last call (node count) and boxed its vector.
        { int o = oo; FloatVector t = c00.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + L; FloatVector t = c01.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + ld; FloatVector t = c10.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + ld + L; FloatVector t = c11.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 2 * ld; FloatVector t = c20.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 2 * ld + L; FloatVector t = c21.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 3 * ld; FloatVector t = c30.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
        { int o = oo + 3 * ld + L; FloatVector t = c31.mul(alpha); if (beta != 0f) t = FloatVector.fromArray(S, out, o).mul(beta).add(t); t.intoArray(out, o); }
    }

    /** The 8-row micro-kernel (AVX-512): 16 accumulators. */
    private static void kernel8(int kc, float[] pa, int ao, float[] pb, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, pb, bi), b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector x = FloatVector.broadcast(S, pa[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, pa[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, pa[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, pa[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
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
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    /** A full tile into C: {@code C = alpha * tile + beta * C}, not reading C when beta is 0. */
    private static void update(float[] tile, float[] c, int co, int ldc, float alpha, float beta) {
        for (int r = 0; r < MR; r++) {
            for (int v = 0; v < NR; v += L) {
                int o = co + r * ldc + v;
                FloatVector t = FloatVector.fromArray(S, tile, r * NR + v).mul(alpha);
                if (beta != 0f) t = FloatVector.fromArray(S, c, o).mul(beta).add(t);
                t.intoArray(c, o);
            }
        }
    }

    /** Merges the valid {@code mr x nr} corner of an edge tile into C, as {@link #update} does. */
    private static void merge(float[] tile, int mr, int nr, float[] c, int co, int ldc, float alpha, float beta) {
        for (int r = 0; r < mr; r++) {
            for (int j = 0; j < nr; j++) {
                int ci = co + r * ldc + j;
                float v = alpha * tile[r * NR + j];
                c[ci] = beta == 0f ? v : beta * c[ci] + v;
            }
        }
    }
}

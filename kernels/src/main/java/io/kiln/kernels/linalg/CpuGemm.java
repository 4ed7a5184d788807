package io.kiln.kernels.linalg;

import io.kiln.CpuThreads;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;

import java.lang.foreign.MemorySegment;

/**
 * The {@code cpu} variants of {@link Gemm} ({@link io.kiln.Variant}): plain Java methods with the
 * kernels' parameters that run at BLAS speed. C is cut into one block per thread (by rows unless it is
 * much wider than tall, {@link #byRows}), each block computed by {@link VectorSgemm}/{@link VectorDgemm} (packing, cache blocking and a
 * register-blocked Vector API micro-kernel) when {@code jdk.incubator.vector} is resolved, else by
 * {@link ScalarGemm} (plain Java, auto-vectorised by C2).
 * <p><b>Threads.</b> Blocks are parts of {@link CpuThreads#forEach}: the calling thread and the cpu
 * device's pool ({@code kiln-cpu-*}, {@code -Dkiln.cpu.threads}) when the engine runs the variant, the
 * pool the caller runs in when called directly. No thread of its own is ever started. Each thread keeps
 * its packing buffers (about 2.4 MiB) for later products, the plan's calling thread included.
 * <p><b>The Vector API.</b> It is an incubator module: the JVM resolves it only with
 * {@code --add-modules jdk.incubator.vector} (the {@code kiln} script, the test build and the benchmark
 * jar pass it). Without it everything works and {@link #vectorized()} is {@code false}; see
 * docs/library-linalg.md.
 */
public final class CpuGemm {
    /** Products of fewer multiply-adds than this run on the calling thread. */
    private static final long SERIAL_WORK = 1L << 18;
    private static final boolean VECTOR = vectorAvailable();
    /**
     * {@link #split} cuts rows of C in multiples of this: the least common multiple of the micro-tile
     * heights in use ({@code VectorSgemm.MR}, {@code VectorDgemm.MR}: 24 for 8 and 6 on AVX-512, 4 on
     * AVX2 and NEON), so that only the last block has edge tiles, and no coarser: in steps of 24 an
     * m = 1024 on two threads was cut 528 + 496 rows, 6% more work on one thread than an even cut. 24
     * for plain Java, which has no tile.
     */
    private static final int ROW_QUANTUM = VECTOR ? lcm(VectorSgemm.MR, VectorDgemm.MR) : 24;

    private CpuGemm() {
    }

    private static boolean vectorAvailable() {
        if ("false".equalsIgnoreCase(System.getProperty("kiln.vector", "true"))) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            // Loaded only now: without the module, these classes cannot link.
            return VectorSgemm.usable() && VectorDgemm.usable();
        } catch (LinkageError e) {
            return false;
        }
    }

    private static int lcm(int x, int y) {
        int a = x, b = y;
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return x / a * y;
    }

    /**
     * Whether products use the Vector API ({@code jdk.incubator.vector} resolved, vectors of at least
     * 128 bits, and not {@code -Dkiln.vector=false}); otherwise they run as plain Java.
     */
    public static boolean vectorized() {
        return VECTOR;
    }

    /**
     * {@link Gemm#sgemm} at BLAS speed: the same contract, summed in another order (see its precision
     * statement).
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                             float[] b, int ldb, float beta, float[] c, int ldc) {
        sgemm(VECTOR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** {@link #sgemm} with the Vector API ({@code vector}, where {@link #vectorized()}) or as plain Java. */
    static void sgemm(boolean vector, boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                      float[] b, int ldb, float beta, float[] c, int ldc) {
        GemmShapes.check(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
        if (m == 0 || n == 0) return;
        if (alpha == 0f || k == 0) {
            // Reference BLAS: A and B are not read; beta == 0 does not read C.
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = i * ldc + j;
                    c[ci] = beta == 0f ? 0f : beta * c[ci];
                }
            }
            return;
        }
        split(m, n, k, (i0, i1, j0, j1) -> {
            if (vector) VectorSgemm.block(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1);
            else ScalarGemm.sgemm(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1);
        });
    }

    /**
     * {@link Gemm#sgemm} on off-heap matrices ({@code FloatArray}s) at BLAS speed. Without the Vector API
     * it runs the portable reference as plain Java, on one thread.
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatArray a, int lda,
                             FloatArray b, int ldb, float beta, FloatArray c, int ldc) {
        GemmShapes.check(transA, transB, m, n, k, clamp(a.length()), lda, clamp(b.length()), ldb, clamp(c.length()), ldc);
        if (!VECTOR || m == 0 || n == 0 || alpha == 0f || k == 0) {
            Gemm.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        MemorySegment sa = a.segment(), sb = b.segment(), sc = c.segment();
        split(m, n, k, (i0, i1, j0, j1) -> VectorSgemm.block(transA, transB, k, alpha, sa, lda, sb, ldb, beta, sc, ldc, i0, i1, j0, j1));
    }

    /** An off-heap length as the int that index arithmetic can reach. */
    private static int clamp(long length) {
        return (int) Math.min(length, Integer.MAX_VALUE);
    }

    /**
     * {@link Gemm#dgemm} at BLAS speed: the same contract, summed in another order.
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                             double[] b, int ldb, double beta, double[] c, int ldc) {
        dgemm(VECTOR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** {@link #dgemm} with the Vector API ({@code vector}, where {@link #vectorized()}) or as plain Java. */
    static void dgemm(boolean vector, boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                      double[] b, int ldb, double beta, double[] c, int ldc) {
        GemmShapes.check(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
        if (m == 0 || n == 0) return;
        if (alpha == 0d || k == 0) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = i * ldc + j;
                    c[ci] = beta == 0d ? 0d : beta * c[ci];
                }
            }
            return;
        }
        split(m, n, k, (i0, i1, j0, j1) -> {
            if (vector) VectorDgemm.block(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1);
            else ScalarGemm.dgemm(transA, transB, k, alpha, a, lda, b, ldb, beta, c, ldc, i0, i1, j0, j1);
        });
    }

    /**
     * {@link Gemm#sgemmStridedBatched} at BLAS speed: each product as {@link #sgemm} computes it.
     *
     * @throws IllegalArgumentException if a shape, stride or array length is wrong, or two C matrices overlap
     */
    public static void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                                           float[] b, int ldb, float beta, float[] c, int ldc, int[] strides, int batch) {
        sgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmShapes.stridedOffsets(strides, batch), batch);
    }

    /**
     * {@link Gemm#sgemmBatched} at BLAS speed. Large products run one after another, each on all threads;
     * small ones (below {@code 2^18} multiply-adds each) run as one task per group of products, so a batch of
     * many small matrices still uses every thread.
     *
     * @throws IllegalArgumentException if a shape, offset or array length is wrong, or two C matrices overlap
     */
    public static void sgemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int lda,
                                    float[] b, int ldb, float beta, float[] c, int ldc, int[] offsets, int batch) {
        GemmShapes.checkBatched(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc, offsets, batch);
        if (m == 0 || n == 0 || batch == 0) return;
        if (!VECTOR || alpha == 0f || k == 0) {
            // The reference as plain Java: its special cases, and the plain path without the Vector API.
            Gemm.sgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, offsets, batch);
            return;
        }
        batched(m, n, k, offsets, batch, (oa, ob, oc, i0, i1, j0, j1) -> VectorSgemm.block(transA, transB, k, alpha, a, oa, lda, b, ob, ldb,
                beta, c, oc, ldc, i0, i1, j0, j1));
    }

    /**
     * {@link Gemm#dgemm} on off-heap matrices ({@code DoubleArray}s) at BLAS speed. Without the Vector API
     * it runs the portable reference as plain Java, on one thread.
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha, DoubleArray a, int lda,
                             DoubleArray b, int ldb, double beta, DoubleArray c, int ldc) {
        GemmShapes.check(transA, transB, m, n, k, clamp(a.length()), lda, clamp(b.length()), ldb, clamp(c.length()), ldc);
        if (!VECTOR || m == 0 || n == 0 || alpha == 0d || k == 0) {
            Gemm.dgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        MemorySegment sa = a.segment(), sb = b.segment(), sc = c.segment();
        split(m, n, k, (i0, i1, j0, j1) -> VectorDgemm.block(transA, transB, k, alpha, sa, 0, lda, sb, 0, ldb, beta, sc, 0, ldc,
                i0, i1, j0, j1));
    }

    /** {@link Gemm#sgemmStridedBatched} on off-heap matrices; as {@link #sgemmBatched(boolean, boolean, int, int, int, float, FloatArray, int, FloatArray, int, float, FloatArray, int, int[], int)}. */
    public static void sgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatArray a, int lda,
                                           FloatArray b, int ldb, float beta, FloatArray c, int ldc, int[] strides, int batch) {
        sgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmShapes.stridedOffsets(strides, batch), batch);
    }

    /**
     * {@link Gemm#sgemmBatched} on off-heap matrices at BLAS speed, scheduled as the Java-array form is.
     *
     * @throws IllegalArgumentException if a shape, offset or array length is wrong, or two C matrices overlap
     */
    public static void sgemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatArray a, int lda,
                                    FloatArray b, int ldb, float beta, FloatArray c, int ldc, int[] offsets, int batch) {
        GemmShapes.checkBatched(transA, transB, m, n, k, clamp(a.length()), lda, clamp(b.length()), ldb, clamp(c.length()), ldc, offsets, batch);
        if (m == 0 || n == 0 || batch == 0) return;
        if (!VECTOR || alpha == 0f || k == 0) {
            Gemm.sgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, offsets, batch);
            return;
        }
        MemorySegment sa = a.segment(), sb = b.segment(), sc = c.segment();
        batched(m, n, k, offsets, batch, (oa, ob, oc, i0, i1, j0, j1) -> VectorSgemm.block(transA, transB, k, alpha, sa, oa, lda, sb, ob, ldb,
                beta, sc, oc, ldc, i0, i1, j0, j1));
    }

    /** {@link Gemm#dgemmStridedBatched} at BLAS speed; as {@link #dgemmBatched(boolean, boolean, int, int, int, double, double[], int, double[], int, double, double[], int, int[], int)}. */
    public static void dgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                                           double[] b, int ldb, double beta, double[] c, int ldc, int[] strides, int batch) {
        dgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmShapes.stridedOffsets(strides, batch), batch);
    }

    /**
     * {@link Gemm#dgemmBatched} at BLAS speed, scheduled as {@link #sgemmBatched(boolean, boolean, int, int, int, float, float[], int, float[], int, float, float[], int, int[], int)} is.
     *
     * @throws IllegalArgumentException if a shape, offset or array length is wrong, or two C matrices overlap
     */
    public static void dgemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
                                    double[] b, int ldb, double beta, double[] c, int ldc, int[] offsets, int batch) {
        GemmShapes.checkBatched(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc, offsets, batch);
        if (m == 0 || n == 0 || batch == 0) return;
        if (!VECTOR || alpha == 0d || k == 0) {
            Gemm.dgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, offsets, batch);
            return;
        }
        batched(m, n, k, offsets, batch, (oa, ob, oc, i0, i1, j0, j1) -> VectorDgemm.block(transA, transB, k, alpha, a, oa, lda, b, ob, ldb,
                beta, c, oc, ldc, i0, i1, j0, j1));
    }

    /** {@link Gemm#dgemmStridedBatched} on off-heap matrices. */
    public static void dgemmStridedBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, DoubleArray a, int lda,
                                           DoubleArray b, int ldb, double beta, DoubleArray c, int ldc, int[] strides, int batch) {
        dgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmShapes.stridedOffsets(strides, batch), batch);
    }

    /**
     * {@link Gemm#dgemmBatched} on off-heap matrices at BLAS speed.
     *
     * @throws IllegalArgumentException if a shape, offset or array length is wrong, or two C matrices overlap
     */
    public static void dgemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha, DoubleArray a, int lda,
                                    DoubleArray b, int ldb, double beta, DoubleArray c, int ldc, int[] offsets, int batch) {
        GemmShapes.checkBatched(transA, transB, m, n, k, clamp(a.length()), lda, clamp(b.length()), ldb, clamp(c.length()), ldc, offsets, batch);
        if (m == 0 || n == 0 || batch == 0) return;
        if (!VECTOR || alpha == 0d || k == 0) {
            Gemm.dgemmBatched(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, offsets, batch);
            return;
        }
        MemorySegment sa = a.segment(), sb = b.segment(), sc = c.segment();
        batched(m, n, k, offsets, batch, (oa, ob, oc, i0, i1, j0, j1) -> VectorDgemm.block(transA, transB, k, alpha, sa, oa, lda, sb, ob, ldb,
                beta, sc, oc, ldc, i0, i1, j0, j1));
    }

    /** One block of one product of a batch: A, B, C at offsets {@code oa, ob, oc}; rows {@code [i0, i1)}, columns {@code [j0, j1)}. */
    @FunctionalInterface
    private interface BatchBlock {
        void run(int oa, int ob, int oc, int i0, int i1, int j0, int j1);
    }

    /**
     * Runs a batch: large products (at least {@code 2^18} multiply-adds) one after another, each split over
     * all threads; small ones as one task per group of whole products, so a batch of many small matrices
     * still uses every thread.
     */
    private static void batched(int m, int n, int k, int[] offsets, int batch, BatchBlock block) {
        long work = (long) m * n * k;
        if (work >= SERIAL_WORK) {
            for (int q = 0; q < batch; q++) {
                int oa = offsets[3 * q], ob = offsets[3 * q + 1], oc = offsets[3 * q + 2];
                split(m, n, k, (i0, i1, j0, j1) -> block.run(oa, ob, oc, i0, i1, j0, j1));
            }
            return;
        }
        CpuRanges.run(batch, Math.max(1, SERIAL_WORK / work), (from, to) -> {
            for (int q = (int) from; q < to; q++) block.run(offsets[3 * q], offsets[3 * q + 1], offsets[3 * q + 2], 0, m, 0, n);
        });
    }

    /** One block of C: rows {@code [i0, i1)}, columns {@code [j0, j1)}. */
    @FunctionalInterface
    interface Block {
        void run(int i0, int i1, int j0, int j1);
    }

    /**
     * Runs {@code block} over C cut into one block per thread, in multiples of the micro-tile
     * ({@link #ROW_QUANTUM} rows, or 32 columns: a multiple of every tile width) so that only the last block
     * has edges: by rows ({@link #byRows}) unless op(A) is much shorter than op(B) is wide.
     */
    static void split(int m, int n, int k, Block block) {
        int threads = CpuThreads.threads();
        boolean rows = byRows(m, n);
        int quantum = rows ? ROW_QUANTUM : 32;
        int extent = rows ? m : n;
        int parts = (int) Math.min(threads, Math.min((extent + quantum - 1) / quantum, Math.max(1, (long) m * n * k / SERIAL_WORK)));
        if (parts <= 1) {
            block.run(0, m, 0, n);
            return;
        }
        int per = ((extent + parts - 1) / parts + quantum - 1) / quantum * quantum;
        int count = (extent + per - 1) / per;
        CpuThreads.forEach(count, p -> {
            int from = p * per, to = Math.min(extent, from + per);
            if (rows) block.run(from, to, 0, n);
            else block.run(0, m, from, to);
        });
    }

    /**
     * Whether {@link #split} cuts C by rows: unless {@code 2m < n}. A row block packs all of op(B) (a
     * vector copy, about 0.5 ns per element here) and only its rows of op(A); a column block packs all of
     * op(A) (element by element, about 1.1 ns) and only its columns of op(B). Row blocks also own whole
     * rows of C, so each thread walks half of C's pages on every 256-deep slice instead of half of every
     * page: at N = 2048 (C is 16 MiB, 4096 pages of 4 KiB, twice what the second-level TLB maps) the
     * column split had both threads touch all of C eight times and pack all 16 MiB of A each.
     */
    static boolean byRows(int m, int n) {
        return 2L * m >= n;
    }
}

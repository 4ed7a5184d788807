package io.kiln.kernels.linalg;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cpu variants ({@link CpuGemm}) called directly, with the Vector API and as plain Java, against
 * an exact reference ({@link GemmCheck}): shapes with 1, primes, non-multiples of every block
 * (micro-tiles 8 x 32, 6 x 16, 4 x 16, 4 x 8; KC = 256; MC = 256, 192, 128), every transpose, strided leading dimensions, alpha and beta
 * edge cases, NaN and Inf.
 */
class CpuGemmTest {
    private static final double U32 = 0x1p-24;
    private static final double U64 = 0x1p-53;
    /** m, n, k. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 7, 1}, {2, 3, 4}, {7, 13, 17}, {31, 1, 5}, {1, 29, 3}, {6, 32, 256}, {7, 33, 257},
            {97, 101, 103}, {193, 61, 300}, {13, 2053, 3}, {5, 3, 1031}, {300, 257, 520}};
    private static final double[][] ALPHA_BETA = {{1, 0}, {-1.5, 0.75}, {0.5, 1}, {2, -1}};

    private static boolean vectorPath(boolean vector) {
        if (vector) {
            Assumptions.assumeTrue(CpuGemm.vectorized(), "jdk.incubator.vector is not resolved (run with --add-modules"
                    + " jdk.incubator.vector, as the build's kiln.test.argLine does), so only the plain-Java path is tested");
        }
        return vector;
    }

    /**
     * The micro-tile follows the vector registers: 8 rows (sgemm) and 6 (dgemm) where vectors have 16
     * float lanes (AVX-512's 32 registers), else 4. Where the build asks for a vector width ({@code kiln.test.vectorBits}: the
     * AVX2-shaped run, {@code -XX:UseAVX=2}), the JVM must have it, so that run really tests that shape.
     */
    @Test
    void microTileFollowsTheVectorWidth() {
        vectorPath(true);
        int bits = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        System.out.println("[gemm] " + bits + "-bit vectors: sgemm tile " + VectorSgemm.MR + " x " + VectorSgemm.NR
                + ", dgemm tile " + VectorDgemm.MR + " x " + VectorDgemm.NR);
        Integer want = Integer.getInteger("kiln.test.vectorBits");
        if (want != null) assertEquals(want.intValue(), bits, "kiln.test.vectorBits: the JVM's preferred vector width");
        assertEquals(bits >= 512 ? 8 : 4, VectorSgemm.MR);
        assertEquals(bits >= 512 ? 6 : 4, VectorDgemm.MR);
        assertEquals(2 * bits / 32, VectorSgemm.NR);
        assertEquals(2 * bits / 64, VectorDgemm.NR);
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void sgemmIsWithinTheBoundOfTheExactProduct(boolean vector) {
        vectorPath(vector);
        long seed = 20_261_201L;
        System.out.println("[gemm] sgemm vector=" + vector + " seed " + seed);
        double worst = 0;
        int cases = 0;
        for (int s = 0; s < SHAPES.length; s++) {
            int m = SHAPES[s][0], n = SHAPES[s][1], k = SHAPES[s][2];
            for (int t = 0; t < 4; t++) {
                boolean big = (long) m * n * k > 1_000_000;
                if (big && t != s % 4) continue; // every transpose for small shapes, one for large ones
                double[] ab = ALPHA_BETA[(s + t) % ALPHA_BETA.length];
                GemmCheck g = new GemmCheck(seed + 31L * s + t, (t & 1) != 0, (t & 2) != 0, m, n, k, (s + t) % 3 == 0 ? 0 : 3, ab[0], ab[1]);
                float[] c = GemmCheck.floats(g.c0);
                CpuGemm.sgemm(vector, g.transA, g.transB, m, n, k, (float) g.alpha, GemmCheck.floats(g.a), g.lda,
                        GemmCheck.floats(g.b), g.ldb, (float) g.beta, c, g.ldc);
                g.check(GemmCheck.doubles(c), U32, "sgemm vector=" + vector);
                worst = Math.max(worst, g.worst);
                cases++;
            }
        }
        System.out.printf("[gemm] sgemm vector=%s: %d cases, worst error %.2f u*(|A||B|+|C|) (bound 2k+4)%n", vector, cases, worst);
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void dgemmIsWithinTheBoundOfTheExactProduct(boolean vector) {
        vectorPath(vector);
        long seed = 20_261_202L;
        System.out.println("[gemm] dgemm vector=" + vector + " seed " + seed);
        double worst = 0;
        for (int s = 0; s < SHAPES.length; s++) {
            int m = SHAPES[s][0], n = SHAPES[s][1], k = SHAPES[s][2];
            for (int t = 0; t < 4; t++) {
                boolean big = (long) m * n * k > 1_000_000;
                if (big && t != s % 4) continue;
                double[] ab = ALPHA_BETA[(s + t + 1) % ALPHA_BETA.length];
                GemmCheck g = new GemmCheck(seed + 31L * s + t, (t & 1) != 0, (t & 2) != 0, m, n, k, (s + t) % 3 == 1 ? 0 : 2, ab[0], ab[1]);
                double[] c = g.c0.clone();
                CpuGemm.dgemm(vector, g.transA, g.transB, m, n, k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc);
                g.check(c, U64, "dgemm vector=" + vector);
                worst = Math.max(worst, g.worst);
            }
        }
        System.out.printf("[gemm] dgemm vector=%s: worst error %.2f u*(|A||B|+|C|) (bound 2k+4)%n", vector, worst);
    }

    /**
     * The split of C over threads (rows, or columns for a wide C) does not change a single bit: each
     * element is summed in the same order whichever block computes it. Pools of 1, 2, 3 and 5 threads;
     * tall, wide and square shapes that are not multiples of the micro-tile, every transpose, strides,
     * alpha and beta; each result also within the bound of the exact product.
     */
    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void theSplitOverThreadsDoesNotChangeTheResult(boolean vector) throws Exception {
        vectorPath(vector);
        long seed = 20_261_204L;
        System.out.println("[gemm] split over threads, vector=" + vector + " seed " + seed);
        int[][] shapes = {{1031, 37, 300}, {13, 1031, 300}, {397, 401, 263}, {43, 197, 257}, {200, 401, 31}};
        for (int s = 0; s < shapes.length; s++) {
            int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            int t = s % 4;
            double[] ab = ALPHA_BETA[s % ALPHA_BETA.length];
            GemmCheck g = new GemmCheck(seed + s, (t & 1) != 0, (t & 2) != 0, m, n, k, s % 2 == 0 ? 0 : 3, ab[0], ab[1]);
            float[] a = GemmCheck.floats(g.a), b = GemmCheck.floats(g.b);
            float[] first = null;
            double[] firstD = null;
            for (int threads : new int[] {1, 2, 3, 5}) {
                float[] c = GemmCheck.floats(g.c0);
                double[] d = g.c0.clone();
                java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
                try {
                    pool.submit(() -> CpuGemm.sgemm(vector, g.transA, g.transB, m, n, k, (float) g.alpha, a, g.lda, b, g.ldb,
                            (float) g.beta, c, g.ldc)).get();
                    pool.submit(() -> CpuGemm.dgemm(vector, g.transA, g.transB, m, n, k, g.alpha, g.a, g.lda, g.b, g.ldb,
                            g.beta, d, g.ldc)).get();
                } finally {
                    pool.shutdown();
                }
                String what = "split over " + threads + " threads (" + (CpuGemm.byRows(m, n) ? "rows" : "columns") + "), vector=" + vector;
                if (first == null) {
                    g.check(GemmCheck.doubles(c), U32, "sgemm " + what);
                    g.check(d, U64, "dgemm " + what);
                    first = c;
                    firstD = d;
                } else {
                    assertTrue(Arrays.equals(first, c), "sgemm " + g + ": " + what + " differs from one thread");
                    assertTrue(Arrays.equals(firstD, d), "dgemm " + g + ": " + what + " differs from one thread");
                }
            }
        }
    }

    @Test
    void cIsSplitByRowsUnlessItIsMuchWiderThanTall() {
        assertTrue(CpuGemm.byRows(2048, 2048), "square: rows");
        assertTrue(CpuGemm.byRows(1031, 37), "tall: rows");
        assertTrue(CpuGemm.byRows(100, 200), "twice as wide: still rows");
        assertTrue(!CpuGemm.byRows(99, 200), "more than twice as wide: columns");
        assertTrue(!CpuGemm.byRows(13, 1031), "wide: columns");
    }

    /**
     * On two threads a row split gives each thread whole micro-tiles (every block but the last starts and
     * ends on a multiple of both tile heights) and blocks that differ by less than one step of that
     * multiple: 1024 rows on AVX2 are cut 512 + 512, not 528 + 496 as in steps of 24.
     */
    @Test
    void rowBlocksAreWholeTilesAndEven() throws Exception {
        vectorPath(true);
        int step = VectorSgemm.MR; // the least common multiple of the two heights
        while (step % VectorDgemm.MR != 0) step += VectorSgemm.MR;
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(2);
        try {
            for (int m : new int[] {1024, 2048, 1031, 97, 600}) {
                java.util.List<int[]> blocks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                pool.submit(() -> CpuGemm.split(m, m, 512, (i0, i1, j0, j1) -> blocks.add(new int[] {i0, i1}))).get();
                blocks.sort(java.util.Comparator.comparingInt(b -> b[0]));
                assertEquals(2, blocks.size(), "m = " + m + ": one block per thread");
                assertEquals(0, blocks.get(0)[0]);
                assertEquals(blocks.get(0)[1], blocks.get(1)[0], "m = " + m + ": adjacent blocks");
                assertEquals(m, blocks.get(1)[1]);
                assertEquals(0, blocks.get(0)[1] % step, "m = " + m + ": the first block is whole tiles of height " + step);
                int first = blocks.get(0)[1], second = m - first;
                assertTrue(Math.abs(first - second) < 2 * step,
                        "m = " + m + ": blocks of " + first + " and " + second + " rows, step " + step);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void offHeapSgemmIsWithinTheBound() {
        long seed = 20_261_203L;
        System.out.println("[gemm] off-heap sgemm (vector=" + CpuGemm.vectorized() + ") seed " + seed);
        for (int s = 0; s < SHAPES.length; s++) {
            int m = SHAPES[s][0], n = SHAPES[s][1], k = SHAPES[s][2];
            int t = s % 4;
            double[] ab = ALPHA_BETA[s % ALPHA_BETA.length];
            GemmCheck g = new GemmCheck(seed + s, (t & 1) != 0, (t & 2) != 0, m, n, k, s % 2 == 0 ? 0 : 5, ab[0], ab[1]);
            try (io.kiln.FloatArray a = GemmCheck.offHeap(g.a); io.kiln.FloatArray b = GemmCheck.offHeap(g.b);
                 io.kiln.FloatArray c = GemmCheck.offHeap(g.c0)) {
                CpuGemm.sgemm(g.transA, g.transB, m, n, k, (float) g.alpha, a, g.lda, b, g.ldb, (float) g.beta, c, g.ldc);
                g.check(GemmCheck.doubles(c), U32, "off-heap sgemm");
            }
        }
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void betaZeroDoesNotReadC(boolean vector) {
        vectorPath(vector);
        for (int[] s : new int[][] {{7, 45, 9}, {64, 64, 300}}) {
            int m = s[0], n = s[1], k = s[2];
            GemmCheck g = new GemmCheck(5, false, false, m, n, k, 0, 1.25, 0);
            float[] c = new float[m * n];
            Arrays.fill(c, Float.NaN);
            c[3] = Float.POSITIVE_INFINITY;
            CpuGemm.sgemm(vector, false, false, m, n, k, 1.25f, GemmCheck.floats(g.a), g.lda, GemmCheck.floats(g.b), g.ldb, 0f, c, g.ldc);
            g.check(GemmCheck.doubles(c), U32, "sgemm beta=0 over NaN");
            double[] d = new double[m * n];
            Arrays.fill(d, Double.NaN);
            CpuGemm.dgemm(vector, false, false, m, n, k, 1.25, g.a, g.lda, g.b, g.ldb, 0, d, g.ldc);
            g.check(d, U64, "dgemm beta=0 over NaN");
        }
    }

    @Test
    void alphaZeroOrKZeroScalesCWithoutReadingAOrB() {
        float[] a = new float[12], b = new float[12];
        Arrays.fill(a, Float.NaN);
        Arrays.fill(b, Float.POSITIVE_INFINITY);
        float[] c = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        CpuGemm.sgemm(false, false, 3, 3, 4, 0f, a, 4, b, 3, 0.5f, c, 3);
        assertEquals(Arrays.toString(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f, 4, 4.5f}), Arrays.toString(c));
        float[] nan = {Float.NaN, Float.NaN};
        CpuGemm.sgemm(false, false, 1, 2, 4, 0f, a, 4, b, 2, 0f, nan, 2);
        assertEquals("[0.0, 0.0]", Arrays.toString(nan), "alpha = beta = 0 writes zeros without reading C");
        double[] d = {3, Double.NaN};
        CpuGemm.dgemm(false, false, 1, 2, 0, 1, new double[0], 1, new double[0], 2, 2, d, 2);
        assertEquals("[6.0, NaN]", Arrays.toString(d), "k = 0: C = beta * C");
    }

    @ParameterizedTest(name = "vector={0}")
    @ValueSource(booleans = {true, false})
    void nanAndInfinityPropagate(boolean vector) {
        vectorPath(vector);
        int m = 37, n = 70, k = 300;
        float[] a = new float[m * k], b = new float[k * n];
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 0.25f);
        a[5 * k + 290] = Float.NaN;            // row 5 of C: NaN
        a[20 * k + 7] = Float.POSITIVE_INFINITY; // row 20 of C: +Inf (B is positive)
        b[100 * n + 66] = Float.NEGATIVE_INFINITY; // column 66: -Inf, except where row 20 meets it: NaN
        float[] c = new float[m * n];
        CpuGemm.sgemm(vector, false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float v = c[i * n + j];
                float expected = i == 5 || (i == 20 && j == 66) ? Float.NaN
                        : i == 20 ? Float.POSITIVE_INFINITY : j == 66 ? Float.NEGATIVE_INFINITY : 0.125f * k;
                if (Float.compare(v, expected) != 0) fail("C(" + i + "," + j + ") = " + v + ", expected " + expected);
            }
        }
    }

    @Test
    void wrongShapesAreRefusedSayingWhy() {
        float[] a = new float[6], b = new float[6], c = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuGemm.sgemm(false, false, 2, 2, 3, 1f, a, 2, b, 2, 0f, c, 2));
        assertTrue(e.getMessage().contains("lda=2 is less than the 3 columns"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CpuGemm.sgemm(false, false, 2, 2, 3, 1f, a, 3, b, 2, 0f, new float[3], 2));
        assertTrue(e.getMessage().contains("C (2 x 2, leading dimension 2) needs 4 elements, its array has 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CpuGemm.sgemm(false, false, -1, 2, 3, 1f, a, 3, b, 2, 0f, c, 2));
        assertTrue(e.getMessage().contains("must not be negative"), e.getMessage());
    }
}

package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Batched and strided-batched matmul, gemv and the outer product through {@link Linalg} on every device
 * Kiln finds, each with variants on (the cpu variants) and off (the portable references): every product
 * of a batch against the exact float64 bound of {@link Gemm} ({@link GemmCheck}), gemv and ger bit for
 * bit against their plain Java code and gemv also against float64. Shapes include 1, primes and
 * non-multiples of the cpu micro-tile; batches include gaps between matrices, a shared B and offsets in
 * reverse order.
 */
class BatchedAndMatVecTest {
    private static final long SEED = 31_337;
    @TestFactory
    List<DynamicNode> onEveryDevice() {
        System.out.println("[batched] seed " + SEED);
        return OnDevices.tests(OnDevices.of("strided batch", (OnDevices.Body) BatchedAndMatVecTest::strided,
                "offset batch", (OnDevices.Body) BatchedAndMatVecTest::offsets, "gemv", (OnDevices.Body) BatchedAndMatVecTest::gemv,
                "outer", (OnDevices.Body) BatchedAndMatVecTest::outer));
    }

    private static boolean slow(Device d) {
        return d.id().startsWith("ptx-interpreter");
    }

    /** batch, m, n, k, transposes (bit 0: A, bit 1: B), padding of leading dimensions, gap between matrices. */
    private static int[][] batchCases(Device d) {
        return slow(d) ? new int[][] {{1, 1, 1, 1, 0, 0, 0}, {3, 5, 7, 3, 3, 1, 2}}
                : new int[][] {{1, 1, 1, 1, 0, 0, 0}, {3, 5, 7, 3, 3, 1, 2}, {7, 13, 33, 17, 1, 0, 5}, {2, 70, 65, 129, 2, 3, 0},
                        {5, 6, 32, 256, 0, 0, 1}};
    }

    private static GemmCheck product(int[] c, int q, long seed) {
        double[][] ab = {{1, 0}, {-0.75, 0.5}, {2, 1}};
        double[] s = ab[(c[0] + c[1]) % ab.length];
        return new GemmCheck(seed + 97L * q, (c[4] & 1) != 0, (c[4] & 2) != 0, c[1], c[2], c[3], c[5], s[0], s[1]);
    }

    private static Matmul options(GemmCheck g) {
        Matmul o = Matmul.DEFAULT.scale(g.alpha, g.beta).leadingDimensions(g.lda, g.ldb, g.ldc);
        if (g.transA) o = o.transposeA();
        if (g.transB) o = o.transposeB();
        return o;
    }

    /** {@code name} is {@code Class.method} of the reference; the cpu variant is {@code CpuClass.method}. */
    private static void checkName(RunResult.TaskRun run, Device d, boolean variant, String name) {
        assertEquals(d.id(), run.device().id(), "ran elsewhere: " + run.fallbackReason());
        assertEquals(variant ? "Cpu" + name + " (Java variant)" : name, run.implementation());
    }

    private static void strided(OnDevices.Target t) {
        KilnRuntime rt = t.runtime();
        Device d = t.device();
        boolean variant = t.variants();
        for (int[] c : batchCases(d)) {
            int batch = c[0], gap = c[6];
            GemmCheck[] g = new GemmCheck[batch];
            for (int q = 0; q < batch; q++) g[q] = product(c, q, SEED);
            // B shared by the whole batch (stride 0) when the case asks for a gap of 1.
            boolean sharedB = gap == 1;
            if (sharedB) {
                for (int q = 1; q < batch; q++) System.arraycopy(g[0].b, 0, g[q].b, 0, g[0].b.length);
            }
            int sa = g[0].a.length + gap, sb = sharedB ? 0 : g[0].b.length + gap, sc = g[0].c0.length + gap;
            float[] a = new float[Math.max(1, (batch - 1) * sa + g[0].a.length)];
            float[] b = new float[Math.max(1, (batch - 1) * sb + g[0].b.length)];
            float[] cc = new float[(batch - 1) * sc + g[0].c0.length];
            Arrays.fill(cc, 123f);                                                 // gaps must stay untouched
            for (int q = 0; q < batch; q++) {
                copy(g[q].a, a, q * sa);
                copy(g[q].b, b, q * sb);
                copy(g[q].c0, cc, q * sc);
            }
            try (Linalg la = Linalg.on(rt, d)) {
                RunResult.TaskRun run = la.matmulBatched(a, b, cc, batch, c[1], c[2], c[3], options(g[0]).batchStrides(sa, sb, sc));
                checkName(run, d, variant, "Gemm.sgemmStridedBatched");
            }
            for (int q = 0; q < batch; q++) {
                g[q].check(slice(cc, q * sc, g[q].c0.length), 0x1p-24, "strided batch product " + q + " on " + d.id());
                if (q + 1 < batch) {
                    for (int e = q * sc + g[q].c0.length; e < (q + 1) * sc; e++) assertEquals(123f, cc[e], "gap after C " + q + " written");
                }
            }
        }
    }

    private static void offsets(OnDevices.Target t) {
        KilnRuntime rt = t.runtime();
        Device d = t.device();
        boolean variant = t.variants();
        for (int[] c : batchCases(d)) {
            int batch = c[0];
            GemmCheck[] g = new GemmCheck[batch];
            for (int q = 0; q < batch; q++) g[q] = product(c, q + 1000, SEED);
            int la0 = g[0].a.length, lb0 = g[0].b.length, lc0 = g[0].c0.length;
            float[] a = new float[batch * la0 + 3], b = new float[batch * lb0 + 3], cc = new float[batch * lc0 + 3];
            int[] off = new int[3 * batch];
            for (int q = 0; q < batch; q++) {
                int r = batch - 1 - q;                                             // reverse order, shifted by 3
                off[3 * q] = 3 + r * la0;
                off[3 * q + 1] = 3 + r * lb0;
                off[3 * q + 2] = 3 + r * lc0;
                copy(g[q].a, a, off[3 * q]);
                copy(g[q].b, b, off[3 * q + 1]);
                copy(g[q].c0, cc, off[3 * q + 2]);
            }
            try (Linalg la = Linalg.on(rt, d)) {
                checkName(la.matmulBatched(a, b, cc, off, c[1], c[2], c[3], options(g[0])), d, variant, "Gemm.sgemmBatched");
            }
            for (int q = 0; q < batch; q++) {
                g[q].check(slice(cc, off[3 * q + 2], lc0), 0x1p-24, "offset batch product " + q + " on " + d.id());
            }
        }
    }

    private static void gemv(OnDevices.Target target) {
        KilnRuntime rt = target.runtime();
        Device d = target.device();
        boolean variant = target.variants();
        int[][] shapes = slow(d) ? new int[][] {{1, 1}, {7, 13}} : new int[][] {{1, 1}, {7, 13}, {300, 257}, {1031, 600}, {64, 2053}};
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        try (Linalg la = Linalg.on(rt, d)) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1];
                for (int t = 0; t < 4; t++) {
                    boolean trans = (t & 1) != 0;
                    float alpha = t < 2 ? 1f : -0.5f, beta = t < 2 ? 0f : 2f;
                    int lda = n + t;
                    float[] a = random(rnd, m * lda), x = random(rnd, trans ? m : n), y = random(rnd, trans ? n : m);
                    if (t == 0) y[0] = Float.NaN;                                  // beta == 0: y is not read
                    float[] expect = y.clone(), y0 = y.clone();
                    MatVec.sgemv(trans, m, n, alpha, a, lda, x, 1, beta, expect, 1);
                    Matmul o = Matmul.DEFAULT.scale(alpha, beta).leadingDimensions(lda, 0, 0);
                    RunResult.TaskRun run = la.matvec(a, x, y, m, n, trans ? o.transposeA() : o);
                    checkName(run, d, variant, "MatVec.sgemv");
                    int len = trans ? m : n;
                    for (int i = 0; i < y.length; i++) {
                        assertEquals(Float.floatToRawIntBits(expect[i]), Float.floatToRawIntBits(y[i]),
                                "gemv " + (trans ? "T" : "N") + " " + m + "x" + n + " on " + d.id() + ": y[" + i + "] = " + y[i] + ", plain Java " + expect[i]);
                        double exact = 0, abs = 0;
                        for (int p = 0; p < len; p++) {
                            double v = trans ? a[p * lda + i] : a[i * lda + p];
                            exact += v * x[p];
                            abs += Math.abs(v * x[p]);
                        }
                        double old = beta == 0 ? 0 : (double) beta * y0[i];
                        double bound = (len + 2) * 0x1p-24 * (Math.abs(alpha) * abs + Math.abs(old)) + Double.MIN_NORMAL;
                        if (!(Math.abs(y[i] - (alpha * exact + old)) <= bound)) {
                            fail("gemv " + m + "x" + n + " on " + d.id() + ": y[" + i + "] = " + y[i] + ", float64 " + (alpha * exact + old));
                        }
                    }
                }
            }
        }
    }

    private static void outer(OnDevices.Target t) {
        KilnRuntime rt = t.runtime();
        Device d = t.device();
        int[][] shapes = slow(d) ? new int[][] {{1, 1}, {5, 3}} : new int[][] {{1, 1}, {5, 3}, {67, 129}, {300, 31}};
        SplittableRandom rnd = new SplittableRandom(SEED + 2);
        try (Linalg la = Linalg.on(rt, d)) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1];
                float[] x = random(rnd, m), y = random(rnd, n), a = random(rnd, m * n);
                x[0] = Float.POSITIVE_INFINITY;
                float alpha = -1.25f;
                float[] expect = a.clone();
                MatVec.sger(m, n, alpha, x, 1, y, 1, expect, n);
                assertEquals("MatVec.sger", la.outer(x, y, a, m, n, alpha).implementation());
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expect[i]), Float.floatToRawIntBits(a[i]), "ger " + m + "x" + n + " on " + d.id() + " element " + i);
                }
                float[] before = a.clone();
                la.outer(x, y, a, m, n, 0f);                                        // alpha == 0 leaves A (and its Inf products) alone
                assertTrue(Arrays.equals(before, a), "ger with alpha = 0 changed A on " + d.id());
            }
        }
    }

    @Test
    void badBatchesAreRefused() {
        Linalg la = Linalg.on(Devices.get("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> la.matmulBatched(new float[8], new float[8], new float[8], 2, 2, 2, 2, Matmul.DEFAULT.batchStrides(4, 4, 2)));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> la.matmulBatched(new float[8], new float[8], new float[8], 3, 2, 2, 2));
        assertTrue(e.getMessage().contains("product 2"), e.getMessage());
        float[] untouched = {5f};
        la.matmulBatched(new float[0], new float[0], untouched, 0, 2, 2, 2);          // an empty batch reads and writes nothing
        assertEquals(5f, untouched[0]);
        e = assertThrows(IllegalArgumentException.class, () -> la.matvec(new float[6], new float[2], new float[3], 2, 3));
        assertTrue(e.getMessage().contains("gemv: x (3 elements at stride 1) needs 3 elements, its array has 2"), e.getMessage());
        la.close();
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[Math.max(1, n)];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-2, 2);
        return v;
    }

    private static void copy(double[] from, float[] to, int at) {
        for (int i = 0; i < from.length; i++) to[at + i] = (float) from[i];
    }

    private static double[] slice(float[] v, int from, int len) {
        double[] d = new double[len];
        for (int i = 0; i < len; i++) d[i] = v[from + i];
        return d;
    }
}

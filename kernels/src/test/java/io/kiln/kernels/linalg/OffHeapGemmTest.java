package io.kiln.kernels.linalg;

import io.kiln.Device;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.RunResult;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-heap {@code dgemm} and the batched products on every storage ({@code float[]}, {@code FloatArray},
 * {@code double[]}, {@code DoubleArray}; strided and at offsets) through {@link Linalg}, on every device
 * with the cpu variants and the references ({@link OnDevices}): each product within {@link Gemm}'s float64
 * bound, the gaps between batch matrices untouched, and each off-heap result bit for bit the Java-array
 * form's on the same device (the same kernel, or the same blocked cpu code reading segments).
 */
class OffHeapGemmTest {
    private static final long SEED = 41_041;

    @TestFactory
    List<DynamicNode> onEveryDevice() {
        System.out.println("[off-heap gemm] seed " + SEED);
        return OnDevices.tests(OnDevices.of("off-heap dgemm", (OnDevices.Body) OffHeapGemmTest::dgemm,
                "batched on every storage", (OnDevices.Body) OffHeapGemmTest::batched));
    }

    /** m, n, k, transposes (bit 0: A, bit 1: B), padding, alpha, beta. */
    private static final double[][] CASES = {{1, 1, 1, 0, 0, 1, 0}, {7, 13, 17, 1, 2, -0.75, 0.5}, {31, 37, 41, 3, 1, 2, 1},
            {66, 40, 129, 2, 0, 1, 0}, {13, 300, 260, 0, 3, 0.5, 2}, {5, 3, 0, 2, 1, 1, 0.5}, {4, 6, 5, 1, 0, 0, -1}};

    private static GemmCheck check(double[] c, long seed) {
        return new GemmCheck(seed, ((int) c[3] & 1) != 0, ((int) c[3] & 2) != 0, (int) c[0], (int) c[1], (int) c[2], (int) c[4], c[5], c[6]);
    }

    private static Matmul options(GemmCheck g) {
        Matmul o = Matmul.DEFAULT.scale(g.alpha, g.beta).leadingDimensions(g.lda, g.ldb, g.ldc);
        if (g.transA) o = o.transposeA();
        if (g.transB) o = o.transposeB();
        return o;
    }

    private static void name(RunResult.TaskRun run, OnDevices.Target t, String reference) {
        assertEquals(t.device().id(), run.device().id(), "ran elsewhere: " + run.fallbackReason());
        assertEquals(t.implementation(reference), run.implementation());
    }

    private static void dgemm(OnDevices.Target t) {
        Device d = t.device();
        int cases = t.slow() ? 3 : CASES.length;
        try (Linalg la = Linalg.on(t.runtime(), d)) {
            for (int i = 0; i < cases; i++) {
                GemmCheck g = check(CASES[i], SEED + i);
                double[] heap = g.c0.clone();
                la.matmul(g.a, g.b, heap, g.m, g.n, g.k, options(g));
                try (DoubleArray a = DoubleArray.of(g.a); DoubleArray b = DoubleArray.of(g.b); DoubleArray c = DoubleArray.of(g.c0)) {
                    if (g.beta == 0) c.set(0, Double.NaN); // beta == 0 does not read C
                    name(la.matmul(a, b, c, g.m, g.n, g.k, options(g)), t, "Gemm.dgemm");
                    double[] off = c.toArray();
                    g.check(off, 0x1p-53, "off-heap dgemm on " + d.id());
                    assertBits(heap, off, "off-heap dgemm " + g + " on " + d.id() + " against double[]");
                }
            }
            // the packed default form
            try (DoubleArray a = DoubleArray.of(1, 2, 3, 4, 5, 6); DoubleArray b = DoubleArray.of(7, 8, 9, 10, 11, 12);
                 DoubleArray c = DoubleArray.allocate(4)) {
                la.matmul(a, b, c, 2, 2, 3);
                assertEquals("[58.0, 64.0, 139.0, 154.0]", Arrays.toString(c.toArray()));
            }
        }
    }

    /** batch, m, n, k, transposes, padding, gap between matrices. */
    private static int[][] batchCases(OnDevices.Target t) {
        return t.slow() ? new int[][] {{1, 1, 1, 1, 0, 0, 0}, {3, 5, 7, 3, 3, 1, 2}}
                : new int[][] {{1, 1, 1, 1, 0, 0, 0}, {3, 5, 7, 3, 3, 1, 2}, {7, 13, 33, 17, 1, 0, 5}, {2, 70, 65, 129, 2, 3, 0}};
    }

    private static void batched(OnDevices.Target t) {
        Device d = t.device();
        try (Linalg la = Linalg.on(t.runtime(), d)) {
            for (int[] c : batchCases(t)) {
                int batch = c[0], gap = c[6];
                GemmCheck[] g = new GemmCheck[batch];
                double[][] ab = {{1, 0}, {-0.75, 0.5}, {2, 1}};
                double[] s = ab[(c[0] + c[1]) % ab.length];
                for (int q = 0; q < batch; q++) {
                    g[q] = new GemmCheck(SEED + 97L * q + c[1], (c[4] & 1) != 0, (c[4] & 2) != 0, c[1], c[2], c[3], c[5], s[0], s[1]);
                }
                int sa = g[0].a.length + gap, sb = g[0].b.length + gap, sc = g[0].c0.length + gap;
                double[] a = new double[(batch - 1) * sa + g[0].a.length], b = new double[(batch - 1) * sb + g[0].b.length];
                double[] c0 = new double[(batch - 1) * sc + g[0].c0.length];
                Arrays.fill(c0, 123);                                              // gaps must stay untouched
                // offsets: the same matrices, listed in reverse order
                int[] off = new int[3 * batch];
                for (int q = 0; q < batch; q++) {
                    System.arraycopy(g[q].a, 0, a, q * sa, g[q].a.length);
                    System.arraycopy(g[q].b, 0, b, q * sb, g[q].b.length);
                    System.arraycopy(g[q].c0, 0, c0, q * sc, g[q].c0.length);
                    int r = batch - 1 - q;
                    off[3 * r] = q * sa;
                    off[3 * r + 1] = q * sb;
                    off[3 * r + 2] = q * sc;
                }
                Matmul o = options(g[0]).batchStrides(sa, sb, sc);
                float[] af = GemmCheck.floats(a), bf = GemmCheck.floats(b);
                for (boolean strided : new boolean[] {true, false}) {
                    String how = (strided ? "strided" : "offset") + " batch " + Arrays.toString(c) + " on " + d.id();
                    String kind = strided ? "StridedBatched" : "Batched";
                    float[] cf = GemmCheck.floats(c0);
                    RunResult.TaskRun run = strided ? la.matmulBatched(af, bf, cf, batch, c[1], c[2], c[3], o)
                            : la.matmulBatched(af, bf, cf, off, c[1], c[2], c[3], o);
                    name(run, t, "Gemm.sgemm" + kind);
                    double[] cd = c0.clone();
                    run = strided ? la.matmulBatched(a, b, cd, batch, c[1], c[2], c[3], o) : la.matmulBatched(a, b, cd, off, c[1], c[2], c[3], o);
                    name(run, t, "Gemm.dgemm" + kind);
                    try (FloatArray oa = FloatArray.of(af); FloatArray ob = FloatArray.of(bf); FloatArray oc = FloatArray.of(GemmCheck.floats(c0));
                         DoubleArray da = DoubleArray.of(a); DoubleArray db = DoubleArray.of(b); DoubleArray dc = DoubleArray.of(c0)) {
                        run = strided ? la.matmulBatched(oa, ob, oc, batch, c[1], c[2], c[3], o) : la.matmulBatched(oa, ob, oc, off, c[1], c[2], c[3], o);
                        name(run, t, "Gemm.sgemm" + kind);
                        run = strided ? la.matmulBatched(da, db, dc, batch, c[1], c[2], c[3], o) : la.matmulBatched(da, db, dc, off, c[1], c[2], c[3], o);
                        name(run, t, "Gemm.dgemm" + kind);
                        assertBits(GemmCheck.doubles(cf), GemmCheck.doubles(oc), "FloatArray " + how + " against float[]");
                        assertBits(cd, dc.toArray(), "DoubleArray " + how + " against double[]");
                    }
                    for (int q = 0; q < batch; q++) {
                        g[q].check(Arrays.copyOfRange(GemmCheck.doubles(cf), q * sc, q * sc + g[q].c0.length), 0x1p-24, "float " + how + " product " + q);
                        g[q].check(Arrays.copyOfRange(cd, q * sc, q * sc + g[q].c0.length), 0x1p-53, "double " + how + " product " + q);
                        for (int e = q * sc + g[q].c0.length; e < Math.min(cd.length, (q + 1) * sc); e++) {
                            assertEquals(123.0, cd[e], how + ": the gap after C " + q + " was written");
                            assertEquals(123f, cf[e], how + ": the gap after C " + q + " was written (float)");
                        }
                    }
                }
            }
        }
    }

    private static void assertBits(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])
                    && !(Double.isNaN(expected[i]) && Double.isNaN(actual[i]))) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    @Test
    void wrongShapesAreRefusedBeforeAnyLaunch() {
        Device cpu = io.kiln.Devices.get("cpu");
        try (Linalg la = Linalg.on(cpu); DoubleArray a = DoubleArray.allocate(5); DoubleArray b = DoubleArray.allocate(6);
             DoubleArray c = DoubleArray.allocate(4); FloatArray f = FloatArray.allocate(8)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> la.matmul(a, b, c, 2, 2, 3));
            assertTrue(e.getMessage().contains("needs 6 elements, its array has 5"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.matmulBatched(f, f, f, new int[] {0, 0, 0, 0, 0, 2}, 2, 2, 2, Matmul.DEFAULT));
            assertTrue(e.getMessage().toLowerCase().contains("overlap") || e.getMessage().contains("elements"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.matmulBatched(f, f, f, new int[] {0, 0}, 1, 1, 1, Matmul.DEFAULT));
            assertTrue(e.getMessage().contains("3 per product"), e.getMessage());
        }
    }
}

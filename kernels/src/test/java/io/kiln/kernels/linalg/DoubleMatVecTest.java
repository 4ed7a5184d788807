package io.kiln.kernels.linalg;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.DoubleArray;
import io.kiln.RunResult;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link MatVec#dgemv} through {@link Linalg#matvec(double[], double[], double[], int, int, Matmul)} and its
 * {@link DoubleArray} form on every device Kiln finds, with the cpu variant and with the references: bit
 * for bit the plain Java method (called here directly, as Java) and within the documented bound of an
 * exact value (a double-double sum, independent of every implementation). Fresh random inputs (seed
 * printed), shapes 1, primes, past the cpu variant's 1024-output block and its serial threshold, both
 * transposes, padded leading dimensions, alpha/beta, beta = 0 over NaN in y, and NaN/Inf in A.
 */
class DoubleMatVecTest {
    /** Fresh on every run; {@code -Dkiln.seed=N} repeats one (the kernels' tests do not depend on kiln-test-support). */
    private static final long SEED = Long.getLong("kiln.seed", System.nanoTime());

    static {
        System.out.println("[dgemv] seed " + SEED + " (rerun with -Dkiln.seed=" + SEED + ")");
    }

    @TestFactory
    List<DynamicNode> onEveryDevice() {
        return OnDevices.tests(OnDevices.of("dgemv", (OnDevices.Body) DoubleMatVecTest::dgemv,
                "dgemv off-heap", (OnDevices.Body) DoubleMatVecTest::dgemvOffHeap));
    }

    private static int[][] shapes(OnDevices.Target t) {
        return t.slow() ? new int[][] {{1, 1}, {7, 13}} : new int[][] {{1, 1}, {7, 13}, {300, 257}, {1031, 600}, {64, 2053}, {2053, 64}};
    }

    /** One case: A, x, y and options, and what the plain Java method makes of them. */
    private record Case(boolean trans, int m, int n, int lda, double alpha, double beta, double[] a, double[] x, double[] y0,
                        double[] expect) {
        static Case of(SplittableRandom rnd, int m, int n, int t) {
            boolean trans = (t & 1) != 0;
            double alpha = t < 2 ? 1 : -0.75, beta = t < 2 ? 0 : 1.5;
            int lda = n + t;
            double[] a = random(rnd, m * lda), x = random(rnd, trans ? m : n), y = random(rnd, trans ? n : m);
            if (t == 0) y[0] = Double.NaN;                                  // beta == 0: y is not read
            double[] expect = y.clone();
            MatVec.dgemv(trans, m, n, alpha, a, lda, x, 1, beta, expect, 1);
            return new Case(trans, m, n, lda, alpha, beta, a, x, y, expect);
        }

        Matmul options() {
            Matmul o = Matmul.DEFAULT.scale(alpha, beta).leadingDimensions(lda, 0, 0);
            return trans ? o.transposeA() : o;
        }

        /** y against the plain Java result bit for bit and against the exact value within the bound. */
        void check(double[] y, String where) {
            int len = trans ? m : n;
            for (int i = 0; i < expect.length; i++) {
                String what = "dgemv " + (trans ? "T" : "N") + " " + m + "x" + n + " alpha " + alpha + " beta " + beta + " on " + where + ": y[" + i + "]";
                assertEquals(Double.doubleToRawLongBits(expect[i]), Double.doubleToRawLongBits(y[i]), what + " = " + y[i] + ", plain Java " + expect[i]);
                // Exact dot product as a double-double: each product split exactly by an FMA, summed with two-sum.
                double hi = 0, lo = 0, abs = 0;
                for (int p = 0; p < len; p++) {
                    double v = trans ? a[p * lda + i] : a[i * lda + p];
                    double prod = v * x[p], err = Math.fma(v, x[p], -prod);
                    double s = hi + prod, bb = s - hi;
                    lo += (hi - (s - bb)) + (prod - bb) + err;
                    hi = s;
                    abs += Math.abs(prod);
                }
                double old = beta == 0 ? 0 : beta * y0[i];
                double exact = alpha * (hi + lo) + old;
                double bound = (len + 2) * 0x1p-53 * (Math.abs(alpha) * abs + Math.abs(old)) + Double.MIN_NORMAL;
                if (!(Math.abs(y[i] - exact) <= bound)) fail(what + " = " + y[i] + ", exact " + exact + ", bound " + bound);
            }
        }
    }

    private static void dgemv(OnDevices.Target target) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        Device d = target.device();
        try (Linalg la = Linalg.on(target.runtime(), d)) {
            for (int[] s : shapes(target)) {
                for (int t = 0; t < 4; t++) {
                    Case c = Case.of(rnd, s[0], s[1], t);
                    double[] y = c.y0.clone();
                    RunResult.TaskRun run = la.matvec(c.a, c.x, y, c.m, c.n, c.options());
                    assertEquals(d.id(), run.device().id(), "ran elsewhere: " + run.fallbackReason());
                    assertEquals(target.implementation("MatVec.dgemv"), run.implementation());
                    c.check(y, d.id());
                }
            }
            // NaN and Inf in A reach exactly the outputs whose dot products read them; alpha = 0 reads neither A nor x.
            int m = 5, n = 1100;
            double[] a = random(rnd, m * n), x = random(rnd, n), y = new double[m];
            a[n + 7] = Double.NaN;
            a[3 * n] = Double.POSITIVE_INFINITY;
            la.matvec(a, x, y, m, n);
            assertTrue(Double.isNaN(y[1]) && Double.isInfinite(y[3]) && Double.isFinite(y[0]) && Double.isFinite(y[4]),
                    "NaN/Inf in A on " + d.id() + ": " + java.util.Arrays.toString(y));
            double[] z = {1, 2, 3, 4, 5};
            la.matvec(a, x, z, m, n, Matmul.DEFAULT.scale(0, 2));
            assertEquals(List.of(2d, 4d, 6d, 8d, 10d), java.util.Arrays.stream(z).boxed().toList(), "alpha = 0 on " + d.id());
        }
    }

    private static void dgemvOffHeap(OnDevices.Target target) {
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        Device d = target.device();
        try (Linalg la = Linalg.on(target.runtime(), d)) {
            for (int[] s : shapes(target)) {
                for (int t = 0; t < 4; t++) {
                    Case c = Case.of(rnd, s[0], s[1], t);
                    double[] heap = c.y0.clone();
                    la.matvec(c.a, c.x, heap, c.m, c.n, c.options());
                    try (DoubleArray a = DoubleArray.of(c.a); DoubleArray x = DoubleArray.of(c.x); DoubleArray y = DoubleArray.of(c.y0)) {
                        RunResult.TaskRun run = la.matvec(a, x, y, c.m, c.n, c.options());
                        assertEquals(d.id(), run.device().id(), "ran elsewhere: " + run.fallbackReason());
                        assertEquals("MatVec.dgemv", run.implementation());      // no off-heap variant: the portable kernel
                        double[] off = y.toArray();
                        c.check(off, d.id() + " (off-heap)");
                        for (int i = 0; i < off.length; i++) {
                            assertEquals(Double.doubleToRawLongBits(heap[i]), Double.doubleToRawLongBits(off[i]), "off-heap against heap, y[" + i + "]");
                        }
                    }
                }
            }
        }
    }

    @Test
    void badShapesAreRefused() {
        try (Linalg la = Linalg.on(Devices.get("cpu")); DoubleArray a = DoubleArray.allocate(6); DoubleArray x = DoubleArray.allocate(3);
             DoubleArray y = DoubleArray.allocate(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> la.matvec(new double[6], new double[2], new double[3], 2, 3));
            assertTrue(e.getMessage().contains("gemv: x (3 elements at stride 1) needs 3 elements, its array has 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.matvec(a, x, y, 2, 3));
            assertTrue(e.getMessage().contains("gemv: y (2 elements at stride 1) needs 2 elements, its array has 1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.matvec(new double[6], new double[3], new double[2], 2, 3, Matmul.DEFAULT.transposeB()));
            assertTrue(e.getMessage().contains("x is a vector"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> CpuMatVec.dgemv(false, 2, 3, 1, new double[5], 3, new double[3], 1, 0, new double[2], 1));
            assertTrue(e.getMessage().contains("gemv"), e.getMessage());
        }
    }

    private static double[] random(SplittableRandom rnd, int n) {
        double[] v = new double[Math.max(1, n)];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextDouble(-2, 2) * Math.scalb(1d, rnd.nextInt(-20, 21));
        return v;
    }
}

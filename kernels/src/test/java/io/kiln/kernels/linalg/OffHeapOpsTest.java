package io.kiln.kernels.linalg;

import io.kiln.FloatArray;
import io.kiln.IntArray;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The off-heap forms of {@link Linalg#matvec}, {@link Linalg#outer}, {@link Linalg#reduce},
 * {@link Linalg#argmax} and {@link Linalg#conv2d} on every device Kiln finds: each result is compared bit
 * for bit with two independent computations, the same kernel method run as plain Java on the JVM (the
 * reference of every Kiln kernel) and the Java-array form of the operation on the same device (which the
 * other tests check against float64). Inputs are random with a printed seed, plus NaN, infinities and
 * signed zeros; shapes include 1, primes and sizes past one work-group.
 */
class OffHeapOpsTest {
    private static final long SEED = System.nanoTime();

    @TestFactory
    List<DynamicNode> onEveryDevice() {
        System.out.println("[off-heap ops] seed " + SEED);
        return OnDevices.tests(OnDevices.of(
                "matvec", (OnDevices.Body) OffHeapOpsTest::matvec,
                "outer", (OnDevices.Body) OffHeapOpsTest::outer,
                "reduce and argmax", (OnDevices.Body) OffHeapOpsTest::reductions,
                "conv2d", (OnDevices.Body) OffHeapOpsTest::conv,
                "row ops", (OnDevices.Body) OffHeapOpsTest::rowOps));
    }

    /** Random values of varied magnitude with a few special values mixed in. */
    private static float[] values(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MIN_VALUE, 1e30f};
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextInt(50) == 0 ? special[rnd.nextInt(special.length)] : (float) (rnd.nextDouble(-2, 2) * Math.pow(10, rnd.nextInt(-2, 3)));
        }
        return v;
    }

    private static FloatArray offHeap(float[] v) {
        FloatArray a = FloatArray.allocate(Math.max(1, v.length));
        a.copyFrom(v);
        return a;
    }

    private static float[] heap(FloatArray a, int n) {
        float[] v = new float[n];
        a.copyTo(v);
        return v;
    }

    /** Bit for bit (NaN payloads aside: NaN equals NaN), naming the first difference. */
    private static void assertSameBits(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what + ": lengths");
        for (int i = 0; i < want.length; i++) {
            boolean same = Float.isNaN(want[i]) ? Float.isNaN(got[i]) : Float.floatToRawIntBits(want[i]) == Float.floatToRawIntBits(got[i]);
            if (!same) throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + want[i] + " (seed " + SEED + ")");
        }
    }

    private static void matvec(OnDevices.Target t) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        int[][] shapes = t.slow() ? new int[][] {{1, 1}, {7, 13}} : new int[][] {{1, 1}, {1, 31}, {31, 1}, {97, 53}, {300, 257}};
        try (Linalg la = Linalg.on(t.runtime(), t.device())) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1];
                for (boolean trans : new boolean[] {false, true}) {
                    Matmul options = (trans ? Matmul.DEFAULT.transposeA() : Matmul.DEFAULT).scale(1.5, trans ? 0 : -0.5);
                    float[] a = values(rnd, m * n), x = values(rnd, trans ? m : n), y0 = values(rnd, trans ? n : m);
                    float[] yHeap = y0.clone();
                    la.matvec(a, x, yHeap, m, n, options);
                    try (FloatArray oa = offHeap(a); FloatArray ox = offHeap(x); FloatArray oy = offHeap(y0);
                         FloatArray jy = offHeap(y0)) {
                        io.kiln.RunResult.TaskRun ran = la.matvec(oa, ox, oy, m, n, options);
                        MatVec.sgemv(trans, m, n, 1.5f, oa, n, ox, 1, trans ? 0f : -0.5f, jy, 1);  // plain Java
                        String what = "matvec " + m + "x" + n + (trans ? " transposed" : "") + " on " + t.device().id();
                        assertSameBits(what + " vs plain Java", heap(jy, y0.length), heap(oy, y0.length));
                        assertSameBits(what + " vs float[]", yHeap, heap(oy, y0.length));
                        assertTrue(ran.implementation().contains("sgemv"), what + ": ran " + ran.implementation());
                    }
                }
            }
        }
    }

    private static void outer(OnDevices.Target t) {
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        int[][] shapes = t.slow() ? new int[][] {{1, 1}, {5, 7}} : new int[][] {{1, 1}, {1, 13}, {67, 1}, {131, 257}};
        try (Linalg la = Linalg.on(t.runtime(), t.device())) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1];
                float[] x = values(rnd, m), y = values(rnd, n), a0 = values(rnd, m * n);
                float[] aHeap = a0.clone();
                la.outer(x, y, aHeap, m, n, 0.75f);
                try (FloatArray ox = offHeap(x); FloatArray oy = offHeap(y); FloatArray oa = offHeap(a0); FloatArray ja = offHeap(a0)) {
                    la.outer(ox, oy, oa, m, n, 0.75f);
                    MatVec.sger(m, n, 0.75f, ox, 1, oy, 1, ja, n);
                    String what = "outer " + m + "x" + n + " on " + t.device().id();
                    assertSameBits(what + " vs plain Java", heap(ja, a0.length), heap(oa, a0.length));
                    assertSameBits(what + " vs float[]", aHeap, heap(oa, a0.length));
                }
            }
        }
    }

    private static void reductions(OnDevices.Target t) {
        SplittableRandom rnd = new SplittableRandom(SEED + 2);
        int[][] shapes = t.slow() ? new int[][] {{1, 1}, {9, 13}} : new int[][] {{1, 1}, {1, 13}, {13, 1}, {257, 129}, {3, 2053}};
        try (Linalg la = Linalg.on(t.runtime(), t.device())) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                for (int axis = 0; axis <= 1; axis++) {
                    float[] x = AxisReductionsTest.input(rnd, rows, cols, axis);
                    int outs = axis == 1 ? rows : cols;
                    try (FloatArray ox = offHeap(x); FloatArray oy = FloatArray.allocate(outs); FloatArray jy = FloatArray.allocate(outs);
                         IntArray oi = IntArray.allocate(outs); IntArray ji = IntArray.allocate(outs)) {
                        for (Reduction op : Reduction.values()) {
                            float[] yHeap = new float[outs];
                            la.reduce(x, yHeap, rows, cols, axis, op);
                            la.reduce(ox, oy, rows, cols, axis, op);
                            AxisReductions.reduce(op.code(), ox, jy, rows, cols, axis);
                            String what = op + " axis " + axis + " of " + rows + "x" + cols + " on " + t.device().id();
                            assertSameBits(what + " vs plain Java", heap(jy, outs), heap(oy, outs));
                            assertSameBits(what + " vs float[]", yHeap, heap(oy, outs));
                        }
                        int[] iHeap = new int[outs];
                        la.argmax(x, iHeap, rows, cols, axis);
                        la.argmax(ox, oi, rows, cols, axis);
                        AxisReductions.argmax(ox, ji, rows, cols, axis);
                        int[] got = new int[outs], java = new int[outs];
                        oi.copyTo(got);
                        ji.copyTo(java);
                        String what = "argmax axis " + axis + " of " + rows + "x" + cols + " on " + t.device().id() + " (seed " + SEED + ")";
                        org.junit.jupiter.api.Assertions.assertArrayEquals(java, got, what + " vs plain Java");
                        org.junit.jupiter.api.Assertions.assertArrayEquals(iHeap, got, what + " vs int[]");
                    }
                }
            }
        }
    }

    private static void conv(OnDevices.Target t) {
        SplittableRandom rnd = new SplittableRandom(SEED + 3);
        // {n, c, h, w, k, r, s, stride, pad, dilation}
        int[][] cases = t.slow() ? new int[][] {{1, 1, 5, 5, 1, 3, 3, 1, 1, 1}}
                : new int[][] {{1, 1, 1, 1, 1, 1, 1, 1, 0, 1}, {2, 3, 11, 13, 4, 3, 3, 1, 1, 1}, {1, 2, 17, 9, 3, 5, 3, 2, 2, 1},
                        {3, 1, 19, 23, 2, 3, 3, 1, 2, 2}};
        try (Linalg la = Linalg.on(t.runtime(), t.device())) {
            for (int[] cs : cases) {
                int n = cs[0], c = cs[1], h = cs[2], wd = cs[3], k = cs[4], r = cs[5], s = cs[6];
                Conv2d options = Conv2d.DEFAULT.stride(cs[7], cs[7]).padding(cs[8], cs[8]).dilation(cs[9], cs[9])
                        .using(Conv2d.Algorithm.DIRECT);
                int p = options.outHeight(h, r), q = options.outWidth(wd, s);
                float[] x = values(rnd, n * c * h * wd), w = values(rnd, k * c * r * s), bias = values(rnd, k);
                float[] yHeap = new float[n * k * p * q];
                la.conv2d(x, w, bias, yHeap, n, c, h, wd, k, r, s, options);
                try (FloatArray ox = offHeap(x); FloatArray ow = offHeap(w); FloatArray ob = offHeap(bias);
                     FloatArray oy = FloatArray.allocate(yHeap.length); FloatArray jy = FloatArray.allocate(yHeap.length)) {
                    la.conv2d(ox, ow, ob, oy, n, c, h, wd, k, r, s, options);
                    Conv.conv2d(ox, ow, ob, jy, n, c, h, wd, k, p, q, options.geometry(r, s));
                    String what = "conv2d " + java.util.Arrays.toString(cs) + " on " + t.device().id();
                    assertSameBits(what + " vs plain Java", heap(jy, yHeap.length), heap(oy, yHeap.length));
                    assertSameBits(what + " vs float[] direct", yHeap, heap(oy, yHeap.length));
                }
            }
        }
    }

    /**
     * The facade caches one plan per off-heap operation and binds each call's arrays to it: arrays that
     * live for one call (allocate, call, close) must work call after call, with new sizes too.
     */
    @TestFactory
    List<DynamicNode> arraysClosedAfterEachCall() {
        return OnDevices.tests(OnDevices.of("allocate, call, close", (OnDevices.Body) t -> {
            try (Linalg la = Linalg.on(t.runtime(), t.device())) {
                for (int call = 0; call < 6; call++) {
                    int n = 5 + 3 * call, m = 2 + call;
                    try (FloatArray x = FloatArray.allocate((long) m * n); FloatArray y = FloatArray.allocate((long) m * n);
                         FloatArray v = FloatArray.allocate(n); FloatArray out = FloatArray.allocate(m)) {
                        for (int i = 0; i < m * n; i++) x.set(i, i % 7 - 3);
                        for (int i = 0; i < n; i++) v.set(i, 1f);
                        la.unary(x, y, (long) m * n, Unary.RELU);
                        la.matvec(x, v, out, m, n);
                        for (int i = 0; i < m * n; i++) assertEquals(Math.max(0f, i % 7 - 3), y.get(i), "relu, call " + call + ", element " + i);
                        for (int r = 0; r < m; r++) {
                            float want = 0f;
                            for (int c = 0; c < n; c++) want += (r * n + c) % 7 - 3;
                            assertEquals(want, out.get(r), "matvec, call " + call + ", row " + r + " on " + t.device().id());
                        }
                    }
                }
            }
        }));
    }

    /**
     * Softmax, log-softmax, layer norm and RMS norm on off-heap matrices against the Java-array reference
     * kernel run as plain Java (the off-heap forms have no cpu variant: they are the references on every
     * device): bit for bit, except softmax and log-softmax off the JVM, whose {@code exp}/{@code log} are the
     * device's, within one float ulp; rows with huge, tiny and special values.
     */
    private static void rowOps(OnDevices.Target t) {
        SplittableRandom rnd = new SplittableRandom(SEED + 4);
        int[][] shapes = t.slow() ? new int[][] {{1, 1}, {3, 7}} : new int[][] {{1, 1}, {1, 31}, {7, 1}, {37, 129}, {5, 1031}};
        try (Linalg la = Linalg.on(t.runtime(), t.device())) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1], n = rows * cols;
                float[] x = values(rnd, n), gamma = values(rnd, cols), beta = values(rnd, cols);
                if (rows > 2) for (int j = 0; j < cols; j++) x[cols + j] = (float) (rnd.nextDouble(-1, 1) * 1e30);
                try (FloatArray ox = offHeap(x); FloatArray oy = FloatArray.allocate(n); FloatArray jy = FloatArray.allocate(n)) {
                    for (int op = 0; op < 4; op++) {
                        float[] ref = new float[n];
                        switch (op) {
                            case 0 -> { la.softmax(ox, oy, rows, cols); RowOps.softmax(ox, jy, rows, cols); RowOps.softmax(x, ref, rows, cols); }
                            case 1 -> { la.logSoftmax(ox, oy, rows, cols); RowOps.logSoftmax(ox, jy, rows, cols); RowOps.logSoftmax(x, ref, rows, cols); }
                            case 2 -> {
                                la.layerNorm(ox, gamma, beta, oy, rows, cols, 1e-5f);
                                RowOps.layerNorm(ox, gamma, beta, jy, rows, cols, 1e-5f);
                                RowOps.layerNorm(x, gamma, beta, ref, rows, cols, 1e-5f);
                            }
                            default -> {
                                la.rmsNorm(ox, gamma, oy, rows, cols, 1e-5f);
                                RowOps.rmsNorm(ox, gamma, jy, rows, cols, 1e-5f);
                                RowOps.rmsNorm(x, gamma, ref, rows, cols, 1e-5f);
                            }
                        }
                        String what = "row op " + op + " of " + rows + "x" + cols + " on " + t.device().id();
                        // the off-heap kernel equals the float[] reference as plain Java, bit for bit
                        assertSameBits(what + ": the two references", ref, heap(jy, n));
                        if (op >= 2 || t.device().backend() == io.kiln.Backend.CPU) {
                            assertSameBits(what + " vs plain Java", ref, heap(oy, n));
                        } else {
                            // exp and log are the device's (docs/kernel-language.md): one float ulp of Java, as RowOps documents
                            float[] got = heap(oy, n);
                            for (int i = 0; i < n; i++) {
                                boolean ok = Float.isNaN(ref[i]) ? Float.isNaN(got[i]) : got[i] == ref[i] || Math.abs(got[i] - ref[i]) <= Math.ulp(ref[i]);
                                if (!ok) throw new AssertionError(what + ": element " + i + " is " + got[i] + ", plain Java " + ref[i] + " (seed " + SEED + ")");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsSayWhatIsWrong() {
        try (FloatArray a = FloatArray.allocate(6); FloatArray x = FloatArray.allocate(3); FloatArray y = FloatArray.allocate(1);
             IntArray i = IntArray.allocate(1)) {
            Linalg la = Linalg.shared();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> la.matvec(a, x, y, 2, 3));
            assertTrue(e.getMessage().contains("y"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.reduce(a, y, 2, 3, 2, Reduction.SUM));
            assertTrue(e.getMessage().contains("axis"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.argmax(a, i, 2, 3, 0));
            assertTrue(e.getMessage().contains("3 in y"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.conv2d(a, x, null, y, 1, 1, 2, 3, 1, 1, 3,
                    Conv2d.DEFAULT.using(Conv2d.Algorithm.IM2COL)));
            assertTrue(e.getMessage().contains("DIRECT"), e.getMessage());
        }
        FloatArray closed = FloatArray.allocate(4);
        closed.close();
        try (FloatArray y = FloatArray.allocate(2)) {
            assertThrows(IllegalStateException.class, () -> Linalg.shared().reduce(closed, y, 2, 2, 1, Reduction.SUM));
        }
    }
}

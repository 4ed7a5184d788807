package io.kiln.kernels.tabular;

import io.kiln.ExecutionPlan;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link CpuTabular} against the portable transform kernels run as plain Java, bit for bit: random
 * columns with NaN, infinities, signed zeros and masks, fitted parameters including a zero-width clip
 * and infinite statistics, edge sizes (1 row, 4095/4096/4097 rows, prime 100003), out of place and in
 * place; and through the engine, where {@code cpu} runs the variant and a runtime with variants off
 * the reference, with the same result.
 */
class CpuTabularTest {
    static final int[][] SHAPES = {{1, 1}, {1, 5}, {4095, 2}, {4096, 3}, {4097, 3}, {100003, 2}, {40000, 16}};

    static float[] data(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(40);
            v[i] = switch (k) {
                case 0 -> Float.NaN;
                case 1 -> Float.POSITIVE_INFINITY;
                case 2 -> Float.NEGATIVE_INFINITY;
                case 3 -> -0f;
                case 4 -> 0f;
                default -> (float) (rnd.nextGaussian() * 3 + 1);
            };
        }
        return v;
    }

    static byte[] mask(SplittableRandom rnd, int n) {
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) m[i] = (byte) (rnd.nextInt(10) == 0 ? 1 + rnd.nextInt(255) : 0);
        return m;
    }

    /**
     * Per column: fill, center, scale, lo, hi; column 1 (if any) has infinite statistics, column 2 a
     * zero-width clip, column 3 the clip [-0, +0] (where Math.max/min order signed zeros).
     */
    static float[][] params(SplittableRandom rnd, int columns) {
        float[][] p = new float[5][columns];
        for (int c = 0; c < columns; c++) {
            p[0][c] = (float) rnd.nextGaussian();
            p[1][c] = c == 1 ? Float.POSITIVE_INFINITY : (float) rnd.nextGaussian();
            p[2][c] = c == 1 ? Float.POSITIVE_INFINITY : 0.5f + rnd.nextFloat() * 3;
            p[3][c] = c == 2 ? 0.25f : c == 3 ? -0f : -2f - rnd.nextFloat();
            p[4][c] = c == 2 ? 0.25f : c == 3 ? 0f : 2f + rnd.nextFloat();
        }
        return p;
    }

    static int tiles(int rows) {
        return Math.max(1, (rows + TabularKernels.TILE_ROWS - 1) / TabularKernels.TILE_ROWS);
    }

    /** The variants' two paths: plain loops always, the Vector API where it is resolved (the test build adds it). */
    static boolean[] paths() {
        if (!CpuTabular.vectorized()) {
            System.out.println("jdk.incubator.vector is not resolved: only the plain loops of CpuTabular are checked");
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true but the Vector API path is not checked: the test JVM needs --add-modules jdk.incubator.vector");
            }
            return new boolean[] {false};
        }
        return new boolean[] {false, true};
    }

    @Test
    void float32VariantsEqualKernels() {
        for (int[] shape : SHAPES) {
            int rows = shape[0], columns = shape[1], n = rows * columns;
            long seed = 31L * rows + columns;
            System.out.println("float32 transform " + rows + "x" + columns + " seed " + seed);
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] x = data(rnd, n);
            byte[] missing = mask(rnd, n);
            float[][] p = params(rnd, columns);
            int t = tiles(rows);
            float[] expected = new float[n], expectedMasked = new float[n];
            TabularKernels.transformF32(x, rows, columns, t, p[0], p[1], p[2], p[3], p[4], expected);
            TabularKernels.transformF32Masked(x, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], expectedMasked);
            float[] inPlaceRef = x.clone(), inPlaceMaskedRef = x.clone();
            TabularKernels.transformF32(inPlaceRef, rows, columns, t, p[0], p[1], p[2], p[3], p[4], inPlaceRef);
            TabularKernels.transformF32Masked(inPlaceMaskedRef, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], inPlaceMaskedRef);
            for (boolean vector : paths()) {
                String what = rows + "x" + columns + (vector ? ", Vector API" : ", plain loops");
                float[] got = new float[n];
                CpuTabular.transformF32(vector, x, null, rows, columns, t, p[0], p[1], p[2], p[3], p[4], got);
                assertBits(expected, got, "transformF32 " + what);
                CpuTabular.transformF32(vector, x, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], got);
                assertBits(expectedMasked, got, "transformF32Masked " + what);
                float[] inPlace = x.clone();
                CpuTabular.transformF32(vector, inPlace, null, rows, columns, t, p[0], p[1], p[2], p[3], p[4], inPlace);
                assertBits(inPlaceRef, inPlace, "transformF32 in place " + what);
                inPlace = x.clone();
                CpuTabular.transformF32(vector, inPlace, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], inPlace);
                assertBits(inPlaceMaskedRef, inPlace, "transformF32Masked in place " + what);
            }
        }
    }

    /**
     * The off-heap variants against the off-heap kernels run as plain Java: disjoint arrays, in place
     * (one array) and arrays that overlap by a few elements (the element-by-element path); with the
     * Vector API and plain loops.
     */
    @Test
    void offHeapVariantsEqualKernels() {
        for (int[] shape : SHAPES) {
            int rows = shape[0], columns = shape[1], n = rows * columns;
            long seed = 37L * rows + columns;
            System.out.println("off-heap transform " + rows + "x" + columns + " seed " + seed);
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] x = data(rnd, n);
            byte[] missing = mask(rnd, n);
            float[][] p = params(rnd, columns);
            double[] xd = new double[n];
            for (int i = 0; i < n; i++) xd[i] = x[i] * 1.25;
            double[][] pd = new double[p.length][];
            for (int k = 0; k < p.length; k++) {
                pd[k] = new double[p[k].length];
                for (int c = 0; c < p[k].length; c++) pd[k][c] = p[k][c];
            }
            int t = tiles(rows);
            for (boolean vector : paths()) {
                for (byte[] mk : new byte[][] {null, missing}) {
                    String what = rows + "x" + columns + (vector ? ", Vector API" : ", plain loops") + (mk == null ? "" : ", masked");
                    try (FloatArray in = FloatArray.allocate(n + 3L); FloatArray want = FloatArray.allocate(n + 3L);
                         FloatArray got = FloatArray.allocate(n + 3L); DoubleArray ind = DoubleArray.allocate(n);
                         DoubleArray wantd = DoubleArray.allocate(n); DoubleArray gotd = DoubleArray.allocate(n)) {
                        FloatArray src = slice(in, 0, n);
                        src.copyFrom(x);
                        ind.copyFrom(xd);
                        // disjoint
                        runF32(mk, src, rows, columns, t, p, slice(want, 0, n));
                        CpuTabular.transformF32OffHeap(vector, src, mk, rows, columns, t, p[0], p[1], p[2], p[3], p[4], slice(got, 0, n));
                        assertBits(heap(want, n), heap(got, n), "transformF32OffHeap " + what);
                        runF64(mk, ind, rows, columns, t, pd, wantd);
                        CpuTabular.transformF64OffHeap(vector, ind, mk, rows, columns, t, pd[0], pd[1], pd[2], pd[3], pd[4], gotd);
                        double[] a = new double[n], b = new double[n];
                        wantd.copyTo(a);
                        gotd.copyTo(b);
                        assertBits(a, b, "transformF64OffHeap " + what);
                        // in place, and overlapping by 3 elements (output starts 3 elements later)
                        for (int shift : new int[] {0, 3}) {
                            slice(want, 0, n).copyFrom(x);
                            slice(got, 0, n).copyFrom(x);
                            runF32(mk, slice(want, 0, n), rows, columns, t, p, slice(want, shift, n));
                            CpuTabular.transformF32OffHeap(vector, slice(got, 0, n), mk, rows, columns, t, p[0], p[1], p[2], p[3], p[4],
                                    slice(got, shift, n));
                            assertBits(heap(want, n + 3), heap(got, n + 3), "transformF32OffHeap, output shifted by " + shift + ", " + what);
                        }
                    }
                }
            }
        }
    }

    private static void runF32(byte[] mk, FloatArray in, int rows, int columns, int t, float[][] p, FloatArray out) {
        if (mk == null) TabularKernels.transformF32OffHeap(in, rows, columns, t, p[0], p[1], p[2], p[3], p[4], out);
        else TabularKernels.transformF32MaskedOffHeap(in, mk, rows, columns, t, p[0], p[1], p[2], p[3], p[4], out);
    }

    private static void runF64(byte[] mk, DoubleArray in, int rows, int columns, int t, double[][] p, DoubleArray out) {
        if (mk == null) TabularKernels.transformF64OffHeap(in, rows, columns, t, p[0], p[1], p[2], p[3], p[4], out);
        else TabularKernels.transformF64MaskedOffHeap(in, mk, rows, columns, t, p[0], p[1], p[2], p[3], p[4], out);
    }

    /** Elements {@code [from, from + n)} of {@code a}, over the same memory. */
    private static FloatArray slice(FloatArray a, long from, long n) {
        return FloatArray.wrap(a.segment().asSlice(from * Float.BYTES, n * Float.BYTES));
    }

    private static float[] heap(FloatArray a, int n) {
        float[] h = new float[n];
        a.copyTo(0, h, 0, n);
        return h;
    }

    @Test
    void float64VariantsEqualKernels() {
        for (int[] shape : SHAPES) {
            int rows = shape[0], columns = shape[1], n = rows * columns;
            long seed = 37L * rows + columns;
            System.out.println("float64 transform " + rows + "x" + columns + " seed " + seed);
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] xf = data(rnd, n);
            double[] x = new double[n];
            for (int i = 0; i < n; i++) x[i] = xf[i] * (1 + 1e-9 * rnd.nextDouble());
            byte[] missing = mask(rnd, n);
            float[][] pf = params(rnd, columns);
            double[][] p = new double[5][columns];
            for (int k = 0; k < 5; k++) for (int c = 0; c < columns; c++) p[k][c] = pf[k][c];
            int t = tiles(rows);
            double[] expected = new double[n], expectedMasked = new double[n];
            TabularKernels.transformF64(x, rows, columns, t, p[0], p[1], p[2], p[3], p[4], expected);
            TabularKernels.transformF64Masked(x, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], expectedMasked);
            double[] inPlaceRef = x.clone();
            TabularKernels.transformF64Masked(inPlaceRef, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], inPlaceRef);
            for (boolean vector : paths()) {
                String what = rows + "x" + columns + (vector ? ", Vector API" : ", plain loops");
                double[] got = new double[n];
                CpuTabular.transformF64(vector, x, null, rows, columns, t, p[0], p[1], p[2], p[3], p[4], got);
                assertBits(expected, got, "transformF64 " + what);
                CpuTabular.transformF64(vector, x, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], got);
                assertBits(expectedMasked, got, "transformF64Masked " + what);
                double[] inPlace = x.clone();
                CpuTabular.transformF64(vector, inPlace, missing, rows, columns, t, p[0], p[1], p[2], p[3], p[4], inPlace);
                assertBits(inPlaceRef, inPlace, "transformF64Masked in place " + what);
            }
        }
    }

    @Test
    void theEngineRunsTheVariantOnCpu() {
        int rows = 50_000, columns = 4, n = rows * columns;
        long seed = 99;
        System.out.println("engine transform seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = data(rnd, n);
        float[][] p = params(rnd, columns);
        float[][] out = new float[2][n];
        try (KilnRuntime reference = KilnRuntime.create().useVariants(false)) {
            for (int v = 0; v < 2; v++) {
                KilnRuntime runtime = v == 0 ? KilnRuntime.shared() : reference;
                try (ExecutionPlan plan = new TaskGraph("transform").transferToDevice(Transfer.EVERY_RUN, x)
                        .task("k", TabularKernels::transformF32, x, rows, columns, tiles(rows), p[0], p[1], p[2], p[3], p[4], out[v])
                        .transferToHost(Transfer.EVERY_RUN, out[v])
                        .plan(runtime, runtime.device("cpu"))) {
                    RunResult run = plan.run();
                    assertEquals(v == 0 ? "CpuTabular.transformF32 (Java variant)" : "TabularKernels.transformF32",
                            run.task("k").implementation());
                }
            }
        }
        assertBits(out[1], out[0], "the cpu variant vs the reference on cpu");
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    static void assertBits(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }
}

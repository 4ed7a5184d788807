package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.DoubleArray;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-heap batches ({@link FloatColumns#wrap(FloatArray, int, int)}, {@link DoubleColumns#wrap(DoubleArray,
 * int, int)}): on every device, the statistics, the fitted state and the transforms are bit for bit
 * those of the same batch on the heap, which {@link PreprocessorTest} and {@link TableStatisticsTest}
 * check against float64 references; with and without a missing mask, on sizes of one row, past one
 * tile and chunk, and prime.
 */
class TabularOffHeapTest {

    private static int[] sizes(Device d) {
        return TabularDevices.slow(d) ? new int[] {1, 257} : new int[] {1, 4099, 10007};
    }

    private static byte[] mask(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) m[i] = (byte) (r.nextInt(20) == 0 ? 1 + r.nextInt(200) : 0);
        return m;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Double.doubleToRawLongBits(v[i]);
        return b;
    }

    @TestFactory
    List<DynamicNode> float32BatchesOffHeapMatchTheHeapBitForBit() {
        long seed = TabularDevices.seed("float32 off-heap", System.nanoTime());
        return TabularDevices.onEveryDevice("float32 off-heap", d -> {
            int cols = 3;
            for (int rows : sizes(d)) {
                FloatColumns heap = PreprocessorTest.batch(seed + rows, rows, cols);
                byte[] missing = mask(seed ^ rows, rows * cols);
                try (FloatArray in = FloatArray.allocate((long) rows * cols); FloatArray out = FloatArray.allocate((long) rows * cols);
                     FloatArray outMasked = FloatArray.allocate((long) rows * cols)) {
                    in.copyFrom(heap.values());
                    FloatColumns off = FloatColumns.wrap(in, rows, cols);
                    assertTrue(off.isOffHeap());
                    assertEquals(TableStatistics.compute(d, heap), TableStatistics.compute(d, off), "statistics, " + rows + " rows");
                    assertEquals(TableStatistics.compute(d, heap, missing), TableStatistics.compute(d, off, missing), "masked statistics");
                    for (Imputation imp : new Imputation[] {Imputation.MEAN, Imputation.MEDIAN}) {
                        Preprocessor p = Preprocessor.builder(cols).imputation(imp).scaling(Scaling.STANDARD).clip(-3, 3).build();
                        Preprocessor q = Preprocessor.builder(cols).imputation(imp).scaling(Scaling.STANDARD).clip(-3, 3).build();
                        p.fit(d, heap);
                        q.fit(d, off);
                        assertEquals(p.toText(), q.toText(), imp + ": the state fitted on the off-heap batch");
                        FloatColumns want = FloatColumns.allocate(rows, cols);
                        p.transform(d, heap, want);
                        FloatColumns got = FloatColumns.wrap(out, rows, cols);
                        q.transform(d, off, got);
                        assertArrayEquals(bits(want.values()), bits(got.toHeap().values()), imp + " transform, " + rows + " rows");
                        FloatColumns wantMasked = FloatColumns.allocate(rows, cols);
                        p.transform(d, heap, missing, wantMasked);
                        q.transform(d, off, missing, FloatColumns.wrap(outMasked, rows, cols));
                        float[] gotMasked = new float[rows * cols];
                        outMasked.copyTo(gotMasked);
                        assertArrayEquals(bits(wantMasked.values()), bits(gotMasked), imp + " masked transform");
                    }
                }
            }
        });
    }

    @TestFactory
    List<DynamicNode> float64BatchesOffHeapMatchTheHeapBitForBit() {
        long seed = TabularDevices.seed("float64 off-heap", System.nanoTime());
        return TabularDevices.onEveryDevice("float64 off-heap", d -> {
            int cols = 2;
            for (int rows : sizes(d)) {
                FloatColumns f = PreprocessorTest.batch(seed + rows, rows, cols);
                double[] v = new double[rows * cols];
                for (int i = 0; i < v.length; i++) v[i] = f.values()[i] * 1.000001;
                DoubleColumns heap = DoubleColumns.wrap(v, rows, cols);
                byte[] missing = mask(seed ^ rows, rows * cols);
                try (DoubleArray in = DoubleArray.allocate((long) rows * cols); DoubleArray out = DoubleArray.allocate((long) rows * cols)) {
                    in.copyFrom(v);
                    DoubleColumns off = DoubleColumns.wrap(in, rows, cols);
                    assertEquals(TableStatistics.compute(d, heap, missing), TableStatistics.compute(d, off, missing), "masked statistics");
                    Preprocessor p = Preprocessor.builder(cols).imputation(Imputation.MEAN).scaling(Scaling.MIN_MAX).build();
                    Preprocessor q = Preprocessor.builder(cols).imputation(Imputation.MEAN).scaling(Scaling.MIN_MAX).build();
                    p.fit(d, heap);
                    q.fit(d, off);
                    assertEquals(p.toText(), q.toText());
                    DoubleColumns want = DoubleColumns.allocate(rows, cols);
                    p.transform(d, heap, missing, want);
                    q.transform(d, off, missing, DoubleColumns.wrap(out, rows, cols));
                    double[] got = new double[rows * cols];
                    out.copyTo(got);
                    assertArrayEquals(bits(want.values()), bits(got), "masked transform, " + rows + " rows");
                }
            }
        });
    }

    @TestFactory
    List<DynamicNode> anOffHeapPlanReadsTheRefilledBatchEachRun() {
        long seed = TabularDevices.seed("off-heap plan", System.nanoTime());
        return TabularDevices.onEveryDevice("off-heap plan", d -> {
            int rows = TabularDevices.slow(d) ? 100 : 5000, cols = 2;
            FloatColumns first = PreprocessorTest.batch(seed, rows, cols), second = PreprocessorTest.batch(seed + 1, rows, cols);
            Preprocessor p = Preprocessor.builder(cols).imputation(Imputation.MEAN).scaling(Scaling.STANDARD).build().fit(d, first);
            try (FloatArray in = FloatArray.allocate((long) rows * cols); FloatArray out = FloatArray.allocate((long) rows * cols);
                 ExecutionPlan plan = p.transformPlan(d, FloatColumns.wrap(in, rows, cols), null, FloatColumns.wrap(out, rows, cols))) {
                for (FloatColumns batch : new FloatColumns[] {first, second}) {
                    in.copyFrom(batch.values());
                    plan.run();
                    FloatColumns want = FloatColumns.allocate(rows, cols);
                    p.transform(d, batch, want);
                    float[] got = new float[rows * cols];
                    out.copyTo(got);
                    assertArrayEquals(bits(want.values()), bits(got), "a run after refilling the input");
                }
            }
        });
    }

    @Test
    void badOffHeapBatchesAreRefusedWithWhatToDo() {
        try (FloatArray a = FloatArray.allocate(12)) {
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> FloatColumns.wrap(a, 5, 2));
            assertTrue(size.getMessage().contains("12 elements") && size.getMessage().contains("need 10"), size.getMessage());
            FloatColumns off = FloatColumns.wrap(a, 6, 2);
            IllegalStateException heapOnly = assertThrows(IllegalStateException.class, off::values);
            assertTrue(heapOnly.getMessage().contains("offHeap()"), heapOnly.getMessage());
            assertThrows(IllegalStateException.class, () -> FloatColumns.allocate(2, 2).offHeap());
            assertFalse(off.toHeap().isOffHeap());
            a.set(7, 4.5f);
            assertEquals(4.5f, off.get(1, 1));
            assertEquals(4.5f, off.column(1)[1]);
            Preprocessor p = Preprocessor.builder(2).scaling(Scaling.NONE).build();
            IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                    () -> p.transform(io.kiln.Devices.get("cpu"), off, FloatColumns.allocate(6, 2)));
            assertTrue(mixed.getMessage().contains("off-heap") && mixed.getMessage().contains("toHeap()"), mixed.getMessage());
        }
    }

    /** {@link TabularOps} on off-heap arrays: the heap forms' results on the same device, bit for bit. */
    @TestFactory
    List<DynamicNode> elementwiseOperationsOffHeapMatchTheHeap() {
        long seed = TabularDevices.seed("off-heap ops", System.nanoTime());
        return TabularDevices.onEveryDevice("off-heap ops", d -> {
            for (int n : TabularDevices.slow(d) ? new int[] {1, 131} : new int[] {1, 4099, 100003}) {
                SplittableRandom r = new SplittableRandom(seed + n);
                float[] x = new float[n];
                double[] xd = new double[n];
                int[] codes = new int[n];
                for (int i = 0; i < n; i++) {
                    x[i] = r.nextInt(30) == 0 ? Float.NaN : (float) (r.nextGaussian() * 3);
                    xd[i] = r.nextInt(30) == 0 ? Double.NaN : r.nextGaussian() * 3;
                    codes[i] = r.nextInt(-1, 6);
                }
                float[] edges = {-2f, -0.5f, 0f, 0.5f, 2f};
                double[] edgesD = {-2, -0.5, 0, 0.5, 2};
                try (FloatArray fx = FloatArray.of(x); FloatArray fo = FloatArray.allocate(n); DoubleArray dx = DoubleArray.allocate(n);
                     DoubleArray dout = DoubleArray.allocate(n); IntArray ic = IntArray.allocate(n);
                     IntArray iout = IntArray.allocate(n); FloatArray hot = FloatArray.allocate(6L * n)) {
                    dx.copyFrom(xd);
                    ic.copyFrom(codes);
                    float[] hf = new float[n];
                    double[] hd = new double[n];
                    int[] hi = new int[n];
                    float[] gotF = new float[n];
                    double[] gotD = new double[n];
                    int[] gotI = new int[n];
                    TabularOps.clip(d, x, -1f, 1.5f, hf);
                    TabularOps.clip(d, fx, -1f, 1.5f, fo);
                    fo.copyTo(gotF);
                    assertArrayEquals(bits(hf), bits(gotF), "clip f32, n=" + n);
                    TabularOps.clip(d, xd, -1, 1.5, hd);
                    TabularOps.clip(d, dx, -1, 1.5, dout);
                    dout.copyTo(gotD);
                    assertArrayEquals(bits(hd), bits(gotD), "clip f64");
                    TabularOps.log1p(d, x, hf);
                    TabularOps.log1p(d, fx, fo);
                    fo.copyTo(gotF);
                    assertArrayEquals(bits(hf), bits(gotF), "log1p f32");
                    TabularOps.log1p(d, xd, hd);
                    TabularOps.log1p(d, dx, dout);
                    dout.copyTo(gotD);
                    assertArrayEquals(bits(hd), bits(gotD), "log1p f64");
                    TabularOps.bucketize(d, x, edges, hi);
                    TabularOps.bucketize(d, fx, edges, iout);
                    iout.copyTo(gotI);
                    assertArrayEquals(hi, gotI, "bucketize f32");
                    TabularOps.bucketize(d, xd, edgesD, hi);
                    TabularOps.bucketize(d, dx, edgesD, iout);
                    iout.copyTo(gotI);
                    assertArrayEquals(hi, gotI, "bucketize f64");
                    TabularOps.hashBuckets(d, codes, 7, 42, hi);
                    TabularOps.hashBuckets(d, ic, 7, 42, iout);
                    iout.copyTo(gotI);
                    assertArrayEquals(hi, gotI, "hash buckets");
                    FloatColumns want = TabularOps.oneHot(d, codes, 6);
                    TabularOps.oneHot(d, ic, 6, hot);
                    assertArrayEquals(bits(want.values()), bits(FloatColumns.wrap(hot, n, 6).toHeap().values()), "one-hot");
                }
            }
        });
    }

    @Test
    void offHeapOperationsRefuseWrongLengths() {
        try (FloatArray x = FloatArray.allocate(10); FloatArray out = FloatArray.allocate(9); IntArray codes = IntArray.allocate(4)) {
            Device cpu = io.kiln.Devices.get("cpu");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TabularOps.clip(cpu, x, 0f, 1f, out));
            assertTrue(e.getMessage().contains("out has 9 elements, the input 10"), e.getMessage());
            IllegalArgumentException hot = assertThrows(IllegalArgumentException.class, () -> TabularOps.oneHot(cpu, codes, 3, out));
            assertTrue(hot.getMessage().contains("need 12"), hot.getMessage());
        }
    }
}

package io.kiln.cpu;

import io.kiln.ByteArray;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.DoubleArray;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Grid;
import io.kiln.IntArray;
import io.kiln.KernelCompiler;
import io.kiln.KernelContext;
import io.kiln.LongArray;
import io.kiln.ShortArray;
import io.kiln.Target;
import io.kiln.TaskGraph;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernels on {@code FloatArray} and friends, compiled by the front end and run through
 * {@code TaskGraph}/{@code ExecutionPlan} on {@code cpu} (off-heap arrays as task arguments, no
 * transfers), compared with the same methods run as plain Java on copies of the inputs.
 */
class OffHeapEndToEndTest {
    static final Device CPU = Devices.get("cpu");

    static Random random(String what) {
        return new Random(Seeds.seed(what));
    }

    static void fill(FloatArray a, float[] values) {
        a.copyFrom(values);
    }

    static FloatArray copy(FloatArray a) {
        FloatArray c = FloatArray.allocate(a.length());
        c.copyFrom(a);
        return c;
    }

    static void assertBits(FloatArray expected, FloatArray actual, String what) {
        assertEquals(expected.length(), actual.length());
        for (long i = 0; i < expected.length(); i++) {
            if (Float.floatToIntBits(expected.get(i)) != Float.floatToIntBits(actual.get(i))) {
                throw new AssertionError(what + ", element " + i + ": expected " + expected.get(i) + " but was " + actual.get(i));
            }
        }
    }

    static void run(TaskGraph g) {
        try (ExecutionPlan plan = g.plan(CPU)) {
            plan.run();
            plan.run(); // a second run: same binding, nothing copied
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 17, 10_007, 1 << 20})
    void saxpyOnFloatArraysMatchesPlainJava(int n) {
        Random r = random("saxpy " + n);
        float[] xs = CpuEndToEndTest.randomFloats(r, n, true);
        float[] ys = CpuEndToEndTest.randomFloats(r, n, true);
        try (FloatArray x = FloatArray.allocate(n); FloatArray y = FloatArray.allocate(n);
             FloatArray y2 = FloatArray.allocate(n)) {
            fill(x, xs);
            fill(y, ys);
            fill(y2, ys);
            try (FloatArray ref = copy(y); FloatArray ref2 = copy(y2)) {
                OffHeapKernels.saxpy(1.75f, x, ref);
                OffHeapKernels.saxpy(1.75f, x, ref);
                OffHeapKernels.saxpyInt(-0.5f, x, ref2, n);
                OffHeapKernels.saxpyInt(-0.5f, x, ref2, n);
                run(new TaskGraph("saxpy").task("s", OffHeapKernels::saxpy, 1.75f, x, y)
                        .task("si", OffHeapKernels::saxpyInt, -0.5f, x, y2, n));
                assertBits(ref, y, "long loop");
                assertBits(ref2, y2, "int loop");
            }
        }
    }

    @Test
    void theGeneratedLoopReadsSegmentsWithConstantLayouts() {
        String jvm = KernelCompiler.emit(OffHeapKernels.class, "saxpy", Target.JVM);
        assertTrue(jvm.contains("invokeinterface java/lang/foreign/MemorySegment.getAtIndex"), jvm);
        assertTrue(jvm.contains("getstatic java/lang/foreign/ValueLayout.JAVA_FLOAT"), jvm);
        assertTrue(jvm.contains("java/lang/Math.min(JJ)J"), "the long loop keeps the min(bound, limit) header:\n" + jvm);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 101, 40_009})
    void javaAndOffHeapArraysMixInOneKernel(int n) {
        Random r = random("mixed " + n);
        float[] x = CpuEndToEndTest.randomFloats(r, n, true);
        float[] ys = CpuEndToEndTest.randomFloats(r, n, true);
        float[] heapOut = new float[n];
        float[] heapRef = new float[n];
        try (FloatArray y = FloatArray.allocate(n); FloatArray out = FloatArray.allocate(n); FloatArray ref = FloatArray.allocate(n)) {
            fill(y, ys);
            OffHeapKernels.mixed(3f, x, y, ref, heapRef);
            run(new TaskGraph("mixed").task("m", OffHeapKernels::mixed, 3f, x, y, out, heapOut));
            assertBits(ref, out, "off-heap output");
            CpuEndToEndTest.assertBits(heapRef, heapOut);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 5003})
    void everyElementTypeMatchesPlainJava(int n) {
        Random r = random("widths " + n);
        try (ByteArray b = ByteArray.allocate(n); ShortArray s = ShortArray.allocate(n); IntArray i = IntArray.allocate(n);
             LongArray l = LongArray.allocate(n); DoubleArray d = DoubleArray.allocate(n);
             ByteArray b2 = ByteArray.allocate(n); ShortArray s2 = ShortArray.allocate(n); IntArray i2 = IntArray.allocate(n);
             LongArray l2 = LongArray.allocate(n); DoubleArray d2 = DoubleArray.allocate(n)) {
            double[] dEdges = {Double.NaN, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE};
            for (int k = 0; k < n; k++) {
                b.set(k, (byte) (k == 0 ? Byte.MIN_VALUE : r.nextInt()));
                s.set(k, (short) (k == 0 ? Short.MIN_VALUE : r.nextInt()));
                i.set(k, k == 0 ? Integer.MIN_VALUE : r.nextInt());
                l.set(k, k == 0 ? Long.MIN_VALUE : r.nextLong());
                d.set(k, k < dEdges.length ? dEdges[k] : r.nextGaussian() * 1e6);
            }
            b2.copyFrom(b);
            s2.copyFrom(s);
            i2.copyFrom(i);
            l2.copyFrom(l);
            d2.copyFrom(d);
            OffHeapKernels.widths(b2, s2, i2, l2, d2);
            run(new TaskGraph("widths").task("w", OffHeapKernels::widths, b, s, i, l, d));
            OffHeapKernels.widths(b2, s2, i2, l2, d2); // the plan ran twice
            for (int k = 0; k < n; k++) {
                assertEquals(b2.get(k), b.get(k), "byte " + k);
                assertEquals(s2.get(k), s.get(k), "short " + k);
                assertEquals(i2.get(k), i.get(k), "int " + k);
                assertEquals(l2.get(k), l.get(k), "long " + k);
                assertEquals(Double.doubleToLongBits(d2.get(k)), Double.doubleToLongBits(d.get(k)), "double " + k);
            }
        }
    }

    @Test
    void aLoopNestOverAnOffHeapMatrix() {
        Random r = random("rowSums");
        int rows = 257, cols = 131;
        try (FloatArray m = FloatArray.allocate((long) rows * cols); FloatArray sums = FloatArray.allocate(rows);
             FloatArray ref = FloatArray.allocate(rows)) {
            for (long k = 0; k < m.length(); k++) m.set(k, r.nextFloat() - 0.5f);
            OffHeapKernels.rowSums(rows, cols, m, ref);
            run(new TaskGraph("rows").task("r", OffHeapKernels::rowSums, rows, cols, m, sums));
            assertBits(ref, sums, "row sums");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 17, 100_003})
    void reductionsIntoOffHeapArrays(int n) {
        Random r = random("reduce " + n);
        try (IntArray x = IntArray.allocate(n); LongArray total = LongArray.allocate(1); DoubleArray max = DoubleArray.allocate(1);
             LongArray totalRef = LongArray.allocate(1); DoubleArray maxRef = DoubleArray.allocate(1)) {
            for (int k = 0; k < n; k++) x.set(k, k == n / 2 ? Integer.MIN_VALUE : r.nextInt());
            total.set(0, 5);
            totalRef.set(0, 5);
            max.set(0, -1e300);
            maxRef.set(0, -1e300);
            OffHeapKernels.sumAndMax(x, totalRef, maxRef);
            try (ExecutionPlan plan = new TaskGraph("reduce").task("r", OffHeapKernels::sumAndMax, x, total, max).plan(CPU)) {
                plan.run();
            }
            assertEquals(totalRef.get(0), total.get(0), "sum (exact: integer addition wraps the same in any order)");
            assertEquals(maxRef.get(0), max.get(0), "max");
        }
    }

    @Test
    void atomicsOnOffHeapArraysFromWorkItems() {
        Random r = random("histogram");
        int n = 50_000;
        try (IntArray keys = IntArray.allocate(n); IntArray hist = IntArray.allocate(16); FloatArray w = FloatArray.allocate(16)) {
            int[] ref = new int[16];
            float[] wref = new float[16];
            for (int k = 0; k < n; k++) {
                int key = r.nextInt(1 << 20) - (1 << 19);
                keys.set(k, key);
                ref[key & 15]++;
                wref[key & 15] = Math.max(wref[key & 15], (float) key);
            }
            try (ExecutionPlan plan = new TaskGraph("hist").task("h", OffHeapKernels::histogram, new KernelContext(), keys, hist, w)
                    .plan(CPU).withGrid("h", Grid.of(n))) {
                plan.run();
            }
            for (int k = 0; k < 16; k++) {
                assertEquals(ref[k], hist.get(k), "bin " + k);
                assertEquals(wref[k], w.get(k), "max of bin " + k);
            }
        }
    }

    @Test
    void closedAndTooShortArraysFailClearly() {
        FloatArray x = FloatArray.allocate(8);
        try (FloatArray y = FloatArray.allocate(8); FloatArray shortX = FloatArray.allocate(7);
             ExecutionPlan plan = new TaskGraph("closed").task("s", OffHeapKernels::saxpy, 2f, x, y).plan(CPU);
             ExecutionPlan bad = new TaskGraph("short").task("s", OffHeapKernels::saxpy, 2f, shortX, y).plan(CPU)) {
            plan.run();
            x.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, plan::run);
            // The plan checks before the back end does, so its message (naming the parameter) comes first.
            assertTrue(e.getMessage().contains("parameter 'x'") && e.getMessage().contains("closed"), e.getMessage());
            // x is shorter than y, as Java would find: Kiln's bounds check names the array and the index.
            io.kiln.KernelIndexOutOfBoundsException e2 = assertThrows(io.kiln.KernelIndexOutOfBoundsException.class, bad::run);
            assertEquals("x", e2.arrayName(), e2.getMessage());
            assertEquals(7, e2.index());
            assertEquals(7, e2.length());
        }
    }

    /** More than 2^31 bytes through a kernel from the front end (about 2 GiB of memory, a few seconds). */
    @Test
    void aByteArrayOverTwoGigabytes() {
        long size = (1L << 31) + 17;
        Random r = random("fillBytes");
        try (ByteArray b = ByteArray.allocate(size)) {
            long t0 = System.nanoTime();
            try (ExecutionPlan plan = new TaskGraph("big").task("f", OffHeapKernels::fillBytes, b).plan(CPU)) {
                plan.run();
            }
            System.out.printf("fillBytes on 2^31 + 17 bytes: %.2f s%n", (System.nanoTime() - t0) / 1e9);
            for (long i = size - 1000; i < size; i++) assertEquals((byte) (i * 31 + 7), b.get(i), "element " + i);
            for (long i = (1L << 31) - 1000; i < (1L << 31) + 17; i++) assertEquals((byte) (i * 31 + 7), b.get(i), "element " + i);
            for (int p = 0; p < 1000; p++) {
                long i = (long) (r.nextDouble() * size);
                assertEquals((byte) (i * 31 + 7), b.get(i), "element " + i);
            }
        }
    }
}

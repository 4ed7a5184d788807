package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.Devices;
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
 * {@link TableStatistics} on every device against a sequential two-pass float64 computation written
 * here, within the documented bounds; bit for bit against the kernel run as plain Java; edge values,
 * edge sizes, masks, merging and the text form.
 */
class TableStatisticsTest {

    /** Random float32 columns: column c has mean 10^c (cancellation grows with c) and ~5% NaN. */
    static FloatColumns randomFloats(long seed, int rows, int columns, double nanRate) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[rows * columns];
        for (int c = 0; c < columns; c++) {
            double offset = Math.pow(10, c);
            for (int r = 0; r < rows; r++) {
                v[c * rows + r] = rnd.nextDouble() < nanRate ? Float.NaN : (float) (offset + rnd.nextGaussian());
            }
        }
        return FloatColumns.wrap(v, rows, columns);
    }

    /** The reference: count, mean and population variance by two sequential float64 passes. */
    static double[] twoPass(double[] x, byte[] missing, int from, int to) {
        long n = 0;
        double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            if (Double.isNaN(x[i]) || (missing != null && missing[i] != 0)) continue;
            n++;
            sum += x[i];
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        double mean = sum / n, ss = 0, abs = 0;
        for (int i = from; i < to; i++) {
            if (Double.isNaN(x[i]) || (missing != null && missing[i] != 0)) continue;
            ss += (x[i] - mean) * (x[i] - mean);
            abs += Math.abs(x[i]);
        }
        return new double[] {n, mean, ss / n, min, max, abs / n};
    }

    static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    static void checkAgainstTwoPass(TableStatistics s, double[] x, byte[] missing, int rows, String what) {
        for (int c = 0; c < s.columns(); c++) {
            double[] ref = twoPass(x, missing, c * rows, (c + 1) * rows);
            ColumnStatistics got = s.column(c);
            String where = what + " column " + c;
            assertEquals((long) ref[0], got.count(), where + " count");
            if (ref[0] == 0) {
                assertEquals(ColumnStatistics.EMPTY, got, where);
                continue;
            }
            double meanBound = 1e-12 * ref[5];
            double varBound = 1e-10 * (ref[2] + ref[1] * ref[1]);
            if (Math.abs(got.mean() - ref[1]) > meanBound) fail(where + ": mean " + got.mean() + ", two-pass " + ref[1]);
            if (Math.abs(got.variance() - ref[2]) > varBound) fail(where + ": variance " + got.variance() + ", two-pass " + ref[2]);
            assertEquals(ref[3], got.min(), where + " min");
            assertEquals(ref[4], got.max(), where + " max");
        }
    }

    @TestFactory
    List<DynamicNode> matchesTwoPassFloat64AndPlainJavaOnEveryDevice() {
        return TabularDevices.onEveryDevice("statistics", TableStatisticsTest::statisticsOn);
    }

    private static void statisticsOn(Device d) {
        long seed = TabularDevices.seed("statistics on " + d.id(), 41);
        int[][] shapes = TabularDevices.slow(d)
                ? new int[][] {{1, 1}, {1, 4}, {7, 3}, {4095, 1}, {4096, 2}, {4097, 1}}
                : new int[][] {{1, 1}, {1, 4}, {7, 3}, {4095, 1}, {4096, 2}, {4097, 3}, {100_003, 4}, {1_000_000, 2}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            FloatColumns batch = randomFloats(seed + rows * 31L + cols, rows, cols, 0.05);
            String what = d.id() + " " + rows + "x" + cols;
            TableStatistics s = TableStatistics.compute(d, batch);
            checkAgainstTwoPass(s, widen(batch.values()), null, rows, what);
            assertEquals(plainJava(batch, null), s, what + ": device and plain Java differ");

            byte[] mask = new byte[rows * cols];
            SplittableRandom rnd = new SplittableRandom(seed + rows);
            for (int i = 0; i < mask.length; i++) mask[i] = (byte) (rnd.nextInt(10) == 0 ? 1 : 0);
            TableStatistics masked = TableStatistics.compute(d, batch, mask);
            checkAgainstTwoPass(masked, widen(batch.values()), mask, rows, what + " masked");
            assertEquals(plainJava(batch, mask), masked, what + " masked: device and plain Java differ");

            DoubleColumns wide = DoubleColumns.wrap(widen(batch.values()), rows, cols);
            TableStatistics s64 = TableStatistics.compute(d, wide);
            checkAgainstTwoPass(s64, wide.values(), null, rows, what + " float64");
            assertEquals(s, s64, what + ": float64 statistics of the widened data differ from float32's");
            checkAgainstTwoPass(TableStatistics.compute(d, wide, mask), wide.values(), mask, rows, what + " float64 masked");
        }
    }

    /** The same kernel called as a Java method, merged the same way. */
    private static TableStatistics plainJava(FloatColumns b, byte[] mask) {
        int chunks = (b.rows() + TableStatistics.CHUNK_ROWS - 1) / TableStatistics.CHUNK_ROWS;
        double[] partials = new double[b.columns() * chunks * TabularKernels.PARTIAL];
        if (mask == null) {
            TabularKernels.momentsF32(b.values(), b.rows(), b.columns(), TableStatistics.CHUNK_ROWS, chunks, partials);
        } else {
            TabularKernels.momentsF32Masked(b.values(), mask, b.rows(), b.columns(), TableStatistics.CHUNK_ROWS, chunks, partials);
        }
        return TableStatistics.fromPartials(partials, b.columns(), chunks);
    }

    @TestFactory
    List<DynamicNode> edgeValuesOnEveryDevice() {
        return TabularDevices.onEveryDevice("edge values", TableStatisticsTest::edgeValuesOn);
    }

    private static void edgeValuesOn(Device d) {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        FloatColumns b = FloatColumns.of(
                new float[] {nan, nan, nan, nan, nan},       // empty: every value missing
                new float[] {1, 2, inf, 4, nan},             // +Inf is a value
                new float[] {-inf, 0, inf, 1, 2},            // both infinities: mean NaN
                new float[] {5, 5, 5, 5, 5},                 // constant
                new float[] {-0f, 0f, nan, 0f, -0f});        // signed zeros
        TableStatistics s = TableStatistics.compute(d, b);
        assertEquals(ColumnStatistics.EMPTY, s.column(0), d.id() + " all-NaN column");
        assertTrue(Double.isNaN(s.column(0).variance()));
        ColumnStatistics inf1 = s.column(1);
        assertEquals(4, inf1.count());
        assertEquals(Double.POSITIVE_INFINITY, inf1.mean());
        assertEquals(Double.POSITIVE_INFINITY, inf1.max());
        assertEquals(1.0, inf1.min());
        assertTrue(Double.isNaN(inf1.variance()), "variance with an infinity is NaN");
        ColumnStatistics both = s.column(2);
        assertEquals(5, both.count());
        assertTrue(Double.isNaN(both.mean()), "mean with both infinities is NaN");
        assertEquals(Double.NEGATIVE_INFINITY, both.min());
        assertEquals(new ColumnStatistics(5, 5, 0, 5, 5), s.column(3));
        assertEquals(0.0, s.column(3).variance());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(s.column(4).min()), "min of signed zeros");
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(s.column(4).max()), "max of signed zeros");

        assertEquals(TableStatistics.empty(3), TableStatistics.compute(d, FloatColumns.allocate(0, 3)), "no rows");
        assertEquals(TableStatistics.empty(0), TableStatistics.compute(d, FloatColumns.allocate(5, 0)), "no columns");
        // Large values whose float64 sum would overflow float32 but not float64.
        FloatColumns big = FloatColumns.of(new float[] {3e38f, 3e38f, -3e38f, 1e38f});
        ColumnStatistics g = TableStatistics.compute(d, big).column(0);
        assertEquals(((double) 3e38f + 3e38f - 3e38f + 1e38f) / 4, g.mean(), 1e24);
    }

    @Test
    void mergingBatchesEqualsTheStatisticsOfTheirUnion() {
        Device cpu = Devices.get("cpu");
        long seed = TabularDevices.seed("merge", 7);
        int rows = 50_000, cols = 3;
        FloatColumns all = randomFloats(seed, rows, cols, 0.02);
        TableStatistics merged = TableStatistics.empty(cols);
        int[] cuts = {0, 1, 4096, 10_007, 33_333, rows};
        for (int k = 0; k + 1 < cuts.length; k++) {
            int n = cuts[k + 1] - cuts[k];
            float[][] parts = new float[cols][n];
            for (int c = 0; c < cols; c++) System.arraycopy(all.values(), c * rows + cuts[k], parts[c], 0, n);
            merged = merged.merge(TableStatistics.compute(cpu, FloatColumns.of(parts)));
        }
        checkAgainstTwoPass(merged, widen(all.values()), null, rows, "merged batches");
        TableStatistics total = merged;
        assertEquals(total, total.merge(TableStatistics.empty(cols)), "empty is the identity");
        assertThrows(IllegalArgumentException.class, () -> total.merge(TableStatistics.empty(2)));
    }

    @Test
    void textFormRoundTripsExactly() {
        TableStatistics s = TableStatistics.of(List.of(ColumnStatistics.EMPTY,
                new ColumnStatistics(3, 0.1 + 0.2, 1e-300, -0.0, Double.MAX_VALUE),
                new ColumnStatistics(4, Double.POSITIVE_INFINITY, Double.NaN, 1, Double.POSITIVE_INFINITY),
                ColumnStatistics.of(1.5, Math.PI, -7)));
        String text = s.toText();
        assertTrue(text.startsWith("kiln-tabular-statistics 1\ncolumns 4\ncolumn 0 count 0 mean NaN"), text);
        TableStatistics back = TableStatistics.parse(text);
        assertEquals(s, back);
        assertEquals(text, back.toText());
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(back.column(1).min()));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TableStatistics.parse(text.replace("column 2 count 4", "column 2 count four")));
        assertTrue(e.getMessage().contains("line 5") && e.getMessage().contains("four"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TableStatistics.parse(text.substring(0, 60)));
        assertTrue(e.getMessage().contains("not a Kiln tabular statistics text"), e.getMessage());
    }

    @Test
    void wrongShapesSayWhatToDo() {
        Device cpu = Devices.get("cpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TableStatistics.compute(cpu, FloatColumns.allocate(4, 2), new byte[7]));
        assertTrue(e.getMessage().contains("missing mask has 7 elements") && e.getMessage().contains("need 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FloatColumns.of(new float[3], new float[4]));
        assertTrue(e.getMessage().contains("column 1 has 4 rows"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FloatColumns.wrap(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("need 6"), e.getMessage());
    }
}

package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Preprocessor}: the fused impute + scale + clip on every device against a float64 reference
 * built from statistics computed here ({@link TableStatisticsTest#twoPass}) and NumPy-checked
 * {@link Quantiles}, and bit for bit against the kernel run as plain Java; fitting over batches,
 * merging, the text form, masks and empty or constant columns.
 */
class PreprocessorTest {

    static FloatColumns batch(long seed, int rows, int cols) {
        FloatColumns b = TableStatisticsTest.randomFloats(seed, rows, cols, 0.05);
        // heavy tails, so that clipping and the robust scale matter
        float[] v = b.values();
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < v.length; i++) if (rnd.nextInt(50) == 0) v[i] *= 40;
        return b;
    }

    /** fill, center, scale per column in float64, from the reference statistics. */
    static double[][] referenceParameters(Imputation imp, Scaling sc, double constant, double[] x, byte[] mask, int rows, int cols) {
        double[][] p = new double[3][cols];
        for (int c = 0; c < cols; c++) {
            double[] st = TableStatisticsTest.twoPass(x, mask, c * rows, (c + 1) * rows);
            double[] kept = new double[rows];
            int n = 0;
            for (int i = c * rows; i < (c + 1) * rows; i++) if (!Double.isNaN(x[i]) && (mask == null || mask[i] == 0)) kept[n++] = x[i];
            double[] q = Quantiles.of(Arrays.copyOf(kept, n), 0.25, 0.5, 0.75);
            double mean = st[0] == 0 ? Double.NaN : st[1];
            p[0][c] = switch (imp) {
                case NONE -> Double.NaN;
                case MEAN -> mean;
                case MEDIAN -> q[1];
                case CONSTANT -> constant;
            };
            p[1][c] = switch (sc) {
                case NONE -> 0;
                case STANDARD -> mean;
                case MIN_MAX -> st[0] == 0 ? Double.NaN : st[3];
                case ROBUST -> q[1];
            };
            double s = switch (sc) {
                case NONE -> 1;
                case STANDARD -> st[0] == 0 ? Double.NaN : Math.sqrt(st[2]);
                case MIN_MAX -> st[0] == 0 ? Double.NaN : st[4] - st[3];
                case ROBUST -> q[2] - q[0];
            };
            p[2][c] = s == 0 ? 1 : s;
        }
        return p;
    }

    static void checkAgainstFloat64(float[] got, double[] x, byte[] mask, int rows, int cols, double[][] p, double lo, double hi,
                                    String what) {
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                int i = c * rows + r;
                boolean missing = Double.isNaN(x[i]) || (mask != null && mask[i] != 0);
                double v = missing ? p[0][c] : x[i];
                double ref = Math.min(Math.max((v - p[1][c]) / p[2][c], lo), hi);
                double bound = 4 * 0x1p-24 * ((Math.abs(v) + Math.abs(p[1][c])) / Math.abs(p[2][c]) + Math.abs(ref)) + 1e-30;
                boolean ok = Double.isNaN(ref) ? Float.isNaN(got[i]) : Math.abs(got[i] - ref) <= bound;
                if (!ok) fail(what + ": row " + r + " column " + c + " (x = " + x[i] + ") gives " + got[i] + ", float64 " + ref);
            }
        }
    }

    @TestFactory
    List<DynamicNode> fusedTransformMatchesFloat64OnEveryDevice() {
        return TabularDevices.onEveryDevice("every imputation x scaling", PreprocessorTest::transformsOn);
    }

    private static void transformsOn(Device d) {
        long seed = TabularDevices.seed("preprocessor on " + d.id(), 97);
        int[][] shapes = TabularDevices.slow(d) ? new int[][] {{1, 1}, {1, 5}, {600, 1}, {257, 3}}
                : new int[][] {{1, 1}, {1, 5}, {1000, 1}, {4097, 3}, {100_003, 2}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            FloatColumns in = batch(seed + rows + cols, rows, cols);
            double[] x = TableStatisticsTest.widen(in.values());
            byte[] mask = new byte[rows * cols];
            for (int i = 0; i < mask.length; i++) mask[i] = (byte) (i % 7 == 3 ? 1 : 0);
            for (Imputation imp : Imputation.values()) {
                for (Scaling sc : Scaling.values()) {
                    String what = d.id() + " " + rows + "x" + cols + " " + imp + " " + sc;
                    Preprocessor p = Preprocessor.builder(cols).imputation(imp).scaling(sc).clip(-3, 3).build();
                    if (imp == Imputation.CONSTANT) p = Preprocessor.builder(cols).constant(-1.5).scaling(sc).clip(-3, 3).build();
                    p.fit(d, in);
                    FloatColumns out = FloatColumns.allocate(rows, cols);
                    p.transform(d, in, out);
                    checkAgainstFloat64(out.values(), x, null, rows, cols, referenceParameters(imp, sc, -1.5, x, null, rows, cols),
                            -3, 3, what);
                    float[] plain = new float[rows * cols];
                    plainJava(p, in, null, plain);
                    assertBitsEqual(plain, out.values(), what + ": device and plain Java");

                    // with a mask: fitted and applied with the same mask
                    String before = p.toText();
                    p.partialFit(d, FloatColumns.allocate(0, cols));
                    assertEquals(before, p.toText(), what + ": an empty batch changes nothing");
                    Preprocessor pm = Preprocessor.builder(cols).imputation(imp).scaling(sc).clip(-3, 3).build();
                    if (imp == Imputation.CONSTANT) pm = Preprocessor.builder(cols).constant(-1.5).scaling(sc).clip(-3, 3).build();
                    pm.partialFit(d, in, mask);
                    pm.transform(d, in, mask, out);
                    checkAgainstFloat64(out.values(), x, mask, rows, cols, referenceParameters(imp, sc, -1.5, x, mask, rows, cols),
                            -3, 3, what + " masked");
                }
            }
            // float64 batches, in place
            Preprocessor p64 = Preprocessor.builder(cols).imputation(Imputation.MEDIAN).scaling(Scaling.ROBUST).build();
            DoubleColumns wide = DoubleColumns.wrap(x.clone(), rows, cols);
            p64.fit(d, wide);
            p64.transform(d, wide, wide);
            double[][] ref = referenceParameters(Imputation.MEDIAN, Scaling.ROBUST, 0, x, null, rows, cols);
            for (int i = 0; i < x.length; i++) {
                int c = i / rows;
                double v = Double.isNaN(x[i]) ? ref[0][c] : x[i];
                double e = (v - ref[1][c]) / ref[2][c];
                if (Double.doubleToRawLongBits(e) != Double.doubleToRawLongBits(wide.values()[i])) {
                    fail(d.id() + " float64 robust in place, element " + i + ": " + wide.values()[i] + ", float64 " + e);
                }
            }
            // float32 in place through a reusable plan
            Preprocessor std = Preprocessor.builder(cols).imputation(Imputation.MEAN).scaling(Scaling.STANDARD).build().fit(d, in);
            float[] expected = new float[rows * cols];
            plainJava(std, in, null, expected);
            FloatColumns same = FloatColumns.wrap(in.values().clone(), rows, cols);
            try (ExecutionPlan plan = std.transformPlan(d, same, null, same)) {
                plan.run();
                assertBitsEqual(expected, same.values(), d.id() + " in place through a plan");
                System.arraycopy(in.values(), 0, same.values(), 0, in.values().length); // the next batch
                plan.run();
                assertBitsEqual(expected, same.values(), d.id() + " second run of the plan");
            }
        }
    }

    private static void plainJava(Preprocessor p, FloatColumns in, byte[] mask, float[] out) {
        int cols = p.columns();
        float[] f = new float[cols], m = new float[cols], s = new float[cols], lo = new float[cols], hi = new float[cols];
        for (int c = 0; c < cols; c++) {
            f[c] = (float) p.fill()[c];
            m[c] = (float) p.center()[c];
            s[c] = (float) p.scale()[c];
        }
        String text = p.toText();
        String[] clip = text.lines().filter(l -> l.startsWith("clip ")).findFirst().orElseThrow().split(" ");
        Arrays.fill(lo, (float) Double.parseDouble(clip[1]));
        Arrays.fill(hi, (float) Double.parseDouble(clip[2]));
        TabularKernels.transformF32(in.values(), in.rows(), cols, Preprocessor.tiles(in.rows()), f, m, s, lo, hi, out);
    }

    static void assertBitsEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    @Test
    void partialFitAndMergeEqualOneFitOverAllTheData() {
        Device cpu = Devices.get("cpu");
        long seed = TabularDevices.seed("partial fit", 5);
        int rows = 30_011, cols = 3;
        FloatColumns all = batch(seed, rows, cols);
        int cut = 12_345;
        float[][] a = new float[cols][], b = new float[cols][];
        for (int c = 0; c < cols; c++) {
            a[c] = Arrays.copyOfRange(all.values(), c * rows, c * rows + cut);
            b[c] = Arrays.copyOfRange(all.values(), c * rows + cut, (c + 1) * rows);
        }
        for (Scaling sc : new Scaling[] {Scaling.STANDARD, Scaling.ROBUST}) {
            Preprocessor whole = Preprocessor.builder(cols).imputation(Imputation.MEDIAN).scaling(sc).build().fit(cpu, all);
            Preprocessor batches = Preprocessor.builder(cols).imputation(Imputation.MEDIAN).scaling(sc).build()
                    .partialFit(cpu, FloatColumns.of(a)).partialFit(cpu, FloatColumns.of(b));
            Preprocessor left = Preprocessor.builder(cols).imputation(Imputation.MEDIAN).scaling(sc).build().fit(cpu, FloatColumns.of(a));
            Preprocessor right = Preprocessor.builder(cols).imputation(Imputation.MEDIAN).scaling(sc).build().fit(cpu, FloatColumns.of(b));
            Preprocessor merged = left.merge(right);
            for (Preprocessor p : new Preprocessor[] {batches, merged}) {
                assertArrayEquals(whole.fill(), p.fill(), 0.0, "medians are exact");
                assertArrayEquals(whole.center(), p.center(), 1e-12, sc + " center");
                assertArrayEquals(whole.scale(), p.scale(), 1e-12, sc + " scale");
            }
        }
        Preprocessor other = Preprocessor.builder(cols).scaling(Scaling.MIN_MAX).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preprocessor.builder(cols).scaling(Scaling.STANDARD).build().merge(other));
        assertTrue(e.getMessage().contains("different settings"), e.getMessage());
    }

    private static Preprocessor.Builder settings(Imputation imp, Scaling sc) {
        Preprocessor.Builder b = Preprocessor.builder(2).imputation(imp).scaling(sc);
        return imp == Imputation.CONSTANT ? b.constant(7) : b;
    }

    @Test
    void aNeverFittedPreprocessorRefusesTransformsThatNeedStatistics() {
        Device cpu = Devices.get("cpu");
        FloatColumns in = batch(TabularDevices.seed("not fitted", 5), 100, 2);
        FloatColumns out = FloatColumns.allocate(100, 2);
        for (Imputation imp : Imputation.values()) {
            for (Scaling sc : Scaling.values()) {
                Preprocessor p = settings(imp, sc).build();
                boolean needs = imp == Imputation.MEAN || imp == Imputation.MEDIAN || sc != Scaling.NONE;
                if (needs) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.transform(cpu, in, out), imp + " " + sc);
                    assertTrue(e.getMessage().contains("has not been fitted: call fit(device, batch)"), e.getMessage());
                    DoubleColumns wide = DoubleColumns.allocate(100, 2);
                    assertThrows(IllegalStateException.class, () -> p.transform(cpu, wide, wide), imp + " " + sc + " float64");
                    // a batch of no rows is a fit (its columns are empty, NaN as documented), so is a merge of a fitted one
                    p.partialFit(cpu, FloatColumns.allocate(0, 2));
                    p.transform(cpu, in, out);
                    Preprocessor q = settings(imp, sc).build();
                    q.merge(settings(imp, sc).build().fit(cpu, in));
                    q.transform(cpu, in, out);
                } else {
                    p.transform(cpu, in, out);                        // NONE or CONSTANT without scaling needs nothing
                }
            }
        }
    }

    @Test
    void textFormRestoresTheSameTransform() {
        Device cpu = Devices.get("cpu");
        FloatColumns in = batch(TabularDevices.seed("text form", 11), 5000, 4);
        for (Imputation imp : Imputation.values()) {
            for (Scaling sc : Scaling.values()) {
                Preprocessor p = Preprocessor.builder(4).imputation(imp).scaling(sc).clip(-2.5, Double.POSITIVE_INFINITY).build();
                p.fit(cpu, in);
                String text = p.toText();
                Preprocessor back = Preprocessor.parse(text);
                assertEquals(text, back.toText(), "text round trip");
                FloatColumns o1 = FloatColumns.allocate(5000, 4), o2 = FloatColumns.allocate(5000, 4);
                p.transform(cpu, in, o1);
                back.transform(cpu, in, o2);
                assertBitsEqual(o1.values(), o2.values(), imp + " " + sc + " restored");
                if (imp == Imputation.MEDIAN || sc == Scaling.ROBUST) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> back.partialFit(cpu, in));
                    assertTrue(e.getMessage().contains("fit a new preprocessor"), e.getMessage());
                } else {
                    back.partialFit(cpu, in); // moments alone keep merging after a restore
                    assertEquals(2 * p.statistics().column(0).count(), back.statistics().column(0).count());
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preprocessor.parse("kiln-tabular-preprocessor 1\nimputation AVERAGE\n"));
        assertTrue(e.getMessage().contains("'AVERAGE' is not one of [NONE, MEAN, MEDIAN, CONSTANT]"), e.getMessage());
    }

    @Test
    void emptyAndConstantColumnsBehaveAsDocumented() {
        Device cpu = Devices.get("cpu");
        float nan = Float.NaN;
        FloatColumns in = FloatColumns.of(new float[] {nan, nan, nan}, new float[] {4, 4, nan}, new float[] {1, nan, 3});
        FloatColumns out = FloatColumns.allocate(3, 3);
        Preprocessor.builder(3).imputation(Imputation.MEAN).scaling(Scaling.STANDARD).build().fit(cpu, in).transform(cpu, in, out);
        for (int r = 0; r < 3; r++) assertTrue(Float.isNaN(out.get(r, 0)), "an empty column gives NaN");
        assertArrayEquals(new float[] {0, 0, 0}, out.column(1), "a constant column maps to 0 (scale 1)");
        assertArrayEquals(new float[] {-1, 0, 1}, out.column(2), "mean 2, standard deviation 1, the gap imputed to the mean");
        Preprocessor.builder(3).constant(7).build().fit(cpu, in).transform(cpu, in, out);
        assertArrayEquals(new float[] {7, 7, 7}, out.column(0), "a constant fill needs no statistics");
        Preprocessor.builder(3).build().fit(cpu, in).transform(cpu, in, out);
        assertTrue(Float.isNaN(out.get(1, 2)), "no imputation keeps NaN");
    }

    @Test
    void wrongArgumentsSayWhatToDo() {
        Device cpu = Devices.get("cpu");
        Preprocessor p = Preprocessor.builder(3).scaling(Scaling.STANDARD).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.fit(cpu, FloatColumns.allocate(4, 2)));
        assertTrue(e.getMessage().contains("has 2 columns, but was fitted on 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> p.transform(cpu, FloatColumns.allocate(4, 3), FloatColumns.allocate(5, 3)));
        assertTrue(e.getMessage().contains("output batch has 5 rows, the input 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Preprocessor.builder(1).clip(2, 1));
        assertTrue(e.getMessage().contains("low <= high"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Preprocessor.builder(0));
        assertTrue(e.getMessage().contains("at least one column"), e.getMessage());
    }
}

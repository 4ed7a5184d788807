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
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link AxisReductions} through {@link Linalg} on every device Kiln finds (cpu variants and portable
 * references), on both axes: every output bit for bit the plain Java reference (the same double
 * operations in the same order on every device), and within the stated bound of a float64 reference
 * written here with compensated sums; argmax against a plain loop written here (first index on ties,
 * first NaN). Lines include NaN, +Inf, +Inf with -Inf, all -Inf, ties, 1e38 (float overflow) and 1e-38.
 */
class AxisReductionsTest {
    private static final long SEED = 8_675_309;
    @TestFactory
    List<DynamicNode> onEveryDevice() {
        System.out.println("[reduce] seed " + SEED);
        return OnDevices.tests(OnDevices.of("axis 0", (OnDevices.Body) t -> run(t, 0), "axis 1", (OnDevices.Body) t -> run(t, 1)));
    }

    /** A tensor whose lines along {@code axis} exercise the edge cases. */
    static float[] input(SplittableRandom rnd, int rows, int cols, int axis) {
        float[] x = new float[rows * cols];
        int lines = axis == 1 ? rows : cols, len = axis == 1 ? cols : rows;
        for (int l = 0; l < lines; l++) {
            int kind = l % 9;
            double scale = kind == 6 ? 1e38 : kind == 7 ? 1e-38 : Math.pow(10, rnd.nextInt(-3, 4));
            for (int p = 0; p < len; p++) {
                float v = (float) (rnd.nextDouble(-1, 1) * scale);
                if (kind == 4) v = (float) Math.floor(rnd.nextDouble(0, 4));            // ties
                x[axis == 1 ? l * cols + p : p * cols + l] = v;
            }
            int at = rnd.nextInt(len), at2 = rnd.nextInt(len);
            int i = axis == 1 ? l * cols + at : at * cols + l, i2 = axis == 1 ? l * cols + at2 : at2 * cols + l;
            switch (kind) {
                case 1 -> x[i] = Float.NaN;
                case 2 -> x[i] = Float.POSITIVE_INFINITY;
                case 3 -> {
                    x[i] = Float.POSITIVE_INFINITY;
                    x[i2] = Float.NEGATIVE_INFINITY;
                }
                case 5 -> {
                    for (int p = 0; p < len; p++) x[axis == 1 ? l * cols + p : p * cols + l] = Float.NEGATIVE_INFINITY;
                }
                default -> {
                }
            }
        }
        return x;
    }

    private static void run(OnDevices.Target t, int axis) {
        KilnRuntime rt = t.runtime();
        Device d = t.device();
        boolean variant = t.variants();
        boolean slow = d.id().startsWith("ptx-interpreter");
        int[][] shapes = slow ? new int[][] {{1, 1}, {9, 13}, {13, 9}}
                : new int[][] {{1, 1}, {1, 13}, {13, 1}, {9, 13}, {257, 129}, {1000, 37}, {3, 2053}, {2053, 3}};
        SplittableRandom rnd = new SplittableRandom(SEED + axis);
        try (Linalg la = Linalg.on(rt, d)) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                float[] x = input(rnd, rows, cols, axis);
                int outs = axis == 1 ? rows : cols, len = axis == 1 ? cols : rows;
                for (Reduction op : Reduction.values()) {
                    float[] y = new float[outs], java = new float[outs];
                    RunResult.TaskRun run = la.reduce(x, y, rows, cols, axis, op);
                    assertEquals(d.id(), run.device().id());
                    assertEquals(variant ? "CpuAxisReductions.reduce (Java variant)" : "AxisReductions.reduce", run.implementation());
                    AxisReductions.reduce(op.code(), x, java, rows, cols, axis);
                    for (int o = 0; o < outs; o++) {
                        String where = op + " axis " + axis + " " + rows + "x" + cols + " on " + d.id() + ", output " + o;
                        assertEquals(Float.floatToIntBits(java[o]), Float.floatToIntBits(y[o]), where + ": " + y[o] + ", plain Java " + java[o]);
                        checkFloat64(op, x, axis == 1 ? o * cols : o, axis == 1 ? 1 : cols, len, y[o], where);
                    }
                }
                int[] arg = new int[outs];
                RunResult.TaskRun run = la.argmax(x, arg, rows, cols, axis);
                assertEquals(variant ? "CpuAxisReductions.argmax (Java variant)" : "AxisReductions.argmax", run.implementation());
                for (int o = 0; o < outs; o++) {
                    int base = axis == 1 ? o * cols : o, step = axis == 1 ? 1 : cols;
                    int expect = -1;
                    for (int p = 0; p < len && expect < 0; p++) if (Float.isNaN(x[base + p * step])) expect = p;
                    if (expect < 0) {
                        expect = 0;
                        for (int p = 1; p < len; p++) if (x[base + p * step] > x[base + expect * step]) expect = p;
                    }
                    assertEquals(expect, arg[o], "argmax axis " + axis + " " + rows + "x" + cols + " on " + d.id() + ", output " + o);
                }
            }
        }
    }

    /** The float64 reference with compensated sums, and the bound that {@link AxisReductions} states. */
    private static void checkFloat64(Reduction op, float[] x, int base, int step, int len, float y, String where) {
        boolean nan = false, pos = false, neg = false;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < len; p++) {
            float v = x[base + p * step];
            nan |= Float.isNaN(v);
            pos |= v == Float.POSITIVE_INFINITY;
            neg |= v == Float.NEGATIVE_INFINITY;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (op == Reduction.MIN || op == Reduction.MAX) {
            double e = op == Reduction.MIN ? min : max;
            if (nan ? !Float.isNaN(y) : y != e) fail(where + ": " + y + ", float64 " + e);
            return;
        }
        if (nan || pos && neg || (pos || neg) && op == Reduction.VARIANCE) {
            assertTrue(Float.isNaN(y), where + ": " + y + ", float64 NaN");
            return;
        }
        if (pos || neg) {
            assertEquals(pos ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY, y, where);
            return;
        }
        double[] sa = compensated(x, base, step, len, 0, false);
        double exact = sa[0], abs = sa[1];
        if (op != Reduction.SUM) exact /= len;
        if (op == Reduction.VARIANCE) {
            double[] sq = compensated(x, base, step, len, exact, true);
            exact = sq[0] / len;
            abs = sq[1] / len;
        } else if (op == Reduction.MEAN) {
            abs /= len;
        }
        float ef = (float) exact;
        if (Float.isInfinite(ef)) {
            assertEquals(ef, y, where + " (overflows float)");
            return;
        }
        double bound = Math.ulp(ef) + 3.0 * len * 0x1p-53 * abs;
        if (!(Math.abs(y - exact) <= bound)) fail(where + ": " + y + ", float64 " + exact + ", bound " + bound);
    }

    /** {sum, sum of magnitudes} of x (or of (x - mean)^2), Neumaier-compensated. */
    private static double[] compensated(float[] x, int base, int step, int len, double mean, boolean squares) {
        double s = 0, c = 0, abs = 0;
        for (int p = 0; p < len; p++) {
            double v = x[base + p * step];
            if (squares) v = (v - mean) * (v - mean);
            double t = s + v;
            c += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
            s = t;
            abs += Math.abs(v);
        }
        return new double[] {s + c, abs};
    }

    @Test
    void emptyLinesAndRefusals() {
        try (Linalg la = Linalg.on(Devices.get("cpu"))) {
            float[] y = new float[3];
            la.reduce(new float[0], y, 0, 3, 0, Reduction.SUM);
            assertArrayEquals(new float[3], y);
            la.reduce(new float[0], y, 0, 3, 0, Reduction.MAX);
            assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, y);
            int[] arg = new int[3];
            la.argmax(new float[0], arg, 0, 3, 0);
            assertArrayEquals(new int[] {-1, -1, -1}, arg);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> la.reduce(new float[6], new float[2], 2, 3, 0, Reduction.SUM));
            assertTrue(e.getMessage().contains("needs 6 elements in x and 3 in y (axis 0)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> la.reduce(new float[6], new float[3], 2, 3, 2, Reduction.SUM));
            assertTrue(e.getMessage().contains("axis must be 0"), e.getMessage());
        }
    }
}

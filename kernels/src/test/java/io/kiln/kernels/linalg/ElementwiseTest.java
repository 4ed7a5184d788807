package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.FloatArray;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Elementwise} through {@link Linalg} on every device Kiln finds, with the cpu variants and the
 * portable references: every op against its Java reference ({@link Elementwise#apply},
 * {@link Elementwise#combine} run as plain Java), bit for bit for the exact ops on every device and for
 * all ops on {@code cpu}, within one float ulp for the transcendental ones elsewhere (differences
 * counted and printed); the functions themselves against float64 (the JDK's double functions, and
 * mpmath at 60 digits for erf, erfc and GELU: {@code erf-gelu-mpmath.txt}). Inputs are random with
 * edge values (NaN, ±Inf, ±0, the smallest subnormal, the largest float, huge and tiny magnitudes).
 */
class ElementwiseTest {
    private static final long SEED = 515_151;
    private static final EnumSet<Unary> EXACT = EnumSet.of(Unary.SCALE, Unary.CLAMP, Unary.RELU, Unary.LEAKY_RELU, Unary.SQRT);
    @TestFactory
    List<DynamicNode> onEveryDevice() {
        System.out.println("[elementwise] seed " + SEED);
        return OnDevices.tests(OnDevices.of("unary", (OnDevices.Body) ElementwiseTest::unary,
                "binary with broadcasting", (OnDevices.Body) ElementwiseTest::binary, "off-heap", (OnDevices.Body) ElementwiseTest::offHeap));
    }

    private static boolean slow(Device d) {
        return d.id().startsWith("ptx-interpreter");
    }

    private static final float[] EDGES = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE,
            Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 1e30f, -1e30f, 1e-30f, -1e-30f, 88.7f, -103.9f, 20f, -20f, 0.5f};

    /** Random values of mixed magnitudes, the edge values first. */
    static float[] input(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < EDGES.length ? EDGES[i] : (float) (rnd.nextDouble(-1, 1) * Math.pow(10, rnd.nextInt(-6, 4)));
        }
        return x;
    }

    private static float[] params(Unary op) {
        return switch (op) {
            case SCALE -> new float[] {-2.5f};
            case CLAMP -> new float[] {-1.5f, 6f};
            case LEAKY_RELU -> new float[] {0.01f};
            default -> new float[0];
        };
    }

    private static void checkName(RunResult.TaskRun run, Device d, boolean variant, String name) {
        assertEquals(d.id(), run.device().id(), "ran elsewhere: " + run.fallbackReason());
        assertEquals(variant ? "Cpu" + name + " (Java variant)" : name, run.implementation());
    }

    private static void unary(OnDevices.Target t) {
        KilnRuntime rt = t.runtime();
        Device d = t.device();
        boolean variant = t.variants();
        int[] sizes = slow(d) ? new int[] {1, EDGES.length + 7} : new int[] {1, EDGES.length + 7, 1031, 65_537};
        SplittableRandom rnd = new SplittableRandom(SEED);
        boolean exactEverywhere = d.backend() == Backend.CPU;
        try (Linalg la = Linalg.on(rt, d)) {
            for (Unary op : Unary.values()) {
                int differ = 0, total = 0;
                for (int n : sizes) {
                    float[] x = input(rnd, n), y = new float[n];
                    float[] pq = params(op);
                    checkName(la.unary(x, y, n, op, pq), d, variant, "Elementwise.unary");
                    for (int i = 0; i < n; i++) {
                        float e = Elementwise.apply(op.code(), pq.length > 0 ? pq[0] : 0, pq.length > 1 ? pq[1] : 0, x[i]);
                        total++;
                        if (Float.floatToIntBits(e) == Float.floatToIntBits(y[i])) continue;
                        differ++;
                        boolean exact = exactEverywhere || EXACT.contains(op);
                        boolean close = !Float.isNaN(e) && Math.abs(y[i] - e) <= Math.ulp(e);
                        if (exact || !close) {
                            fail(op + " n=" + n + " on " + d.id() + ": x[" + i + "] = " + x[i] + " gives " + y[i] + ", Java gives " + e
                                    + (exact ? " (must be bit for bit)" : " (more than one ulp)"));
                        }
                    }
                    // In place: y == x.
                    float[] z = x.clone();
                    la.unary(z, z, n, op, pq);
                    for (int i = 0; i < n; i++) {
                        assertTrue(Float.compare(z[i], y[i]) == 0, op + " in place on " + d.id() + " element " + i + ": " + z[i] + " vs " + y[i]);
                    }
                }
                if (differ > 0) System.out.println("[elementwise] " + op + " on " + d.id() + ": " + differ + " of " + total + " one ulp from Java");
            }
        }
    }

    private static void binary(OnDevices.Target t) {
        KilnRuntime rt = t.runtime();
        Device d = t.device();
        boolean variant = t.variants();
        int[][] shapes = slow(d) ? new int[][] {{1, 1}, {5, 7}} : new int[][] {{1, 1}, {5, 7}, {33, 257}, {1031, 3}};
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        try (Linalg la = Linalg.on(rt, d)) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                for (Broadcast bc : Broadcast.values()) {
                    for (Binary op : Binary.values()) {
                        float[] a = input(rnd, rows * cols), b = input(rnd, (int) bc.length(rows, cols)), y = new float[rows * cols];
                        // Shuffle b's edge values against a's, so that Inf - Inf, 0 / 0 and friends occur.
                        for (int i = 0; i < b.length; i++) b[i] = b[(i * 7 + 3) % b.length];
                        checkName(la.binary(a, b, y, rows, cols, bc, op), d, variant, "Elementwise.binary");
                        for (int r = 0; r < rows; r++) {
                            for (int c = 0; c < cols; c++) {
                                float av = a[r * cols + c], bv = b[bc == Broadcast.NONE ? r * cols + c : bc == Broadcast.ROW ? c : r];
                                float e = switch (op) {
                                    case ADD -> av + bv;
                                    case SUB -> av - bv;
                                    case MUL -> av * bv;
                                    case DIV -> av / bv;
                                };
                                int i = r * cols + c;
                                if (Float.floatToIntBits(e) != Float.floatToIntBits(y[i])) {
                                    fail(op + " " + bc + " " + rows + "x" + cols + " on " + d.id() + " at (" + r + "," + c + "): " + av + ", " + bv
                                            + " gives " + y[i] + ", Java " + e);
                                }
                            }
                        }
                        float[] acc = a.clone();                                   // in place: y == a
                        la.binary(acc, b, acc, rows, cols, bc, op);
                        for (int i = 0; i < acc.length; i++) assertEquals(Float.floatToIntBits(y[i]), Float.floatToIntBits(acc[i]), "in place " + op);
                    }
                }
            }
        }
    }

    private static void offHeap(OnDevices.Target t) {
        KilnRuntime rt = t.runtime();
        Device d = t.device();
        boolean variant = t.variants();
        int n = slow(d) ? 37 : 10_007, rows = slow(d) ? 37 : 10_007 / 1, cols = 1;
        SplittableRandom rnd = new SplittableRandom(SEED + 2);
        float[] x = input(rnd, n), bias = input(rnd, 13);
        try (Linalg la = Linalg.on(rt, d); FloatArray xo = FloatArray.of(x); FloatArray yo = FloatArray.allocate(n)) {
            for (Unary op : new Unary[] {Unary.CLAMP, Unary.GELU_ERF, Unary.SQRT}) {
                float[] pq = params(op);
                checkName(la.unary(xo, yo, n, op, pq), d, variant, "Elementwise.unary");
                for (int i = 0; i < n; i++) {
                    float e = Elementwise.apply(op.code(), pq.length > 0 ? pq[0] : 0, pq.length > 1 ? pq[1] : 0, x[i]);
                    boolean ok = Float.compare(e, yo.get(i)) == 0 || !EXACT.contains(op) && d.backend() != Backend.CPU && Math.abs(yo.get(i) - e) <= Math.ulp(e);
                    assertTrue(ok, "off-heap " + op + " on " + d.id() + " element " + i + ": " + yo.get(i) + " vs Java " + e);
                }
            }
            // rows x 13 with a row-vector bias, and a column vector.
            int r = n / 13;
            try (FloatArray b = FloatArray.of(bias); FloatArray col = FloatArray.of(input(rnd, r))) {
                checkName(la.binary(xo, b, yo, r, 13, Broadcast.ROW, Binary.ADD), d, variant, "Elementwise.binary");
                for (int i = 0; i < r * 13; i++) assertEquals(x[i] + bias[i % 13], yo.get(i), "off-heap ADD ROW element " + i);
                la.binary(xo, col, yo, r, 13, Broadcast.COLUMN, Binary.DIV);
                for (int i = 0; i < r * 13; i++) assertEquals(x[i] / col.get(i / 13), yo.get(i), "off-heap DIV COLUMN element " + i);
            }
        }
    }

    /** The transcendental functions against float64: the JDK's double functions, within one float ulp. */
    @Test
    void functionsAgainstFloat64() {
        SplittableRandom rnd = new SplittableRandom(SEED + 3);
        float[] x = input(rnd, 20_000);
        for (float v : x) {
            double dv = v;
            check("SIGMOID", v, Elementwise.apply(Unary.SIGMOID.code(), 0, 0, v), 1 / (1 + Math.exp(-dv)));
            check("TANH", v, Elementwise.apply(Unary.TANH.code(), 0, 0, v), Math.tanh(dv));
            check("EXP", v, Elementwise.apply(Unary.EXP.code(), 0, 0, v), Math.exp(dv));
            check("LOG", v, Elementwise.apply(Unary.LOG.code(), 0, 0, v), Math.log(dv));
            check("SQRT", v, Elementwise.apply(Unary.SQRT.code(), 0, 0, v), Math.sqrt(dv));
        }
        assertEquals(0f, Elementwise.apply(Unary.RELU.code(), 0, 0, -0f));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(Elementwise.apply(Unary.RELU.code(), 0, 0, -0f)));
        assertTrue(Float.isNaN(Elementwise.apply(Unary.RELU.code(), 0, 0, Float.NaN)));
        assertTrue(Float.isNaN(Elementwise.apply(Unary.CLAMP.code(), 0, 1, Float.NaN)));
        assertEquals(-0f, Elementwise.apply(Unary.GELU_ERF.code(), 0, 0, Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, Elementwise.apply(Unary.GELU_TANH.code(), 0, 0, Float.POSITIVE_INFINITY));
    }

    private static void check(String op, float x, float y, double exact) {
        if (Double.isNaN(exact)) {
            assertTrue(Float.isNaN(y), op + "(" + x + ") = " + y + ", float64 NaN");
            return;
        }
        float e = (float) exact;
        if (!(y == e || Math.abs(y - exact) <= Math.ulp(e))) fail(op + "(" + x + ") = " + y + ", float64 " + exact);
    }

    /** erf and erfc against mpmath: the ulp bounds that {@link Elementwise#erf} and {@link Elementwise#erfc} state; GELU within one float ulp. */
    @Test
    void erfAndGeluAgainstMpmath() throws IOException {
        double worstErf = 0, worstErfc = 0, worstErfcTail = 0;
        int erfs = 0, gelus = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                ElementwiseTest.class.getResourceAsStream("erf-gelu-mpmath.txt"), "erf-gelu-mpmath.txt is missing"), StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String[] f = line.split(" ");
                double x = Double.parseDouble(f[1]), a = Double.parseDouble(f[2]), b = Double.parseDouble(f[3]);
                if (f[0].equals("erf")) {
                    erfs++;
                    worstErf = Math.max(worstErf, ulps(Elementwise.erf(x), a));
                    double e = ulps(Elementwise.erfc(x), b);
                    worstErfc = Math.max(worstErfc, e);
                    if (x >= 1.5) worstErfcTail = Math.max(worstErfcTail, e);
                } else {
                    gelus++;
                    float v = (float) x;
                    float ge = Elementwise.geluErf(v), gt = Elementwise.geluTanh(v);
                    float re = (float) a, rt = (float) b;
                    assertTrue(ge == re || Math.abs(ge - a) <= Math.ulp(re), "GELU_ERF(" + v + ") = " + ge + ", mpmath " + a);
                    // The tanh form's 0.044715 is the double nearest it, which moves results by far less than a float ulp.
                    assertTrue(gt == rt || Math.abs(gt - b) <= Math.ulp(rt), "GELU_TANH(" + v + ") = " + gt + ", mpmath " + b);
                }
            }
        }
        System.out.printf("[elementwise] against mpmath: %d erf points, worst erf %.1f ulps, erfc %.1f ulps (%.1f for x >= 1.5); %d GELU points%n",
                erfs, worstErf, worstErfc, worstErfcTail, gelus);
        assertTrue(erfs > 500 && gelus > 900, "the reference table is incomplete");
        assertTrue(worstErf <= 8, "erf: " + worstErf + " ulps, documented 8");
        assertTrue(worstErfc <= 128, "erfc: " + worstErfc + " ulps, documented 128");
        assertTrue(worstErfcTail <= 8, "erfc tail: " + worstErfcTail + " ulps, documented 8");
        assertEquals(1d, Elementwise.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1d, Elementwise.erf(Double.NEGATIVE_INFINITY));
        assertEquals(Double.doubleToRawLongBits(-0d), Double.doubleToRawLongBits(Elementwise.erf(-0d)));
        assertTrue(Double.isNaN(Elementwise.erf(Double.NaN)) && Double.isNaN(Elementwise.erfc(Double.NaN)));
        assertEquals(2d, Elementwise.erfc(Double.NEGATIVE_INFINITY));
        assertEquals(0d, Elementwise.erfc(Double.POSITIVE_INFINITY));
    }

    /** Distance in ulps of {@code reference} (subnormal results: in units of the smallest double). */
    private static double ulps(double v, double reference) {
        if (v == reference) return 0;
        return Math.abs(v - reference) / Math.ulp(reference);
    }

    @Test
    void wrongArgumentsAreRefused() {
        Linalg la = Linalg.on(Devices.get("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> la.unary(new float[4], new float[4], 4, Unary.CLAMP, 1f));
        assertTrue(e.getMessage().contains("CLAMP takes 2 parameter(s), got 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> la.binary(new float[6], new float[2], new float[6], 2, 3, Broadcast.ROW, Binary.ADD));
        assertTrue(e.getMessage().contains("needs 6 elements in a and y and 3 in b (broadcast ROW)"), e.getMessage());
        la.binary(new float[0], new float[0], new float[0], 0, 5, Broadcast.ROW, Binary.ADD);   // an empty tensor needs no bias
        la.unary(new float[0], new float[0], 0, Unary.RELU);
        la.close();
    }
}

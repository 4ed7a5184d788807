package io.kiln.conformance.fuzz;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.KernelCompilationException;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two miscompiles of issue 10 found by random differential testing, on every device, against the
 * same methods run as plain Java: (1) {@code Math.rint} (and the other exact functions) of constants,
 * which PoCL folded to 0.0 and to poison; (2) array variables of disjoint scopes sharing one javac slot,
 * which the front end refused; and NaN signs, which Java leaves open (three fuzzer reports that were not
 * miscompiles).
 */
class MiscompileRegressionTest {

    static void rintOfConstants(double[] d, float[] f, int[] b) {
        for (@Parallel int i = 0; i < b.length / 8; i++) {
            d[i * 16] = Math.rint(Double.NEGATIVE_INFINITY);
            d[i * 16 + 1] = Math.rint(Double.NaN);
            d[i * 16 + 2] = Math.rint(9.1e18);
            d[i * 16 + 3] = Math.rint(Double.POSITIVE_INFINITY);
            d[i * 16 + 4] = Math.rint(1e300);
            d[i * 16 + 5] = Math.rint(Double.MAX_VALUE);
            d[i * 16 + 6] = Math.rint(-4.5035996273704955E15);
            d[i * 16 + 7] = Math.rint(-0.0);
            d[i * 16 + 8] = Math.rint(2.5);
            d[i * 16 + 9] = Math.rint(-2.5);
            d[i * 16 + 10] = Math.rint(0.49999999999999994);
            d[i * 16 + 11] = Math.floor(-9.1e18);
            d[i * 16 + 12] = Math.ceil(Double.NEGATIVE_INFINITY);
            d[i * 16 + 13] = Math.sqrt(-1.0);
            d[i * 16 + 14] = Math.rint(-9.223372036854776E18);
            d[i * 16 + 15] = Math.abs(Double.NEGATIVE_INFINITY);
            f[i * 4] = (float) Math.rint(3e38f);
            f[i * 4 + 1] = (float) Math.rint(Float.NEGATIVE_INFINITY);
            f[i * 4 + 2] = (float) Math.rint(Float.NaN);
            f[i * 4 + 3] = (float) Math.floor(Float.MAX_VALUE);
            double r = Math.rint(Double.NEGATIVE_INFINITY);
            b[i * 8] = r < 0 ? 1 : 2;
            double s = Math.rint(Double.NaN);
            b[i * 8 + 1] = s < 0 ? 1 : s >= 0 ? 2 : 3;
            b[i * 8 + 2] = Math.rint(9.1e18) > 9e18 ? 1 : 2;
            float g = (float) Math.rint(3e38f);
            b[i * 8 + 3] = g > 1e38f ? 1 : 2;
            b[i * 8 + 4] = (int) Math.rint(Double.NEGATIVE_INFINITY);
            b[i * 8 + 5] = (int) Math.rint(1e300);
            b[i * 8 + 6] = Math.rint(Double.NaN) != Math.rint(Double.NaN) ? 1 : 2;
            b[i * 8 + 7] = i;
            // fuzzer seed 943371235240874501: PoCL gave 0.0 for floor(NaN + x)
            d[i * 16 + 15] = Math.floor(Double.NaN + d[i * 16 + 15]);
            f[i * 4 + 3] = (float) Math.ceil(Float.NaN * f[i * 4 + 3]);
        }
    }

    /**
     * The smallest kernel of fuzzer seed -3901407634389870242: {@code v} has two assignments, so Kiln's
     * constant folding leaves {@code rint(v)} to the device, whose compiler sees the constant; PoCL's
     * {@code rint} of it left every output 0, {@code out[i + n]} too.
     */
    static void rintOfAReassignedConstant(int[] in, float[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            double v = 9.1e18;
            out[i] = (float) Math.rint(v);
            v = 1;
            out[i + n] = (float) v + in[i];
        }
    }

    /** The same shape for every edge of rint: {@code k} picks the constant, the device compiler sees each one. */
    static void rintOfReassignedConstants(double[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            double v = 0;
            switch (i % 14) {
                case 0 -> v = 9.1e18;
                case 1 -> v = Double.NaN;
                case 2 -> v = Double.NEGATIVE_INFINITY;
                case 3 -> v = Double.MAX_VALUE;
                case 4 -> v = -0.0;
                case 5 -> v = 2.5;
                case 6 -> v = -2.5;
                case 7 -> v = 0.49999999999999994;
                case 8 -> v = 4503599627370495.5;
                case 9 -> v = -4503599627370497.0;
                case 10 -> v = Double.MIN_VALUE;
                case 11 -> v = -0.5;
                case 12 -> v = 1.5;
                default -> v = 3e38;
            }
            out[i] = Math.rint(v) + (float) Math.rint((float) v);
            v = out[i];
        }
    }

    /** rint, floor and ceil of data the compiler cannot see: the OpenCL C lowerings against Java on random and edge inputs. */
    static void rintOfData(double[] x, float[] y, double[] dx, float[] fy) {
        for (@Parallel int i = 0; i < x.length; i++) {
            dx[i * 3] = Math.rint(x[i]);
            dx[i * 3 + 1] = Math.floor(x[i]);
            dx[i * 3 + 2] = Math.ceil(x[i]);
            fy[i * 3] = (float) Math.rint(y[i]);
            fy[i * 3 + 1] = (float) Math.floor(y[i]);
            fy[i * 3 + 2] = (float) Math.ceil(y[i]);
        }
    }

    /**
     * Work-group fuzzer seed -1110636032259229493: {@code v -= NaN} before a barrier, {@code Math.floor(v)}
     * after it. Kiln's folding sees no constant ({@code v} has two assignments); PoCL's compiler derives the
     * NaN and folded {@code floor} of it to 0.0.
     */
    static void floorOfADerivedNaN(io.kiln.KernelContext ctx, double[] x, float[] y, double[] out, float[] fout) {
        int i = ctx.globalIdx();
        double v = x[i];
        float w = y[i];
        v -= Double.NaN;
        w *= Float.NaN;
        double[] l = ctx.localDoubles(64);
        l[ctx.localIdx()] = v;
        ctx.barrier();
        out[i * 2] = Math.floor(v);
        out[i * 2 + 1] = Math.ceil(v + l[0]);
        fout[i * 2] = (float) Math.floor(w);
        fout[i * 2 + 1] = (float) Math.ceil(w);
    }

    /** The kernel: {@code a} and {@code b} are distinct variables that javac gives one slot. */
    static void disjointScopes(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            if ((i & 1) == 0) {
                int[] a = new int[4];
                a[i & 3] = 1;
                out[i] = a[0];
            } else {
                int[] b = new int[4];
                b[i & 3] = 2;
                out[i] = b[1];
            }
        }
    }

    /** Slot reuse in a loop, through a switch and across a helper taking the array. */
    static void disjointScopesInLoop(float[] x, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float s = 0;
            for (int k = 0; k < 3; k++) {
                switch ((i + k) % 3) {
                    case 0 -> {
                        float[] p = new float[2];
                        p[k & 1] = x[i] * k;
                        s += sum(p);
                    }
                    case 1 -> {
                        float[] q = new float[3];
                        q[2] = -x[i];
                        s += q[2] + sum(q);
                    }
                    default -> {
                        float[] r = new float[1];
                        r[0] = s;
                        s = r[0] * 0.5f;
                    }
                }
            }
            out[i] = s;
        }
    }

    static float sum(float[] a) {
        float t = 0;
        for (int j = 0; j < a.length; j++) t += a[j];
        return t;
    }

    /** Really two arrays reaching one use: stays refused. */
    static void reallyDifferent(int[] x, int[] y, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int[] a;
            if ((i & 1) == 0) a = x;
            else a = y;
            out[i] = a[i];
        }
    }

    /**
     * Fuzzer seeds 5374907322208643606, 1018392579451341992 and -1214626669087674237 (all three on the PTX
     * interpreter): {@code Math.copySign(x, inf % y)} gave {@code -x} in Java and {@code +x} on the device.
     * Not a miscompile: Java does not fix which NaN an invalid operation makes. HotSpot on x86 makes the
     * negative quiet NaN {@code 0xffc00000}; Kiln's PTX {@code fmod} (and NVIDIA hardware) the positive one.
     * {@code Math.copySign} and {@code floatToRawIntBits} see that sign bit; {@code StrictMath.copySign}
     * treats every NaN sign as positive, and {@code floatToIntBits} collapses every NaN to one pattern, so
     * those two are the same on every device. (docs/kernel-language.md, "NaN values".)
     */
    static void nanSigns(float[] x, float[] out, int[] bits) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float inf = x[i] * Float.POSITIVE_INFINITY;                 // +-Inf, or NaN for x = NaN or 0
            float rem = inf % 1f, sub = inf - inf, div = x[i] / 0f * 0f;
            out[i * 4] = StrictMath.copySign(2f, rem);
            out[i * 4 + 1] = StrictMath.copySign(3f, sub);
            out[i * 4 + 2] = StrictMath.copySign(5f, div);
            out[i * 4 + 3] = StrictMath.copySign(7f, x[i]);
            bits[i * 3] = Float.floatToIntBits(rem);
            bits[i * 3 + 1] = Float.floatToIntBits(sub);
            bits[i * 3 + 2] = Float.floatToIntBits(div);
        }
    }

    @Test
    void nanSignsThroughStrictMathAreTheSameOnEveryDevice() {
        float[] x = {1f, -1f, 0f, -0f, Float.NaN, Float.intBitsToFloat(0xffc00000), Float.MIN_VALUE, -3e38f, 2.5f};
        float[] want = new float[4 * x.length];
        int[] wantBits = new int[3 * x.length];
        nanSigns(x, want, wantBits);
        for (int i = 0; i < x.length; i++) assertEquals(2f, want[i * 4], "StrictMath.copySign(2, NaN) is +2 in Java");
        List<String> bad = new ArrayList<>();
        for (Device dev : DifferentialFuzzTest.devices()) {
            float[] out = new float[want.length];
            int[] bits = new int[wantBits.length];
            TaskGraph g = new TaskGraph("nan-signs");
            g.transferToDevice(Transfer.EVERY_RUN, x, out, bits);
            g.task("k", MiscompileRegressionTest::nanSigns, x, out, bits);
            g.transferToHost(Transfer.EVERY_RUN, out, bits);
            run(dev, g);
            for (int i = 0; i < want.length; i++) {
                if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(out[i])) bad.add(dev.id() + " out[" + i + "]: Java " + want[i] + ", device " + out[i]);
            }
            for (int i = 0; i < wantBits.length; i++) {
                if (wantBits[i] != bits[i]) bad.add(dev.id() + " bits[" + i + "]: Java " + Integer.toHexString(wantBits[i]) + ", device " + Integer.toHexString(bits[i]));
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    private static void run(Device d, TaskGraph g, Object... arrays) {
        try (ExecutionPlan plan = g.plan(d)) {
            RunResult.TaskRun run = plan.run().task("k");
            assertEquals(d.id(), run.device().id(), "fallback: " + run.fallbackReason());
        }
    }

    @Test
    void rintOfConstantsIsJavasOnEveryDevice() {
        int n = 5;
        double[] de = new double[16 * n];
        float[] fe = new float[4 * n];
        int[] be = new int[8 * n];
        rintOfConstants(de, fe, be);
        List<String> bad = new ArrayList<>();
        for (Device dev : DifferentialFuzzTest.devices()) {
            double[] d = new double[de.length];
            float[] f = new float[fe.length];
            int[] b = new int[be.length];
            Arrays.fill(d, 42.0);
            Arrays.fill(f, 42f);
            TaskGraph g = new TaskGraph("rint");
            g.transferToDevice(Transfer.EVERY_RUN, d, f, b);
            g.task("k", MiscompileRegressionTest::rintOfConstants, d, f, b);
            g.transferToHost(Transfer.EVERY_RUN, d, f, b);
            run(dev, g);
            for (int i = 0; i < de.length; i++) {
                if (Double.doubleToLongBits(de[i]) != Double.doubleToLongBits(d[i])) bad.add(dev.id() + " d[" + i + "]: Java " + de[i] + ", device " + d[i]);
            }
            for (int i = 0; i < fe.length; i++) {
                if (Float.floatToIntBits(fe[i]) != Float.floatToIntBits(f[i])) bad.add(dev.id() + " f[" + i + "]: Java " + fe[i] + ", device " + f[i]);
            }
            for (int i = 0; i < be.length; i++) {
                if (be[i] != b[i]) bad.add(dev.id() + " b[" + i + "]: Java " + be[i] + ", device " + b[i]);
            }
        }
        assertTrue(be[0] == 1 && be[1] == 3 && be[2] == 1 && de[0] == Double.NEGATIVE_INFINITY, "the Java reference itself");
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void rintOfAConstantTheDeviceCompilerSeesIsJavasOnEveryDevice() {
        int n = 3;
        int[] in = {255, 7, -3};
        float[] expected = new float[2 * n];
        rintOfAReassignedConstant(in, expected, n);
        double[] de = new double[28];
        rintOfReassignedConstants(de);
        List<String> bad = new ArrayList<>();
        for (Device dev : DifferentialFuzzTest.devices()) {
            float[] out = new float[2 * n];
            TaskGraph g = new TaskGraph("rint-seed");
            g.transferToDevice(Transfer.EVERY_RUN, in, out);
            g.task("k", MiscompileRegressionTest::rintOfAReassignedConstant, in, out, n);
            g.transferToHost(Transfer.EVERY_RUN, out);
            run(dev, g);
            if (!Arrays.equals(expected, out)) bad.add(dev.id() + ": Java " + Arrays.toString(expected) + ", device " + Arrays.toString(out));
            double[] d = new double[de.length];
            TaskGraph g2 = new TaskGraph("rint-edges");
            g2.transferToDevice(Transfer.EVERY_RUN, d);
            g2.task("k", MiscompileRegressionTest::rintOfReassignedConstants, d);
            g2.transferToHost(Transfer.EVERY_RUN, d);
            run(dev, g2);
            for (int i = 0; i < de.length; i++) {
                if (Double.doubleToLongBits(de[i]) != Double.doubleToLongBits(d[i])) bad.add(dev.id() + " d[" + i + "]: Java " + de[i] + ", device " + d[i]);
            }
        }
        assertEquals(9.1e18f, expected[0]);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void rintOfDataIsJavasOnEveryDevice() {
        long seed = 0x52494E54L;
        System.out.println("MiscompileRegressionTest.rintOfDataIsJavasOnEveryDevice seed=" + seed);
        java.util.Random r = new java.util.Random(seed);
        int n = 4096;
        double[] x = new double[n];
        float[] y = new float[n];
        double[] edges = {0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, -0.0, 0.0, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE, 4503599627370495.5, 4503599627370496.0, -4503599627370497.0};
        for (int i = 0; i < n; i++) {
            x[i] = i < edges.length ? edges[i] : switch (i % 3) {
                case 0 -> Double.longBitsToDouble(r.nextLong());
                case 1 -> (r.nextInt(2000) - 1000) / 2.0; // exact halves
                default -> r.nextGaussian() * Math.scalb(1.0, r.nextInt(60));
            };
            y[i] = i < edges.length ? (float) edges[i] : switch (i % 3) {
                case 0 -> Float.intBitsToFloat(r.nextInt());
                case 1 -> (r.nextInt(2000) - 1000) / 2f;
                default -> (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(30)));
            };
        }
        y[16] = 8388607.5f;
        y[17] = 8388608f;
        double[] de = new double[3 * n];
        float[] fe = new float[3 * n];
        rintOfData(x, y, de, fe);
        for (Device dev : DifferentialFuzzTest.devices()) {
            double[] dx = new double[3 * n];
            float[] fy = new float[3 * n];
            TaskGraph g = new TaskGraph("rint-data");
            g.transferToDevice(Transfer.EVERY_RUN, x, y, dx, fy);
            g.task("k", MiscompileRegressionTest::rintOfData, x, y, dx, fy);
            g.transferToHost(Transfer.EVERY_RUN, dx, fy);
            run(dev, g);
            String[] fn = {"rint", "floor", "ceil"};
            for (int i = 0; i < 3 * n; i++) {
                int k = i;
                assertEquals(Double.doubleToLongBits(de[i]), Double.doubleToLongBits(dx[i]), () -> dev.id() + " " + fn[k % 3] + "(" + x[k / 3] + ")");
                assertEquals(Float.floatToIntBits(fe[i]), Float.floatToIntBits(fy[i]), () -> dev.id() + " (float) " + fn[k % 3] + "(" + y[k / 3] + ")");
            }
        }
    }

    @Test
    void floorAndCeilOfANaNTheDeviceCompilerDerivesAreJavasOnEveryDevice() {
        int n = 16;
        double[] x = new double[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i - 7.5;
            y[i] = i * 0.25f - 2f;
        }
        double[] want = new double[2 * n];
        float[] fwant = new float[2 * n];
        io.kiln.KernelContext c = new io.kiln.KernelContext();
        // every v is NaN, so l[0] + v is NaN whichever item wrote l[0]: plain Java is the reference here
        for (int i = 0; i < n; i++) floorOfADerivedNaN(c.setGlobalId(i, 0, 0, n, 1, 1), x, y, want, fwant);
        for (double v : want) assertTrue(Double.isNaN(v), "the Java reference gives NaN");
        for (Device dev : DifferentialFuzzTest.devices()) {
            double[] out = new double[2 * n];
            float[] fout = new float[2 * n];
            TaskGraph g = new TaskGraph("floor-nan");
            g.transferToDevice(Transfer.EVERY_RUN, x, y, out, fout);
            g.task("k", MiscompileRegressionTest::floorOfADerivedNaN, new io.kiln.KernelContext(), x, y, out, fout);
            g.transferToHost(Transfer.EVERY_RUN, out, fout);
            try (ExecutionPlan plan = g.plan(dev).withGrid("k", io.kiln.Grid.of(n).local(8))) {
                assertEquals(dev.id(), plan.run().task("k").device().id());
            }
            for (int i = 0; i < 2 * n; i++) {
                int k = i;
                assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(out[i]), () -> dev.id() + " out[" + k + "]: " + out[k]);
                assertEquals(Float.floatToIntBits(fwant[i]), Float.floatToIntBits(fout[i]), () -> dev.id() + " fout[" + k + "]: " + fout[k]);
            }
        }
    }

    @Test
    void arrayVariablesOfDisjointScopesCompileAndRunOnEveryDevice() {
        int n = 37;
        int[] oe = new int[n];
        disjointScopes(oe);
        float[] x = new float[n];
        java.util.Random r = new java.util.Random(n);
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * 10;
        x[3] = Float.NaN;
        x[4] = -0f;
        float[] fe = new float[n];
        disjointScopesInLoop(x, fe);
        for (Device dev : DifferentialFuzzTest.devices()) {
            int[] o = new int[n];
            float[] f = new float[n];
            TaskGraph g = new TaskGraph("slots");
            g.transferToDevice(Transfer.EVERY_RUN, o);
            g.task("k", MiscompileRegressionTest::disjointScopes, o);
            g.transferToHost(Transfer.EVERY_RUN, o);
            run(dev, g);
            assertEquals(Arrays.toString(oe), Arrays.toString(o), dev.id());
            TaskGraph g2 = new TaskGraph("slots-loop");
            g2.transferToDevice(Transfer.EVERY_RUN, x, f);
            g2.task("k", MiscompileRegressionTest::disjointScopesInLoop, x, f);
            g2.transferToHost(Transfer.EVERY_RUN, f);
            run(dev, g2);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(fe[i]), Float.floatToIntBits(f[i]), dev.id() + " [" + i + "]: Java " + fe[i] + ", device " + f[i]);
            }
        }
    }

    @Test
    void twoArraysReachingOneUseAreStillRefused() {
        Device dev = DifferentialFuzzTest.devices().get(0);
        int[] x = new int[4], y = new int[4], o = new int[4];
        TaskGraph g = new TaskGraph("refused");
        g.task("k", MiscompileRegressionTest::reallyDifferent, x, y, o);
        KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> {
            try (ExecutionPlan plan = g.plan(dev)) {
                plan.run();
            }
        });
        assertTrue(e.getMessage().contains("a local variable refers to array") && e.getMessage().contains("MiscompileRegressionTest.java:"),
                e.getMessage());
    }
}

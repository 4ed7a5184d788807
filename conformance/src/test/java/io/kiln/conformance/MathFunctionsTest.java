package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.Gens.doubleRange;
import static io.kiln.conformance.Gens.doubleSpread;
import static io.kiln.conformance.Gens.floatRange;
import static io.kiln.conformance.Gens.floatSpread;
import static io.kiln.conformance.KernelCase.k;

/**
 * Math and StrictMath. Functions Java specifies exactly (abs, min, max, sqrt, floor, ceil, rint, round,
 * signum, fma, toRadians, toDegrees), in Math and in StrictMath, are
 * compared exactly; the other functions of both within {@link UlpBounds}.
 */
class MathFunctionsTest extends ConformanceSuite {

    /**
     * Arguments where an implementation was seen to be off by 3 ulp (PoCL's double tan), kept as edge
     * values so that a regression shows on every run, not only when the random inputs hit one.
     */
    static final double[] HARD_TRIG = {8.657977334777165, -8.659579489921175, -8.669734412222855, 2.8202301022359243E179};
    static final Gen<double[]> TRIG = Gen.doubles("[-10,10]", concat(Gens.DOUBLE_EDGES, HARD_TRIG),
            r -> r.nextInt(16) == 0 ? Double.longBitsToDouble(r.nextLong()) : -10 + r.nextDouble() * 20);
    static final Gen<double[]> TRIG_WIDE = doubleRange("[-1e6,1e6]", -1e6, 1e6);
    static final Gen<double[]> EXP = doubleRange("[-50,50]", -50, 50);
    static final Gen<double[]> POSITIVE = doubleSpread("spread");
    static final Gen<double[]> UNIT = doubleRange("[-1.2,1.2]", -1.2, 1.2);
    static final Gen<double[]> HYPERBOLIC = doubleRange("[-30,30]", -30, 30);
    static final Gen<double[]> POW_BASE = doubleRange("[0,8]", 0, 8);
    static final Gen<double[]> POW_EXP = doubleRange("[-12,12]", -12, 12);
    /**
     * Any double except magnitudes in (2^51, 2^52): there HotSpot's x86-64 Math.pow intrinsic gets the
     * sign wrong for a base of -Infinity or -0.0 (Math.pow(-Infinity, 2^51 + 2) is -Infinity, but the
     * exponent is even, and StrictMath says +Infinity), so Java itself would be the wrong reference.
     */
    static final Gen<double[]> POW_ANY_EXP = Gen.doubles("double, |y| not in (2^51, 2^52)", Gens.DOUBLE_EDGES, r -> {
        double v;
        do {
            v = Gens.anyDouble(r);
        } while (Math.abs(v) > 0x1p51 && Math.abs(v) < 0x1p52);
        return v;
    });
    static final Gen<float[]> FTRIG = floatRange("[-10,10]", -10, 10);
    static final Gen<float[]> FEXP = floatRange("[-20,20]", -20, 20);
    static final Gen<float[]> FPOSITIVE = floatSpread("spread");
    static final Gen<float[]> FUNIT = floatRange("[-1.2,1.2]", -1.2, 1.2);
    static final Gen<float[]> FPOW_BASE = floatRange("[0,8]", 0, 8);
    static final Gen<float[]> FPOW_EXP = floatRange("[-6,6]", -6, 6);

    static double[] concat(double[] a, double[] b) {
        double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static List<KernelCase> cases() {
        return List.of(
                // exact
                k(MathFunctionsTest::absMinMaxFloat, in(FLOAT), in(FLOAT), out(FLOAT), out(FLOAT), out(FLOAT)),
                k(MathFunctionsTest::absMinMaxDouble, in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(MathFunctionsTest::sqrt, in(FLOAT), in(DOUBLE), out(FLOAT), out(DOUBLE)),
                k(MathFunctionsTest::floorCeilRintDouble, in(DOUBLE), out(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(MathFunctionsTest::floorCeilRintFloat, in(FLOAT), out(FLOAT), out(FLOAT), out(FLOAT)),
                k(MathFunctionsTest::round, in(FLOAT), in(DOUBLE), out(INT), out(LONG)),
                k(MathFunctionsTest::signum, in(FLOAT), in(DOUBLE), out(FLOAT), out(DOUBLE)),
                k(MathFunctionsTest::fmaFloat, in(FLOAT), in(FLOAT), in(FLOAT), out(FLOAT)),
                k(MathFunctionsTest::fmaDouble, in(DOUBLE), in(DOUBLE), in(DOUBLE), out(DOUBLE)),
                k(MathFunctionsTest::degreesRadians, in(DOUBLE), in(FLOAT), out(DOUBLE), out(DOUBLE), out(FLOAT)),
                // within an ulp bound, double
                k(MathFunctionsTest::trig, in(TRIG), out(DOUBLE, "sin"), out(DOUBLE, "cos"), out(DOUBLE, "tan")),
                k(MathFunctionsTest::trigWide, in(TRIG_WIDE), out(DOUBLE, "sin"), out(DOUBLE, "cos")),
                k(MathFunctionsTest::inverseTrig, in(UNIT), in(TRIG), out(DOUBLE, "asin"), out(DOUBLE, "acos"),
                        out(DOUBLE, "atan"), out(DOUBLE, "atan2")),
                k(MathFunctionsTest::expFamily, in(EXP), out(DOUBLE, "exp"), out(DOUBLE, "expm1")),
                k(MathFunctionsTest::logFamily, in(POSITIVE), out(DOUBLE, "log"), out(DOUBLE, "log10"), out(DOUBLE, "log1p")),
                k(MathFunctionsTest::hyperbolic, in(HYPERBOLIC), out(DOUBLE, "sinh"), out(DOUBLE, "cosh"), out(DOUBLE, "tanh")),
                k(MathFunctionsTest::pow, in(POW_BASE), in(POW_EXP), out(DOUBLE, "pow")),
                k(MathFunctionsTest::powEdges, in(DOUBLE), in(POW_ANY_EXP), out(DOUBLE, "pow")),
                k(MathFunctionsTest::cbrtHypot, in(POSITIVE), in(DOUBLE), out(DOUBLE, "cbrt"), out(DOUBLE, "hypot")),
                // within an ulp bound, float (computed in double by Java, then rounded)
                k(MathFunctionsTest::trigFloat, in(FTRIG), out(FLOAT, "sin"), out(FLOAT, "cos"), out(FLOAT, "tan")),
                k(MathFunctionsTest::expLogFloat, in(FEXP), in(FPOSITIVE), out(FLOAT, "exp"), out(FLOAT, "log"),
                        out(FLOAT, "log10")),
                k(MathFunctionsTest::powAtan2Float, in(FPOW_BASE), in(FPOW_EXP), out(FLOAT, "pow"), out(FLOAT, "atan2"),
                        out(FLOAT, "hypot")),
                k(MathFunctionsTest::inverseAndHyperbolicFloat, in(FUNIT), out(FLOAT, "asin"), out(FLOAT, "acos"),
                        out(FLOAT, "atan"), out(FLOAT, "tanh")),
                // Kiln compiles StrictMath's transcendental functions like Math's (docs/kernel-language.md): within
                // the same ulp bound of the Java result, not fdlibm's bits; its exactly specified functions stay exact
                k(MathFunctionsTest::strictTrig, in(TRIG), out(DOUBLE, "sin"), out(DOUBLE, "cos"), out(DOUBLE, "atan2")),
                k(MathFunctionsTest::strictExpLogPow, in(EXP), in(POSITIVE), out(DOUBLE, "exp"), out(DOUBLE, "log"),
                        out(DOUBLE, "pow"), out(DOUBLE, "cbrt")),
                k(MathFunctionsTest::strictExact, in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE), out(DOUBLE)));
    }

    static void absMinMaxFloat(float[] a, float[] b, float[] abs, float[] min, float[] max) {
        for (@Parallel int i = 0; i < a.length; i++) {
            abs[i] = Math.abs(a[i]);
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
        }
    }

    static void absMinMaxDouble(double[] a, double[] b, double[] abs, double[] min, double[] max) {
        for (@Parallel int i = 0; i < a.length; i++) {
            abs[i] = Math.abs(a[i]);
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
        }
    }

    static void sqrt(float[] f, double[] d, float[] fSqrt, double[] dSqrt) {
        for (@Parallel int i = 0; i < f.length; i++) {
            fSqrt[i] = (float) Math.sqrt(f[i]);
            dSqrt[i] = Math.sqrt(d[i]);
        }
    }

    static void floorCeilRintDouble(double[] a, double[] floor, double[] ceil, double[] rint) {
        for (@Parallel int i = 0; i < a.length; i++) {
            floor[i] = Math.floor(a[i]);
            ceil[i] = Math.ceil(a[i]);
            rint[i] = Math.rint(a[i]);
        }
    }

    static void floorCeilRintFloat(float[] a, float[] floor, float[] ceil, float[] rint) {
        for (@Parallel int i = 0; i < a.length; i++) {
            floor[i] = (float) Math.floor(a[i]);
            ceil[i] = (float) Math.ceil(a[i]);
            rint[i] = (float) Math.rint(a[i]);
        }
    }

    static void round(float[] f, double[] d, int[] fRound, long[] dRound) {
        for (@Parallel int i = 0; i < f.length; i++) {
            fRound[i] = Math.round(f[i]);
            dRound[i] = Math.round(d[i]);
        }
    }

    static void signum(float[] f, double[] d, float[] fs, double[] ds) {
        for (@Parallel int i = 0; i < f.length; i++) {
            fs[i] = Math.signum(f[i]);
            ds[i] = Math.signum(d[i]);
        }
    }

    static void fmaFloat(float[] a, float[] b, float[] c, float[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = Math.fma(a[i], b[i], c[i]);
        }
    }

    static void fmaDouble(double[] a, double[] b, double[] c, double[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = Math.fma(a[i], b[i], c[i]);
        }
    }

    static void degreesRadians(double[] d, float[] f, double[] rad, double[] deg, float[] fRad) {
        for (@Parallel int i = 0; i < d.length; i++) {
            rad[i] = Math.toRadians(d[i]);
            deg[i] = Math.toDegrees(d[i]);
            fRad[i] = (float) Math.toRadians(f[i]);
        }
    }

    static void trig(double[] x, double[] sin, double[] cos, double[] tan) {
        for (@Parallel int i = 0; i < x.length; i++) {
            sin[i] = Math.sin(x[i]);
            cos[i] = Math.cos(x[i]);
            tan[i] = Math.tan(x[i]);
        }
    }

    static void trigWide(double[] x, double[] sin, double[] cos) {
        for (@Parallel int i = 0; i < x.length; i++) {
            sin[i] = Math.sin(x[i]);
            cos[i] = Math.cos(x[i]);
        }
    }

    static void inverseTrig(double[] u, double[] y, double[] asin, double[] acos, double[] atan, double[] atan2) {
        for (@Parallel int i = 0; i < u.length; i++) {
            asin[i] = Math.asin(u[i]);
            acos[i] = Math.acos(u[i]);
            atan[i] = Math.atan(y[i]);
            atan2[i] = Math.atan2(y[i], u[i]);
        }
    }

    static void expFamily(double[] x, double[] exp, double[] expm1) {
        for (@Parallel int i = 0; i < x.length; i++) {
            exp[i] = Math.exp(x[i]);
            expm1[i] = Math.expm1(x[i]);
        }
    }

    static void logFamily(double[] x, double[] log, double[] log10, double[] log1p) {
        for (@Parallel int i = 0; i < x.length; i++) {
            log[i] = Math.log(x[i]);
            log10[i] = Math.log10(x[i]);
            log1p[i] = Math.log1p(x[i]);
        }
    }

    static void hyperbolic(double[] x, double[] sinh, double[] cosh, double[] tanh) {
        for (@Parallel int i = 0; i < x.length; i++) {
            sinh[i] = Math.sinh(x[i]);
            cosh[i] = Math.cosh(x[i]);
            tanh[i] = Math.tanh(x[i]);
        }
    }

    static void pow(double[] x, double[] y, double[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = Math.pow(x[i], y[i]);
        }
    }

    static void powEdges(double[] x, double[] y, double[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = Math.pow(x[i], y[i]);
        }
    }

    static void cbrtHypot(double[] x, double[] y, double[] cbrt, double[] hypot) {
        for (@Parallel int i = 0; i < x.length; i++) {
            cbrt[i] = Math.cbrt(x[i]);
            hypot[i] = Math.hypot(x[i], y[i]);
        }
    }

    static void trigFloat(float[] x, float[] sin, float[] cos, float[] tan) {
        for (@Parallel int i = 0; i < x.length; i++) {
            sin[i] = (float) Math.sin(x[i]);
            cos[i] = (float) Math.cos(x[i]);
            tan[i] = (float) Math.tan(x[i]);
        }
    }

    static void expLogFloat(float[] x, float[] p, float[] exp, float[] log, float[] log10) {
        for (@Parallel int i = 0; i < x.length; i++) {
            exp[i] = (float) Math.exp(x[i]);
            log[i] = (float) Math.log(p[i]);
            log10[i] = (float) Math.log10(p[i]);
        }
    }

    static void powAtan2Float(float[] x, float[] y, float[] pow, float[] atan2, float[] hypot) {
        for (@Parallel int i = 0; i < x.length; i++) {
            pow[i] = (float) Math.pow(x[i], y[i]);
            atan2[i] = (float) Math.atan2(y[i], x[i]);
            hypot[i] = (float) Math.hypot(x[i], y[i]);
        }
    }

    static void inverseAndHyperbolicFloat(float[] u, float[] asin, float[] acos, float[] atan, float[] tanh) {
        for (@Parallel int i = 0; i < u.length; i++) {
            asin[i] = (float) Math.asin(u[i]);
            acos[i] = (float) Math.acos(u[i]);
            atan[i] = (float) Math.atan(u[i] * 10f);
            tanh[i] = (float) Math.tanh(u[i] * 5f);
        }
    }

    static void strictTrig(double[] x, double[] sin, double[] cos, double[] atan2) {
        for (@Parallel int i = 0; i < x.length; i++) {
            sin[i] = StrictMath.sin(x[i]);
            cos[i] = StrictMath.cos(x[i]);
            atan2[i] = StrictMath.atan2(x[i], 1.5);
        }
    }

    static void strictExpLogPow(double[] x, double[] p, double[] exp, double[] log, double[] pow, double[] cbrt) {
        for (@Parallel int i = 0; i < x.length; i++) {
            exp[i] = StrictMath.exp(x[i]);
            log[i] = StrictMath.log(p[i]);
            pow[i] = StrictMath.pow(p[i], x[i] * 0.25);
            cbrt[i] = StrictMath.cbrt(x[i]);
        }
    }

    static void strictExact(double[] a, double[] b, double[] sqrt, double[] floorCeil, double[] minMaxAbs) {
        for (@Parallel int i = 0; i < a.length; i++) {
            sqrt[i] = StrictMath.sqrt(a[i]);
            floorCeil[i] = StrictMath.floor(a[i]) + StrictMath.ceil(b[i]) * 0.5 + StrictMath.rint(a[i] * 0.25);
            minMaxAbs[i] = StrictMath.min(a[i], b[i]) + StrictMath.max(a[i], b[i]) * 2 - StrictMath.abs(b[i]);
        }
    }
}

package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.KernelCase.k;

/** Reinterpreting bits: Float/Double raw and canonical bits, NaN and infinity tests, bit tricks on floats. */
class BitConversionsTest extends ConformanceSuite {

    static final Gen<int[]> EXPONENTS = Gens.intRange(-1100, 1100);

    static List<KernelCase> cases() {
        return List.of(
                k(BitConversionsTest::floatBits, in(FLOAT), in(INT), out(INT), out(INT), out(FLOAT)),
                k(BitConversionsTest::doubleBits, in(DOUBLE), in(LONG), out(LONG), out(LONG), out(DOUBLE)),
                k(BitConversionsTest::classifyFloat, in(FLOAT), out(INT)),
                k(BitConversionsTest::classifyDouble, in(DOUBLE), out(INT)),
                k(BitConversionsTest::bitTricks, in(FLOAT), in(INT), out(FLOAT), out(INT), out(FLOAT)),
                k(BitConversionsTest::jdkFloatingHelpers, in(DOUBLE), in(FLOAT), in(EXPONENTS), out(DOUBLE), out(FLOAT), out(INT),
                        out(DOUBLE)),
                k(BitConversionsTest::jdkUlp, in(DOUBLE), in(FLOAT), out(DOUBLE), out(FLOAT)));
    }

    static void floatBits(float[] a, int[] b, int[] raw, int[] canonical, float[] fromBits) {
        for (@Parallel int i = 0; i < a.length; i++) {
            raw[i] = Float.floatToRawIntBits(a[i]);
            canonical[i] = Float.floatToIntBits(a[i] * 1f) ^ Float.floatToIntBits(a[i]);
            fromBits[i] = Float.intBitsToFloat(b[i]);
        }
    }

    static void doubleBits(double[] a, long[] b, long[] raw, long[] canonical, double[] fromBits) {
        for (@Parallel int i = 0; i < a.length; i++) {
            raw[i] = Double.doubleToRawLongBits(a[i]);
            canonical[i] = Double.doubleToLongBits(a[i] + 0.0) + 3 * Double.doubleToLongBits(a[i]);
            fromBits[i] = Double.longBitsToDouble(b[i]);
        }
    }

    static void classifyFloat(float[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float x = a[i];
            out[i] = (Float.isNaN(x) ? 1 : 0) | (Float.isInfinite(x) ? 2 : 0) | (Float.isFinite(x) ? 4 : 0)
                    | (Float.isNaN(x * 0f) ? 8 : 0) | (Float.isInfinite(x * 1e30f) ? 16 : 0);
        }
    }

    static void classifyDouble(double[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double x = a[i];
            out[i] = (Double.isNaN(x) ? 1 : 0) | (Double.isInfinite(x) ? 2 : 0) | (Double.isFinite(x) ? 4 : 0)
                    | (Double.isNaN(x - x) ? 8 : 0) | (Double.isInfinite(x * 1e300) ? 16 : 0);
        }
    }

    static void bitTricks(float[] a, int[] b, float[] rsqrt, int[] exponent, float[] next) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float x = Math.abs(a[i]);
            float y = Float.intBitsToFloat(0x5f3759df - (Float.floatToRawIntBits(x) >> 1));
            rsqrt[i] = y * (1.5f - 0.5f * x * y * y);
            exponent[i] = ((Float.floatToRawIntBits(a[i]) >>> 23) & 0xff) - 127 + (b[i] & 0xff);
            next[i] = Float.intBitsToFloat(Float.floatToRawIntBits(a[i]) + 1);
        }
    }

    static void jdkFloatingHelpers(double[] d, float[] f, int[] e, double[] scaled, float[] signs, int[] exps, double[] steps) {
        for (@Parallel int i = 0; i < d.length; i++) {
            scaled[i] = Math.scalb(d[i], e[i]);
            signs[i] = Math.copySign(f[i], (float) d[i]);
            exps[i] = Math.getExponent(d[i]) * 1000 + Math.getExponent(f[i]);
            steps[i] = Math.nextUp(d[i]) - Math.nextDown(d[i]);
        }
    }

    static void jdkUlp(double[] d, float[] f, double[] ulpD, float[] ulpF) {
        for (@Parallel int i = 0; i < d.length; i++) {
            ulpD[i] = Math.ulp(d[i]);
            ulpF[i] = Math.ulp(f[i]);
        }
    }
}

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

/** static final constants: compile-time constants, values computed at class initialisation, constant tables. */
class ConstantsTest extends ConformanceSuite {

    static final int SCALE = 3;
    static final long BIG = 0x1234_5678_9abc_def0L;
    static final float HALF_PI = (float) (Math.PI / 2);
    static final double E = Math.E;
    static final int COMPUTED = Integer.getInteger("kiln.conformance.absent", 12345) * 7;
    static final double COMPUTED_DOUBLE = Math.sqrt(2.0) / 3.0;
    static final boolean COMPUTED_FLAG = !Boolean.getBoolean("kiln.conformance.absent");
    static final char COMPUTED_CHAR = (char) (Integer.getInteger("kiln.conformance.absent", 0xfff0) + 5);
    static final long COMPUTED_LONG = Long.getLong("kiln.conformance.absent", -7L) << 40;
    static final float COMPUTED_FLOAT = (float) Math.cbrt(COMPUTED_DOUBLE);
    static final int[] PRIMES = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
    static final float[] COEFFS = {1f, -0.5f, 0.125f, -1f / 48f, 1f / 384f};
    static final double[] WEIGHTS = {0.1, 0.2, 0.3, 0.25, 0.15};
    static final long[] MASKS = {0xffL, 0xff00L, 0xff0000L, 0xff000000L, 0xff00000000L, Long.MIN_VALUE, -1L, 0L};
    static final short[] SHORTS = {-32768, -1, 0, 1, 32767, 1000, -1000};
    static final byte[] BYTES = {-128, -1, 0, 1, 127, 55};

    static List<KernelCase> cases() {
        return List.of(
                k(ConstantsTest::compileTimeConstants, in(INT), in(FLOAT), out(LONG), out(DOUBLE)),
                k(ConstantsTest::computedConstants, in(INT), in(DOUBLE), out(INT), out(DOUBLE)),
                k(ConstantsTest::intTable, in(INT), out(INT)),
                k(ConstantsTest::floatPolynomial, in(FLOAT), out(FLOAT)),
                k(ConstantsTest::doubleAndLongTables, in(DOUBLE), in(LONG), out(DOUBLE), out(LONG)),
                k(ConstantsTest::narrowTables, in(INT), out(INT)));
    }

    static void compileTimeConstants(int[] a, float[] f, long[] l, double[] d) {
        for (@Parallel int i = 0; i < a.length; i++) {
            l[i] = a[i] * SCALE + BIG + Integer.MAX_VALUE + Long.MIN_VALUE / SCALE;
            d[i] = f[i] * HALF_PI + E + Float.MIN_VALUE + Double.MAX_VALUE * 0.5 + Math.PI;
        }
    }

    static void computedConstants(int[] a, double[] x, int[] ints, double[] doubles) {
        for (@Parallel int i = 0; i < a.length; i++) {
            ints[i] = (a[i] ^ COMPUTED) + (COMPUTED_FLAG ? COMPUTED_CHAR : -1) + (int) (COMPUTED_LONG >>> 33);
            doubles[i] = x[i] * COMPUTED_DOUBLE + COMPUTED_FLOAT;
        }
    }

    static void intTable(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = PRIMES[a[i] & 15] * PRIMES[(a[i] >>> 4) % PRIMES.length] + PRIMES.length;
        }
    }

    static void floatPolynomial(float[] x, float[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float v = x[i] * x[i];
            float s = 0f;
            for (int k = COEFFS.length - 1; k >= 0; k--) {
                s = s * v + COEFFS[k];
            }
            out[i] = s;
        }
    }

    static void doubleAndLongTables(double[] x, long[] y, double[] dOut, long[] lOut) {
        for (@Parallel int i = 0; i < x.length; i++) {
            double s = 0;
            for (int k = 0; k < WEIGHTS.length; k++) {
                s += WEIGHTS[k] * (x[i] + k);
            }
            dOut[i] = s;
            lOut[i] = y[i] & MASKS[i & 7] | MASKS[(int) (y[i] >>> 61)];
        }
    }

    static void narrowTables(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int j = (a[i] & 0x7fffffff) % 7;
            out[i] = SHORTS[j] * 1000 + BYTES[j % BYTES.length];
        }
    }
}

package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.BYTE;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.Gens.SHORT;
import static io.kiln.conformance.KernelCase.k;

/**
 * Primitive conversions: float/double to int/long truncate and saturate with NaN to 0; int/long to
 * float round to nearest (long to float in one rounding, not through double); narrowing to
 * byte/short/char.
 */
class ConversionsTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(ConversionsTest::i2l, in(INT), out(LONG)),
                k(ConversionsTest::i2f, in(INT), out(FLOAT)),
                k(ConversionsTest::i2d, in(INT), out(DOUBLE)),
                k(ConversionsTest::l2i, in(LONG), out(INT)),
                k(ConversionsTest::l2f, in(LONG), out(FLOAT)),
                k(ConversionsTest::l2d, in(LONG), out(DOUBLE)),
                k(ConversionsTest::f2i, in(FLOAT), out(INT)),
                k(ConversionsTest::f2l, in(FLOAT), out(LONG)),
                k(ConversionsTest::f2d, in(FLOAT), out(DOUBLE)),
                k(ConversionsTest::d2i, in(DOUBLE), out(INT)),
                k(ConversionsTest::d2l, in(DOUBLE), out(LONG)),
                k(ConversionsTest::d2f, in(DOUBLE), out(FLOAT)),
                k(ConversionsTest::intNarrowing, in(INT), out(BYTE), out(SHORT), out(INT)),
                k(ConversionsTest::floatToNarrow, in(FLOAT), in(DOUBLE), out(BYTE), out(SHORT), out(INT)),
                k(ConversionsTest::chains, in(INT), in(LONG), in(FLOAT), out(INT), out(LONG), out(FLOAT)),
                k(ConversionsTest::narrowToFloating, in(BYTE), in(SHORT), out(FLOAT), out(DOUBLE)));
    }

    static void i2l(int[] a, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
    }

    static void i2f(int[] a, float[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
    }

    static void i2d(int[] a, double[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
    }

    static void l2i(long[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = (int) a[i];
        }
    }

    static void l2f(long[] a, float[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
    }

    static void l2d(long[] a, double[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
    }

    static void f2i(float[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = (int) a[i];
        }
    }

    static void f2l(float[] a, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = (long) a[i];
        }
    }

    static void f2d(float[] a, double[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
    }

    static void d2i(double[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = (int) a[i];
        }
    }

    static void d2l(double[] a, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = (long) a[i];
        }
    }

    static void d2f(double[] a, float[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
    }

    static void intNarrowing(int[] a, byte[] b, short[] s, int[] c) {
        for (@Parallel int i = 0; i < a.length; i++) {
            b[i] = (byte) a[i];
            s[i] = (short) a[i];
            char ch = (char) a[i];
            c[i] = ch + ((byte) a[i] << 16) + (short) (a[i] >> 3);
        }
    }

    static void floatToNarrow(float[] f, double[] d, byte[] b, short[] s, int[] c) {
        for (@Parallel int i = 0; i < f.length; i++) {
            b[i] = (byte) f[i];
            s[i] = (short) d[i];
            c[i] = (char) f[i] + (char) d[i] * 3;
        }
    }

    static void chains(int[] a, long[] l, float[] f, int[] ints, long[] longs, float[] floats) {
        for (@Parallel int i = 0; i < a.length; i++) {
            ints[i] = (int) (float) a[i] ^ (int) (double) (float) l[i] ^ (int) (long) f[i];
            longs[i] = (long) (double) l[i] + (long) (float) a[i] + (long) (int) f[i];
            floats[i] = (float) (double) l[i] + (float) (long) f[i] + (float) (int) (double) f[i];
        }
    }

    static void narrowToFloating(byte[] b, short[] s, float[] f, double[] d) {
        for (@Parallel int i = 0; i < b.length; i++) {
            f[i] = b[i] + s[i] * 0.5f;
            d[i] = (double) s[i] / b[i];
        }
    }
}

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
                k(ConversionsTest::fromInt, in(INT), out(LONG), out(FLOAT), out(DOUBLE)),
                k(ConversionsTest::fromLong, in(LONG), out(INT), out(FLOAT), out(DOUBLE)),
                k(ConversionsTest::fromFloat, in(FLOAT), out(INT), out(LONG), out(DOUBLE)),
                k(ConversionsTest::fromDouble, in(DOUBLE), out(INT), out(LONG), out(FLOAT)),
                k(ConversionsTest::intNarrowing, in(INT), out(BYTE), out(SHORT), out(INT)),
                k(ConversionsTest::floatToNarrow, in(FLOAT), in(DOUBLE), out(BYTE), out(SHORT), out(INT)),
                k(ConversionsTest::chains, in(INT), in(LONG), in(FLOAT), out(INT), out(LONG), out(FLOAT)),
                k(ConversionsTest::narrowToFloating, in(BYTE), in(SHORT), out(FLOAT), out(DOUBLE)));
    }

    static void fromInt(int[] a, long[] i2l, float[] i2f, double[] i2d) {
        for (@Parallel int i = 0; i < a.length; i++) {
            i2l[i] = a[i];
            i2f[i] = a[i];
            i2d[i] = a[i];
        }
    }

    static void fromLong(long[] a, int[] l2i, float[] l2f, double[] l2d) {
        for (@Parallel int i = 0; i < a.length; i++) {
            l2i[i] = (int) a[i];
            l2f[i] = a[i];
            l2d[i] = a[i];
        }
    }

    static void fromFloat(float[] a, int[] f2i, long[] f2l, double[] f2d) {
        for (@Parallel int i = 0; i < a.length; i++) {
            f2i[i] = (int) a[i];
            f2l[i] = (long) a[i];
            f2d[i] = a[i];
        }
    }

    static void fromDouble(double[] a, int[] d2i, long[] d2l, float[] d2f) {
        for (@Parallel int i = 0; i < a.length; i++) {
            d2i[i] = (int) a[i];
            d2l[i] = (long) a[i];
            d2f[i] = (float) a[i];
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

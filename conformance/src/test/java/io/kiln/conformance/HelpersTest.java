package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.inout;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.KernelCase.k;

/** Static helper methods (inlined): nested, with several returns, loops, array parameters, in other classes. */
class HelpersTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(HelpersTest::simpleHelper, in(FLOAT), out(FLOAT)),
                k(HelpersTest::nestedHelpers, in(DOUBLE), out(DOUBLE)),
                k(HelpersTest::multipleReturns, in(INT), out(INT)),
                k(HelpersTest::helperWithLoop, in(LONG), out(INT)),
                k(HelpersTest::arrayHelpers, in(FLOAT), in(FLOAT), out(FLOAT), n()),
                k(HelpersTest::helperWritesArray, in(INT), out(INT)),
                k(HelpersTest::otherClassHelpers, in(FLOAT), in(FLOAT), out(FLOAT), out(INT)),
                k(HelpersTest::booleanHelper, in(INT), out(INT)),
                k(HelpersTest::helperCalledTwiceWithSwappedArrays, inout(FLOAT), inout(FLOAT)),
                k(HelpersTest::helperMixedTypes, in(INT), in(DOUBLE), out(LONG)));
    }

    static float square(float x) {
        return x * x;
    }

    static void simpleHelper(float[] a, float[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = square(a[i]) - square(a[i] - 1f);
        }
    }

    static double poly(double x) {
        return inner(x) * x + 1.0;
    }

    static double inner(double x) {
        return innermost(x) * x - 0.5;
    }

    static double innermost(double x) {
        return x * 0.25 + 3.0;
    }

    static void nestedHelpers(double[] a, double[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = poly(a[i]) + poly(-a[i]);
        }
    }

    static int classify(int x) {
        if (x < -1000) return -2;
        if (x < 0) return -1;
        if (x == 0) return 0;
        if (x > 1000) {
            if ((x & 1) == 0) return 3;
            return 2;
        }
        return 1;
    }

    static void multipleReturns(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = classify(a[i]) * 10 + classify(a[i] >> 4);
        }
    }

    static int popcountLoop(long v) {
        int c = 0;
        while (v != 0) {
            v &= v - 1;
            c++;
        }
        return c;
    }

    static void helperWithLoop(long[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = popcountLoop(a[i]) - Long.bitCount(a[i]) + popcountLoop(a[i] >>> 7) * 100;
        }
    }

    static float neighbourhood(float[] a, int i, int n) {
        float left = i > 0 ? a[i - 1] : 0f;
        float right = i < n - 1 ? a[i + 1] : 0f;
        return left + a[i] + right;
    }

    static void arrayHelpers(float[] a, float[] b, float[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i] = neighbourhood(a, i, n) * neighbourhood(b, i, n);
        }
    }

    static void store(int[] out, int i, int v) {
        out[i] = v;
    }

    static void helperWritesArray(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            store(out, i, a[i] * 3 + 1);
        }
    }

    static void otherClassHelpers(float[] a, float[] b, float[] mixed, int[] idx) {
        for (@Parallel int i = 0; i < a.length; i++) {
            mixed[i] = KernelMath.lerp(a[i], b[i], 0.25f) + KernelMath.smoothstep(-1f, 1f, a[i]);
            idx[i] = KernelMath.clampIndex((int) b[i], a.length);
        }
    }

    static boolean isInteresting(int x) {
        return x % 3 == 0 || (x & 0xff) == 0x7f;
    }

    static void booleanHelper(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            if (isInteresting(a[i])) {
                out[i] = 1;
            } else {
                out[i] = isInteresting(a[i] + 1) ? 2 : 3;
            }
        }
    }

    static void blend(float[] dst, float[] src, int i) {
        dst[i] = dst[i] * 0.5f + src[i];
    }

    static void helperCalledTwiceWithSwappedArrays(float[] a, float[] b) {
        for (@Parallel int i = 0; i < a.length; i++) {
            blend(a, b, i);
            blend(b, a, i);
        }
    }

    static long combine(int x, double y, long z) {
        return x + (long) y * 3 + z;
    }

    static void helperMixedTypes(int[] a, double[] d, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = combine(a[i], d[i], i) ^ combine(-a[i], -d[i], 7L);
        }
    }
}

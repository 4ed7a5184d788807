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
import static io.kiln.conformance.Gens.SHORT;
import static io.kiln.conformance.KernelCase.k;

/**
 * Expressions whose value is used while they also assign: pre/post increments of locals and array
 * elements, chained and compound assignments (javac's dup, dup_x1, dup_x2, dup2_x1, dup2_x2 and iinc
 * forms), evaluation order, and a serial compaction with {@code out[w++]}.
 */
class ExpressionsTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(ExpressionsTest::localIncrementsUsed, in(INT), out(INT)),
                k(ExpressionsTest::intArrayIncrementsUsed, inout(INT), inout(INT), out(INT)),
                k(ExpressionsTest::longArrayIncrementsUsed, inout(LONG), out(LONG)),
                k(ExpressionsTest::doubleCompoundUsed, inout(DOUBLE), inout(FLOAT), out(DOUBLE)),
                k(ExpressionsTest::chainedAssignments, in(LONG), in(DOUBLE), out(LONG), out(LONG), out(DOUBLE), out(DOUBLE)),
                k(ExpressionsTest::narrowIncrementsUsed, inout(SHORT), out(INT)),
                k(ExpressionsTest::evaluationOrder, in(INT), out(INT)),
                k(ExpressionsTest::serialCompaction, in(INT), out(INT), n()));
    }

    static void localIncrementsUsed(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = x++ + ++x;
            int z = (x += 1000) * 3 - (y -= 7);
            int w = x-- - --x + z++;
            out[i] = x ^ y ^ z ^ w;
        }
    }

    static void intArrayIncrementsUsed(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int p = a[i]++;
            int q = ++b[i];
            int r = (a[i] += q) - (b[i] *= 3);
            out[i] = p * 31 + q * 17 + r;
        }
    }

    static void longArrayIncrementsUsed(long[] l, long[] out) {
        for (@Parallel int i = 0; i < l.length; i++) {
            long p = l[i]++;
            long q = ++l[i];
            long r = (l[i] <<= 3) + (l[i] ^= p);
            out[i] = p + q * 3 + r;
        }
    }

    static void doubleCompoundUsed(double[] d, float[] f, double[] out) {
        for (@Parallel int i = 0; i < d.length; i++) {
            double p = (d[i] += 1.5) * 2;
            double q = d[i]++;
            float s = (f[i] *= 0.5f) + f[i]--;
            out[i] = p + q + s;
        }
    }

    static void chainedAssignments(long[] l, double[] d, long[] l1, long[] l2, double[] d1, double[] d2) {
        for (@Parallel int i = 0; i < l.length; i++) {
            long x;
            long y;
            x = y = l[i] * 3;
            double u;
            double v;
            u = v = d[i] / 3;
            l1[i] = l2[i] = x + y;
            d1[i] = d2[i] = u - v * 0.5;
            l2[i] += 1;
            d2[i] *= 2;
        }
    }

    static void narrowIncrementsUsed(short[] s, int[] out) {
        for (@Parallel int i = 0; i < s.length; i++) {
            int p = s[i]++;
            int q = ++s[i];
            int r = s[i] += 30000;
            out[i] = p + q * 7 + r * 13;
        }
    }

    static int twice(int[] trace, int v) {
        return v * 2 + trace.length;
    }

    static void evaluationOrder(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int r = (x = x * 3) + x + (x = x - 7) * x;
            r += twice(out, r) - twice(out, x++) + x;
            out[i] = r;
        }
    }

    static void serialCompaction(int[] a, int[] out, int n) {
        int w = 0;
        for (int r = 0; r < n; r++) {
            if (a[r] > 0) out[w++] = a[r];
        }
        for (int r = w; r < n; r++) {
            out[r] = -w;
        }
    }
}

package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.KernelCase.k;

/** double arithmetic: IEEE double round-to-nearest, no contraction, fmod, NaN comparisons, subnormals. */
class DoubleArithmeticTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(DoubleArithmeticTest::addSubMul, in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(DoubleArithmeticTest::divRem, in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(DoubleArithmeticTest::negate, in(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(DoubleArithmeticTest::mulAddNotFused, in(DOUBLE), in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(DoubleArithmeticTest::compareMask, in(DOUBLE), in(DOUBLE), out(INT)),
                k(DoubleArithmeticTest::scaleBias, in(DOUBLE), scalar(DOUBLE), scalar(DOUBLE), out(DOUBLE), n()),
                k(DoubleArithmeticTest::subnormals, in(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(DoubleArithmeticTest::twoSum, in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE)),
                k(DoubleArithmeticTest::horner, in(DOUBLE), out(DOUBLE)),
                k(DoubleArithmeticTest::serialSum, in(DOUBLE, s -> s.total() * 8), out(DOUBLE)),
                k(DoubleArithmeticTest::minMaxCompare, in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE), out(INT)),
                k(DoubleArithmeticTest::incrementsAndCompound, in(DOUBLE), in(DOUBLE), out(DOUBLE)));
    }

    static void addSubMul(double[] a, double[] b, double[] sum, double[] difference, double[] product) {
        for (@Parallel int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
            difference[i] = a[i] - b[i];
            product[i] = a[i] * b[i];
        }
    }

    static void divRem(double[] a, double[] b, double[] quotient, double[] remainder) {
        for (@Parallel int i = 0; i < a.length; i++) {
            quotient[i] = a[i] / b[i];
            remainder[i] = a[i] % b[i];
        }
    }

    static void negate(double[] a, double[] neg, double[] zeroMinus) {
        for (@Parallel int i = 0; i < a.length; i++) {
            neg[i] = -a[i];
            zeroMinus[i] = 0.0 - a[i];
        }
    }

    static void mulAddNotFused(double[] a, double[] b, double[] c, double[] madd, double[] msub) {
        for (@Parallel int i = 0; i < a.length; i++) {
            madd[i] = a[i] * b[i] + c[i];
            msub[i] = c[i] - a[i] * b[i];
        }
    }

    static void compareMask(double[] a, double[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double x = a[i];
            double y = b[i];
            int m = 0;
            if (x < y) m |= 1;
            if (x <= y) m |= 2;
            if (x > y) m |= 4;
            if (x >= y) m |= 8;
            if (x == y) m |= 16;
            if (x != y) m |= 32;
            if (!(x < y)) m |= 64;
            if (!(x >= y)) m |= 128;
            if (x != x) m |= 256;
            m |= (Double.compare(x, y) + 1) << 10;
            m |= (x < y ? 1 : 0) << 12;
            m |= (x > y ? 1 : 0) << 13;
            boolean both = x > 0.0 && y < 0.0;
            m |= (both ? 1 : 0) << 14;
            out[i] = m;
        }
    }

    static void scaleBias(double[] a, double s, double t, double[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i] = a[i] * s - t;
        }
    }

    static void subnormals(double[] a, double[] tiny, double[] back) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double t = a[i] * 1e-300;
            tiny[i] = t * 1e-10;
            back[i] = t / 3 * 1e300;
        }
    }

    static void twoSum(double[] a, double[] b, double[] sum, double[] err) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double s = a[i] + b[i];
            double bb = s - a[i];
            sum[i] = s;
            err[i] = (a[i] - (s - bb)) + (b[i] - bb);
        }
    }

    static void horner(double[] x, double[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            double v = x[i];
            out[i] = ((((0.0083333 * v - 0.1666666) * v + 0.5) * v - 1.25) * v + 3.0) * v + 0.1;
        }
    }

    static void serialSum(double[] a, double[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            double s = 0;
            for (int j = 0; j < 8; j++) {
                s += a[i * 8 + j] * (j + 1);
            }
            out[i] = s;
        }
    }

    static void minMaxCompare(double[] a, double[] b, double[] min, double[] max, int[] cmp) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            cmp[i] = Double.compare(a[i], b[i]);
        }
    }

    static void incrementsAndCompound(double[] a, double[] b, double[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double x = a[i];
            x++;
            x += 0.1;
            x *= b[i];
            x /= 3;
            x -= b[i];
            x %= 7.5;
            x--;
            out[i] = x + i;
        }
    }
}

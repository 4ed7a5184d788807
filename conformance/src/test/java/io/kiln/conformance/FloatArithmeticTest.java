package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.KernelCase.k;

/** float arithmetic: IEEE round-to-nearest, no contraction, fmod, NaN comparisons, subnormals. */
class FloatArithmeticTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(FloatArithmeticTest::addSubMul, in(FLOAT), in(FLOAT), out(FLOAT), out(FLOAT), out(FLOAT)),
                k(FloatArithmeticTest::divRem, in(FLOAT), in(FLOAT), out(FLOAT), out(FLOAT)),
                k(FloatArithmeticTest::negate, in(FLOAT), out(FLOAT), out(FLOAT)),
                k(FloatArithmeticTest::mulAddNotFused, in(FLOAT), in(FLOAT), in(FLOAT), out(FLOAT), out(FLOAT)),
                k(FloatArithmeticTest::compareMask, in(FLOAT), in(FLOAT), out(INT)),
                k(FloatArithmeticTest::scaleBias, in(FLOAT), scalar(FLOAT), scalar(FLOAT), out(FLOAT), n()),
                k(FloatArithmeticTest::subnormals, in(FLOAT), out(FLOAT), out(FLOAT)),
                k(FloatArithmeticTest::twoSum, in(FLOAT), in(FLOAT), out(FLOAT), out(FLOAT)),
                k(FloatArithmeticTest::horner, in(FLOAT), out(FLOAT)),
                k(FloatArithmeticTest::serialSum, in(FLOAT, s -> s.total() * 8), out(FLOAT)),
                k(FloatArithmeticTest::minMaxCompare, in(FLOAT), in(FLOAT), out(FLOAT), out(FLOAT), out(INT)),
                k(FloatArithmeticTest::incrementsAndCompound, in(FLOAT), in(FLOAT), out(FLOAT)));
    }

    static void addSubMul(float[] a, float[] b, float[] sum, float[] difference, float[] product) {
        for (@Parallel int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
            difference[i] = a[i] - b[i];
            product[i] = a[i] * b[i];
        }
    }

    static void divRem(float[] a, float[] b, float[] quotient, float[] remainder) {
        for (@Parallel int i = 0; i < a.length; i++) {
            quotient[i] = a[i] / b[i];
            remainder[i] = a[i] % b[i];
        }
    }

    static void negate(float[] a, float[] neg, float[] zeroMinus) {
        for (@Parallel int i = 0; i < a.length; i++) {
            neg[i] = -a[i];
            zeroMinus[i] = 0f - a[i];
        }
    }

    static void mulAddNotFused(float[] a, float[] b, float[] c, float[] madd, float[] msub) {
        for (@Parallel int i = 0; i < a.length; i++) {
            madd[i] = a[i] * b[i] + c[i];
            msub[i] = c[i] - a[i] * b[i];
        }
    }

    static void compareMask(float[] a, float[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float x = a[i];
            float y = b[i];
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
            m |= (Float.compare(x, y) + 1) << 10;
            m |= (x < y ? 1 : 0) << 12;
            m |= (x > y ? 1 : 0) << 13;
            boolean both = x > 0f && y < 0f;
            m |= (both ? 1 : 0) << 14;
            out[i] = m;
        }
    }

    static void scaleBias(float[] a, float s, float t, float[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i] = a[i] * s - t;
        }
    }

    static void subnormals(float[] a, float[] tiny, float[] back) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float t = a[i] * 1e-38f;
            tiny[i] = t * 1e-3f;
            back[i] = t / 3f * 1e30f;
        }
    }

    static void twoSum(float[] a, float[] b, float[] sum, float[] err) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float s = a[i] + b[i];
            float bb = s - a[i];
            sum[i] = s;
            err[i] = (a[i] - (s - bb)) + (b[i] - bb);
        }
    }

    static void horner(float[] x, float[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float v = x[i];
            out[i] = ((((0.0083333f * v - 0.1666666f) * v + 0.5f) * v - 1.25f) * v + 3.0f) * v + 0.1f;
        }
    }

    static void serialSum(float[] a, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float s = 0f;
            for (int j = 0; j < 8; j++) {
                s += a[i * 8 + j] * (j + 1);
            }
            out[i] = s;
        }
    }

    static void minMaxCompare(float[] a, float[] b, float[] min, float[] max, int[] cmp) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            cmp[i] = Float.compare(a[i], b[i]);
        }
    }

    static void incrementsAndCompound(float[] a, float[] b, float[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float x = a[i];
            x++;
            x += 0.1f;
            x *= b[i];
            x /= 3f;
            x -= b[i];
            x %= 7.5f;
            x--;
            out[i] = x + i;
        }
    }
}

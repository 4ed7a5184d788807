package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.Gens.LONG_NONZERO;
import static io.kiln.conformance.KernelCase.k;

/** long arithmetic: wrap-around, division, lcmp, mixed int/long promotion. */
class LongArithmeticTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(LongArithmeticTest::addSubMul, in(LONG), in(LONG), out(LONG), out(LONG), out(LONG)),
                k(LongArithmeticTest::divRem, in(LONG), in(LONG_NONZERO), out(LONG), out(LONG)),
                k(LongArithmeticTest::negNotAbs, in(LONG), out(LONG), out(LONG), out(LONG)),
                k(LongArithmeticTest::bitwise, in(LONG), in(LONG), out(LONG), out(LONG), out(LONG)),
                k(LongArithmeticTest::compareMask, in(LONG), in(LONG), out(INT)),
                k(LongArithmeticTest::mixedIntLong, in(INT), in(INT), in(LONG), out(LONG)),
                k(LongArithmeticTest::scalarParams, in(LONG), scalar(LONG), scalar(LONG_NONZERO), out(LONG), n()),
                k(LongArithmeticTest::minMaxFloor, in(LONG), in(LONG_NONZERO), out(LONG), out(LONG), out(LONG), out(LONG)),
                k(LongArithmeticTest::jdkLongBits, in(LONG), in(INT), out(LONG), out(INT), out(LONG)),
                k(LongArithmeticTest::constantsAndCompound, in(LONG), out(LONG)));
    }

    static void addSubMul(long[] a, long[] b, long[] sum, long[] difference, long[] product) {
        for (@Parallel int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
            difference[i] = a[i] - b[i];
            product[i] = a[i] * b[i];
        }
    }

    static void divRem(long[] a, long[] b, long[] quotient, long[] remainder) {
        for (@Parallel int i = 0; i < a.length; i++) {
            quotient[i] = a[i] / b[i];
            remainder[i] = a[i] % b[i];
        }
    }

    static void negNotAbs(long[] a, long[] neg, long[] not, long[] abs) {
        for (@Parallel int i = 0; i < a.length; i++) {
            neg[i] = -a[i];
            not[i] = ~a[i];
            abs[i] = Math.abs(a[i]);
        }
    }

    static void bitwise(long[] a, long[] b, long[] and, long[] or, long[] xor) {
        for (@Parallel int i = 0; i < a.length; i++) {
            and[i] = a[i] & b[i];
            or[i] = a[i] | b[i];
            xor[i] = a[i] ^ b[i];
        }
    }

    static void compareMask(long[] a, long[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long x = a[i];
            long y = b[i];
            int m = 0;
            if (x < y) m |= 1;
            if (x <= y) m |= 2;
            if (x > y) m |= 4;
            if (x >= y) m |= 8;
            if (x == y) m |= 16;
            if (x != y) m |= 32;
            if (x < 0L) m |= 64;
            if (x == 0L) m |= 128;
            m |= (Long.compare(x, y) + 1) << 8;
            m |= (Long.compareUnsigned(x, y) + 1) << 10;
            out[i] = m;
        }
    }

    static void mixedIntLong(int[] a, int[] b, long[] c, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long wide = (long) a[i] * b[i];
            long narrow = a[i] * b[i];
            out[i] = wide - narrow + c[i] * a[i] + (c[i] >> 3) * 7 + (a[i] + c[i]);
        }
    }

    static void scalarParams(long[] a, long s, long d, long[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i] = a[i] * s + a[i] / d - s % d + i;
        }
    }

    static void minMaxFloor(long[] a, long[] b, long[] min, long[] max, long[] floorDiv, long[] floorMod) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            floorDiv[i] = Math.floorDiv(a[i], b[i]);
            floorMod[i] = Math.floorMod(a[i], b[i]);
        }
    }

    static void jdkLongBits(long[] a, int[] b, long[] rotated, int[] counts, long[] high) {
        for (@Parallel int i = 0; i < a.length; i++) {
            rotated[i] = Long.rotateLeft(a[i], b[i]) ^ Long.reverse(a[i]) ^ Long.reverseBytes(a[i]);
            counts[i] = Long.bitCount(a[i]) + 100 * Long.numberOfLeadingZeros(a[i]) + 10000 * Long.numberOfTrailingZeros(a[i]);
            high[i] = Math.multiplyHigh(a[i], a[i] ^ 0x9E3779B97F4A7C15L) + Math.unsignedMultiplyHigh(a[i], 0xC2B2AE3D27D4EB4FL);
        }
    }

    static void constantsAndCompound(long[] a, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long x = a[i];
            x += 0x1_0000_0000L;
            x *= 6364136223846793005L;
            x ^= x >>> 29;
            x -= Long.MIN_VALUE;
            x /= -1L;
            x %= 1_000_000_007L;
            x++;
            out[i] = x + Long.MAX_VALUE / 3 + i * 1_000_000_000_000L;
        }
    }
}

package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.INT_NONZERO;
import static io.kiln.conformance.KernelCase.k;

/** int arithmetic: wrap-around, truncating division, MIN_VALUE / -1, bitwise operations, comparisons. */
class IntArithmeticTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(IntArithmeticTest::addSubMul, in(INT), in(INT), out(INT), out(INT), out(INT)),
                k(IntArithmeticTest::divRem, in(INT), in(INT_NONZERO), out(INT), out(INT)),
                k(IntArithmeticTest::negNotAbs, in(INT), out(INT), out(INT), out(INT)),
                k(IntArithmeticTest::bitwise, in(INT), in(INT), out(INT), out(INT), out(INT)),
                k(IntArithmeticTest::compareMask, in(INT), in(INT), out(INT)),
                k(IntArithmeticTest::constantDivisors, in(INT), out(INT)),
                k(IntArithmeticTest::scalarParams, in(INT), scalar(INT), scalar(INT_NONZERO), out(INT), n()),
                k(IntArithmeticTest::hashMix, in(INT), out(INT)),
                k(IntArithmeticTest::incrementsAndCompound, in(INT), in(INT_NONZERO), out(INT)),
                k(IntArithmeticTest::minMaxFloorDiv, in(INT), in(INT_NONZERO), out(INT), out(INT), out(INT), out(INT)),
                k(IntArithmeticTest::jdkIntegerBits, in(INT), in(INT), out(INT), out(INT), out(INT), out(INT)),
                k(IntArithmeticTest::unsignedOps, in(INT), in(INT_NONZERO), out(INT), out(INT), out(INT)));
    }

    static void addSubMul(int[] a, int[] b, int[] sum, int[] difference, int[] product) {
        for (@Parallel int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
            difference[i] = a[i] - b[i];
            product[i] = a[i] * b[i];
        }
    }

    static void divRem(int[] a, int[] b, int[] quotient, int[] remainder) {
        for (@Parallel int i = 0; i < a.length; i++) {
            quotient[i] = a[i] / b[i];
            remainder[i] = a[i] % b[i];
        }
    }

    static void negNotAbs(int[] a, int[] neg, int[] not, int[] abs) {
        for (@Parallel int i = 0; i < a.length; i++) {
            neg[i] = -a[i];
            not[i] = ~a[i];
            abs[i] = Math.abs(a[i]);
        }
    }

    static void bitwise(int[] a, int[] b, int[] and, int[] or, int[] xor) {
        for (@Parallel int i = 0; i < a.length; i++) {
            and[i] = a[i] & b[i];
            or[i] = a[i] | b[i];
            xor[i] = a[i] ^ b[i];
        }
    }

    static void compareMask(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            int m = 0;
            if (x < y) m |= 1;
            if (x <= y) m |= 2;
            if (x > y) m |= 4;
            if (x >= y) m |= 8;
            if (x == y) m |= 16;
            if (x != y) m |= 32;
            if (x < 0) m |= 64;
            if (x >= 0) m |= 128;
            if (x == 0) m |= 256;
            m |= Integer.compare(x, y) << 12;
            out[i] = m;
        }
    }

    static void constantDivisors(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            out[i] = x / 7 + x % 7 * 3 + x / -1 + x % -1 + x / -3 * 5 + x % 16 + x / 16 + x / Integer.MIN_VALUE + x % Integer.MIN_VALUE;
        }
    }

    static void scalarParams(int[] a, int s, int d, int[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i] = a[i] * s + a[i] / d - s % d;
        }
    }

    static void hashMix(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int h = a[i] * 0x9E3779B9 + i;
            h ^= h >>> 16;
            h *= 0x85ebca6b;
            h ^= h >>> 13;
            h *= 0xc2b2ae35;
            h ^= h >>> 16;
            out[i] = h;
        }
    }

    static void incrementsAndCompound(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            x++;
            x += 1_000_000;
            x -= 70_000;
            x *= 31;
            x /= b[i];
            x %= 1_000_003;
            x <<= 3;
            x ^= a[i];
            x--;
            x -= -32768;
            out[i] = x;
        }
    }

    static void minMaxFloorDiv(int[] a, int[] b, int[] min, int[] max, int[] floorDiv, int[] floorMod) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            floorDiv[i] = Math.floorDiv(a[i], b[i]);
            floorMod[i] = Math.floorMod(a[i], b[i]);
        }
    }

    static void jdkIntegerBits(int[] a, int[] b, int[] bitCount, int[] zeros, int[] rotated, int[] reversed) {
        for (@Parallel int i = 0; i < a.length; i++) {
            bitCount[i] = Integer.bitCount(a[i]);
            zeros[i] = Integer.numberOfLeadingZeros(a[i]) * 100 + Integer.numberOfTrailingZeros(a[i]);
            rotated[i] = Integer.rotateLeft(a[i], b[i]) ^ Integer.rotateRight(a[i], 7);
            reversed[i] = Integer.reverse(a[i]) + Integer.reverseBytes(a[i]) + Integer.highestOneBit(a[i]) + Integer.signum(a[i]);
        }
    }

    static void unsignedOps(int[] a, int[] b, int[] cmp, int[] div, int[] rem) {
        for (@Parallel int i = 0; i < a.length; i++) {
            cmp[i] = Integer.compareUnsigned(a[i], b[i]);
            div[i] = Integer.divideUnsigned(a[i], b[i]);
            rem[i] = Integer.remainderUnsigned(a[i], b[i]);
        }
    }
}

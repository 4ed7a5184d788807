package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.inout;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.BYTE;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.Gens.SHORT;
import static io.kiln.conformance.KernelCase.k;

/** Shifts: counts masked with & 31 / & 63 (negative and large counts), arithmetic and logical right shifts. */
class ShiftsTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(ShiftsTest::intShifts, in(INT), in(INT), out(INT), out(INT), out(INT)),
                k(ShiftsTest::intConstantCounts, in(INT), out(INT), out(INT), out(INT)),
                k(ShiftsTest::longShifts, in(LONG), in(INT), out(LONG), out(LONG), out(LONG)),
                k(ShiftsTest::longConstantCounts, in(LONG), out(LONG), out(LONG), out(LONG)),
                k(ShiftsTest::countsFromLongs, in(INT), in(LONG), out(INT), out(LONG)),
                k(ShiftsTest::rotations, in(INT), in(LONG), in(INT), out(INT), out(LONG)),
                k(ShiftsTest::narrowPromotedShifts, in(BYTE), in(SHORT), in(INT), out(INT), out(INT)),
                k(ShiftsTest::compoundShiftsOnNarrowArrays, inout(BYTE), inout(SHORT), in(INT)));
    }

    static void intShifts(int[] a, int[] s, int[] shl, int[] shr, int[] ushr) {
        for (@Parallel int i = 0; i < a.length; i++) {
            shl[i] = a[i] << s[i];
            shr[i] = a[i] >> s[i];
            ushr[i] = a[i] >>> s[i];
        }
    }

    @SuppressWarnings("ShiftOutOfRange")
    static void intConstantCounts(int[] a, int[] shl, int[] shr, int[] ushr) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            shl[i] = (x << 0) ^ (x << 31) ^ (x << 32) ^ (x << 33) ^ (x << -1);
            shr[i] = (x >> 0) ^ (x >> 31) ^ (x >> 32) ^ (x >> 33) ^ (x >> -1) ^ (x >> 100);
            ushr[i] = (x >>> 1) + (x >>> 31) + (x >>> 32) + (x >>> 33) + (x >>> -1);
        }
    }

    static void longShifts(long[] a, int[] s, long[] shl, long[] shr, long[] ushr) {
        for (@Parallel int i = 0; i < a.length; i++) {
            shl[i] = a[i] << s[i];
            shr[i] = a[i] >> s[i];
            ushr[i] = a[i] >>> s[i];
        }
    }

    @SuppressWarnings("ShiftOutOfRange")
    static void longConstantCounts(long[] a, long[] shl, long[] shr, long[] ushr) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long x = a[i];
            shl[i] = (x << 0) ^ (x << 63) ^ (x << 64) ^ (x << 65) ^ (x << -1) ^ (x << 32);
            shr[i] = (x >> 0) ^ (x >> 63) ^ (x >> 64) ^ (x >> 65) ^ (x >> -1) ^ (x >> 32);
            ushr[i] = (x >>> 1) + (x >>> 63) + (x >>> 64) + (x >>> 65) + (x >>> -1) + (x >>> 32);
        }
    }

    static void countsFromLongs(int[] a, long[] c, int[] intOut, long[] longOut) {
        for (@Parallel int i = 0; i < a.length; i++) {
            intOut[i] = (a[i] << c[i]) ^ (a[i] >>> (c[i] >> 3));
            longOut[i] = (c[i] << c[i]) ^ (c[i] >> a[i]) ^ ((long) a[i] >>> a[i]);
        }
    }

    static void rotations(int[] a, long[] b, int[] n, int[] intOut, long[] longOut) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int s = n[i];
            intOut[i] = (a[i] << s) | (a[i] >>> -s);
            longOut[i] = (b[i] << s) | (b[i] >>> -s);
        }
    }

    static void narrowPromotedShifts(byte[] b, short[] s, int[] n, int[] fromByte, int[] fromShort) {
        for (@Parallel int i = 0; i < b.length; i++) {
            fromByte[i] = (b[i] >>> 4) ^ (b[i] >> 2) ^ (b[i] << 25) ^ ((b[i] & 0xff) >>> 1) ^ (b[i] << n[i]);
            fromShort[i] = (s[i] >>> 8) ^ (s[i] >> 3) ^ (s[i] << 17) ^ ((s[i] & 0xffff) >>> 5) ^ (s[i] >>> n[i]);
        }
    }

    static void compoundShiftsOnNarrowArrays(byte[] b, short[] s, int[] n) {
        for (@Parallel int i = 0; i < b.length; i++) {
            b[i] >>>= 2;
            b[i] <<= n[i];
            s[i] >>>= 3;
            s[i] >>= n[i];
        }
    }
}

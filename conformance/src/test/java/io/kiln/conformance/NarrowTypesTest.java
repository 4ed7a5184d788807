package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.inout;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Gens.BYTE;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.SHORT;
import static io.kiln.conformance.KernelCase.k;

/**
 * byte, short, char and boolean: loads sign-extend (char zero-extends), arithmetic happens in int,
 * stores keep the low bits, compound assignments narrow implicitly.
 */
class NarrowTypesTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(NarrowTypesTest::bytePromotion, in(BYTE), in(BYTE), out(INT)),
                k(NarrowTypesTest::byteStoreNarrows, in(BYTE), in(INT), out(BYTE)),
                k(NarrowTypesTest::byteCompound, inout(BYTE), in(BYTE)),
                k(NarrowTypesTest::shortArithmetic, in(SHORT), in(SHORT), out(SHORT), out(INT)),
                k(NarrowTypesTest::shortCompound, inout(SHORT), in(SHORT)),
                k(NarrowTypesTest::charZeroExtends, in(SHORT), in(INT), out(INT)),
                k(NarrowTypesTest::unsignedBytes, in(BYTE), out(INT), out(SHORT)),
                k(NarrowTypesTest::increments, inout(BYTE), inout(SHORT)),
                k(NarrowTypesTest::reverseCopy, in(BYTE), out(BYTE), in(SHORT), out(SHORT)),
                k(NarrowTypesTest::booleans, in(INT), scalar(Gens.BOOLEAN), out(INT), out(BYTE)));
    }

    static void bytePromotion(byte[] a, byte[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i] * 1000 + a[i] * b[i] * 7 - (a[i] ^ b[i]) + a[i] / (b[i] | 1);
        }
    }

    static void byteStoreNarrows(byte[] a, int[] x, byte[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] * 3 + x[i]);
        }
    }

    static void byteCompound(byte[] a, byte[] b) {
        for (@Parallel int i = 0; i < a.length; i++) {
            a[i] += 100;
            a[i] *= b[i];
            a[i] -= b[i] >> 1;
            a[i] ^= 0x55;
            a[i] /= (byte) (b[i] | 1);
        }
    }

    static void shortArithmetic(short[] a, short[] b, short[] sum, int[] wide) {
        for (@Parallel int i = 0; i < a.length; i++) {
            short s = (short) (a[i] + b[i]);
            sum[i] = s;
            wide[i] = a[i] * b[i] + s;
        }
    }

    static void shortCompound(short[] a, short[] b) {
        for (@Parallel int i = 0; i < a.length; i++) {
            a[i] *= b[i];
            a[i] += 30000;
            a[i] %= (short) (b[i] | 1);
            a[i] |= b[i] << 4;
        }
    }

    static void charZeroExtends(short[] s, int[] x, int[] out) {
        for (@Parallel int i = 0; i < s.length; i++) {
            char c = (char) s[i];
            char d = (char) x[i];
            c += 7;
            d -= c;
            out[i] = c * 65536 + d + (c > d ? 1 : 0) + (char) (c * d);
        }
    }

    static void unsignedBytes(byte[] b, int[] asInt, short[] asShort) {
        for (@Parallel int i = 0; i < b.length; i++) {
            asInt[i] = (b[i] & 0xff) * 3 + Byte.toUnsignedInt(b[i]);
            asShort[i] = (short) ((b[i] & 0xff) << 8 | (b[i] & 0x0f));
        }
    }

    static void increments(byte[] b, short[] s) {
        for (@Parallel int i = 0; i < b.length; i++) {
            b[i]++;
            ++b[i];
            s[i]--;
            s[i] += b[i]++;
        }
    }

    static void reverseCopy(byte[] b, byte[] bOut, short[] s, short[] sOut) {
        for (@Parallel int i = 0; i < b.length; i++) {
            bOut[b.length - 1 - i] = b[i];
            sOut[i] = s[s.length - 1 - i];
        }
    }

    static void booleans(int[] a, boolean flag, int[] out, byte[] bits) {
        for (@Parallel int i = 0; i < a.length; i++) {
            boolean even = (a[i] & 1) == 0;
            boolean big = a[i] > 1000;
            boolean pick = flag ? even : big;
            out[i] = pick ? 1 : 0;
            bits[i] = (byte) ((even ? 1 : 0) | (big ^ flag ? 2 : 0) | (!pick ? 4 : 0) | (even & big ? 8 : 0) | (even | flag ? 16 : 0));
        }
    }
}

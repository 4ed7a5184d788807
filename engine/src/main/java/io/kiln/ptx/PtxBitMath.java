package io.kiln.ptx;

import io.kiln.ptx.PtxFunction.Reg;

import static io.kiln.ptx.PtxMathLib.c;
import static io.kiln.ptx.PtxMathLib.INF;
import static io.kiln.ptx.PtxMathLib.SIGN64;
import static io.kiln.ptx.PtxMathLib.MAG64;

/**
 * The routines of {@link PtxMathLib} that work on a double's exponent and significand bits rather than on
 * series: {@code cbrt} (Newton from a scaled significand), {@code hypot} (fdlibm's steps, bit for bit) and
 * the exact {@code fmod} behind Java's {@code %} on floats. Separate from the assembler so that each file
 * holds one family of algorithms.
 */
final class PtxBitMath {
    private PtxBitMath() {
    }

    // ------------------------------------------------------------ cbrt, hypot

    /**
     * {@code x = 2^(3q + rem) m}: Newton's iteration for the cube root of {@code v = 2^rem m} in
     * [1, 8) from a first guess within 6%, then one last step with the residual {@code y^3 - v}
     * computed exactly in double-double.
     */
    static void cbrt(PtxMathLib m) {
        String x = m.arg(0);
        String a = m.abs(x);
        String sub = m.cmp("lt", a, c(0x1p-1022));
        String as = m.sel(m.mul(a, c(0x1p54)), a, sub);
        String b = m.bits(as);
        String e = m.i("sub.s32", m.f.op(Reg.B32, "cvt.u32.u64", m.l("shr.u64", b, "52")), "1023");
        String mm = m.fromBits(m.l("or.b64", m.l("and.b64", b, "0x000FFFFFFFFFFFFF"), "0x3FF0000000000000"));
        String q = m.i("sub.s32", m.i("div.s32", m.i("add.s32", e, "1200"), "3"), "400");
        String rem = m.i("sub.s32", e, m.i("mul.lo.s32", q, "3"));
        String one = m.icmp("eq", rem, "1");
        String two = m.icmp("eq", rem, "2");
        String v = m.mul(mm, m.sel(c(4), m.sel(c(2), c(1), one), two));
        String root = m.sel(c(Math.cbrt(4)), m.sel(c(Math.cbrt(2)), c(1), one), two);
        String y = m.mul(root, m.fma(m.sub(mm, c(1)), c(1.0 / 3), c(1)));
        for (int k = 0; k < (m.floatPrecision ? 3 : 4); k++) {
            String y2 = m.mul(y, y);
            y = m.sub(y, m.div(m.fma(y2, y, m.neg(v)), m.mul(c(3), y2)));
        }
        String[] s = m.twoProd(y, y);
        String[] c3 = m.twoProd(s[0], y);
        String res = m.add(m.sub(c3[0], v), m.fma(s[1], y, c3[1]));
        y = m.sub(y, m.div(res, m.mul(c(3), s[0])));
        String r = m.negIf(m.scale(y, m.i("add.s32", q, m.isel("-18", "0", sub))), m.signBit(x));
        m.ret(m.sel(x, r, m.or(m.isNan(x), m.or(m.cmp("eq", a, c(0)), m.cmp("eq", a, c(INF))))));
    }

    /**
     * hypot, bit for bit {@link StrictMath#hypot} (which {@link Math#hypot} calls): fdlibm's algorithm as
     * {@link io.kiln.lowering.JavaHypot} states it, its branches computed side by side and chosen with
     * {@code selp}. The operations are the ones fdlibm rounds ({@code .rn}, no contraction), so the result
     * is Java's, including the last-bit cases where Java is not correctly rounded.
     */
    static void hypot(PtxMathLib m) {
        String x = m.arg(0);
        String y = m.arg(1);
        String ax = m.abs(x);
        String ay = m.abs(y);
        String swap = m.cmp("gt", ay, ax);
        String a0 = m.sel(ay, ax, swap);
        String b0 = m.sel(ax, ay, swap);
        String ha0 = highWord(m, a0);
        String hb0 = highWord(m, b0);
        // scale both by 2^-600 when a > ~2^500
        String big = m.icmp("gt", ha0, "0x5F300000");
        String a1 = m.sel(m.mul(a0, c(0x1p-600)), a0, big);
        String b1 = m.sel(m.mul(b0, c(0x1p-600)), b0, big);
        String ha1 = m.isel(m.i("sub.s32", ha0, "0x25800000"), ha0, big);
        String hb1 = m.isel(m.i("sub.s32", hb0, "0x25800000"), hb0, big);
        String k1 = m.isel("600", "0", big);
        // b < 2^-500: subnormal b by 2^1022 (fdlibm keeps the high words), else both by 2^600
        String small = m.cmp("lt", b1, c(0x1p-500));
        String sub = m.cmp("lt", b1, c(Double.MIN_NORMAL));
        String up = m.and(small, m.not(sub));
        String a2 = m.sel(m.mul(a1, c(0x1p1022)), m.sel(m.mul(a1, c(0x1p600)), a1, up), sub);
        String b2 = m.sel(m.mul(b1, c(0x1p1022)), m.sel(m.mul(b1, c(0x1p600)), b1, up), sub);
        String ha = m.isel(m.i("add.s32", ha1, "0x25800000"), ha1, up);
        String hb = m.isel(m.i("add.s32", hb1, "0x25800000"), hb1, up);
        String k = m.i("add.s32", k1, m.isel("-1022", m.isel("-600", "0", up), sub));
        // medium-sized a and b: the square sum with a (or 2a and b) split at their high words
        String w = m.sub(a2, b2);
        String t1 = fromHighWord(m, ha);
        String t2 = m.sub(a2, t1);
        String wWide = m.sqrt(m.sub(m.mul(t1, t1), m.sub(m.mul(b2, m.neg(b2)), m.mul(t2, m.add(a2, t1)))));
        String a2x2 = m.add(a2, a2);
        String y1 = fromHighWord(m, hb);
        String y2 = m.sub(b2, y1);
        String t1n = fromHighWord(m, m.i("add.s32", ha, "0x00100000"));
        String t2n = m.sub(a2x2, t1n);
        String wNear = m.sqrt(m.sub(m.mul(t1n, y1), m.sub(m.mul(w, m.neg(w)), m.add(m.mul(t1n, y2), m.mul(t2n, b2)))));
        String r = m.mul(m.pow2(k), m.sel(wWide, wNear, m.cmp("gt", w, b2)));
        r = m.sel(a0, r, m.cmp("eq", b1, c(0)));
        r = m.sel(m.add(a0, b0), r, m.icmp("gt", m.i("sub.s32", ha0, hb0), "0x03C00000"));
        r = m.sel(m.add(ax, ay), r, m.or(m.isNan(x), m.isNan(y)));
        m.ret(m.sel(c(INF), r, m.or(m.cmp("eq", ax, c(INF)), m.cmp("eq", ay, c(INF)))));
    }

    /** The high 32 bits of a double, as fdlibm's {@code __HI}. */
    private static String highWord(PtxMathLib m, String d) {
        return m.f.op(Reg.B32, "cvt.u32.u64", m.l("shr.u64", m.bits(d), "32"));
    }

    /** The double whose high 32 bits are {@code hi} and whose low 32 bits are zero. */
    private static String fromHighWord(PtxMathLib m, String hi) {
        return m.fromBits(m.l("shl.b64", m.f.op(Reg.B64, "cvt.u64.u32", hi), "32"));
    }

    // ------------------------------------------------------------ fmod

    /**
     * C's {@code fmod}, exact: with {@code x = mx 2^ex} and {@code y = my 2^ey} in integer
     * mantissas, the remainder is {@code (mx 2^(ex-ey)) mod my}, computed eleven exponent bits at a
     * time in 64-bit integers ({@code r < my < 2^53}, so {@code r << 11} cannot overflow).
     */
    static void fmod(PtxMathLib m) {
        PtxFunction f = m.f;
        String x = m.arg(0);
        String y = m.arg(1);
        String done = f.newLabel();
        String bx = m.bits(x);
        String ax = m.l("and.b64", bx, MAG64);
        String ay = m.l("and.b64", m.bits(y), MAG64);
        String sign = m.l("and.b64", bx, SIGN64);
        String nan = m.or(m.or(m.ucmp("ge", ax, "0x7FF0000000000000"), m.ucmp("gt", m.l("and.b64", m.bits(y), MAG64), "0x7FF0000000000000")),
                m.ucmp("eq", ay, "0"));
        f.ins("mov.f64", "%res", c(Double.NaN));
        f.insIf(nan, false, "bra", done);
        f.ins("mov.f64", "%res", x);
        f.insIf(m.ucmp("lt", ax, ay), false, "bra", done);
        f.ins("mov.b64", "%res", sign);
        f.insIf(m.ucmp("eq", ax, ay), false, "bra", done);
        String[] mx = mantissa(m, ax);
        String[] my = mantissa(m, ay);
        String d = m.i("sub.s32", mx[1], my[1]);
        String r = m.l("rem.u64", mx[0], my[0]);
        String loop = f.newLabel();
        String end = f.newLabel();
        f.label(loop);
        f.insIf(m.icmp("le", d, "0"), false, "bra", end);
        String s = m.i("min.s32", d, "11");
        f.ins("shl.b64", r, r, s);
        f.ins("rem.u64", r, r, my[0]);
        f.ins("sub.s32", d, d, s);
        f.ins("bra.uni", loop);
        f.label(end);
        String rd = f.op(Reg.F64, "cvt.rn.f64.u64", r);
        String scaled = m.scale(rd, m.i("sub.s32", my[1], "1075"));
        f.ins("mov.b64", "%res", m.l("or.b64", m.bits(scaled), sign));
        f.label(done);
        f.ins("ret");
    }

    /** The integer mantissa and biased exponent (1 for subnormals) of a finite non-zero magnitude. */
    private static String[] mantissa(PtxMathLib m, String magnitude) {
        String e = m.f.op(Reg.B32, "cvt.u32.u64", m.l("shr.u64", magnitude, "52"));
        String frac = m.l("and.b64", magnitude, "0x000FFFFFFFFFFFFF");
        String normal = m.icmp("ne", e, "0");
        String withHidden = m.l("or.b64", frac, "0x0010000000000000");
        return new String[] {m.f.op(Reg.B64, "selp.b64", withHidden, frac, normal), m.isel(e, "1", normal)};
    }
}

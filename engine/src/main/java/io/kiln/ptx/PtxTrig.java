package io.kiln.ptx;

import io.kiln.ptx.PtxFunction.Reg;

import static io.kiln.ptx.PtxMathLib.c;
import static io.kiln.ptx.PtxMathLib.INF;
import static io.kiln.ptx.PtxMathLib.PI;
import static io.kiln.ptx.PtxMathLib.PI_2;
import static io.kiln.ptx.PtxMathLib.PIO2_1;
import static io.kiln.ptx.PtxMathLib.PIO2_2;
import static io.kiln.ptx.PtxMathLib.PIO2_3;
import static io.kiln.ptx.PtxMathLib.TWO_OVER_PI;
import static io.kiln.ptx.PtxMathLib.inverseFactorials;

/**
 * The trigonometric routines of {@link PtxMathLib}: {@code sin}, {@code cos}, {@code tan} on an argument
 * reduced by Cody-Waite or Payne-Hanek ({@link #remPio2}), and {@code atan}, {@code asin}, {@code acos},
 * {@code atan2} on one table-driven double-double core ({@link #atanCore}). Separate from the assembler so
 * that each file holds one family of algorithms and the tables only it needs.
 */
final class PtxTrig {
    private PtxTrig() {
    }

    // ------------------------------------------------------------ trigonometric

    private static final long[] TWO_OVER_PI_BITS = HighPrecision.twoOverPiWords(21);

    /**
     * {@code x = q pi/2 + (rh + rl)}, {@code |rh + rl| <= pi/4} (about), returned as {q (b32), rh, rl}.
     * Up to 2^28 a three-part Cody-Waite reduction in which {@code x - n P1} is exact (fused, and a
     * multiple of 2^-52); above, Payne-Hanek: the 192 bits of 2/pi that matter for x's exponent times
     * x's 53-bit significand, in 64-bit integer arithmetic, keeping 190 fraction bits.
     */
    static String[] remPio2(PtxMathLib m, String x) {
        String ax = m.abs(x);
        String nd = m.rint(m.mul(ax, c(TWO_OVER_PI)));
        String r1 = m.fma(m.neg(nd), c(PIO2_1), ax);
        String[] ab = m.twoProd(nd, c(PIO2_2));
        String[] r0 = m.twoSum(r1, m.neg(ab[0]));
        String rest = m.sub(m.sub(r0[1], ab[1]), m.mul(nd, c(PIO2_3)));
        String[] r = m.fastTwoSum(r0[0], rest);
        String q = m.toInt(nd);
        String rh = m.f.op(Reg.F64, "mov.f64", r[0]);
        String rl = m.f.op(Reg.F64, "mov.f64", r[1]);
        String done = m.f.newLabel();
        String large = m.and(m.cmp("ge", ax, c(0x1p28)), m.cmp("lt", ax, c(INF)));
        m.f.insIf(large, true, "bra", done);
        String[] big = payneHanek(m, ax);
        m.f.ins("mov.b32", q, big[0]);
        m.f.ins("mov.f64", rh, big[1]);
        m.f.ins("mov.f64", rl, big[2]);
        m.f.label(done);
        String neg = m.signBit(x);
        return new String[] {m.isel(m.i("neg.s32", q), q, neg), m.negIf(rh, neg), m.negIf(rl, neg)};
    }

    private static String[] payneHanek(PtxMathLib m, String ax) {
        m.owner.table("__kiln_two_over_pi", () -> {
            long[] w = TWO_OVER_PI_BITS;
            StringBuilder sb = new StringBuilder(".const .align 8 .b64 __kiln_two_over_pi[" + w.length + "] = {");
            for (int i = 0; i < w.length; i++) {
                sb.append(i % 4 == 0 ? "\n\t" : " ").append(String.format("0x%016X", w[i])).append(i + 1 < w.length ? "," : "");
            }
            return sb.append("\n};\n\n").toString();
        });
        String b = m.bits(ax);
        String e = m.i("sub.s32", m.f.op(Reg.B32, "cvt.u32.u64", m.l("shr.u64", b, "52")), "1075");
        String mant = m.l("or.b64", m.l("and.b64", b, "0x000FFFFFFFFFFFFF"), "0x0010000000000000");
        // the window starts at bit e - 1 of 2/pi; the table has one zero word in front, so stream bit e + 62
        String m0 = m.i("add.s32", e, "62");
        String word = m.i("shr.s32", m0, "6");
        String s = m.i("and.b32", m0, "63");
        String inv = m.i("sub.s32", "64", s);
        String entry = m.l("add.s64", m.address("__kiln_two_over_pi"), m.l("mul.wide.s32", word, "8"));
        String[] t = new String[4];
        for (int k = 0; k < 4; k++) t[k] = m.l("ld.const.b64", "[" + entry + "+" + (8 * k) + "]");
        String w2 = m.l("or.b64", m.l("shl.b64", t[0], s), m.l("shr.u64", t[1], inv));
        String w1 = m.l("or.b64", m.l("shl.b64", t[1], s), m.l("shr.u64", t[2], inv));
        String w0 = m.l("or.b64", m.l("shl.b64", t[2], s), m.l("shr.u64", t[3], inv));
        // mant * (w2 w1 w0) modulo 2^192
        String p0 = m.l("mul.lo.u64", mant, w0);
        String h0 = m.l("mul.hi.u64", mant, w0);
        String p1 = m.l("add.u64", h0, m.l("mul.lo.u64", mant, w1));
        String carry = m.f.op(Reg.B64, "selp.b64", "1", "0", m.ucmp("lt", p1, h0));
        String p2 = m.l("add.u64", m.l("add.u64", m.l("mul.hi.u64", mant, w1), m.l("mul.lo.u64", mant, w2)), carry);
        String q = m.f.op(Reg.B32, "cvt.u32.u64", m.l("shr.u64", p2, "62"));
        String f2 = m.l("and.b64", p2, "0x3FFFFFFFFFFFFFFF");
        // a fraction of 1/2 or more rounds to the next quadrant: take 1 - fraction, negated
        String up = m.ucmp("ne", m.l("and.b64", f2, "0x2000000000000000"), "0");
        String n0 = m.l("add.u64", m.l("xor.b64", p0, "-1"), "1");
        String z0 = m.ucmp("eq", p0, "0");
        String n1 = m.l("add.u64", m.l("xor.b64", p1, "-1"), m.f.op(Reg.B64, "selp.b64", "1", "0", z0));
        String z1 = m.and(z0, m.ucmp("eq", p1, "0"));
        String n2 = m.l("and.b64", m.l("add.u64", m.l("xor.b64", f2, "-1"), m.f.op(Reg.B64, "selp.b64", "1", "0", z1)), "0x3FFFFFFFFFFFFFFF");
        String g0 = m.f.op(Reg.B64, "selp.b64", n0, p0, up);
        String g1 = m.f.op(Reg.B64, "selp.b64", n1, p1, up);
        String g2 = m.f.op(Reg.B64, "selp.b64", n2, f2, up);
        q = m.i("add.s32", q, m.isel("1", "0", up));
        // the fraction g2 2^-62 + g1 2^-126 + g0 2^-190 as a double-double, from six exact 32-bit pieces
        String[] limbs = {g2, g1, g0};
        String hi = null;
        String lo = c(0);
        for (int k = 0; k < 3; k++) {
            double scale = Math.scalb(1.0, -62 - 64 * k);
            String top = m.mul(m.f.op(Reg.F64, "cvt.rn.f64.u64", m.l("shr.u64", limbs[k], "32")), c(scale * 0x1p32));
            String bottom = m.mul(m.f.op(Reg.F64, "cvt.rn.f64.u64", m.l("and.b64", limbs[k], "0xFFFFFFFF")), c(scale));
            for (String part : new String[] {top, bottom}) {
                if (hi == null) {
                    hi = part;
                } else {
                    String[] ts = m.twoSum(hi, part);
                    hi = ts[0];
                    lo = m.add(lo, ts[1]);
                }
            }
        }
        String[] v = m.fastTwoSum(hi, lo);
        String rh = m.mul(v[0], c(PI_2[0]));
        String rl = m.add(m.fma(v[0], c(PI_2[0]), m.neg(rh)), m.fma(v[0], c(PI_2[1]), m.mul(v[1], c(PI_2[0]))));
        return new String[] {q, m.negIf(rh, up), m.negIf(rl, up)};
    }

    /** sin, cos and tan on a reduced argument as double-doubles; {@code mode} 0 sin, 1 cos, 2 tan. */
    static void trig(PtxMathLib m, int mode) {
        String x = m.arg(0);
        String[] red = remPio2(m, x);
        String rh = red[1];
        String rl = red[2];
        String z = m.mul(rh, rh);
        // sin(r) = r + r z Ps(z) + rl cos(r)
        double[] ps = inverseFactorials(3, 2, m.floatPrecision ? 5 : 9, true);
        for (int k = 0; k < ps.length; k++) ps[k] = -ps[k];
        String t = m.mul(m.mul(rh, z), m.horner(z, ps));
        String[] sn = m.fastTwoSum(rh, m.fma(rl, m.fma(z, c(-0.5), c(1)), t));
        // cos(r) = 1 - (r^2)/2 + z^2 Pc(z), with r^2/2 exact including rl
        String hz = m.mul(z, c(0.5));
        String[] w = m.fastTwoSum(c(1), m.neg(hz));
        String hzl = m.fma(m.fma(rh, rh, m.neg(z)), c(0.5), m.mul(rh, rl));
        String c4 = m.mul(m.mul(z, z), m.horner(z, inverseFactorials(4, 2, m.floatPrecision ? 5 : 9, true)));
        String[] cs = m.fastTwoSum(w[0], m.add(m.sub(w[1], hzl), c4));
        String q = red[0];
        String ax = m.abs(x);
        String r;
        if (mode == 2) {
            String odd = m.f.op(Reg.PRED, "setp.ne.s32", m.i("and.b32", q, "1"), "0");
            String nh = m.sel(cs[0], sn[0], odd);
            String nl = m.sel(cs[1], sn[1], odd);
            String dh = m.sel(sn[0], cs[0], odd);
            String dl = m.sel(sn[1], cs[1], odd);
            String qd = m.div(nh, dh);
            String rem = m.fma(m.neg(qd), dl, m.add(m.fma(m.neg(qd), dh, nh), nl));
            r = m.negIf(m.add(qd, m.div(rem, dh)), odd);
        } else {
            String n = mode == 1 ? m.i("add.s32", q, "1") : q;
            String odd = m.f.op(Reg.PRED, "setp.ne.s32", m.i("and.b32", n, "1"), "0");
            String negative = m.f.op(Reg.PRED, "setp.ne.s32", m.i("and.b32", n, "2"), "0");
            r = m.negIf(m.add(m.sel(cs[0], sn[0], odd), m.sel(cs[1], sn[1], odd)), negative);
        }
        if (mode != 1) {
            r = m.sel(x, r, m.cmp("lt", ax, c(0x1p-27)));
        }
        m.ret(m.sel(m.sub(x, x), r, m.cmp("geu", ax, c(INF))));
    }

    // ------------------------------------------------------------ inverse trigonometric

    private static final double[] ATAN_TABLE = atanTable();

    /** {atan(j/8) head, tail} for j = 0 .. 8. */
    static double[] atanTable() {
        double[] t = new double[18];
        java.math.MathContext mc = new java.math.MathContext(50);
        java.math.BigDecimal quarterPi = HighPrecision.PI.divide(java.math.BigDecimal.valueOf(4), mc);
        for (int j = 0; j <= 8; j++) {
            java.math.BigDecimal v;
            if (j <= 4) {
                v = HighPrecision.atan(java.math.BigDecimal.valueOf(j).divide(java.math.BigDecimal.valueOf(8)), mc);
            } else {
                // atan(c) = pi/4 + atan((c - 1)/(c + 1)) keeps the series argument small
                java.math.BigDecimal cc = java.math.BigDecimal.valueOf(j).divide(java.math.BigDecimal.valueOf(8));
                v = quarterPi.add(HighPrecision.atan(cc.subtract(java.math.BigDecimal.ONE).divide(cc.add(java.math.BigDecimal.ONE), mc), mc));
            }
            double[] sp = HighPrecision.split(v);
            t[2 * j] = sp[0];
            t[2 * j + 1] = sp[1];
        }
        return t;
    }

    /**
     * {@code atan(th + tl)} for {@code t >= 0} as a double-double: above 1 through
     * {@code pi/2 - atan(1/t)}; then {@code atan(t) = atan(c) + atan((t - c)/(1 + c t))} with
     * {@code c = j/8} nearest t from a table, leaving {@code |u| <= 1/16} for the series.
     */
    static String[] atanCore(PtxMathLib m, String th, String tl) {
        m.doubleTable("__kiln_atan_table", ATAN_TABLE);
        String inv = m.cmp("gt", th, c(1));
        String ih = m.div(c(1), th);
        String il = m.div(m.fma(m.neg(ih), tl, m.fma(m.neg(ih), th, c(1))), th);
        il = m.sel(c(0), il, m.cmp("eq", th, c(INF)));
        String ah = m.sel(ih, th, inv);
        String al = m.sel(il, tl, inv);
        // NaN and out-of-range arguments must not index outside the table
        String jd = m.rint(m.clamp(m.sel(c(0), m.mul(ah, c(8)), m.isNan(ah)), 0, 8));
        String cc = m.mul(jd, c(0.125));
        String entry = m.l("add.s64", m.address("__kiln_atan_table"), m.l("mul.wide.s32", m.toInt(jd), "16"));
        String bh = m.f.op(Reg.F64, "ld.const.f64", "[" + entry + "]");
        String bl = m.f.op(Reg.F64, "ld.const.f64", "[" + entry + "+8]");
        String[] n = m.twoSum(m.sub(ah, cc), al);
        String[] p = m.twoProd(cc, ah);
        String[] d = m.fastTwoSum(c(1), p[0]);
        String dl = m.add(d[1], m.fma(cc, al, p[1]));
        String uh = m.div(n[0], d[0]);
        String ul = m.div(m.fma(m.neg(uh), dl, m.add(m.fma(m.neg(uh), d[0], n[0]), n[1])), d[0]);
        String z = m.mul(uh, uh);
        int terms = m.floatPrecision ? 4 : 8;
        double[] coeffs = new double[terms];
        for (int k = 0; k < terms; k++) coeffs[k] = (k % 2 == 0 ? -1.0 : 1.0) / (2 * k + 3);
        String poly = m.mul(m.mul(uh, z), m.horner(z, coeffs));
        String[] s = m.twoSum(bh, uh);
        String rest = m.add(m.add(s[1], bl), m.fma(ul, m.sub(c(1), z), poly));
        String[] v = m.fastTwoSum(s[0], rest);
        String[] w = m.twoSum(c(PI_2[0]), m.neg(v[0]));
        String[] flipped = m.fastTwoSum(w[0], m.add(w[1], m.sub(c(PI_2[1]), v[1])));
        return new String[] {m.sel(flipped[0], v[0], inv), m.sel(flipped[1], v[1], inv)};
    }

    static void atan(PtxMathLib m) {
        String x = m.arg(0);
        String[] v = atanCore(m, m.abs(x), c(0));
        String r = m.negIf(m.add(v[0], v[1]), m.signBit(x));
        m.ret(m.sel(x, r, m.isNan(x)));
    }

    /** {@code sqrt(1 - a^2)} as a double-double, for {@code 0 <= a <= 1}. */
    static String[] sqrtOneMinusSquare(PtxMathLib m, String a) {
        String[] a2 = m.twoProd(a, a);
        String[] w = m.twoSum(c(1), m.neg(a2[0]));
        String wl = m.sub(w[1], a2[1]);
        String sh = m.sqrt(w[0]);
        String sl = m.div(m.add(m.fma(m.neg(sh), sh, w[0]), wl), m.add(sh, sh));
        return new String[] {sh, m.sel(c(0), sl, m.cmp("eq", sh, c(0)))};
    }

    /** asin(x) = atan(x / sqrt(1 - x^2)), every step in double-double. */
    static void asin(PtxMathLib m) {
        String x = m.arg(0);
        String a = m.abs(x);
        String[] s = sqrtOneMinusSquare(m, a);
        String th = m.div(a, s[0]);
        String tl = m.div(m.fma(m.neg(th), s[1], m.fma(m.neg(th), s[0], a)), s[0]);
        String[] v = atanCore(m, th, tl);
        String r = m.add(v[0], v[1]);
        r = m.sel(c(PI_2[0]), r, m.cmp("eq", a, c(1)));
        r = m.negIf(r, m.signBit(x));
        r = m.sel(x, r, m.cmp("lt", a, c(0x1p-28)));
        r = m.sel(c(Double.NaN), r, m.cmp("gt", a, c(1)));
        m.ret(m.sel(x, r, m.isNan(x)));
    }

    /** acos(|x|) = atan(sqrt(1 - x^2) / |x|); for x < 0, pi minus that. */
    static void acos(PtxMathLib m) {
        String x = m.arg(0);
        String a = m.abs(x);
        String[] s = sqrtOneMinusSquare(m, a);
        String th = m.div(s[0], a);
        String tl = m.div(m.add(m.fma(m.neg(th), a, s[0]), s[1]), a);
        tl = m.sel(c(0), tl, m.cmp("eq", a, c(0)));
        String[] v = atanCore(m, th, tl);
        String[] w = m.twoSum(c(PI[0]), m.neg(v[0]));
        String fromPi = m.add(w[0], m.add(w[1], m.sub(c(PI[1]), v[1])));
        String r = m.sel(fromPi, m.add(v[0], v[1]), m.cmp("lt", x, c(0)));
        r = m.sel(c(Double.NaN), r, m.cmp("gt", a, c(1)));
        m.ret(m.sel(x, r, m.isNan(x)));
    }

    /** atan2: the smaller magnitude over the larger in double-double, then the quadrant. */
    static void atan2(PtxMathLib m) {
        String y = m.arg(0);
        String x = m.arg(1);
        String a = m.abs(y);
        String b = m.abs(x);
        String swap = m.cmp("gt", a, b);
        String num = m.sel(b, a, swap);
        String den = m.sel(a, b, swap);
        String th = m.div(num, den);
        String tl = m.div(m.fma(m.neg(th), den, num), den);
        String denInf = m.cmp("eq", den, c(INF));
        String bothInf = m.and(denInf, m.cmp("eq", num, c(INF)));
        th = m.sel(c(1), m.sel(c(0), th, m.cmp("eq", num, c(0))), bothInf);
        tl = m.sel(c(0), tl, m.or(m.or(denInf, m.cmp("eq", num, c(0))), m.cmp("lt", th, c(0x1p-1000))));
        String[] v = atanCore(m, th, tl);
        String[] w = m.twoSum(c(PI_2[0]), m.neg(v[0]));
        String[] sw = m.fastTwoSum(w[0], m.add(w[1], m.sub(c(PI_2[1]), v[1])));
        String vh = m.sel(sw[0], v[0], swap);
        String vl = m.sel(sw[1], v[1], swap);
        String[] u = m.twoSum(c(PI[0]), m.neg(vh));
        String fromPi = m.add(u[0], m.add(u[1], m.sub(c(PI[1]), vl)));
        String r = m.sel(fromPi, m.add(vh, vl), m.signBit(x));
        r = m.negIf(r, m.signBit(y));
        m.ret(m.sel(m.add(x, y), r, m.or(m.isNan(x), m.isNan(y))));
    }
}

package io.kiln.ptx;

import io.kiln.ptx.PtxFunction.Reg;

import static io.kiln.ptx.PtxMathLib.c;
import static io.kiln.ptx.PtxMathLib.INF;
import static io.kiln.ptx.PtxMathLib.INV_LN2;
import static io.kiln.ptx.PtxMathLib.LN2_HI;
import static io.kiln.ptx.PtxMathLib.LN2_LO;
import static io.kiln.ptx.PtxMathLib.LOG10_E;
import static io.kiln.ptx.PtxMathLib.inverseFactorials;

/**
 * The exponential and logarithmic routines of {@link PtxMathLib}: {@code exp}, {@code expm1}, {@code log},
 * {@code log10}, {@code log1p}, {@code pow}, and {@code sinh}, {@code cosh}, {@code tanh}, which are built
 * from the same double-double cores ({@link #expCore}, {@link #logDD}). Separate from the assembler so that
 * each file holds one family of algorithms and the constants and tables only it needs.
 */
final class PtxExpLog {
    private PtxExpLog() {
    }

    // ------------------------------------------------------------ exp family

    /**
     * {@code e^(xh + xl) = 2^k (1 + mh + ml)}: {@code k = rint(xh / ln 2)}, {@code r = x - k ln 2} in
     * double-double ({@code k * LN2_HI} is exact and so is its subtraction, by Sterbenz), then
     * {@code expm1(r)} by its Taylor series with the leading terms kept exact. Needs
     * {@code |xh| <= 800}. Returns {k (b32), mh, ml} with {@code |ml| <= ulp(mh)}.
     */
    static String[] expCore(PtxMathLib m, String xh, String xl) {
        String kd = m.rint(m.mul(xh, c(INV_LN2)));
        String k = m.toInt(kd);
        String rh = m.sub(xh, m.mul(kd, c(LN2_HI)));
        String s = m.sub(xl, m.mul(kd, c(LN2_LO)));
        String[] r = m.twoSum(rh, s);
        String a = m.mul(r[0], c(0.5));
        String hh = m.mul(a, r[0]);
        String hl = m.fma(a, r[0], m.neg(hh));
        String q = m.mul(m.mul(m.mul(r[0], r[0]), r[0]), m.horner(r[0], inverseFactorials(3, 1, m.floatPrecision ? 7 : 12, false)));
        String corr = m.fma(r[0], r[1], r[1]);
        String[] s1 = m.fastTwoSum(r[0], hh);
        String lo = m.add(s1[1], m.add(q, m.add(hl, corr)));
        String[] mm = m.fastTwoSum(s1[0], lo);
        return new String[] {k, mm[0], mm[1]};
    }

    static void exp(PtxMathLib m) {
        String x = m.arg(0);
        String[] e = expCore(m, m.clamp(x, -800, 800), c(0));
        String[] t = m.fastTwoSum(c(1), e[1]);
        String y = m.add(t[0], m.add(t[1], e[2]));
        m.ret(m.sel(x, m.scale(y, e[0]), m.isNan(x)));
    }

    /**
     * {@code expm1 = 2^k (1 + M) - 1}, summed three ways to avoid cancellation: for
     * {@code -53 <= k <= 52} as {@code 2^k M + (2^k - 1)} (the second term exact), for larger k as
     * {@code 2^k t + (2^k (t_err + ml) - 1)}, for smaller k as {@code -1 + 2^k (1 + M)}.
     */
    static void expm1(PtxMathLib m) {
        String x = m.arg(0);
        String[] e = expCore(m, m.clamp(x, -800, 800), c(0));
        String k = e[0];
        String p2 = m.pow2(m.i("max.s32", m.i("min.s32", k, "1023"), "-1022"));
        String[] s = m.twoSum(m.mul(p2, e[1]), m.sub(p2, c(1)));
        String middle = m.add(s[0], m.add(s[1], m.mul(p2, e[2])));
        String[] t = m.fastTwoSum(c(1), e[1]);
        String tail = m.add(t[1], e[2]);
        String high = m.add(m.scale(t[0], k), m.sub(m.scale(tail, k), c(1)));
        String low = m.add(c(-1), m.scale(m.add(t[0], tail), k));
        String r = m.sel(high, middle, m.icmp("gt", k, "52"));
        r = m.sel(low, r, m.icmp("lt", k, "-53"));
        r = m.sel(x, r, m.cmp("lt", m.abs(x), c(0x1p-54)));
        r = m.sel(c(INF), r, m.cmp("gt", x, c(EXP_OVERFLOW)));
        m.ret(m.sel(x, r, m.isNan(x)));
    }

    /** The largest x whose exp is finite. */
    static final double EXP_OVERFLOW = 709.782712893384;

    // ------------------------------------------------------------ log family

    /** Entries of the log table: i = -38 .. 53 for m = 1 + i/128 in [sqrt(1/2), sqrt(2)]. */
    static final int LOG_TABLE_FIRST = -38;
    static final int LOG_TABLE_SIZE = 92;

    private static final double[] LOG_TABLE = logTable();

    /** {c, -ln c (head), -ln c (tail)} for {@code c = 1 / (1 + i/128)} rounded to double. */
    static double[] logTable() {
        double[] t = new double[3 * LOG_TABLE_SIZE];
        java.math.MathContext mc = new java.math.MathContext(50);
        for (int j = 0; j < LOG_TABLE_SIZE; j++) {
            int i = j + LOG_TABLE_FIRST;
            double cInv = java.math.BigDecimal.ONE.divide(java.math.BigDecimal.ONE.add(java.math.BigDecimal.valueOf(i).divide(
                    java.math.BigDecimal.valueOf(128))), mc).doubleValue();
            double[] l = i == 0 ? new double[] {0, 0} : HighPrecision.split(HighPrecision.ln(new java.math.BigDecimal(cInv), mc).negate());
            t[3 * j] = cInv;
            t[3 * j + 1] = l[0];
            t[3 * j + 2] = l[1];
        }
        return t;
    }

    /**
     * {@code ln x} as a double-double {hi, lo} (relative error about 2^-70) for finite positive x:
     * {@code x = 2^e m} with {@code m} in [sqrt(1/2), sqrt(2)], then {@code m c = 1 + r} with
     * {@code c = 1/(1 + i/128)} from a table (so {@code |r| < 2^-7.5} and {@code r} is exact in
     * double-double), {@code ln x = e ln 2 - ln c + log1p(r)}, the series with {@code r^2/2} exact.
     */
    static String[] logDD(PtxMathLib m, String x) {
        m.doubleTable("__kiln_log_table", LOG_TABLE);
        String sub = m.cmp("lt", x, c(0x1p-1022));
        String xs = m.sel(m.mul(x, c(0x1p54)), x, sub);
        String b = m.bits(xs);
        String e = m.i("sub.s32", m.i("add.s32", m.f.op(Reg.B32, "cvt.u32.u64", m.l("shr.u64", b, "52")), m.isel("-54", "0", sub)), "1023");
        String m1 = m.fromBits(m.l("or.b64", m.l("and.b64", b, "0x000FFFFFFFFFFFFF"), "0x3FF0000000000000"));
        String big = m.cmp("gt", m1, c(Math.sqrt(2)));
        String mant = m.sel(m.mul(m1, c(0.5)), m1, big);
        e = m.i("add.s32", e, m.isel("1", "0", big));
        String index = m.i("sub.s32", m.toInt(m.rint(m.mul(m.sub(mant, c(1)), c(128)))), Integer.toString(LOG_TABLE_FIRST));
        String entry = m.l("add.s64", m.address("__kiln_log_table"), m.l("mul.wide.s32", index, "24"));
        String cInv = m.f.op(Reg.F64, "ld.const.f64", "[" + entry + "]");
        String lh = m.f.op(Reg.F64, "ld.const.f64", "[" + entry + "+8]");
        String ll = m.f.op(Reg.F64, "ld.const.f64", "[" + entry + "+16]");
        String p = m.mul(mant, cInv);
        String pl = m.fma(mant, cInv, m.neg(p));
        String[] r = m.fastTwoSum(m.sub(p, c(1)), pl);
        String a = m.mul(r[0], c(0.5));
        String qh = m.mul(a, r[0]);
        String ql = m.fma(a, r[0], m.neg(qh));
        int terms = m.floatPrecision ? 3 : 8;
        double[] coeffs = new double[terms];
        for (int k = 0; k < terms; k++) coeffs[k] = (k % 2 == 0 ? 1.0 : -1.0) / (k + 3);
        String poly = m.mul(m.mul(m.mul(r[0], r[0]), r[0]), m.horner(r[0], coeffs));
        String corr = m.fma(m.neg(r[1]), r[0], r[1]);
        String ed = m.fromInt(e);
        String[] s1 = m.twoSum(m.mul(ed, c(LN2_HI)), lh);
        String[] s2 = m.twoSum(s1[0], r[0]);
        String[] s3 = m.twoSum(s2[0], m.neg(qh));
        String lo = m.add(m.add(m.add(s1[1], s2[1]), s3[1]), m.add(m.fma(ed, c(LN2_LO), ll), m.add(m.sub(poly, ql), corr)));
        return m.fastTwoSum(s3[0], lo);
    }

    /** Java's special cases of log: NaN and negatives give NaN, zeros give -inf, +inf gives +inf. */
    static String logSpecials(PtxMathLib m, String x, String r) {
        r = m.sel(c(Double.NEGATIVE_INFINITY), r, m.cmp("eq", x, c(0)));
        r = m.sel(x, r, m.cmp("eq", x, c(INF)));
        r = m.sel(c(Double.NaN), r, m.cmp("lt", x, c(0)));
        return m.sel(x, r, m.isNan(x));
    }

    static void log(PtxMathLib m) {
        String x = m.arg(0);
        m.ret(logSpecials(m, x, logDD(m, x)[0]));
    }

    static void log10(PtxMathLib m) {
        String x = m.arg(0);
        String[] l = logDD(m, x);
        String p = m.mul(l[0], c(LOG10_E[0]));
        String pe = m.fma(l[0], c(LOG10_E[0]), m.neg(p));
        String r = m.add(p, m.add(pe, m.fma(l[0], c(LOG10_E[1]), m.mul(l[1], c(LOG10_E[0])))));
        m.ret(logSpecials(m, x, r));
    }

    static void log1p(PtxMathLib m) {
        String x = m.arg(0);
        String[] u = m.twoSum(c(1), x);
        String[] l = logDD(m, u[0]);
        String r = m.add(l[0], m.add(l[1], m.div(u[1], u[0])));
        r = m.sel(c(Double.NEGATIVE_INFINITY), r, m.cmp("eq", x, c(-1)));
        r = m.sel(c(Double.NaN), r, m.cmp("lt", x, c(-1)));
        r = m.sel(x, r, m.cmp("eq", x, c(INF)));
        r = m.sel(x, r, m.cmp("lt", m.abs(x), c(0x1p-54)));
        m.ret(m.sel(x, r, m.isNan(x)));
    }

    /**
     * {@code pow(x, y) = e^(y ln|x|)} with {@code ln|x|} and the product in double-double, so that the
     * exponent's absolute error stays near 2^-60 even where it is 700; then every special case of
     * {@link Math#pow}, in order of precedence (later selects win).
     */
    static void pow(PtxMathLib m) {
        String x = m.arg(0);
        String y = m.arg(1);
        String ax = m.abs(x);
        String[] l = logDD(m, ax);
        String zh = m.mul(y, l[0]);
        String zl = m.fma(y, l[1], m.fma(y, l[0], m.neg(zh)));
        String zc = m.clamp(zh, -800, 800);
        String[] e = expCore(m, zc, m.sel(zl, c(0), m.cmp("eq", zc, zh)));
        String[] t = m.fastTwoSum(c(1), e[1]);
        String r = m.scale(m.add(t[0], m.add(t[1], e[2])), e[0]);
        String ay = m.abs(y);
        String yInfinite = m.cmp("eq", ay, c(INF));
        String yInt = m.and(m.cmp("eq", m.trunc(y), y), m.not(yInfinite));
        String half = m.mul(y, c(0.5));
        String yOdd = m.and(m.and(yInt, m.cmp("lt", ay, c(0x1p53))), m.cmp("ne", m.trunc(half), half));
        String xNeg = m.signBit(x);
        String xZero = m.cmp("eq", ax, c(0));
        String zeroOrInf = m.or(xZero, m.cmp("eq", ax, c(INF)));
        String toZero = m.f.op(Reg.PRED, "xor.pred", xZero, m.cmp("lt", y, c(0)));
        r = m.sel(c(0), r, m.and(zeroOrInf, toZero));
        r = m.sel(c(INF), r, m.and(zeroOrInf, m.not(toZero)));
        r = m.negIf(r, m.and(xNeg, yOdd));
        r = m.sel(c(Double.NaN), r, m.and(m.and(xNeg, m.not(yInt)), m.not(zeroOrInf)));
        String big = m.f.op(Reg.PRED, "xor.pred", m.cmp("gt", ax, c(1)), m.cmp("lt", y, c(0)));
        String yInfResult = m.sel(c(Double.NaN), m.sel(c(INF), c(0), big), m.cmp("eq", ax, c(1)));
        r = m.sel(yInfResult, r, yInfinite);
        r = m.sel(c(Double.NaN), r, m.or(m.isNan(x), m.isNan(y)));
        r = m.sel(x, r, m.cmp("eq", y, c(1)));
        m.ret(m.sel(c(1), r, m.cmp("eq", y, c(0))));
    }

    // ------------------------------------------------------------ hyperbolic

    /** {@code e^a = 2^k (t + tl)} and {@code e^a - 1 = M} as double-doubles, for {@code 0 <= a <= 800}. */
    static String[] expAndExpm1(PtxMathLib m, String a) {
        String[] e = expCore(m, a, c(0));
        String[] t = m.fastTwoSum(c(1), e[1]);
        String tl = m.add(t[1], e[2]);
        String y = m.scale(t[0], e[0]);
        String yl = m.scale(tl, e[0]);
        String[] s = m.twoSum(y, c(-1));
        String[] mm = m.fastTwoSum(s[0], m.add(s[1], yl));
        return new String[] {e[0], t[0], tl, y, yl, mm[0], mm[1]};
    }

    /** sinh (mode 0) and cosh (mode 1); beyond |x| = 22 the other exponential no longer matters. */
    static void hyperbolic(PtxMathLib m, int mode) {
        String x = m.arg(0);
        String a = m.abs(x);
        String[] e = expAndExpm1(m, m.sel(c(800), a, m.cmp("gt", a, c(800))));
        String y = e[3];
        String yl = e[4];
        String r;
        if (mode == 0) {
            // (M + M/(M + 1)) / 2 with M = e^a - 1: no cancellation near 0
            String qh = m.div(e[5], y);
            String ql = m.div(m.add(m.fma(m.neg(qh), yl, m.fma(m.neg(qh), y, e[5])), e[6]), y);
            String[] s = m.twoSum(e[5], qh);
            r = m.mul(m.add(s[0], m.add(s[1], m.add(e[6], ql))), c(0.5));
        } else {
            String ih = m.div(c(1), y);
            String il = m.div(m.fma(m.neg(ih), yl, m.fma(m.neg(ih), y, c(1))), y);
            String[] s = m.twoSum(y, ih);
            r = m.mul(m.add(s[0], m.add(s[1], m.add(yl, il))), c(0.5));
        }
        String far = m.scale(m.add(e[1], e[2]), m.i("sub.s32", e[0], "1"));
        r = m.sel(far, r, m.cmp("ge", a, c(22)));
        if (mode == 0) r = m.negIf(r, m.signBit(x));
        m.ret(m.sel(x, r, m.isNan(x)));
    }

    /** tanh = M / (M + 2) with {@code M = expm1(2|x|)} in double-double; 1 beyond |x| = 22. */
    static void tanh(PtxMathLib m) {
        String x = m.arg(0);
        String a = m.abs(x);
        String[] e = expAndExpm1(m, m.mul(m.sel(c(22), a, m.cmp("gt", a, c(22))), c(2)));
        String[] d = m.twoSum(e[5], c(2));
        String dl = m.add(d[1], e[6]);
        String qh = m.div(e[5], d[0]);
        String ql = m.div(m.fma(m.neg(qh), dl, m.add(m.fma(m.neg(qh), d[0], e[5]), e[6])), d[0]);
        String r = m.sel(c(1), m.add(qh, ql), m.cmp("ge", a, c(22)));
        r = m.negIf(r, m.signBit(x));
        m.ret(m.sel(x, r, m.isNan(x)));
    }
}

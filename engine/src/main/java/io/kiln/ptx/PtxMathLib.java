package io.kiln.ptx;

import io.kiln.ptx.PtxFunction.Reg;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Type;

import java.util.function.Consumer;

/**
 * A small assembler for math routines plus the routines themselves. Each routine is written as a
 * sequence of double-precision operations on PTX virtual registers; the helper methods below name
 * one instruction each ({@link #add}, {@link #fma}, ...) or one classic error-free transformation
 * ({@link #twoSum}, {@link #twoProd}). Routines that serve {@code float} operands run the same
 * algorithm with {@link #floatPrecision} set, which shortens the polynomials.
 */
final class PtxMathLib {
    static final String SIGN64 = "0x8000000000000000";
    static final String MAG64 = "0x7FFFFFFFFFFFFFFF";

    final PtxMath owner;
    final PtxFunction f = new PtxFunction("M");
    final Type type;
    final int arity;
    /** Whether the result will be rounded to float: polynomials need only about 2^-40 relative accuracy. */
    boolean floatPrecision;

    PtxMathLib(PtxMath owner, Type type, int arity) {
        this.owner = owner;
        this.type = type;
        this.arity = arity;
    }

    /** The routine body for {@code fn}, or {@code null} when PTX has no routine for it yet. */
    static Consumer<PtxMathLib> body(MathFunction fn) {
        return switch (fn) {
            case EXP -> PtxMathLib::exp;
            case EXPM1 -> PtxMathLib::expm1;
            case LOG -> PtxMathLib::log;
            case LOG10 -> PtxMathLib::log10;
            case LOG1P -> PtxMathLib::log1p;
            case POW -> PtxMathLib::pow;
            case SIN -> m -> trig(m, 0);
            case COS -> m -> trig(m, 1);
            case TAN -> m -> trig(m, 2);
            case ATAN -> PtxMathLib::atan;
            case ASIN -> PtxMathLib::asin;
            case ACOS -> PtxMathLib::acos;
            case ATAN2 -> PtxMathLib::atan2;
            case SINH -> m -> hyperbolic(m, 0);
            case COSH -> m -> hyperbolic(m, 1);
            case TANH -> PtxMathLib::tanh;
            case CBRT -> PtxMathLib::cbrt;
            case HYPOT -> PtxMathLib::hypot;
            case SQRT, FLOOR, CEIL, RINT, FMA, ABS, MIN, MAX -> null;
        };
    }

    // ------------------------------------------------------------ assembler

    String arg(int i) {
        return "%arg" + i;
    }

    /** Returns {@code v} from the routine. */
    void ret(String v) {
        f.ins("mov." + (type == Type.F32 ? "f32" : "f64"), "%res", v);
        f.ins("ret");
    }

    String call(String name, String... args) {
        String d = f.reg(Reg.F64);
        f.ins("call (" + d + "), " + name + ", (" + String.join(", ", args) + ")");
        return d;
    }

    String toF64(String f32) {
        return f.op(Reg.F64, "cvt.f64.f32", f32);
    }

    String toF32(String f64) {
        return f.op(Reg.F32, "cvt.rn.f32.f64", f64);
    }

    static String c(double v) {
        return PtxFunction.f64(v);
    }

    String add(String a, String b) {
        return f.op(Reg.F64, "add.rn.f64", a, b);
    }

    String sub(String a, String b) {
        return f.op(Reg.F64, "sub.rn.f64", a, b);
    }

    String mul(String a, String b) {
        return f.op(Reg.F64, "mul.rn.f64", a, b);
    }

    String div(String a, String b) {
        return f.op(Reg.F64, "div.rn.f64", a, b);
    }

    String fma(String a, String b, String c) {
        return f.op(Reg.F64, "fma.rn.f64", a, b, c);
    }

    String sqrt(String a) {
        return f.op(Reg.F64, "sqrt.rn.f64", a);
    }

    String neg(String a) {
        return f.op(Reg.F64, "neg.f64", a);
    }

    String abs(String a) {
        return f.op(Reg.F64, "abs.f64", a);
    }

    /** Round to the nearest integer, ties to even. */
    String rint(String a) {
        return f.op(Reg.F64, "cvt.rni.f64.f64", a);
    }

    /** Truncate toward zero, as a double. */
    String trunc(String a) {
        return f.op(Reg.F64, "cvt.rzi.f64.f64", a);
    }

    /** An integral double in int range, as an int. */
    String toInt(String a) {
        return f.op(Reg.B32, "cvt.rzi.s32.f64", a);
    }

    String fromInt(String i) {
        return f.op(Reg.F64, "cvt.rn.f64.s32", i);
    }

    String bits(String a) {
        return f.op(Reg.B64, "mov.b64", a);
    }

    String fromBits(String b) {
        return f.op(Reg.F64, "mov.b64", b);
    }

    /** {@code setp.<cmp>.f64}. */
    String cmp(String cmp, String a, String b) {
        return f.op(Reg.PRED, "setp." + cmp + ".f64", a, b);
    }

    /** {@code p ? a : b}. */
    String sel(String a, String b, String p) {
        return f.op(Reg.F64, "selp.f64", a, b, p);
    }

    String isel(String a, String b, String p) {
        return f.op(Reg.B32, "selp.b32", a, b, p);
    }

    String or(String p, String q) {
        return f.op(Reg.PRED, "or.pred", p, q);
    }

    String and(String p, String q) {
        return f.op(Reg.PRED, "and.pred", p, q);
    }

    String not(String p) {
        return f.op(Reg.PRED, "not.pred", p);
    }

    /** Integer (b32) instruction with a fresh destination. */
    String i(String opcode, String... operands) {
        return f.op(Reg.B32, opcode, operands);
    }

    /** Integer (b64) instruction with a fresh destination. */
    String l(String opcode, String... operands) {
        return f.op(Reg.B64, opcode, operands);
    }

    /** Integer (b32) comparison. */
    String icmp(String cmp, String a, String b) {
        return f.op(Reg.PRED, "setp." + cmp + ".s32", a, b);
    }

    /** Unsigned 64-bit comparison. */
    String ucmp(String cmp, String a, String b) {
        return f.op(Reg.PRED, "setp." + cmp + ".u64", a, b);
    }

    /** {@code 2^k} for an int {@code k} in [-1022, 1023]. */
    String pow2(String k) {
        String wide = f.op(Reg.B64, "cvt.s64.s32", k);
        String biased = l("add.s64", wide, "1023");
        return fromBits(l("shl.b64", biased, "52"));
    }

    /** {@code y * 2^k} for an int {@code k} in [-2044, 2046], rounded once. */
    String scale(String y, String k) {
        String k1 = i("shr.s32", k, "1");
        String k2 = i("sub.s32", k, k1);
        return mul(mul(y, pow2(k1)), pow2(k2));
    }

    /** {@code c[0] + x*(c[1] + x*(c[2] + ...))}, one fused step per coefficient. */
    String horner(String x, double... c) {
        String r = c(c[c.length - 1]);
        if (c.length == 1) return f.op(Reg.F64, "mov.f64", r);
        r = fma(r, x, c(c[c.length - 2]));
        for (int k = c.length - 3; k >= 0; k--) {
            r = fma(r, x, c(c[k]));
        }
        return r;
    }

    /** {@code s + e == a + b} exactly, {@code s = fl(a + b)}. */
    String[] twoSum(String a, String b) {
        String s = add(a, b);
        String bb = sub(s, a);
        String e = add(sub(a, sub(s, bb)), sub(b, bb));
        return new String[] {s, e};
    }

    /** {@code twoSum} for {@code |a| >= |b|} (or a == 0). */
    String[] fastTwoSum(String a, String b) {
        String s = add(a, b);
        String e = sub(b, sub(s, a));
        return new String[] {s, e};
    }

    /** {@code p + e == a * b} exactly (barring underflow). */
    String[] twoProd(String a, String b) {
        String p = mul(a, b);
        return new String[] {p, fma(a, b, neg(p))};
    }

    String clamp(String x, double lo, double hi) {
        return sel(c(lo), sel(c(hi), x, cmp("gt", x, c(hi))), cmp("lt", x, c(lo)));
    }

    /** Whether the sign bit of {@code x} is set (true for -0.0 too). */
    String signBit(String x) {
        return f.op(Reg.PRED, "setp.lt.s64", bits(x), "0");
    }

    /** {@code -x} where {@code p}, else {@code x}. */
    String negIf(String x, String p) {
        return sel(neg(x), x, p);
    }

    String isNan(String x) {
        return cmp("nan", x, x);
    }

    /** The address of module-scope symbol {@code name}. */
    String address(String name) {
        return l("mov.u64", name);
    }

    /** Defines a module-scope {@code .const} table of doubles (stored as exact bit patterns). */
    void doubleTable(String name, double[] values) {
        owner.table(name, () -> {
            StringBuilder sb = new StringBuilder(".const .align 8 .b64 " + name + "[" + values.length + "] = {");
            for (int i = 0; i < values.length; i++) {
                sb.append(i % 4 == 0 ? "\n\t" : " ").append(String.format("0x%016X", Double.doubleToRawLongBits(values[i])));
                if (i + 1 < values.length) sb.append(',');
            }
            return sb.append("\n};\n\n").toString();
        });
    }

    /** Taylor coefficients {@code sign^k / (first + step k)!} for k = 0 .. count-1, as doubles. */
    static double[] inverseFactorials(int first, int step, int count, boolean alternate) {
        double[] c = new double[count];
        for (int k = 0; k < count; k++) {
            int n = first + step * k;
            java.math.BigDecimal fact = java.math.BigDecimal.ONE;
            for (int j = 2; j <= n; j++) fact = fact.multiply(java.math.BigDecimal.valueOf(j));
            double v = java.math.BigDecimal.ONE.divide(fact, java.math.MathContext.DECIMAL128).doubleValue();
            c[k] = alternate && k % 2 == 1 ? -v : v;
        }
        return c;
    }

    // ------------------------------------------------------------ constants

    private static final java.math.MathContext MC = new java.math.MathContext(60);
    static final double INV_LN2 = java.math.BigDecimal.ONE.divide(HighPrecision.LN2, MC).doubleValue();
    /** ln 2 with a 32-bit significand: {@code k * LN2_HI} is exact for {@code |k| < 2^21}. */
    static final double LN2_HI = HighPrecision.truncated(HighPrecision.LN2, 32);
    static final double LN2_LO = HighPrecision.LN2.subtract(new java.math.BigDecimal(LN2_HI)).doubleValue();
    static final double[] LOG10_E = HighPrecision.split(java.math.BigDecimal.ONE.divide(HighPrecision.LN10, MC));
    static final double[] PI = HighPrecision.split(HighPrecision.PI);
    static final double[] PI_2 = HighPrecision.split(HighPrecision.PI.divide(java.math.BigDecimal.valueOf(2), MC));
    static final double PIO2_1 = PI_2[0];
    static final double PIO2_2 = PI_2[1];
    static final double PIO2_3 = HighPrecision.PI.divide(java.math.BigDecimal.valueOf(2), MC)
            .subtract(new java.math.BigDecimal(PIO2_1)).subtract(new java.math.BigDecimal(PIO2_2)).doubleValue();
    static final double TWO_OVER_PI = java.math.BigDecimal.valueOf(2).divide(HighPrecision.PI, MC).doubleValue();
    static final double INF = Double.POSITIVE_INFINITY;

    // ------------------------------------------------------------ exp family

    /**
     * {@code e^(xh + xl) = 2^k (1 + mh + ml)}: {@code k = rint(xh / ln 2)}, {@code r = x - k ln 2} in
     * double-double ({@code k * LN2_HI} is exact and so is its subtraction, by Sterbenz), then
     * {@code expm1(r)} by its Taylor series with the leading terms kept exact. Needs
     * {@code |xh| <= 800}. Returns {k (b32), mh, ml} with {@code |ml| <= ulp(mh)}.
     */
    String[] expCore(String xh, String xl) {
        String kd = rint(mul(xh, c(INV_LN2)));
        String k = toInt(kd);
        String rh = sub(xh, mul(kd, c(LN2_HI)));
        String s = sub(xl, mul(kd, c(LN2_LO)));
        String[] r = twoSum(rh, s);
        String a = mul(r[0], c(0.5));
        String hh = mul(a, r[0]);
        String hl = fma(a, r[0], neg(hh));
        String q = mul(mul(mul(r[0], r[0]), r[0]), horner(r[0], inverseFactorials(3, 1, floatPrecision ? 7 : 12, false)));
        String corr = fma(r[0], r[1], r[1]);
        String[] s1 = fastTwoSum(r[0], hh);
        String lo = add(s1[1], add(q, add(hl, corr)));
        String[] mm = fastTwoSum(s1[0], lo);
        return new String[] {k, mm[0], mm[1]};
    }

    static void exp(PtxMathLib m) {
        String x = m.arg(0);
        String[] e = m.expCore(m.clamp(x, -800, 800), c(0));
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
        String[] e = m.expCore(m.clamp(x, -800, 800), c(0));
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
    private static final double[] ATAN_TABLE = atanTable();
    private static final long[] TWO_OVER_PI_BITS = HighPrecision.twoOverPiWords(21);

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
    String[] logDD(String x) {
        doubleTable("__kiln_log_table", LOG_TABLE);
        String sub = cmp("lt", x, c(0x1p-1022));
        String xs = sel(mul(x, c(0x1p54)), x, sub);
        String b = bits(xs);
        String e = i("sub.s32", i("add.s32", f.op(Reg.B32, "cvt.u32.u64", l("shr.u64", b, "52")), isel("-54", "0", sub)), "1023");
        String m1 = fromBits(l("or.b64", l("and.b64", b, "0x000FFFFFFFFFFFFF"), "0x3FF0000000000000"));
        String big = cmp("gt", m1, c(Math.sqrt(2)));
        String m = sel(mul(m1, c(0.5)), m1, big);
        e = i("add.s32", e, isel("1", "0", big));
        String index = i("sub.s32", toInt(rint(mul(sub(m, c(1)), c(128)))), Integer.toString(LOG_TABLE_FIRST));
        String entry = l("add.s64", address("__kiln_log_table"), l("mul.wide.s32", index, "24"));
        String cInv = f.op(Reg.F64, "ld.const.f64", "[" + entry + "]");
        String lh = f.op(Reg.F64, "ld.const.f64", "[" + entry + "+8]");
        String ll = f.op(Reg.F64, "ld.const.f64", "[" + entry + "+16]");
        String p = mul(m, cInv);
        String pl = fma(m, cInv, neg(p));
        String[] r = fastTwoSum(sub(p, c(1)), pl);
        String a = mul(r[0], c(0.5));
        String qh = mul(a, r[0]);
        String ql = fma(a, r[0], neg(qh));
        int terms = floatPrecision ? 3 : 8;
        double[] coeffs = new double[terms];
        for (int k = 0; k < terms; k++) coeffs[k] = (k % 2 == 0 ? 1.0 : -1.0) / (k + 3);
        String poly = mul(mul(mul(r[0], r[0]), r[0]), horner(r[0], coeffs));
        String corr = fma(neg(r[1]), r[0], r[1]);
        String ed = fromInt(e);
        String[] s1 = twoSum(mul(ed, c(LN2_HI)), lh);
        String[] s2 = twoSum(s1[0], r[0]);
        String[] s3 = twoSum(s2[0], neg(qh));
        String lo = add(add(add(s1[1], s2[1]), s3[1]), add(fma(ed, c(LN2_LO), ll), add(sub(poly, ql), corr)));
        return fastTwoSum(s3[0], lo);
    }

    /** Java's special cases of log: NaN and negatives give NaN, zeros give -inf, +inf gives +inf. */
    String logSpecials(String x, String r) {
        r = sel(c(Double.NEGATIVE_INFINITY), r, cmp("eq", x, c(0)));
        r = sel(x, r, cmp("eq", x, c(INF)));
        r = sel(c(Double.NaN), r, cmp("lt", x, c(0)));
        return sel(x, r, isNan(x));
    }

    static void log(PtxMathLib m) {
        String x = m.arg(0);
        m.ret(m.logSpecials(x, m.logDD(x)[0]));
    }

    static void log10(PtxMathLib m) {
        String x = m.arg(0);
        String[] l = m.logDD(x);
        String p = m.mul(l[0], c(LOG10_E[0]));
        String pe = m.fma(l[0], c(LOG10_E[0]), m.neg(p));
        String r = m.add(p, m.add(pe, m.fma(l[0], c(LOG10_E[1]), m.mul(l[1], c(LOG10_E[0])))));
        m.ret(m.logSpecials(x, r));
    }

    static void log1p(PtxMathLib m) {
        String x = m.arg(0);
        String[] u = m.twoSum(c(1), x);
        String[] l = m.logDD(u[0]);
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
        String[] l = m.logDD(ax);
        String zh = m.mul(y, l[0]);
        String zl = m.fma(y, l[1], m.fma(y, l[0], m.neg(zh)));
        String zc = m.clamp(zh, -800, 800);
        String[] e = m.expCore(zc, m.sel(zl, c(0), m.cmp("eq", zc, zh)));
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

    // ------------------------------------------------------------ trigonometric

    /**
     * {@code x = q pi/2 + (rh + rl)}, {@code |rh + rl| <= pi/4} (about), returned as {q (b32), rh, rl}.
     * Up to 2^28 a three-part Cody-Waite reduction in which {@code x - n P1} is exact (fused, and a
     * multiple of 2^-52); above, Payne-Hanek: the 192 bits of 2/pi that matter for x's exponent times
     * x's 53-bit significand, in 64-bit integer arithmetic, keeping 190 fraction bits.
     */
    String[] remPio2(String x) {
        String ax = abs(x);
        String nd = rint(mul(ax, c(TWO_OVER_PI)));
        String r1 = fma(neg(nd), c(PIO2_1), ax);
        String[] ab = twoProd(nd, c(PIO2_2));
        String[] r0 = twoSum(r1, neg(ab[0]));
        String rest = sub(sub(r0[1], ab[1]), mul(nd, c(PIO2_3)));
        String[] r = fastTwoSum(r0[0], rest);
        String q = toInt(nd);
        String rh = f.op(Reg.F64, "mov.f64", r[0]);
        String rl = f.op(Reg.F64, "mov.f64", r[1]);
        String done = f.newLabel();
        String large = and(cmp("ge", ax, c(0x1p28)), cmp("lt", ax, c(INF)));
        f.insIf(large, true, "bra", done);
        String[] big = payneHanek(ax);
        f.ins("mov.b32", q, big[0]);
        f.ins("mov.f64", rh, big[1]);
        f.ins("mov.f64", rl, big[2]);
        f.label(done);
        String neg = signBit(x);
        return new String[] {isel(i("neg.s32", q), q, neg), negIf(rh, neg), negIf(rl, neg)};
    }

    private String[] payneHanek(String ax) {
        owner.table("__kiln_two_over_pi", () -> {
            long[] w = TWO_OVER_PI_BITS;
            StringBuilder sb = new StringBuilder(".const .align 8 .b64 __kiln_two_over_pi[" + w.length + "] = {");
            for (int i = 0; i < w.length; i++) {
                sb.append(i % 4 == 0 ? "\n\t" : " ").append(String.format("0x%016X", w[i])).append(i + 1 < w.length ? "," : "");
            }
            return sb.append("\n};\n\n").toString();
        });
        String b = bits(ax);
        String e = i("sub.s32", f.op(Reg.B32, "cvt.u32.u64", l("shr.u64", b, "52")), "1075");
        String mant = l("or.b64", l("and.b64", b, "0x000FFFFFFFFFFFFF"), "0x0010000000000000");
        // the window starts at bit e - 1 of 2/pi; the table has one zero word in front, so stream bit e + 62
        String m0 = i("add.s32", e, "62");
        String word = i("shr.s32", m0, "6");
        String s = i("and.b32", m0, "63");
        String inv = i("sub.s32", "64", s);
        String entry = l("add.s64", address("__kiln_two_over_pi"), l("mul.wide.s32", word, "8"));
        String[] t = new String[4];
        for (int k = 0; k < 4; k++) t[k] = l("ld.const.b64", "[" + entry + "+" + (8 * k) + "]");
        String w2 = l("or.b64", l("shl.b64", t[0], s), l("shr.u64", t[1], inv));
        String w1 = l("or.b64", l("shl.b64", t[1], s), l("shr.u64", t[2], inv));
        String w0 = l("or.b64", l("shl.b64", t[2], s), l("shr.u64", t[3], inv));
        // mant * (w2 w1 w0) modulo 2^192
        String p0 = l("mul.lo.u64", mant, w0);
        String h0 = l("mul.hi.u64", mant, w0);
        String p1 = l("add.u64", h0, l("mul.lo.u64", mant, w1));
        String carry = f.op(Reg.B64, "selp.b64", "1", "0", ucmp("lt", p1, h0));
        String p2 = l("add.u64", l("add.u64", l("mul.hi.u64", mant, w1), l("mul.lo.u64", mant, w2)), carry);
        String q = f.op(Reg.B32, "cvt.u32.u64", l("shr.u64", p2, "62"));
        String f2 = l("and.b64", p2, "0x3FFFFFFFFFFFFFFF");
        // a fraction of 1/2 or more rounds to the next quadrant: take 1 - fraction, negated
        String up = ucmp("ne", l("and.b64", f2, "0x2000000000000000"), "0");
        String n0 = l("add.u64", l("xor.b64", p0, "-1"), "1");
        String z0 = ucmp("eq", p0, "0");
        String n1 = l("add.u64", l("xor.b64", p1, "-1"), f.op(Reg.B64, "selp.b64", "1", "0", z0));
        String z1 = and(z0, ucmp("eq", p1, "0"));
        String n2 = l("and.b64", l("add.u64", l("xor.b64", f2, "-1"), f.op(Reg.B64, "selp.b64", "1", "0", z1)), "0x3FFFFFFFFFFFFFFF");
        String g0 = f.op(Reg.B64, "selp.b64", n0, p0, up);
        String g1 = f.op(Reg.B64, "selp.b64", n1, p1, up);
        String g2 = f.op(Reg.B64, "selp.b64", n2, f2, up);
        q = i("add.s32", q, isel("1", "0", up));
        // the fraction g2 2^-62 + g1 2^-126 + g0 2^-190 as a double-double, from six exact 32-bit pieces
        String[] limbs = {g2, g1, g0};
        String hi = null;
        String lo = c(0);
        for (int k = 0; k < 3; k++) {
            double scale = Math.scalb(1.0, -62 - 64 * k);
            String top = mul(f.op(Reg.F64, "cvt.rn.f64.u64", l("shr.u64", limbs[k], "32")), c(scale * 0x1p32));
            String bottom = mul(f.op(Reg.F64, "cvt.rn.f64.u64", l("and.b64", limbs[k], "0xFFFFFFFF")), c(scale));
            for (String part : new String[] {top, bottom}) {
                if (hi == null) {
                    hi = part;
                } else {
                    String[] ts = twoSum(hi, part);
                    hi = ts[0];
                    lo = add(lo, ts[1]);
                }
            }
        }
        String[] v = fastTwoSum(hi, lo);
        String rh = mul(v[0], c(PI_2[0]));
        String rl = add(fma(v[0], c(PI_2[0]), neg(rh)), fma(v[0], c(PI_2[1]), mul(v[1], c(PI_2[0]))));
        return new String[] {q, negIf(rh, up), negIf(rl, up)};
    }

    /** sin, cos and tan on a reduced argument as double-doubles; {@code mode} 0 sin, 1 cos, 2 tan. */
    static void trig(PtxMathLib m, int mode) {
        String x = m.arg(0);
        String[] red = m.remPio2(x);
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
    String[] atanCore(String th, String tl) {
        doubleTable("__kiln_atan_table", ATAN_TABLE);
        String inv = cmp("gt", th, c(1));
        String ih = div(c(1), th);
        String il = div(fma(neg(ih), tl, fma(neg(ih), th, c(1))), th);
        il = sel(c(0), il, cmp("eq", th, c(INF)));
        String ah = sel(ih, th, inv);
        String al = sel(il, tl, inv);
        // NaN and out-of-range arguments must not index outside the table
        String jd = rint(clamp(sel(c(0), mul(ah, c(8)), isNan(ah)), 0, 8));
        String cc = mul(jd, c(0.125));
        String entry = l("add.s64", address("__kiln_atan_table"), l("mul.wide.s32", toInt(jd), "16"));
        String bh = f.op(Reg.F64, "ld.const.f64", "[" + entry + "]");
        String bl = f.op(Reg.F64, "ld.const.f64", "[" + entry + "+8]");
        String[] n = twoSum(sub(ah, cc), al);
        String[] p = twoProd(cc, ah);
        String[] d = fastTwoSum(c(1), p[0]);
        String dl = add(d[1], fma(cc, al, p[1]));
        String uh = div(n[0], d[0]);
        String ul = div(fma(neg(uh), dl, add(fma(neg(uh), d[0], n[0]), n[1])), d[0]);
        String z = mul(uh, uh);
        int terms = floatPrecision ? 4 : 8;
        double[] coeffs = new double[terms];
        for (int k = 0; k < terms; k++) coeffs[k] = (k % 2 == 0 ? -1.0 : 1.0) / (2 * k + 3);
        String poly = mul(mul(uh, z), horner(z, coeffs));
        String[] s = twoSum(bh, uh);
        String rest = add(add(s[1], bl), fma(ul, sub(c(1), z), poly));
        String[] v = fastTwoSum(s[0], rest);
        String[] w = twoSum(c(PI_2[0]), neg(v[0]));
        String[] flipped = fastTwoSum(w[0], add(w[1], sub(c(PI_2[1]), v[1])));
        return new String[] {sel(flipped[0], v[0], inv), sel(flipped[1], v[1], inv)};
    }

    static void atan(PtxMathLib m) {
        String x = m.arg(0);
        String[] v = m.atanCore(m.abs(x), c(0));
        String r = m.negIf(m.add(v[0], v[1]), m.signBit(x));
        m.ret(m.sel(x, r, m.isNan(x)));
    }

    /** {@code sqrt(1 - a^2)} as a double-double, for {@code 0 <= a <= 1}. */
    String[] sqrtOneMinusSquare(String a) {
        String[] a2 = twoProd(a, a);
        String[] w = twoSum(c(1), neg(a2[0]));
        String wl = sub(w[1], a2[1]);
        String sh = sqrt(w[0]);
        String sl = div(add(fma(neg(sh), sh, w[0]), wl), add(sh, sh));
        return new String[] {sh, sel(c(0), sl, cmp("eq", sh, c(0)))};
    }

    /** asin(x) = atan(x / sqrt(1 - x^2)), every step in double-double. */
    static void asin(PtxMathLib m) {
        String x = m.arg(0);
        String a = m.abs(x);
        String[] s = m.sqrtOneMinusSquare(a);
        String th = m.div(a, s[0]);
        String tl = m.div(m.fma(m.neg(th), s[1], m.fma(m.neg(th), s[0], a)), s[0]);
        String[] v = m.atanCore(th, tl);
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
        String[] s = m.sqrtOneMinusSquare(a);
        String th = m.div(s[0], a);
        String tl = m.div(m.add(m.fma(m.neg(th), a, s[0]), s[1]), a);
        tl = m.sel(c(0), tl, m.cmp("eq", a, c(0)));
        String[] v = m.atanCore(th, tl);
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
        String[] v = m.atanCore(th, tl);
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

    // ------------------------------------------------------------ hyperbolic

    /** {@code e^a = 2^k (t + tl)} and {@code e^a - 1 = M} as double-doubles, for {@code 0 <= a <= 800}. */
    String[] expAndExpm1(String a) {
        String[] e = expCore(a, c(0));
        String[] t = fastTwoSum(c(1), e[1]);
        String tl = add(t[1], e[2]);
        String y = scale(t[0], e[0]);
        String yl = scale(tl, e[0]);
        String[] s = twoSum(y, c(-1));
        String[] mm = fastTwoSum(s[0], add(s[1], yl));
        return new String[] {e[0], t[0], tl, y, yl, mm[0], mm[1]};
    }

    /** sinh (mode 0) and cosh (mode 1); beyond |x| = 22 the other exponential no longer matters. */
    static void hyperbolic(PtxMathLib m, int mode) {
        String x = m.arg(0);
        String a = m.abs(x);
        String[] e = m.expAndExpm1(m.sel(c(800), a, m.cmp("gt", a, c(800))));
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
        String[] e = m.expAndExpm1(m.mul(m.sel(c(22), a, m.cmp("gt", a, c(22))), c(2)));
        String[] d = m.twoSum(e[5], c(2));
        String dl = m.add(d[1], e[6]);
        String qh = m.div(e[5], d[0]);
        String ql = m.div(m.fma(m.neg(qh), dl, m.add(m.fma(m.neg(qh), d[0], e[5]), e[6])), d[0]);
        String r = m.sel(c(1), m.add(qh, ql), m.cmp("ge", a, c(22)));
        r = m.negIf(r, m.signBit(x));
        m.ret(m.sel(x, r, m.isNan(x)));
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

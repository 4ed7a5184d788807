package io.kiln.ptx;

import io.kiln.ptx.PtxFunction.Reg;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Type;

import java.util.function.Consumer;

/**
 * A small assembler for math routines, the constants they share, and which routine serves which
 * function ({@link #body}). Each routine is written as a sequence of double-precision operations on
 * PTX virtual registers; the helper methods below name one instruction each ({@link #add},
 * {@link #fma}, ...) or one classic error-free transformation ({@link #twoSum}, {@link #twoProd}).
 * Routines that serve {@code float} operands run the same algorithm with {@link #floatPrecision} set,
 * which shortens the polynomials. The routines live with their families: {@link PtxExpLog} (exp, log,
 * pow, hyperbolic), {@link PtxTrig} (trigonometric and inverse), {@link PtxBitMath} (cbrt, hypot, fmod).
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
            case EXP -> PtxExpLog::exp;
            case EXPM1 -> PtxExpLog::expm1;
            case LOG -> PtxExpLog::log;
            case LOG10 -> PtxExpLog::log10;
            case LOG1P -> PtxExpLog::log1p;
            case POW -> PtxExpLog::pow;
            case SIN -> m -> PtxTrig.trig(m, 0);
            case COS -> m -> PtxTrig.trig(m, 1);
            case TAN -> m -> PtxTrig.trig(m, 2);
            case ATAN -> PtxTrig::atan;
            case ASIN -> PtxTrig::asin;
            case ACOS -> PtxTrig::acos;
            case ATAN2 -> PtxTrig::atan2;
            case SINH -> m -> PtxExpLog.hyperbolic(m, 0);
            case COSH -> m -> PtxExpLog.hyperbolic(m, 1);
            case TANH -> PtxExpLog::tanh;
            case CBRT -> PtxBitMath::cbrt;
            case HYPOT -> PtxBitMath::hypot;
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
}

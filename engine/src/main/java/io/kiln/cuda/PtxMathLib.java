package io.kiln.cuda;

import io.kiln.cuda.PtxFunction.Reg;
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
            default -> null;
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

    // ------------------------------------------------------------ routines

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

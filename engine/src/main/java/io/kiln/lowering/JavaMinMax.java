package io.kiln.lowering;

import io.kiln.ir.Type;

import java.util.Locale;

/**
 * Java's {@link Math#min}/{@link Math#max}, stated once for the back ends that cannot call the JDK:
 * the OpenCL C and PTX emitters use it for {@code MathFunction.MIN}/{@code MAX} calls, for the
 * combine step of {@code @Reduce} min/max, and inside their compare-and-swap loops for float atomic
 * min/max. (The {@code cpu} back end calls {@code Math.min}/{@code Math.max} themselves, which HotSpot
 * compiles to its own intrinsic and vectorises.)
 *
 * <h2>The rule</h2>
 * <ul>
 * <li>Integers ({@code int}, {@code long}): the signed minimum or maximum. Every GPU instruction set has
 * it exactly ({@code min.s32}; C's {@code a <= b ? a : b}).</li>
 * <li>Floats ({@code float}, {@code double}), three cases in this order:
 * <ol>
 * <li>if either operand is NaN, the result is NaN (Java leaves the payload open, and so do we);</li>
 * <li>if both are zeros, {@code -0.0} counts as below {@code +0.0}: min is {@code -0.0} when either is,
 * max is {@code +0.0} unless both are {@code -0.0}. On the bits, that is the OR (min) or the AND (max)
 * of the two operands, since two zeros differ only in the sign bit;</li>
 * <li>otherwise the ordinary comparison decides: no NaN is left, and two equal non-zero floats have
 * the same bits, so which of them is returned does not matter.</li>
 * </ol>
 * Subnormals are ordinary values here: no form below flushes them (no {@code .ftz}, no fast-math).</li>
 * </ul>
 * <h2>Why the obvious instructions are not used</h2>
 * OpenCL C's {@code fmin}/{@code fmax} and PTX's {@code min.f32}/{@code max.f32} follow IEEE 754-2008
 * {@code minNum}: a NaN operand is <em>ignored</em> ({@code fmin(NaN, 1) == 1}, Java says NaN), and they
 * may treat {@code -0.0} and {@code +0.0} as equal and return either. PTX's {@code min.NaN.f32} would
 * propagate NaN but needs {@code sm_80}, and Kiln targets {@code sm_75}. So both GPU forms are
 * compare-and-select with the two special cases made explicit, which every device computes exactly.
 */
public final class JavaMinMax {
    private JavaMinMax() {
    }

    // ---------------------------------------------------------------- OpenCL C

    /** The name of the OpenCL C helper function for {@code t} (floating only): {@code kiln_min_f32}, ... */
    public static String openClName(boolean min, Type t) {
        requireFloating(t);
        return "kiln_" + (min ? "min" : "max") + (t == Type.F32 ? "_f32" : "_f64");
    }

    /**
     * The OpenCL C definition of {@link #openClName}: {@code isnan} tests first (rule 1, the operand's
     * own NaN is returned, as Java's code does), then the zeros by the OR/AND of their bits through
     * {@code as_uint}/{@code as_ulong} (rule 2), then {@code <=}/{@code >=} (rule 3). {@code double}
     * needs {@code cl_khr_fp64}, which the caller enables.
     */
    public static String openClDefinition(boolean min, Type t) {
        String name = openClName(min, t);
        String c = t == Type.F32 ? "float" : "double";
        String u = t == Type.F32 ? "uint" : "ulong";
        return "/* Math." + (min ? "min" : "max") + "(" + c + ", " + c + "): NaN wins, " + (min ? "-0.0 < 0.0" : "0.0 > -0.0")
                + " (not fmin/fmax, which drop a NaN operand) */\n"
                + c + " " + name + "(" + c + " a, " + c + " b) {\n"
                + "    if (isnan(a)) return a;\n"
                + "    if (isnan(b)) return b;\n"
                + "    if (a == 0 && b == 0) return as_" + c + "(as_" + u + "(a) " + (min ? "|" : "&") + " as_" + u + "(b));\n"
                + "    return a " + (min ? "<=" : ">=") + " b ? a : b;\n"
                + "}\n";
    }

    /**
     * An OpenCL C expression for {@code min(a, b)} or {@code max(a, b)} of two {@code int} or {@code long}
     * expressions: C's signed comparison is Java's.
     */
    public static String openClIntegers(boolean min, String a, String b) {
        return "(" + a + (min ? " <= " : " >= ") + b + " ? " + a + " : " + b + ")";
    }

    // ---------------------------------------------------------------- PTX

    /**
     * Where the PTX form writes its instructions: {@code op(reg, opcode, operands)} emits
     * {@code opcode fresh, operands...} with a fresh register of class {@code reg} ({@code "pred"},
     * {@code "b32"}, {@code "b64"}, {@code "f32"} or {@code "f64"}, PTX's own register types) and
     * returns the register's name.
     */
    @FunctionalInterface
    public interface PtxOps {
        /** Emits {@code opcode dst, operands} into a fresh register of class {@code reg}; returns {@code dst}. */
        String op(String reg, String opcode, String... operands);
    }

    /**
     * Emits {@code min(a, b)} or {@code max(a, b)} of two registers of type {@code t} and returns the
     * register holding the result. Integers: one {@code min.s32}/{@code max.s64} (Java's signed rule).
     * Floats, without {@code min.f32} (which drops NaN, see the class comment):
     * <pre>
     *   r = selp(a, b, a &lt; b)            rule 3 ({@code setp.lt} is false on NaN; rule 1 overrides)
     *   r = selp(bits(a) | bits(b), r, a == 0 &amp;&amp; b == 0)   rule 2 (AND for max)
     *   r = selp(a + b, r, isnan(a) || isnan(b))   rule 1: {@code add.rn} of a NaN is a NaN
     * </pre>
     * Every instruction is exact: {@code setp} without {@code .ftz} compares subnormals, {@code selp}
     * and {@code mov} copy bits, and {@code add.rn} is used only where the sum is NaN anyway.
     */
    public static String ptx(PtxOps f, boolean min, Type t, String a, String b) {
        String s = t.name().toLowerCase(Locale.ROOT).replace('i', 's');
        if (!t.isFloating()) return f.op(t == Type.I64 ? "b64" : "b32", (min ? "min." : "max.") + s, a, b);
        String reg = t == Type.F32 ? "f32" : "f64";
        String bitsReg = t == Type.F32 ? "b32" : "b64";
        String zeroConst = t == Type.F32 ? "0f00000000" : "0d0000000000000000";
        String pick = f.op("pred", "setp." + (min ? "lt." : "gt.") + s, a, b);
        String r = f.op(reg, "selp." + s, a, b, pick);
        String zeros = f.op("pred", "and.pred", f.op("pred", "setp.eq." + s, a, zeroConst), f.op("pred", "setp.eq." + s, b, zeroConst));
        String ab = f.op(bitsReg, "mov." + bitsReg, a);
        String bb = f.op(bitsReg, "mov." + bitsReg, b);
        String zero = f.op(reg, "mov." + bitsReg, f.op(bitsReg, (min ? "or." : "and.") + bitsReg, ab, bb));
        r = f.op(reg, "selp." + s, zero, r, zeros);
        String nan = f.op("pred", "setp.nan." + s, a, b);
        return f.op(reg, "selp." + s, f.op(reg, "add.rn." + s, a, b), r, nan);
    }

    private static void requireFloating(Type t) {
        if (!t.isFloating()) {
            throw new IllegalArgumentException("Java's float min/max rule applies to F32 and F64, not " + t
                    + "; use openClIntegers for integers");
        }
    }
}

package io.kiln.lowering;

import io.kiln.ir.Type;

/**
 * {@link Math#rint} (and {@link Math#floor} and {@link Math#ceil} built on it) (round to the nearest integer, ties to even, {@code -0.0}, infinities and NaN kept),
 * stated once for OpenCL C as the JDK states it in {@link StrictMath#rint}: for {@code |a| < 2^52}
 * ({@code 2^23} in float), {@code (2^52 + |a|) - 2^52} rounds {@code |a|} to an integer in the default
 * rounding mode, and the sign is put back with a multiplication, which also keeps {@code -0.0}; larger
 * magnitudes, infinities and NaN are already integral (or NaN) and pass through.
 * <h2>Why not OpenCL's {@code rint}</h2>
 * PoCL 3.1 miscompiles {@code rint} of a constant it can see (found by the differential fuzzer, seed
 * {@code -3901407634389870242}): {@code double v = 9.1e18; out[i] = (float) Math.rint(v); v = 1; ...}
 * left every output of the kernel 0, the unrelated stores too, for constants of magnitude {@code >= 2^52}
 * and NaN, as if the folded call were undefined behaviour. Kiln's own constant folding does not see the
 * constant there (the variable has two assignments), and no folding can see every constant the device
 * compiler derives, so the OpenCL C form avoids the built-in altogether: additions, a comparison and
 * {@code copysign}/{@code fabs}, which every compiler folds exactly ({@code FP_CONTRACT OFF}, no fast-math).
 * The PTX emitter keeps {@code cvt.rni} (exact, and ptxas folds it correctly); the {@code cpu} back end
 * calls {@code Math.rint}, and {@code io.kiln.passes.ConstantFolding} folds with {@code StrictMath.rint}.
 */
public final class JavaRint {
    private JavaRint() {
    }

    /** The name of the OpenCL C helper for {@code t} ({@link Type#F32} or {@link Type#F64}). */
    public static String openClName(Type t) {
        requireFloating(t);
        return t == Type.F32 ? "kiln_rint_f32" : "kiln_rint_f64";
    }

    /** The OpenCL C definition of {@link #openClName}; {@code double} needs {@code cl_khr_fp64}, which the caller enables. */
    public static String openClDefinition(Type t) {
        requireFloating(t);
        String c = t == Type.F32 ? "float" : "double";
        String big = t == Type.F32 ? "0x1.0p23f" : "0x1.0p52";
        String one = t == Type.F32 ? "1.0f" : "1.0";
        return "/* Math.rint as StrictMath.rint computes it: (2^p + |a|) - 2^p rounds to nearest even (not rint(), which PoCL\n"
                + "   miscompiles for constants >= 2^52 and NaN: see io.kiln.lowering.JavaRint) */\n"
                + c + " " + openClName(t) + "(" + c + " a) {\n"
                + "    " + c + " sign = copysign(" + one + ", a);\n"
                + "    " + c + " x = fabs(a);\n"
                + "    if (x < " + big + ") x = (" + big + " + x) - " + big + ";\n"
                + "    return sign * x;\n"
                + "}\n";
    }

    /**
     * The name of the OpenCL C helper for {@link Math#floor} ({@code floor}) or {@link Math#ceil}: built
     * on {@link #openClName(Type)}'s rint, for the same reason (PoCL 3.1 folds {@code floor} of a NaN it
     * can see to 0.0: differential fuzzer, work-group seed {@code -1110636032259229493}, {@code v -= NaN;
     * ... Math.floor(v)} across a barrier). The rint is exact; one step of 1 where it overshoots is exact
     * below 2^52 (2^23), and {@code copysign} keeps Java's sign of a zero result ({@code ceil(-0.5)} is
     * {@code -0.0}); NaN and infinities pass through the rint and fail both comparisons.
     */
    public static String openClName(boolean floor, Type t) {
        requireFloating(t);
        return (floor ? "kiln_floor_" : "kiln_ceil_") + (t == Type.F32 ? "f32" : "f64");
    }

    /** The OpenCL C definition of {@link #openClName(boolean, Type)}; it calls {@link #openClName(Type)}, defined first. */
    public static String openClDefinition(boolean floor, Type t) {
        requireFloating(t);
        String c = t == Type.F32 ? "float" : "double";
        String one = t == Type.F32 ? "1.0f" : "1.0";
        return "/* Math." + (floor ? "floor" : "ceil") + " from the exact rint (not " + (floor ? "floor" : "ceil")
                + "(), which PoCL folds to 0 for a NaN it can see: io.kiln.lowering.JavaRint) */\n"
                + c + " " + openClName(floor, t) + "(" + c + " a) {\n"
                + "    " + c + " r = " + openClName(t) + "(a);\n"
                + "    return r " + (floor ? ">" : "<") + " a ? copysign(r " + (floor ? "-" : "+") + " " + one + ", a) : r;\n"
                + "}\n";
    }

    private static void requireFloating(Type t) {
        if (!t.isFloating()) throw new IllegalArgumentException("Math.rint is defined on F32 and F64, not " + t);
    }
}

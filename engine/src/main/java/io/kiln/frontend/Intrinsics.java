package io.kiln.frontend;

import io.kiln.ir.MathFunction;
import io.kiln.ir.WorkItemQuery;

import java.util.Map;

/**
 * The JDK and Kiln methods that compile to dedicated IR instructions. Every other static method,
 * JDK methods included, is inlined from its own bytecode, which keeps Java's exact semantics.
 */
final class Intrinsics {
    private Intrinsics() {
    }

    private static final Map<String, MathFunction> DOUBLE_MATH = Map.ofEntries(
            Map.entry("sqrt", MathFunction.SQRT), Map.entry("cbrt", MathFunction.CBRT),
            Map.entry("exp", MathFunction.EXP), Map.entry("expm1", MathFunction.EXPM1),
            Map.entry("log", MathFunction.LOG), Map.entry("log10", MathFunction.LOG10),
            Map.entry("log1p", MathFunction.LOG1P), Map.entry("pow", MathFunction.POW),
            Map.entry("sin", MathFunction.SIN), Map.entry("cos", MathFunction.COS),
            Map.entry("tan", MathFunction.TAN), Map.entry("asin", MathFunction.ASIN),
            Map.entry("acos", MathFunction.ACOS), Map.entry("atan", MathFunction.ATAN),
            Map.entry("atan2", MathFunction.ATAN2), Map.entry("sinh", MathFunction.SINH),
            Map.entry("cosh", MathFunction.COSH), Map.entry("tanh", MathFunction.TANH),
            Map.entry("hypot", MathFunction.HYPOT), Map.entry("floor", MathFunction.FLOOR),
            Map.entry("ceil", MathFunction.CEIL), Map.entry("rint", MathFunction.RINT));

    /** The math function for a call, or {@code null}. */
    static MathFunction math(String owner, String name, String descriptor) {
        if (!owner.equals("java/lang/Math") && !owner.equals("java/lang/StrictMath")) {
            return null;
        }
        if (name.equals("abs") && (descriptor.equals("(F)F") || descriptor.equals("(D)D"))) {
            return MathFunction.ABS;
        }
        if (name.equals("fma") && (descriptor.equals("(FFF)F") || descriptor.equals("(DDD)D"))) {
            return MathFunction.FMA;
        }
        if (name.equals("min") || name.equals("max")) {
            // all four overloads, StrictMath's too (it delegates to Math): Java's rule, see MathFunction.MIN
            boolean typed = descriptor.equals("(II)I") || descriptor.equals("(JJ)J") || descriptor.equals("(FF)F") || descriptor.equals("(DD)D");
            return typed ? (name.equals("min") ? MathFunction.MIN : MathFunction.MAX) : null;
        }
        MathFunction f = DOUBLE_MATH.get(name);
        if (f == null) return null;
        String expected = f.arity() == 1 ? "(D)D" : "(DD)D";
        return descriptor.equals(expected) ? f : null;
    }

    /** Whether the call reinterprets bits ({@code Float.floatToRawIntBits} and friends). */
    static boolean isBitCast(String owner, String name, String descriptor) {
        return (owner.equals("java/lang/Float") && (name.equals("floatToRawIntBits") && descriptor.equals("(F)I")
                        || name.equals("intBitsToFloat") && descriptor.equals("(I)F")))
                || (owner.equals("java/lang/Double") && (name.equals("doubleToRawLongBits") && descriptor.equals("(D)J")
                        || name.equals("longBitsToDouble") && descriptor.equals("(J)D")));
    }

    /** A {@code KernelContext} query: the query and its dimension, or {@code null}. */
    static WorkItemCall workItem(String name) {
        return switch (name) {
            case "globalIdx" -> new WorkItemCall(WorkItemQuery.GLOBAL_ID, 0);
            case "globalIdy" -> new WorkItemCall(WorkItemQuery.GLOBAL_ID, 1);
            case "globalIdz" -> new WorkItemCall(WorkItemQuery.GLOBAL_ID, 2);
            case "globalSizeX" -> new WorkItemCall(WorkItemQuery.GLOBAL_SIZE, 0);
            case "globalSizeY" -> new WorkItemCall(WorkItemQuery.GLOBAL_SIZE, 1);
            case "globalSizeZ" -> new WorkItemCall(WorkItemQuery.GLOBAL_SIZE, 2);
            case "localIdx" -> new WorkItemCall(WorkItemQuery.LOCAL_ID, 0);
            case "localIdy" -> new WorkItemCall(WorkItemQuery.LOCAL_ID, 1);
            case "localIdz" -> new WorkItemCall(WorkItemQuery.LOCAL_ID, 2);
            case "localSizeX" -> new WorkItemCall(WorkItemQuery.LOCAL_SIZE, 0);
            case "localSizeY" -> new WorkItemCall(WorkItemQuery.LOCAL_SIZE, 1);
            case "localSizeZ" -> new WorkItemCall(WorkItemQuery.LOCAL_SIZE, 2);
            case "groupIdx" -> new WorkItemCall(WorkItemQuery.GROUP_ID, 0);
            case "groupIdy" -> new WorkItemCall(WorkItemQuery.GROUP_ID, 1);
            case "groupIdz" -> new WorkItemCall(WorkItemQuery.GROUP_ID, 2);
            case "numGroupsX" -> new WorkItemCall(WorkItemQuery.NUM_GROUPS, 0);
            case "numGroupsY" -> new WorkItemCall(WorkItemQuery.NUM_GROUPS, 1);
            case "numGroupsZ" -> new WorkItemCall(WorkItemQuery.NUM_GROUPS, 2);
            default -> null;
        };
    }

    record WorkItemCall(WorkItemQuery query, int dim) {
    }

    /**
     * Values of JDK {@code static final} fields that are not compile-time constants and that
     * reflection cannot read (java.base does not open its packages).
     */
    static Object knownJdkConstant(String owner, String name) {
        return switch (owner + "." + name) {
            case "java/lang/Math.negativeZeroFloatBits", "java/lang/StrictMath.negativeZeroFloatBits" -> Float.floatToRawIntBits(-0.0f);
            case "java/lang/Math.negativeZeroDoubleBits", "java/lang/StrictMath.negativeZeroDoubleBits" -> Double.doubleToRawLongBits(-0.0d);
            default -> null;
        };
    }
}

package io.kiln.openclc;

import io.kiln.ir.AtomicOp;
import io.kiln.ir.ElementType;
import io.kiln.ir.Type;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The helper functions of one OpenCL C program, each defined once before the kernel and named
 * {@code kiln_*}: Java's integer division and remainder, {@code Math.pow}'s special cases, Java's
 * float min/max ({@link io.kiln.lowering.JavaMinMax}), {@code rint} and {@code hypot}, the bounds-check
 * and print records, and the compare-and-swap loops ({@link io.kiln.lowering.CompareAndSwap}) of float
 * atomics and {@code @Reduce} combines. Separate from {@link OpenClEmitter} because these are the
 * expansions of Java rules OpenCL C lacks, text that depends on a type and an operation only, never
 * on an instruction's operands; one instance per program keeps each definition single.
 */
final class OpenClHelpers {
    private final Map<String, String> helpers = new LinkedHashMap<>();
    private boolean usesDouble;

    /** The definitions registered so far, in the order they were first needed. */
    Collection<String> definitions() {
        return helpers.values();
    }

    /** Whether a definition uses {@code double} (the program then needs {@code cl_khr_fp64}). */
    boolean usesDouble() {
        return usesDouble;
    }

    /** Registers a helper function by name and returns the name. */
    String helper(String name) {
        if (helpers.containsKey(name)) return name;
        String code = switch (name) {
            case "kiln_div_i32" -> "/* Java int division: MIN_VALUE / -1 == MIN_VALUE; x / 0 is 0 in a kernel (Java throws) */\n"
                    + "int kiln_div_i32(int a, int b) { return b == 0 ? 0 : (b == -1 ? as_int(0u - as_uint(a)) : a / b); }\n";
            case "kiln_rem_i32" -> "/* Java int remainder: MIN_VALUE % -1 == 0; x % 0 is 0 in a kernel (Java throws) */\n"
                    + "int kiln_rem_i32(int a, int b) { return (b == 0 || b == -1) ? 0 : a % b; }\n";
            case "kiln_div_i64" -> "/* Java long division: MIN_VALUE / -1 == MIN_VALUE; x / 0 is 0 in a kernel (Java throws) */\n"
                    + "long kiln_div_i64(long a, long b) { return b == 0L ? 0L : (b == -1L ? as_long(0UL - as_ulong(a)) : a / b); }\n";
            case "kiln_rem_i64" -> "/* Java long remainder: MIN_VALUE % -1 == 0; x % 0 is 0 in a kernel (Java throws) */\n"
                    + "long kiln_rem_i64(long a, long b) { return (b == 0L || b == -1L) ? 0L : a % b; }\n";
            case "kiln_pow_f32" -> "/* Math.pow: Java gives NaN for pow(+-1, +-Inf) and pow(1, NaN), C gives 1 */\n"
                    + "float kiln_pow_f32(float x, float y) { return ((x == 1.0f || x == -1.0f) && !isfinite(y)) ? y - y : pow(x, y); }\n";
            case "kiln_pow_f64" -> {
                usesDouble = true;
                yield "/* Math.pow: Java gives NaN for pow(+-1, +-Inf) and pow(1, NaN), C gives 1 */\n"
                        + "double kiln_pow_f64(double x, double y) { return ((x == 1.0 || x == -1.0) && !isfinite(y)) ? y - y : pow(x, y); }\n";
            }
            case "kiln_min_f32", "kiln_max_f32", "kiln_min_f64", "kiln_max_f64" -> {
                boolean f32 = name.endsWith("f32");
                if (!f32) usesDouble = true;
                yield io.kiln.lowering.JavaMinMax.openClDefinition(name.contains("min"), f32 ? Type.F32 : Type.F64);
            }
            case "kiln_rint_f32" -> io.kiln.lowering.JavaRint.openClDefinition(Type.F32);
            case "kiln_rint_f64" -> {
                usesDouble = true;
                yield io.kiln.lowering.JavaRint.openClDefinition(Type.F64);
            }
            case "kiln_floor_f32", "kiln_ceil_f32", "kiln_floor_f64", "kiln_ceil_f64" -> {
                Type t = name.endsWith("f32") ? Type.F32 : Type.F64;
                if (t == Type.F64) usesDouble = true;
                helper(io.kiln.lowering.JavaRint.openClName(t)); // defined before its caller
                yield io.kiln.lowering.JavaRint.openClDefinition(name.contains("floor"), t);
            }
            case io.kiln.lowering.JavaHypot.OPENCL_NAME -> {
                usesDouble = true;
                yield io.kiln.lowering.JavaHypot.openClDefinition();
            }
            case "kiln_oob" -> "/* records the first out-of-bounds access of the launch: one compare-and-swap 0 -> 1 of the flag, then its data */\n"
                    + "void kiln_oob(__global int* err, int array, int line, long index, long length) {\n"
                    + "    if (atomic_cmpxchg((volatile __global int*)err, 0, 1) == 0) {\n"
                    + "        err[1] = array; err[2] = line;\n"
                    + "        err[3] = (int)index; err[4] = (int)(index >> 32);\n"
                    + "        err[5] = (int)length; err[6] = (int)(length >> 32);\n"
                    + "    }\n"
                    + "}\n";
            case "kiln_print_reserve" -> "/* claims n words of the print buffer (io.kiln.spi.PrintBuffer): the record's index, or -1 when it\n"
                    + "   does not fit (then counted as dropped); the first test keeps the cursor from running far past the end */\n"
                    + "int kiln_print_reserve(__global int* buf, int n) {\n"
                    + "    int cap = buf[2];\n"
                    + "    if (*(volatile __global int*)buf <= cap - n) {\n"
                    + "        int o = atomic_add((volatile __global int*)buf, n);\n"
                    + "        if (o <= cap - n) return 4 + o;\n"
                    + "    }\n"
                    + "    atomic_inc((volatile __global int*)buf + 1);\n"
                    + "    return -1;\n"
                    + "}\n";
            default -> throw new IllegalStateException("unknown helper " + name);
        };
        helpers.put(name, code);
        return name;
    }

    /** Java's {@code Math.min}/{@code Math.max} (the rule is {@link io.kiln.lowering.JavaMinMax}'s). */
    String minMax(ElementType et, boolean min, String a, String b) {
        return switch (et) {
            case INT, LONG -> io.kiln.lowering.JavaMinMax.openClIntegers(min, a, b);
            case FLOAT -> helper(io.kiln.lowering.JavaMinMax.openClName(min, Type.F32)) + "(" + a + ", " + b + ")";
            case DOUBLE -> helper(io.kiln.lowering.JavaMinMax.openClName(min, Type.F64)) + "(" + a + ", " + b + ")";
            default -> throw new IllegalStateException();
        };
    }

    /** {@code a op b} with Java semantics. */
    String combine(io.kiln.ir.ReduceOp op, ElementType et, String a, String b) {
        return switch (op) {
            case ADD -> switch (et) {
                case INT -> "as_int(as_uint(" + a + ") + as_uint(" + b + "))";
                case LONG -> "as_long(as_ulong(" + a + ") + as_ulong(" + b + "))";
                default -> a + " + " + b;
            };
            case MUL -> switch (et) {
                case INT -> "as_int(as_uint(" + a + ") * as_uint(" + b + "))";
                case LONG -> "as_long(as_ulong(" + a + ") * as_ulong(" + b + "))";
                default -> a + " * " + b;
            };
            case MIN -> minMax(et, true, a, b);
            case MAX -> minMax(et, false, a, b);
        };
    }

    /** A float/double read-modify-write in global or local memory: {@link io.kiln.lowering.CompareAndSwap}'s loop. */
    String casHelper(AtomicOp op, ElementType et, String space) {
        boolean f32 = et == ElementType.FLOAT;
        String t = f32 ? "float" : "double";
        String name = "kiln_atomic_" + op.name().toLowerCase(java.util.Locale.ROOT) + "_" + (f32 ? "f32" : "f64") + "_"
                + (space.equals("__local") ? "local" : "global");
        if (!helpers.containsKey(name)) {
            helpers.put(name, io.kiln.lowering.CompareAndSwap.openClDefinition(name, "atomic " + op + " on " + t + " (Java semantics)",
                    t, space, old -> switch (op) {
                        case ADD -> old + " + v";
                        case MIN -> minMax(et, true, old, "v");
                        case MAX -> minMax(et, false, old, "v");
                        default -> throw new IllegalStateException();
                    }));
        }
        return name;
    }

    /** Combines a value into global memory with {@code op}, for any element type: {@link io.kiln.lowering.CompareAndSwap}'s loop. */
    String reduceCasHelper(io.kiln.ir.ReduceOp op, ElementType et, String t) {
        String name = "kiln_reduce_" + op.name().toLowerCase(java.util.Locale.ROOT) + "_" + t;
        if (!helpers.containsKey(name)) {
            helpers.put(name, io.kiln.lowering.CompareAndSwap.openClDefinition(name, "combines v into *p with " + op + " (Java semantics)",
                    t, "__global", old -> combine(op, et, old, "v")));
        }
        return name;
    }
}

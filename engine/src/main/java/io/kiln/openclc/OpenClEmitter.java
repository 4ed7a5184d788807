package io.kiln.openclc;

import io.kiln.KernelCompilationException;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Param;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;
import io.kiln.lowering.ReductionTree;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Translates a {@link KernelIR} into one OpenCL C 1.2 program holding one {@code __kernel}.
 * <p>The kernel keeps the IR's control-flow graph: each block becomes a label and every jump a
 * {@code goto}; every IR variable is declared once at the top of the kernel. Each IR instruction
 * becomes one C statement that computes exactly what Java computes:
 * <ul>
 * <li>{@code int}/{@code long} {@code + - *}, negation and left shifts are done in the unsigned type
 *     and reinterpreted with {@code as_int}/{@code as_long}, so they wrap instead of being undefined;</li>
 * <li>shift counts are masked ({@code & 31}, {@code & 63}); {@code >>>} shifts the unsigned type;</li>
 * <li>{@code /} and {@code %} go through helpers giving {@code MIN_VALUE / -1 == MIN_VALUE},
 *     {@code MIN_VALUE % -1 == 0}, and 0 for a zero divisor (Java throws; a kernel cannot);</li>
 * <li>float to integer conversions are {@code convert_*_sat_rtz} with NaN selected to 0;</li>
 * <li>float constants are written as hexadecimal literals or, for NaN and infinities, as bit
 *     patterns through {@code as_float}/{@code as_double}, so every bit survives;</li>
 * <li>{@code #pragma OPENCL FP_CONTRACT OFF} stops the compiler fusing {@code a*b+c} into an FMA;</li>
 * <li>{@code Math.pow} is wrapped where C and Java disagree ({@code pow(1, NaN)} and
 *     {@code pow(±1, ±Inf)} are NaN in Java, 1 in C).</li>
 * </ul>
 * The emitter needs no device; {@link Output} says which optional device features the program uses.
 */
public final class OpenClEmitter {

    /**
     * The generated program and the device features it needs.
     *
     * @param source            OpenCL C source
     * @param kernelName        the {@code __kernel} function's name ({@link KernelIR#symbolName()})
     * @param fp64              whether it uses {@code double} ({@code cl_khr_fp64})
     * @param int64Atomics      whether it uses 64-bit atomic add/exchange/compare-exchange
     *                          ({@code cl_khr_int64_base_atomics})
     * @param int64MinMaxAtomics whether it uses 64-bit atomic min/max ({@code cl_khr_int64_extended_atomics})
     */
    public record Output(String source, String kernelName, boolean fp64, boolean int64Atomics, boolean int64MinMaxAtomics) {}

    /** Identifiers the generated code may use for its own purposes: user names must not shadow them. */
    private static final Set<String> RESERVED = Set.of(
            // C99 and OpenCL C keywords, qualifiers and type names
            "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
            "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
            "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
            "volatile", "while", "bool", "half", "uchar", "ushort", "uint", "ulong", "size_t", "ptrdiff_t",
            "intptr_t", "uintptr_t", "global", "local", "constant", "private", "kernel", "read_only",
            "write_only", "read_write", "image1d_t", "image2d_t", "image3d_t", "sampler_t", "event_t",
            "true", "false", "complex", "imaginary", "vec_step", "main",
            // built-ins this emitter calls
            "as_int", "as_uint", "as_long", "as_ulong", "as_float", "as_double", "as_char", "as_short",
            "convert_float_rte", "convert_double_rte", "convert_double", "convert_int_sat_rtz",
            "convert_long_sat_rtz", "isnan", "isfinite", "fmod", "sqrt", "cbrt", "exp", "expm1", "log", "log10",
            "log1p", "pow", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
            "hypot", "floor", "ceil", "rint", "fma", "fabs", "get_global_id", "get_global_size", "get_local_id",
            "get_local_size", "get_group_id", "get_num_groups", "barrier", "atomic_add", "atomic_min",
            "atomic_max", "atomic_xchg", "atomic_cmpxchg", "atom_add", "atom_min", "atom_max", "atom_xchg",
            "atom_cmpxchg");

    /** Names the preprocessor or the type system may claim: macros are upper case, vector types end in digits. */
    private static final Pattern RESERVED_SHAPE = Pattern.compile(
            "[A-Z0-9_]+|__.*|kiln_.*|(u?char|u?short|u?int|u?long|float|double|half|bool)[0-9]+");

    private final KernelIR ir;
    private final String[] varNames;
    private final String[] arrayNames;
    private final boolean[] paramVar;
    private final boolean[] bitsTable;
    private final Set<String> used = new HashSet<>();
    /** The helper functions this program needs, each defined once before the kernel. */
    private final OpenClHelpers helpers = new OpenClHelpers();
    private final Set<Integer> jumpTargets = new HashSet<>();
    /** The source line of the instruction or terminator being emitted, for {@link #unsupported}. */
    private int line;
    private boolean fp64;
    private boolean int64Atomics;
    private boolean int64MinMaxAtomics;

    /** The error-record parameter of a kernel with bounds checks (see {@link io.kiln.frontend.BoundsChecks}). */
    private static final String ERROR_RECORD = "kiln_err";
    /** The print-buffer parameter of a kernel that prints (see {@link io.kiln.spi.PrintBuffer}). */
    private static final String PRINT_BUFFER = "kiln_print";

    private OpenClEmitter(KernelIR ir) {
        this.ir = ir;
        this.varNames = new String[ir.vars().size()];
        this.arrayNames = new String[ir.arrays().size()];
        this.paramVar = new boolean[ir.vars().size()];
        this.bitsTable = new boolean[ir.arrays().size()];
        used.add(ir.symbolName());
        used.add(ERROR_RECORD);
        used.add(PRINT_BUFFER);
        for (Var v : ir.vars()) {
            // Every variable ends in _<id>, which keeps them unique and away from built-in names.
            String name = sanitize(v.name(), "v") + "_" + v.id();
            varNames[v.id()] = name;
            used.add(name);
        }
        for (ArrayRef a : ir.arrays()) {
            String base = sanitize(a.name(), "array");
            String name = base;
            if (RESERVED.contains(name) || RESERVED_SHAPE.matcher(name).matches() || used.contains(name)
                    || used.contains(name + "_len")) {
                name = base + "_a" + a.id();
            }
            arrayNames[a.id()] = name;
            used.add(name);
            used.add(name + "_len");
        }
        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar s) {
                paramVar[s.var().id()] = true;
            }
        }
        // Float tables holding NaN or infinities are stored as raw bits: C has no exact literal for them
        // that is a constant expression. Decided before any load is emitted.
        for (ArrayRef a : ir.arrays()) {
            if (a.space() != AddressSpace.CONSTANT) continue;
            ElementType et = a.element();
            if (et != ElementType.FLOAT && et != ElementType.DOUBLE) continue;
            List<Long> bits = a.id() < ir.constants().size() ? ir.constants().get(a.id()) : List.of();
            for (long b : bits) {
                double v = et == ElementType.FLOAT ? Float.intBitsToFloat((int) b) : Double.longBitsToDouble(b);
                if (!Double.isFinite(v)) bitsTable[a.id()] = true;
            }
        }
    }

    /** Generates the OpenCL C program of {@code ir}. */
    public static Output emit(KernelIR ir) {
        try {
            return new OpenClEmitter(ir).generate();
        } catch (KernelCompilationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KernelCompilationException(ir.displayName() + ": the OpenCL C emitter cannot translate this kernel's IR: " + e, e);
        }
    }

    private static String sanitize(String name, String fallback) {
        String s = name == null ? "" : name.replaceAll("[^A-Za-z0-9_]", "_");
        if (s.isEmpty()) return fallback;
        if (!Character.isLetter(s.charAt(0))) s = fallback + s;
        return s;
    }

    /** A construct the OpenCL C emitter refuses, named with the kernel and the source line of the instruction being emitted. */
    private KernelCompilationException unsupported(String what) {
        return new KernelCompilationException(ir.at(line) + ": " + what);
    }

    // ---------------------------------------------------------------- program structure

    private Output generate() {
        for (Block b : ir.blocks()) {
            jumpTargets.addAll(b.terminator().successors());
        }
        String kernel = kernelFunction();
        String tables = constantTables();
        StringBuilder out = new StringBuilder();
        out.append("/*\n * Kiln kernel ").append(ir.ownerClass()).append('.').append(ir.methodName()).append(ir.descriptor())
                .append("\n * kind ").append(ir.kind()).append(", generated by Kiln's OpenCL C emitter from the Java bytecode.\n")
                .append(" * Integer arithmetic is done in unsigned types so that it wraps like Java;\n")
                .append(" * shift counts are masked like Java's; float constants are exact hexadecimal literals or bit patterns.\n */\n");
        out.append("#pragma OPENCL FP_CONTRACT OFF\n");
        fp64 |= helpers.usesDouble();
        if (fp64) out.append("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n");
        if (int64Atomics) out.append("#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable\n");
        if (int64MinMaxAtomics) out.append("#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable\n");
        out.append('\n');
        if (!tables.isEmpty()) out.append(tables).append('\n');
        for (String h : helpers.definitions()) {
            out.append(h).append('\n');
        }
        out.append(kernel);
        return new Output(out.toString(), ir.symbolName(), fp64, int64Atomics, int64MinMaxAtomics);
    }

    /** The Java class of an off-heap array of {@code e} ({@code FloatArray}), for comments. */
    private static String offHeapClass(ElementType e) {
        String j = e.javaName();
        return Character.toUpperCase(j.charAt(0)) + j.substring(1) + "Array";
    }

    private String kernelFunction() {
        StringBuilder sb = new StringBuilder();
        List<String> params = new ArrayList<>();
        for (Param p : ir.params()) {
            switch (p) {
                case Param.Scalar s -> params.add(type(s.var().type()) + " " + varNames[s.var().id()]
                        + " /* " + s.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + s.name() + " */");
                case Param.Array a -> {
                    ArrayRef ref = a.array();
                    String n = arrayNames[ref.id()];
                    // Kernel ABI: a Java array is (pointer, int length), an off-heap array (pointer, long length);
                    // an off-heap index may be long, which C indexing takes as it is.
                    String javaType = ref.isOffHeap() ? offHeapClass(ref.element()) : ref.element().javaName() + "[]";
                    params.add("__global " + elementType(ref.element()) + "* " + n + " /* " + javaType + " "
                            + a.name() + ", " + a.access() + " */");
                    params.add((ref.isOffHeap() ? "const long " : "const int ") + n + "_len");
                }
                case Param.Context c -> {
                    // The KernelContext carries no data: its queries become work-item functions.
                }
            }
        }
        if (io.kiln.frontend.BoundsChecks.hasChecks(ir)) {
            // Kernel ABI: a kernel with bounds checks takes the error record last.
            params.add("__global int* " + ERROR_RECORD + " /* first out-of-bounds access: flag, array, line, index, length */");
        }
        if (io.kiln.spi.PrintBuffer.prints(ir)) {
            // Kernel ABI: a kernel that prints takes the print buffer last (after the error record).
            params.add("__global int* " + PRINT_BUFFER + " /* printf records: cursor, dropped, capacity, 0, records */");
        }
        sb.append("__kernel void ").append(ir.symbolName()).append('(');
        if (params.isEmpty()) {
            sb.append("void");
        } else {
            for (int i = 0; i < params.size(); i++) {
                sb.append(i == 0 ? "\n    " : ",\n    ").append(params.get(i));
            }
        }
        sb.append(")\n{\n");

        // Body first, so that declarations can be emitted before it with what it turned out to need.
        StringBuilder body = new StringBuilder();
        List<Block> blocks = ir.blocks();
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            int next = k + 1 < blocks.size() ? blocks.get(k + 1).id() : -1;
            if (jumpTargets.contains(b.id())) {
                body.append("b").append(b.id()).append(": ;\n");
            }
            for (int n = 0; n < b.instrs().size(); n++) {
                Instr i = b.instrs().get(n);
                line = i.line();
                // a bounds check and the access it guards (the next instruction, IrVerifier's CHECK_INDEX) go together
                // (and a divisor check with its division, CHECK_DIVISOR)
                String code = i instanceof Instr.CheckIndex c ? checked(c, b.instrs().get(++n))
                        : i instanceof Instr.CheckDivisor c ? checked(c, b.instrs().get(++n)) : instr(i);
                body.append("    ").append(code).append('\n');
            }
            line = b.terminator().line();
            terminator(body, b.terminator(), next);
        }

        if (!ir.reductions().isEmpty()) {
            body.append(reductionEpilogue());
            sb.append("    /* @Reduce: one partial per work-item of the group */\n");
            for (int r = 0; r < ir.reductions().size(); r++) {
                sb.append("    __local ").append(elementType(ir.reductions().get(r).array().element())).append(" kiln_red").append(r)
                        .append('[').append(REDUCTION_GROUP).append("];\n");
            }
        }
        boolean any = false;
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.LOCAL) {
                if (!any) sb.append("    /* work-group local memory */\n");
                any = true;
                sb.append("    __local ").append(elementType(a.element())).append(' ').append(arrayNames[a.id()])
                        .append('[').append(Math.max(1, a.length())).append("];\n");
            }
        }
        any = false;
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.PRIVATE) {
                if (!any) sb.append("    /* private arrays, zeroed like Java's new T[n] */\n");
                any = true;
                sb.append("    ").append(elementType(a.element())).append(' ').append(arrayNames[a.id()])
                        .append('[').append(Math.max(1, a.length())).append("] = {0};\n");
            }
        }
        any = false;
        for (Var v : ir.vars()) {
            if (paramVar[v.id()]) continue;
            if (!any) sb.append("    /* registers */\n");
            any = true;
            sb.append("    ").append(type(v.type())).append(' ').append(varNames[v.id()]).append(";\n");
        }
        sb.append(body);
        sb.append("}\n");
        return sb.toString();
    }

    private String constantTables() {
        StringBuilder sb = new StringBuilder();
        for (ArrayRef a : ir.arrays()) {
            if (a.space() != AddressSpace.CONSTANT) continue;
            List<Long> bits = a.id() < ir.constants().size() ? ir.constants().get(a.id()) : List.of();
            int n = Math.max(a.length(), bits.size());
            ElementType et = a.element();
            boolean nonFinite = bitsTable[a.id()];
            String ctype = nonFinite ? (et == ElementType.FLOAT ? "uint" : "ulong") : elementType(et);
            sb.append("/* static final ").append(et.javaName()).append("[] ").append(a.name())
                    .append(nonFinite ? ", stored as raw bits because it holds NaN or infinities" : "").append(" */\n");
            sb.append("__constant ").append(ctype).append(' ').append(arrayNames[a.id()]).append('[').append(Math.max(1, n))
                    .append("] = {");
            if (n == 0) sb.append('0');
            for (int i = 0; i < n; i++) {
                long b = i < bits.size() ? bits.get(i) : 0L;
                if (i > 0) sb.append(", ");
                if (i % 8 == 0) sb.append("\n    ");
                sb.append(tableLiteral(et, b, nonFinite));
            }
            sb.append("\n};\n");
        }
        return sb.toString();
    }

    private String tableLiteral(ElementType et, long bits, boolean rawBits) {
        return switch (et) {
            case BYTE -> OpenClLiterals.intLiteral((byte) bits);
            case SHORT -> OpenClLiterals.intLiteral((short) bits);
            case CHAR -> Integer.toString((char) bits);
            case INT -> OpenClLiterals.intLiteral((int) bits);
            case LONG -> OpenClLiterals.longLiteral(bits);
            case FLOAT -> rawBits ? String.format("0x%08xu", (int) bits) : OpenClLiterals.floatLiteral(Float.intBitsToFloat((int) bits));
            case DOUBLE -> {
                fp64 = true;
                yield rawBits ? String.format("0x%016xUL", bits) : OpenClLiterals.doubleLiteral(Double.longBitsToDouble(bits));
            }
        };
    }

    // ---------------------------------------------------------------- types and operands

    private String type(Type t) {
        return switch (t) {
            case I32 -> "int";
            case I64 -> "long";
            case F32 -> "float";
            case F64 -> {
                fp64 = true;
                yield "double";
            }
        };
    }

    private String elementType(ElementType e) {
        return switch (e) {
            case BYTE -> "char";
            case SHORT -> "short";
            case CHAR -> "ushort";
            case INT -> "int";
            case LONG -> "long";
            case FLOAT -> "float";
            case DOUBLE -> {
                fp64 = true;
                yield "double";
            }
        };
    }

    private String v(Value value) {
        return switch (value) {
            case Var var -> varNames[var.id()];
            case Const c -> switch (c.type()) {
                case I32 -> OpenClLiterals.intLiteral(c.intValue());
                case I64 -> OpenClLiterals.longLiteral(c.longValue());
                case F32 -> OpenClLiterals.floatLiteral(c.floatValue());
                case F64 -> {
                    fp64 = true;
                    yield OpenClLiterals.doubleLiteral(c.doubleValue());
                }
            };
        };
    }

    // ---------------------------------------------------------------- instructions

    private String instr(Instr instr) {
        return switch (instr) {
            case Instr.Move m -> assign(m.dst(), v(m.src()));
            case Instr.Binary b -> assign(b.dst(), binary(b));
            case Instr.Negate n -> assign(n.dst(), switch (n.dst().type()) {
                case I32 -> "as_int(0u - as_uint(" + v(n.a()) + "))";
                case I64 -> "as_long(0UL - as_ulong(" + v(n.a()) + "))";
                case F32, F64 -> "-" + v(n.a());
            });
            case Instr.Convert c -> assign(c.dst(), convert(c));
            case Instr.Compare c -> {
                String a = v(c.a());
                String b = v(c.b());
                yield assign(c.dst(), switch (c.kind()) {
                    case LCMP -> "(" + a + " > " + b + ") ? 1 : ((" + a + " < " + b + ") ? -1 : 0)";
                    // NaN makes both comparisons false: -1 for the L forms, 1 for the G forms.
                    case FCMPL, DCMPL -> "(" + a + " > " + b + ") ? 1 : ((" + a + " == " + b + ") ? 0 : -1)";
                    case FCMPG, DCMPG -> "(" + a + " < " + b + ") ? -1 : ((" + a + " == " + b + ") ? 0 : 1)";
                });
            }
            case Instr.Load l -> assign(l.dst(), load(l.array(), v(l.index())));
            case Instr.Store s -> store(s.array(), v(s.index()), s.value());
            case Instr.ArrayLength l -> assign(l.dst(), l.array().isParameter()
                    ? arrayNames[l.array().id()] + "_len"
                    : Integer.toString(l.array().length()));
            case Instr.MathCall m -> assign(m.dst(), math(m));
            case Instr.BitCast c -> assign(c.dst(), switch (c.dst().type()) {
                case I32 -> "as_int(" + v(c.a()) + ")";
                case I64 -> "as_long(" + v(c.a()) + ")";
                case F32 -> "as_float(" + v(c.a()) + ")";
                case F64 -> "as_double(" + v(c.a()) + ")";
            });
            case Instr.WorkItem w -> {
                String fn = switch (w.query()) {
                    case GLOBAL_ID -> "get_global_id";
                    case GLOBAL_SIZE -> "get_global_size";
                    case LOCAL_ID -> "get_local_id";
                    case LOCAL_SIZE -> "get_local_size";
                    case GROUP_ID -> "get_group_id";
                    case NUM_GROUPS -> "get_num_groups";
                };
                yield assign(w.dst(), "(" + type(w.dst().type()) + ")" + fn + "(" + w.dim() + ")");
            }
            case Instr.ParallelIndex p -> assign(p.dst(), "(" + type(p.dst().type()) + ")get_global_id(" + p.dim() + ")")
                    + " /* first iteration of @Parallel loop " + p.dim() + " */";
            case Instr.ParallelStride p -> assign(p.dst(), "(" + type(p.dst().type()) + ")get_global_size(" + p.dim() + ")")
                    + " /* grid stride of @Parallel loop " + p.dim() + " */";
            case Instr.Barrier b -> "barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);";
            case Instr.ZeroArray z -> throw z.notLowered();
            case Instr.Atomic a -> atomic(a);
            case Instr.CheckIndex c -> throw new IllegalStateException("a bounds check is emitted with the access it guards");
            case Instr.CheckDivisor c -> throw new IllegalStateException("a divisor check is emitted with the division it guards");
            case Instr.Print p -> print(p);
        };
    }

    /**
     * One printf record (io.kiln.spi.PrintBuffer): claim its words with one atomic add, then write the
     * site and the raw bits of every value, 64-bit values low word first.
     */
    private String print(Instr.Print p) {
        StringBuilder sb = new StringBuilder("{ int kiln_o = ").append(helpers.helper("kiln_print_reserve")).append('(').append(PRINT_BUFFER)
                .append(", ").append(p.words()).append("); if (kiln_o >= 0) { ");
        int w = 0;
        sb.append(PRINT_BUFFER).append("[kiln_o] = ").append(p.site()).append("; ");
        for (Value x : p.values()) {
            String val = v(x);
            List<String> words = switch (x.type()) {
                case I32 -> List.of(val);
                case F32 -> List.of("as_int(" + val + ")");
                case I64 -> List.of("(int)(" + val + ")", "(int)((" + val + ") >> 32)");
                case F64 -> List.of("(int)as_long(" + val + ")", "(int)(as_long(" + val + ") >> 32)");
            };
            for (String word : words) sb.append(PRINT_BUFFER).append("[kiln_o + ").append(++w).append("] = ").append(word).append("; ");
        }
        return sb.append("} } /* printf \"").append(p.format().replace("*/", "* /").replace("\n", "\\n")).append("\" line ")
                .append(p.line()).append(" */").toString();
    }

    /**
     * {@code access} guarded by Java's bounds check {@code c}: one unsigned comparison (a negative index
     * becomes huge); out of range, a load or atomic yields 0, a store is dropped, and the first
     * violation is recorded for the host.
     */
    private String checked(Instr.CheckIndex c, Instr access) {
        ArrayRef a = c.array();
        boolean wide = a.isOffHeap();
        String u = wide ? "(ulong)" : "(uint)";
        String index = v(c.index());
        String length = a.isParameter() ? arrayNames[a.id()] + "_len" : Integer.toString(a.length());
        Var dst = io.kiln.ir.DefUse.def(access);
        String zero = dst == null ? "" : varNames[dst.id()] + " = 0; ";
        return "if (" + u + "(" + index + ") < " + u + "(" + length + ")) { " + instr(access) + " } else { " + zero
                + helpers.helper("kiln_oob") + "(" + ERROR_RECORD + ", " + a.id() + ", " + c.line() + ", (long)(" + index + "), (long)(" + length + ")); }";
    }

    /**
     * {@code division} guarded by Java's division-by-zero check {@code c}: a zero divisor skips it, its
     * result is 0 and the failure is recorded for the host (index and length 0).
     */
    private String checked(Instr.CheckDivisor c, Instr division) {
        Var dst = io.kiln.ir.DefUse.def(division);
        return "if (" + v(c.divisor()) + " != 0) { " + instr(division) + " } else { " + varNames[dst.id()] + " = 0; "
                + helpers.helper("kiln_oob") + "(" + ERROR_RECORD + ", " + io.kiln.frontend.BoundsChecks.DIVISION_BY_ZERO + ", " + c.line()
                + ", 0L, 0L); }";
    }

    private String assign(Var dst, String expr) {
        return varNames[dst.id()] + " = " + expr + ";";
    }

    private String binary(Instr.Binary b) {
        Type t = b.dst().type();
        String x = v(b.a());
        String y = v(b.b());
        BinOp op = b.op();
        if (t.isFloating()) {
            return switch (op) {
                case ADD, SUB, MUL, DIV -> x + " " + op.symbol() + " " + y;
                case REM -> "fmod(" + x + ", " + y + ")";
                default -> throw unsupported("the operator " + op + " is not defined on " + t);
            };
        }
        boolean wide = t == Type.I64;
        String s = wide ? "long" : "int";
        String u = wide ? "ulong" : "uint";
        String mask = wide ? "63" : "31";
        // A constant count is masked here, a variable one in the generated code.
        String count = b.b() instanceof Const c ? Integer.toString(c.intValue() & (wide ? 63 : 31)) : "(" + y + " & " + mask + ")";
        return switch (op) {
            case ADD, SUB, MUL -> "as_" + s + "(as_" + u + "(" + x + ") " + op.symbol() + " as_" + u + "(" + y + "))";
            case DIV -> helpers.helper(wide ? "kiln_div_i64" : "kiln_div_i32") + "(" + x + ", " + y + ")";
            case REM -> helpers.helper(wide ? "kiln_rem_i64" : "kiln_rem_i32") + "(" + x + ", " + y + ")";
            case AND, OR, XOR -> x + " " + op.symbol() + " " + y;
            case SHL -> "as_" + s + "(as_" + u + "(" + x + ") << " + count + ")";
            case SHR -> x + " >> " + count;
            case USHR -> "as_" + s + "(as_" + u + "(" + x + ") >> " + count + ")";
        };
    }

    private String convert(Instr.Convert c) {
        String a = v(c.a());
        return switch (c.op()) {
            case I2L -> "(long)" + a;
            case I2F, L2F -> "convert_float_rte(" + a + ")";
            case I2D -> "convert_double(" + a + ")";
            case L2D -> "convert_double_rte(" + a + ")";
            case L2I -> "as_int((uint)as_ulong(" + a + "))";
            case F2I, D2I -> "isnan(" + a + ") ? 0 : convert_int_sat_rtz(" + a + ")";
            case F2L, D2L -> "isnan(" + a + ") ? 0L : convert_long_sat_rtz(" + a + ")";
            case F2D -> "convert_double(" + a + ")";
            case D2F -> "convert_float_rte(" + a + ")";
            case I2B -> "as_int(as_uint(" + a + ") << 24) >> 24";
            case I2S -> "as_int(as_uint(" + a + ") << 16) >> 16";
            case I2C -> a + " & 0xFFFF";
        };
    }

    private String load(ArrayRef array, String index) {
        String element = arrayNames[array.id()] + "[" + index + "]";
        if (bitsTable[array.id()]) {
            return (array.element() == ElementType.FLOAT ? "as_float(" : "as_double(") + element + ")";
        }
        return switch (array.element()) {
            // char is signed and ushort unsigned in OpenCL C: the widening cast extends like Java.
            case BYTE, SHORT, CHAR -> "(int)" + element;
            default -> element;
        };
    }

    private String store(ArrayRef array, String index, Value value) {
        if (array.space() == AddressSpace.CONSTANT) {
            throw unsupported("stores into the constant table " + array.name() + " are not supported (static final arrays are read-only in kernels)");
        }
        String x = v(value);
        String stored = switch (array.element()) {
            // Unsigned narrowing keeps the low bits (well defined in C, unlike signed narrowing).
            case BYTE -> "as_char((uchar)as_uint(" + x + "))";
            case SHORT -> "as_short((ushort)as_uint(" + x + "))";
            case CHAR -> "(ushort)as_uint(" + x + ")";
            default -> x;
        };
        return arrayNames[array.id()] + "[" + index + "] = " + stored + ";";
    }

    private String math(Instr.MathCall m) {
        Type t = m.dst().type();
        if (m.fn() == MathFunction.MIN || m.fn() == MathFunction.MAX) return minMax(m);
        if (!t.isFloating()) {
            throw unsupported("Math." + m.fn().javaName() + " on " + t + " is not a floating-point math call");
        }
        if (m.args().size() != m.fn().arity()) {
            throw unsupported("Math." + m.fn().javaName() + " takes " + m.fn().arity() + " operand(s), the IR gives " + m.args().size());
        }
        List<String> args = new ArrayList<>();
        for (Value a : m.args()) {
            args.add(v(a));
        }
        String fn = switch (m.fn()) {
            case ABS -> "fabs";
            case POW -> helpers.helper(t == Type.F32 ? "kiln_pow_f32" : "kiln_pow_f64");
            // Java's rint in plain arithmetic: PoCL miscompiles rint() of constants (io.kiln.lowering.JavaRint)
            case RINT -> helpers.helper(io.kiln.lowering.JavaRint.openClName(t));
            // and floor/ceil on that rint: PoCL folds floor() of a NaN it derives to 0.0 (io.kiln.lowering.JavaRint)
            case FLOOR -> helpers.helper(io.kiln.lowering.JavaRint.openClName(true, t));
            case CEIL -> helpers.helper(io.kiln.lowering.JavaRint.openClName(false, t));
            // double-double hypot: PoCL's rounds results next to Double.MAX_VALUE to Infinity (io.kiln.lowering.JavaHypot)
            case HYPOT -> t == Type.F64 ? helpers.helper(io.kiln.lowering.JavaHypot.OPENCL_NAME) : "hypot";
            default -> m.fn().javaName();
        };
        return fn + "(" + String.join(", ", args) + ")";
    }

    // ---------------------------------------------------------------- atomics

    private String atomic(Instr.Atomic a) {
        ArrayRef array = a.array();
        ElementType et = array.element();
        String dst = a.dst() == null ? "" : varNames[a.dst().id()] + " = ";
        String index = v(a.index());
        String operand = v(a.operand());
        String expected = a.expected() == null ? null : v(a.expected());
        if (a.op() == AtomicOp.COMPARE_AND_SET && expected == null) {
            throw unsupported("an atomic compare-and-set without an expected value");
        }
        if (et != ElementType.INT && et != ElementType.LONG && et != ElementType.FLOAT && et != ElementType.DOUBLE) {
            throw unsupported("atomic " + a.op() + " on a " + et.javaName() + "[] array is not supported: use int, long, float or double arrays");
        }
        String element = arrayNames[array.id()] + "[" + index + "]";
        if (array.space() == AddressSpace.CONSTANT) {
            throw unsupported("atomic " + a.op() + " on the read-only constant table " + array.name());
        }
        if (array.space() == AddressSpace.PRIVATE) {
            throw unsupported("atomic " + a.op() + " on the private array " + array.name()
                    + ": a private array belongs to one work-item, so use a plain read-modify-write");
        }
        String space = array.space() == AddressSpace.LOCAL ? "__local" : "__global";
        String pointer = "&" + element;
        String call = switch (et) {
            case INT -> switch (a.op()) {
                case ADD -> "atomic_add(" + pointer + ", " + operand + ")";
                case MIN -> "atomic_min(" + pointer + ", " + operand + ")";
                case MAX -> "atomic_max(" + pointer + ", " + operand + ")";
                case EXCHANGE -> "atomic_xchg(" + pointer + ", " + operand + ")";
                case COMPARE_AND_SET -> "atomic_cmpxchg(" + pointer + ", " + expected + ", " + operand + ")";
            };
            case LONG -> {
                if (a.op() == AtomicOp.MIN || a.op() == AtomicOp.MAX) int64MinMaxAtomics = true;
                else int64Atomics = true;
                yield switch (a.op()) {
                    case ADD -> "atom_add(" + pointer + ", " + operand + ")";
                    case MIN -> "atom_min(" + pointer + ", " + operand + ")";
                    case MAX -> "atom_max(" + pointer + ", " + operand + ")";
                    case EXCHANGE -> "atom_xchg(" + pointer + ", " + operand + ")";
                    case COMPARE_AND_SET -> "atom_cmpxchg(" + pointer + ", " + expected + ", " + operand + ")";
                };
            }
            case FLOAT -> switch (a.op()) {
                case EXCHANGE -> "atomic_xchg(" + pointer + ", " + operand + ")";
                case COMPARE_AND_SET -> "as_float(atomic_cmpxchg((volatile " + space + " uint*)" + pointer + ", as_uint("
                        + expected + "), as_uint(" + operand + ")))";
                default -> helpers.casHelper(a.op(), et, space) + "(" + pointer + ", " + operand + ")";
            };
            case DOUBLE -> {
                int64Atomics = true;
                yield switch (a.op()) {
                    case EXCHANGE -> "as_double(atom_xchg((volatile " + space + " long*)" + pointer + ", as_long(" + operand + ")))";
                    case COMPARE_AND_SET -> "as_double(atom_cmpxchg((volatile " + space + " ulong*)" + pointer + ", as_ulong("
                            + expected + "), as_ulong(" + operand + ")))";
                    default -> helpers.casHelper(a.op(), et, space) + "(" + pointer + ", " + operand + ")";
                };
            }
            default -> throw new IllegalStateException();
        };
        return dst + call + ";";
    }

    /** A {@code Math.min}/{@code Math.max} call on any of the four types. */
    private String minMax(Instr.MathCall m) {
        if (m.args().size() != 2) {
            throw unsupported("Math." + m.fn().javaName() + " takes 2 operands, the IR gives " + m.args().size());
        }
        ElementType et = switch (m.dst().type()) {
            case I32 -> ElementType.INT;
            case I64 -> ElementType.LONG;
            case F32 -> ElementType.FLOAT;
            case F64 -> ElementType.DOUBLE;
        };
        return helpers.minMax(et, m.fn() == MathFunction.MIN, v(m.args().get(0)), v(m.args().get(1)));
    }

    // ---------------------------------------------------------------- control flow

    private void terminator(StringBuilder sb, Terminator t, int next) {
        switch (t) {
            case Terminator.Goto g -> {
                if (g.target() != next) sb.append("    goto b").append(g.target()).append(";\n");
            }
            case Terminator.Branch b -> {
                boolean floating = b.a().type().isFloating();
                if (b.ifTrue() == next && b.ifFalse() != next) {
                    sb.append("    if (").append(condition(b.op().negate(floating), b.a(), b.b())).append(") goto b")
                            .append(b.ifFalse()).append(";\n");
                } else {
                    sb.append("    if (").append(condition(b.op(), b.a(), b.b())).append(") goto b").append(b.ifTrue()).append(";\n");
                    if (b.ifFalse() != next) sb.append("    goto b").append(b.ifFalse()).append(";\n");
                }
            }
            case Terminator.Switch s -> {
                sb.append("    switch (").append(v(s.key())).append(") {\n");
                for (int k = 0; k < s.keys().size(); k++) {
                    sb.append("        case ").append(OpenClLiterals.intLiteral(s.keys().get(k))).append(": goto b").append(s.targets().get(k)).append(";\n");
                }
                sb.append("        default: goto b").append(s.defaultTarget()).append(";\n    }\n");
            }
            case Terminator.Return r -> sb.append(ir.reductions().isEmpty() ? "    return;\n" : "    goto kiln_reduce;\n");
        }
    }

    // ---------------------------------------------------------------- @Reduce

    /** Work-items per group of a kernel with {@code @Reduce}: the size of its local reduction buffers. */
    public static final int REDUCTION_GROUP = 256;

    /**
     * The end of a {@code @Reduce} kernel: every work-item puts its partial in local memory, the group
     * combines them in {@link ReductionTree}'s tree, and the group's first work-item combines the result
     * into {@code array[0]} atomically.
     */
    private String reductionEpilogue() {
        StringBuilder sb = new StringBuilder();
        sb.append("kiln_reduce: ;\n");
        sb.append("    {\n");
        sb.append("        const int kiln_lid = (int) (get_local_id(0) + get_local_size(0) * (get_local_id(1) + get_local_size(1) * get_local_id(2)));\n");
        sb.append("        const int kiln_lsz = (int) (get_local_size(0) * get_local_size(1) * get_local_size(2));\n");
        for (int r = 0; r < ir.reductions().size(); r++) {
            io.kiln.ir.Reduction red = ir.reductions().get(r);
            sb.append("        kiln_red").append(r).append("[kiln_lid] = ").append(varNames[red.accumulator().id()]).append(";\n");
        }
        sb.append("        barrier(CLK_LOCAL_MEM_FENCE);\n");
        // The tree of io.kiln.lowering.ReductionTree: strides P/2 .. 1, partial i < s takes i + s.
        sb.append("        ").append(ReductionTree.openClLoop("kiln_lsz", "kiln_s")).append(" {\n");
        sb.append("            if (").append(ReductionTree.openClCombines("kiln_lid", "kiln_s", "kiln_lsz")).append(") {\n");
        for (int r = 0; r < ir.reductions().size(); r++) {
            io.kiln.ir.Reduction red = ir.reductions().get(r);
            String a = "kiln_red" + r + "[kiln_lid]";
            String b = "kiln_red" + r + "[kiln_lid + kiln_s]";
            sb.append("                ").append(a).append(" = ").append(helpers.combine(red.op(), red.array().element(), a, b)).append(";\n");
        }
        sb.append("            }\n");
        sb.append("            barrier(CLK_LOCAL_MEM_FENCE);\n");
        sb.append("        }\n");
        sb.append("        if (kiln_lid == 0) {\n");
        for (int r = 0; r < ir.reductions().size(); r++) {
            io.kiln.ir.Reduction red = ir.reductions().get(r);
            String pointer = "&" + arrayNames[red.array().id()] + "[0]";
            sb.append("            ").append(atomicCombine(red.op(), red.array().element(), pointer, "kiln_red" + r + "[0]")).append(";\n");
        }
        sb.append("        }\n");
        sb.append("    }\n");
        return sb.toString();
    }

    /** Combines {@code value} into {@code *pointer} atomically. */
    private String atomicCombine(io.kiln.ir.ReduceOp op, ElementType et, String pointer, String value) {
        if (et == ElementType.LONG || et == ElementType.DOUBLE) {
            if (et == ElementType.LONG && (op == io.kiln.ir.ReduceOp.MIN || op == io.kiln.ir.ReduceOp.MAX)) int64MinMaxAtomics = true;
            else int64Atomics = true;
        }
        if (op == io.kiln.ir.ReduceOp.MUL || ((et == ElementType.FLOAT || et == ElementType.DOUBLE) && op == io.kiln.ir.ReduceOp.ADD)) {
            return helpers.reduceCasHelper(op, et, elementType(et)) + "(" + pointer + ", " + value + ")";
        }
        return switch (et) {
            case INT -> switch (op) {
                case ADD -> "atomic_add(" + pointer + ", " + value + ")";
                case MIN -> "atomic_min(" + pointer + ", " + value + ")";
                default -> "atomic_max(" + pointer + ", " + value + ")";
            };
            case LONG -> switch (op) {
                case ADD -> "atom_add(" + pointer + ", " + value + ")";
                case MIN -> "atom_min(" + pointer + ", " + value + ")";
                default -> "atom_max(" + pointer + ", " + value + ")";
            };
            default -> helpers.casHelper(op == io.kiln.ir.ReduceOp.MIN ? AtomicOp.MIN : AtomicOp.MAX, et, "__global") + "(" + pointer + ", " + value + ")";
        };
    }

    /** A C condition with the IR's NaN rules: C's ordered operators, negated for the unordered forms. */
    private String condition(CmpOp op, Value a, Value b) {
        if (a.type() != b.type()) {
            throw unsupported("a branch compares " + a.type() + " with " + b.type());
        }
        if (op.isUnordered()) {
            if (!a.type().isFloating()) {
                throw unsupported("the unordered comparison " + op + " on " + a.type());
            }
            return "!(" + v(a) + " " + op.orderedComplement().symbol() + " " + v(b) + ")";
        }
        return v(a) + " " + op.symbol() + " " + v(b);
    }
}

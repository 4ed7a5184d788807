package io.kiln.ir;

import java.util.stream.Collectors;

/**
 * Prints a kernel's IR as stable text, for golden tests and {@code kiln compile --target ir}. An
 * instruction or terminator with a source line ({@link Instr#line()}) ends with {@code "  @12"}; one
 * with line 0 (unknown) has no suffix, so hand-built IR prints as it is written.
 */
public final class IrPrinter {
    private IrPrinter() {
    }

    /** The text form of {@code ir}, with source lines: {@link IrParser} gives back the same IR. */
    public static String print(KernelIR ir) {
        return print(ir, true);
    }

    /**
     * The text form of {@code ir} without source lines. For golden tests of IR the front end compiled
     * from a test's own kernels: with lines, every edit above a kernel in its source file would change
     * the golden text, although the IR is the same. Lines have their own tests, against the class file's
     * {@code LineNumberTable}. The text parses, to the same IR with every line 0.
     */
    public static String printWithoutLines(KernelIR ir) {
        return print(ir, false);
    }

    private static String print(KernelIR ir, boolean lines) {
        StringBuilder sb = new StringBuilder();
        sb.append("kernel ").append(ir.displayName()).append(' ').append(ir.kind()).append('(');
        sb.append(ir.params().stream().map(IrPrinter::param).collect(Collectors.joining(", ")));
        sb.append(")\n");
        for (ArrayRef a : ir.arrays()) {
            if (!a.isParameter()) {
                sb.append("  array ").append(a).append(": ").append(a.space()).append(' ')
                        .append(a.element().javaName()).append('[').append(a.length()).append(']');
                // a constant table's contents, so that the parser can rebuild it exactly
                if (a.space() == AddressSpace.CONSTANT) sb.append(" = {").append(contents(a, ir.constants().get(a.id()))).append('}');
                sb.append('\n');
            }
        }
        for (Reduction r : ir.reductions()) {
            sb.append("  reduce ").append(r.array()).append("[0] ").append(r.op()).append(" over ").append(r.accumulator()).append('\n');
        }
        for (ParallelLoop p : ir.parallelLoops()) {
            sb.append("  parallel dim ").append(p.dim()).append(": ").append(p.induction())
                    .append(" header b").append(p.header()).append(" exit b").append(p.exit())
                    .append(" trips ").append(p.tripCount() == null ? "?" : hostExpr(p.tripCount())).append('\n');
        }
        for (Block b : ir.blocks()) {
            sb.append("b").append(b.id()).append(":\n");
            for (Instr i : b.instrs()) {
                sb.append("  ").append(instr(i)).append(lines ? at(i.line()) : "").append('\n');
            }
            sb.append("  ").append(terminator(b.terminator())).append(lines ? at(b.terminator().line()) : "").append('\n');
        }
        return sb.toString();
    }

    /** The suffix of an instruction of source line {@code line}: {@code "  @12"}, none for 0 (unknown). */
    private static String at(int line) {
        return line == 0 ? "" : "  @" + line;
    }

    /**
     * The elements of a constant table: integers in decimal, floats as Java literals when those give
     * back the exact bits, else (NaN payloads) as raw bits in hex, {@code 0x7fc00001}.
     */
    private static String contents(ArrayRef a, java.util.List<Long> bits) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < bits.size(); k++) {
            if (k > 0) sb.append(", ");
            long b = bits.get(k);
            switch (a.element()) {
                case FLOAT -> {
                    String lit = Float.toString(Float.intBitsToFloat((int) b));
                    sb.append(Float.floatToRawIntBits(Float.parseFloat(lit)) == (int) b ? lit : String.format("0x%08x", (int) b));
                }
                case DOUBLE -> {
                    String lit = Double.toString(Double.longBitsToDouble(b));
                    sb.append(Double.doubleToRawLongBits(Double.parseDouble(lit)) == b ? lit : String.format("0x%016x", b));
                }
                default -> sb.append(b);
            }
        }
        return sb.toString();
    }

    private static String param(Param p) {
        return switch (p) {
            case Param.Scalar s -> s.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + s.var();
            // an off-heap parameter prints as its class (FloatArray), a Java array as float[]
            case Param.Array a -> (a.array().isOffHeap() ? offHeapClass(a.array().element()) : a.array().element().javaName() + "[]")
                    + " " + a.array() + " " + a.access();
            case Param.Context c -> "KernelContext " + c.name();
        };
    }

    private static String offHeapClass(ElementType e) {
        return Character.toUpperCase(e.javaName().charAt(0)) + e.javaName().substring(1) + "Array";
    }

    /** One instruction as text, without its source line. */
    public static String instr(Instr i) {
        return switch (i) {
            case Instr.Move m -> m.dst() + " = " + m.src();
            case Instr.Binary b -> b.dst() + " = " + b.op().name().toLowerCase(java.util.Locale.ROOT) + "." + b.dst().type() + " " + b.a() + ", " + b.b();
            case Instr.Negate n -> n.dst() + " = neg." + n.dst().type() + " " + n.a();
            case Instr.Convert c -> c.dst() + " = " + c.op().name().toLowerCase(java.util.Locale.ROOT) + " " + c.a();
            case Instr.Compare c -> c.dst() + " = " + c.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + c.a() + ", " + c.b();
            case Instr.Load l -> l.dst() + " = load " + l.array() + "[" + l.index() + "]";
            case Instr.Store s -> "store " + s.array() + "[" + s.index() + "] = " + s.value();
            case Instr.ArrayLength l -> l.dst() + " = length" + (l.array().isOffHeap() ? ".I64 " : " ") + l.array();
            case Instr.MathCall m -> m.dst() + " = " + m.fn().javaName() + "." + m.dst().type() + " "
                    + m.args().stream().map(Object::toString).collect(Collectors.joining(", "));
            case Instr.BitCast c -> c.dst() + " = bitcast." + c.dst().type() + " " + c.a();
            case Instr.WorkItem w -> w.dst() + " = " + w.query().name().toLowerCase(java.util.Locale.ROOT) + " " + w.dim();
            case Instr.ParallelIndex p -> p.dst() + " = parallel_index " + p.dim();
            case Instr.ParallelStride p -> p.dst() + " = parallel_stride " + p.dim();
            case Instr.Barrier b -> "barrier";
            case Instr.ZeroArray z -> "zero " + z.array();
            case Instr.Atomic a -> a.dst() + " = atomic_" + a.op().name().toLowerCase(java.util.Locale.ROOT) + " " + a.array()
                    + "[" + a.index() + "], " + a.operand() + (a.expected() == null ? "" : ", " + a.expected());
            case Instr.CheckIndex c -> "check " + c.array() + "[" + c.index() + "]";
            case Instr.CheckDivisor c -> "check_divisor " + c.divisor();
            case Instr.Print p -> print(p);
        };
    }

    /**
     * {@code print #site "format" keys k [v, ...] (kind, ..., string "text")}: the format and
     * string constants as Java string literals, which {@link IrParser} reads back.
     */
    private static String print(Instr.Print p) {
        StringBuilder sb = new StringBuilder("print #").append(p.site()).append(' ').append(quote(p.format()))
                .append(" keys ").append(p.keys()).append(" [")
                .append(p.values().stream().map(Object::toString).collect(Collectors.joining(", "))).append("] (");
        for (int k = 0; k < p.args().size(); k++) {
            PrintArg a = p.args().get(k);
            if (k > 0) sb.append(", ");
            sb.append(a.kind().name().toLowerCase(java.util.Locale.ROOT));
            if (a.text() != null) sb.append(' ').append(quote(a.text()));
        }
        return sb.append(')').toString();
    }

    /** {@code s} as a Java string literal (quotes, backslashes and control characters escaped). */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String terminator(Terminator t) {
        return switch (t) {
            case Terminator.Goto g -> "goto b" + g.target();
            case Terminator.Branch b -> "if " + b.a() + " " + b.op() + " " + b.b() + " goto b" + b.ifTrue() + " else b" + b.ifFalse();
            case Terminator.Switch s -> {
                StringBuilder sb = new StringBuilder("switch ").append(s.key()).append(" [");
                for (int k = 0; k < s.keys().size(); k++) {
                    if (k > 0) sb.append(", ");
                    sb.append(s.keys().get(k)).append(": b").append(s.targets().get(k));
                }
                yield sb.append("] default b").append(s.defaultTarget()).toString();
            }
            case Terminator.Return r -> "return";
        };
    }

    private static String hostExpr(HostExpr e) {
        return switch (e) {
            case HostExpr.Constant c -> Long.toString(c.value());
            case HostExpr.Scalar s -> "arg" + s.paramIndex();
            case HostExpr.Length l -> "len(arg" + l.paramIndex() + ")";
            case HostExpr.Binary b -> "(" + hostExpr(b.a()) + " " + b.op().symbol() + " " + hostExpr(b.b()) + ")";
        };
    }
}

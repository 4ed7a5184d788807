package io.kiln.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;

/**
 * Parses the text of {@link IrPrinter} back into a {@link KernelIR}, so that back-end tests can be
 * golden {@code .ir} files: {@code IrPrinter.print(IrParser.parse(IrPrinter.print(ir)))} is the
 * printed text again, for every kernel the front end compiles.
 * <p>The printed form does not spell out everything a {@code KernelIR} holds; the parser rebuilds it:
 * <ul>
 *   <li><b>Variable types</b> are inferred: from the type every defining instruction names or implies
 *       ({@code add.F32}, {@code i2l}, {@code load} of a {@code float} array, ...), from the
 *       parameter list, and by equality through moves and operands (a binary's operands have its
 *       type, a branch's two operands one type). A variable whose type cannot be inferred is an
 *       error. Variable ids follow the order of first appearance.</li>
 *   <li><b>A parallel loop's start variable</b> is the operand added to that dimension's
 *       {@code parallel_index} to give the induction variable (the front end's form); a hand-written
 *       line may also name it: {@code parallel dim 0: %i start %s header b1 ...}.</li>
 *   <li><b>Names</b>: the header's {@code Owner.method} gives {@link KernelIR#ownerClass()} (without the
 *       package, which the printer does not show) and the method; the descriptor is rebuilt from the
 *       parameters; a parameter's name is its variable's or array's.</li>
 *   <li><b>Source lines</b>: an instruction or terminator followed by {@code  @N} has line {@code N}
 *       ({@link Instr#line()}), one without has line 0.</li>
 * </ul>
 * Blocks must appear in order {@code b0, b1, ...}. Errors are {@link IllegalArgumentException}s naming
 * the line, what was found, and what was expected. The parser checks only syntax and what it needs to
 * build the records; run {@link IrVerifier#verify} on its result for the IR's rules.
 */
public final class IrParser {
    private IrParser() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException for text that is not in the printer's form
     */
    public static KernelIR parse(String text) {
        return new Parser(text).parse();
    }

    /** An operand before variable types are known: a constant or the name of a variable. */
    private record Operand(Const constant, String var) {
    }

    /** An instruction's or terminator's source line: the printer's trailing {@code "  @12"}. */
    private static final java.util.regex.Pattern SOURCE_LINE = java.util.regex.Pattern.compile("\\s+@(\\d+)$");

    private static final class Parser {
        final List<String> lines;
        int lineNo;
        String ownerClass;
        String methodName;
        KernelKind kind;
        final List<Object> rawParams = new ArrayList<>(); // Param.Context, or String[] {kind/elem, name, access, storage}
        final Map<String, ArrayRef> arrays = new LinkedHashMap<>();
        final List<ArrayRef> arrayList = new ArrayList<>();
        final List<List<Long>> constants = new ArrayList<>();
        // variables: name -> union-find node with the inferred type of its class
        final Map<String, Integer> varIds = new LinkedHashMap<>();
        final List<Integer> parent = new ArrayList<>();
        final List<Type> typeOf = new ArrayList<>();
        final List<Integer> firstLine = new ArrayList<>();
        final List<String[]> rawReductions = new ArrayList<>();
        final List<String[]> rawLoops = new ArrayList<>();
        final List<List<Function<Map<String, Var>, Instr>>> blockInstrs = new ArrayList<>();
        final List<Function<Map<String, Var>, Terminator>> blockTerms = new ArrayList<>();
        // for inferring a loop's start: dst of parallel_index(dim), and (dst, a, b) of every add
        final Map<Integer, String> parallelIndexDst = new HashMap<>();
        final List<String[]> adds = new ArrayList<>();

        Parser(String text) {
            this.lines = text.lines().toList();
        }

        KernelIR parse() {
            if (lines.isEmpty()) throw new IllegalArgumentException("empty IR text: expected a first line 'kernel Owner.method KIND(params)'");
            header(lines.get(0));
            lineNo = 1;
            while (lineNo < lines.size() && !isBlockLabel(lines.get(lineNo))) {
                String l = lines.get(lineNo);
                if (l.isBlank()) {
                    lineNo++;
                    continue;
                }
                String t = l.trim();
                if (t.startsWith("array ")) localArray(t);
                else if (t.startsWith("reduce ")) rawReductions.add(split(t, "reduce (@\\w+)\\[0\\] (\\w+) over (%\\w+)", "reduce @array[0] OP over %acc"));
                else if (t.startsWith("parallel dim ")) rawLoops.add(split(t,
                        "parallel dim (\\d+): (%\\w+)(?: start (%\\w+))? header b(\\d+) exit b(\\d+) trips (.+)",
                        "parallel dim D: %induction header bH exit bE trips EXPR"));
                else throw error("expected 'array', 'reduce', 'parallel dim' or the first block label 'b0:', found '" + t + "'");
                lineNo++;
            }
            for (String[] r : rawReductions) {
                ArrayRef a = arrayNamed(r[0]);
                fact(r[2], a.element().valueType());
            }
            for (String[] p : rawLoops) fact(p[1], null); // the induction's type comes from its definitions
            while (lineNo < lines.size()) {
                String l = lines.get(lineNo);
                if (l.isBlank()) {
                    lineNo++;
                    continue;
                }
                block();
            }
            if (blockTerms.isEmpty()) throw new IllegalArgumentException("the IR text has no blocks: expected 'b0:' after the header");
            // parallel_index/stride have the induction's type
            for (String[] p : rawLoops) {
                int dim = Integer.parseInt(p[0]);
                for (String dst : List.of("index:" + dim, "stride:" + dim)) {
                    for (String v : pendingParallel.getOrDefault(dst, List.of())) union(v, p[1]);
                }
            }
            Map<String, Var> vars = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> e : varIds.entrySet()) {
                Type t = typeOf.get(find(e.getValue()));
                if (t == null) {
                    throw new IllegalArgumentException("IR text line " + firstLine.get(e.getValue()) + ": cannot infer the type of %" + e.getKey()
                            + " (it is never assigned by a typed instruction nor used where the type is fixed); assign it, e.g. '%"
                            + e.getKey() + " = 0' for I32");
                }
                vars.put(e.getKey(), new Var(vars.size(), t, e.getKey()));
            }
            List<Param> params = new ArrayList<>();
            for (int k = 0; k < rawParams.size(); k++) {
                Object o = rawParams.get(k);
                if (o instanceof Param.Context c) {
                    params.add(c);
                } else {
                    String[] p = (String[]) o;
                    if (p[2] == null) {
                        ScalarKind sk = ScalarKind.valueOf(p[0].toUpperCase(Locale.ROOT));
                        params.add(new Param.Scalar(k, p[1], sk, vars.get(p[1])));
                    } else {
                        ArrayRef a = arrays.get(p[1]);
                        params.add(new Param.Array(k, p[1], a, Access.valueOf(p[2])));
                    }
                }
            }
            List<Block> blocks = new ArrayList<>();
            for (int b = 0; b < blockTerms.size(); b++) {
                List<Instr> instrs = new ArrayList<>();
                for (var f : blockInstrs.get(b)) instrs.add(f.apply(vars));
                blocks.add(new Block(b, instrs, blockTerms.get(b).apply(vars)));
            }
            List<ParallelLoop> loops = new ArrayList<>();
            for (String[] p : rawLoops) {
                int dim = Integer.parseInt(p[0]);
                Var induction = vars.get(p[1].substring(1));
                Var start = p[2] != null ? vars.get(p[2].substring(1)) : inferStart(dim, p[1].substring(1), vars);
                lineNo = 0;
                loops.add(new ParallelLoop(dim, induction, start, Integer.parseInt(p[3]), Integer.parseInt(p[4]), tripCount(p[5])));
            }
            List<Reduction> reductions = new ArrayList<>();
            for (String[] r : rawReductions) {
                reductions.add(new Reduction(arrayNamed(r[0]), ReduceOp.valueOf(r[1]), vars.get(r[2].substring(1))));
            }
            return new KernelIR(ownerClass, methodName, IrBuilder.descriptor(params), kind, params, List.copyOf(vars.values()), arrayList, blocks,
                    loops, constants, reductions);
        }

        final Map<String, List<String>> pendingParallel = new HashMap<>();

        private Var inferStart(int dim, String induction, Map<String, Var> vars) {
            String idx = parallelIndexDst.get(dim);
            for (String[] add : adds) {
                if (idx != null && add[0].equals(induction)) {
                    if (idx.equals(add[2]) && add[1] != null) return vars.get(add[1]);
                    if (idx.equals(add[1]) && add[2] != null) return vars.get(add[2]);
                }
            }
            Var byName = vars.get(induction + "_start");
            if (byName != null) return byName;
            throw new IllegalArgumentException("parallel dim " + dim + ": cannot find the start variable of %" + induction
                    + " (expected '%" + induction + " = add.T %start, %p' with %p = parallel_index " + dim + "); name it: 'parallel dim "
                    + dim + ": %" + induction + " start %s header ...'");
        }

        // ---- header ------------------------------------------------------------------------------

        private void header(String l) {
            var m = java.util.regex.Pattern.compile("kernel (\\S+)\\.(\\w+) (\\w+)\\((.*)\\)").matcher(l);
            if (!m.matches()) throw new IllegalArgumentException("line 1: expected 'kernel Owner.method KIND(params)', found '" + l + "'");
            ownerClass = m.group(1);
            methodName = m.group(2);
            try {
                kind = KernelKind.valueOf(m.group(3));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line 1: unknown kernel kind '" + m.group(3) + "'; expected one of "
                        + java.util.Arrays.toString(KernelKind.values()));
            }
            String ps = m.group(4).trim();
            if (ps.isEmpty()) return;
            lineNo = 0;
            String[] parts = ps.split(", ");
            for (int k = 0; k < parts.length; k++) {
                String[] w = parts[k].trim().split(" ");
                if (w.length == 2 && w[0].equals("KernelContext")) {
                    rawParams.add(new Param.Context(k, w[1]));
                } else if (w.length == 2 && w[1].startsWith("%")) {
                    ScalarKind sk;
                    try {
                        sk = ScalarKind.valueOf(w[0].toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw error("parameter " + k + ": unknown scalar type '" + w[0] + "'; expected boolean, byte, short, char, int, long, float or double");
                    }
                    String name = w[1].substring(1);
                    fact(w[1], sk.valueType());
                    rawParams.add(new String[] {w[0], name, null});
                } else if (w.length == 3 && w[1].startsWith("@")) {
                    Storage storage = w[0].endsWith("[]") ? Storage.HEAP : Storage.OFF_HEAP;
                    String elem = storage == Storage.HEAP ? w[0].substring(0, w[0].length() - 2)
                            : w[0].endsWith("Array") ? w[0].substring(0, w[0].length() - 5).toLowerCase(Locale.ROOT) : w[0];
                    ElementType et = element(elem, "parameter " + k);
                    try {
                        Access.valueOf(w[2]);
                    } catch (IllegalArgumentException e) {
                        throw error("parameter " + k + ": unknown access '" + w[2] + "'; expected NONE, READ, WRITE or READ_WRITE");
                    }
                    String name = w[1].substring(1);
                    ArrayRef a = new ArrayRef(arrayList.size(), et, AddressSpace.GLOBAL, -1, k, name, storage);
                    addArray(a, List.of());
                    rawParams.add(new String[] {w[0], name, w[2]});
                } else {
                    throw error("parameter " + k + " '" + parts[k] + "': expected 'float %x', 'float[] @a READ', 'FloatArray @a WRITE' or 'KernelContext ctx'");
                }
            }
        }

        private void localArray(String t) {
            String[] g = split(t, "array @(\\w+): (\\w+) (\\w+)\\[(\\d+)\\](?: = \\{(.*)\\})?", "array @name: SPACE elem[length]");
            AddressSpace space;
            try {
                space = AddressSpace.valueOf(g[1]);
            } catch (IllegalArgumentException e) {
                throw error("unknown address space '" + g[1] + "'; expected LOCAL, PRIVATE or CONSTANT");
            }
            ElementType et = element(g[2], "array @" + g[0]);
            int length = Integer.parseInt(g[3]);
            List<Long> contents = new ArrayList<>();
            if (g[4] != null && !g[4].isBlank()) {
                for (String v : g[4].split(",")) contents.add(element(et, v.trim()));
            }
            if (space == AddressSpace.CONSTANT && contents.size() != length) {
                throw error("constant table @" + g[0] + " has length " + length + " but " + contents.size() + " elements; write '= {v0, v1, ...}'");
            }
            addArray(new ArrayRef(arrayList.size(), et, space, length, -1, g[0]), contents);
        }

        private long element(ElementType et, String v) {
            try {
                if (v.startsWith("0x")) {
                    long bits = Long.parseUnsignedLong(v.substring(2), 16);
                    return et == ElementType.FLOAT ? (long) (int) bits : bits;
                }
                return switch (et) {
                    case FLOAT -> (long) Float.floatToRawIntBits(Float.parseFloat(v));
                    case DOUBLE -> Double.doubleToRawLongBits(Double.parseDouble(v));
                    default -> Long.parseLong(v);
                };
            } catch (NumberFormatException e) {
                throw error("'" + v + "' is not a " + et.javaName() + " element (write a number, or raw bits as 0x...)");
            }
        }

        private void addArray(ArrayRef a, List<Long> contents) {
            if (arrays.containsKey(a.name())) throw error("array @" + a.name() + " is declared twice");
            arrays.put(a.name(), a);
            arrayList.add(a);
            constants.add(List.copyOf(contents));
        }

        private ElementType element(String javaName, String where) {
            for (ElementType e : ElementType.values()) {
                if (e.javaName().equals(javaName)) return e;
            }
            throw error(where + ": unknown element type '" + javaName + "'; expected byte, short, char, int, long, float or double");
        }

        // ---- blocks ------------------------------------------------------------------------------

        private static boolean isBlockLabel(String l) {
            return l.matches("b\\d+:");
        }

        private void block() {
            String label = lines.get(lineNo);
            int id = blockTerms.size();
            if (!label.equals("b" + id + ":")) throw error("expected block label 'b" + id + ":' (blocks are numbered in order), found '" + label.trim() + "'");
            lineNo++;
            List<Function<Map<String, Var>, Instr>> instrs = new ArrayList<>();
            blockInstrs.add(instrs);
            while (true) {
                if (lineNo >= lines.size() || isBlockLabel(lines.get(lineNo))) {
                    throw error("block b" + id + " ends without a terminator (goto, if, switch or return)");
                }
                String t = lines.get(lineNo).trim();
                if (t.isEmpty()) {
                    lineNo++;
                    continue;
                }
                int line = 0;
                Matcher at = SOURCE_LINE.matcher(t);
                if (at.find()) {
                    line = integer(at.group(1));
                    t = t.substring(0, at.start());
                }
                Function<Map<String, Var>, Terminator> term = terminator(t, line);
                if (term != null) {
                    blockTerms.add(term);
                    lineNo++;
                    return;
                }
                instrs.add(instr(t, line));
                lineNo++;
            }
        }

        private Function<Map<String, Var>, Terminator> terminator(String t, int line) {
            if (t.equals("return")) return v -> new Terminator.Return(line);
            if (t.startsWith("goto ")) {
                int target = blockRef(t.substring(5));
                return v -> new Terminator.Goto(target, line);
            }
            if (t.startsWith("if ")) {
                String[] g = split(t, "if (\\S+) (\\w+) (\\S+) goto b(\\d+) else b(\\d+)", "if A OP B goto bT else bF");
                Operand a = operand(g[0]);
                Operand b = operand(g[2]);
                CmpOp op = enumOf(CmpOp.class, g[1], "condition");
                equal(a, b);
                int ifTrue = Integer.parseInt(g[3]);
                int ifFalse = Integer.parseInt(g[4]);
                return v -> new Terminator.Branch(op, value(a, v), value(b, v), ifTrue, ifFalse, line);
            }
            if (t.startsWith("switch ")) {
                String[] g = split(t, "switch (\\S+) \\[(.*)\\] default b(\\d+)", "switch KEY [k: bT, ...] default bD");
                Operand key = operand(g[0]);
                typed(key, Type.I32);
                List<Integer> keys = new ArrayList<>();
                List<Integer> targets = new ArrayList<>();
                if (!g[1].isBlank()) {
                    for (String c : g[1].split(", ")) {
                        String[] kv = split(c.trim(), "(-?\\d+): b(\\d+)", "key: bT");
                        keys.add(Integer.parseInt(kv[0]));
                        targets.add(Integer.parseInt(kv[1]));
                    }
                }
                int dflt = Integer.parseInt(g[2]);
                return v -> new Terminator.Switch(value(key, v), keys, targets, dflt, line);
            }
            return null;
        }

        /** {@code print #site "format" keys k [v, ...] (kind, ..., string "text")}, as {@link IrPrinter} writes it. */
        private Function<Map<String, Var>, Instr> print(String t, int line) {
            String form = "print #SITE \"FORMAT\" keys K [V, ...] (KIND, ..., string \"TEXT\")";
            int[] at = {7};
            int sp = t.indexOf(' ', at[0]);
            if (sp < 0) throw error("expected '" + form + "', found '" + t + "'");
            int site = integer(t.substring(at[0], sp));
            at[0] = sp + 1;
            String format = unquote(t, at, form);
            String[] head = split(t.substring(at[0]), " keys (\\d+) \\[([^\\]]*)\\] \\((.*)\\)",
                    "keys K [V, ...] (KIND, ...)");
            int keys = integer(head[0]);
            List<Operand> ops = new ArrayList<>();
            for (String o : head[1].isBlank() ? new String[0] : head[1].split(", ")) ops.add(operand(o.trim()));
            List<PrintArg> args = new ArrayList<>();
            String rest = head[2];
            int[] p = {0};
            while (p[0] < rest.length()) {
                int end = p[0];
                while (end < rest.length() && Character.isLetter(rest.charAt(end))) end++;
                PrintKind kind = enumOf(PrintKind.class, rest.substring(p[0], end).toUpperCase(java.util.Locale.ROOT), "print argument kind");
                p[0] = end;
                if (kind == PrintKind.STRING) {
                    p[0]++;
                    args.add(PrintArg.text(unquote(rest, p, form)));
                } else {
                    args.add(PrintArg.of(kind));
                }
                if (rest.startsWith(", ", p[0])) p[0] += 2;
                else if (p[0] < rest.length()) throw error("expected ', ' between print arguments in '" + t + "'");
            }
            int k = keys;
            for (PrintArg a : args) {
                if (a.kind() == PrintKind.STRING) continue;
                if (k >= ops.size()) throw error("print has fewer values than keys plus non-string arguments: '" + t + "'");
                typed(ops.get(k++), a.kind().valueType());
            }
            if (k != ops.size()) throw error("print has " + ops.size() + " values for " + keys + " keys and " + (k - keys) + " arguments: '" + t + "'");
            return v -> new Instr.Print(site, format, ops.stream().map(o -> value(o, v)).toList(), keys, args, line);
        }

        /** The Java string literal starting at {@code at[0]} of {@code t}; leaves {@code at[0]} after its closing quote. */
        private String unquote(String t, int[] at, String form) {
            if (at[0] >= t.length() || t.charAt(at[0]) != '"') throw error("expected '" + form + "', found '" + t + "'");
            StringBuilder sb = new StringBuilder();
            int i = at[0] + 1;
            while (i < t.length() && t.charAt(i) != '"') {
                char c = t.charAt(i++);
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (i >= t.length()) break;
                char e = t.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(t.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            }
            if (i >= t.length()) throw error("unterminated string in '" + t + "'");
            at[0] = i + 1;
            return sb.toString();
        }

        private int blockRef(String s) {
            if (!s.matches("b\\d+")) throw error("expected a block reference bN, found '" + s + "'");
            return Integer.parseInt(s.substring(1));
        }

        private Function<Map<String, Var>, Instr> instr(String t, int line) {
            if (t.equals("barrier")) return v -> new Instr.Barrier(line);
            if (t.startsWith("zero ")) {
                ArrayRef a = arrayNamed("@" + split(t, "zero @(\\w+)", "zero @a")[0]);
                return v -> new Instr.ZeroArray(a, line);
            }
            if (t.startsWith("store ")) {
                String[] g = split(t, "store @(\\w+)\\[(\\S+)\\] = (\\S+)", "store @a[INDEX] = VALUE");
                ArrayRef a = arrayNamed("@" + g[0]);
                Operand idx = index(a, g[1]);
                Operand val = operand(g[2]);
                typed(val, a.element().valueType());
                return v -> new Instr.Store(a, value(idx, v), value(val, v), line);
            }
            if (t.startsWith("print #")) return print(t, line);
            if (t.startsWith("check_divisor ")) {
                String[] g = split(t, "check_divisor (\\S+)", "check_divisor VALUE");
                Operand d = operand(g[0]);
                return v -> new Instr.CheckDivisor(value(d, v), line);
            }
            if (t.startsWith("check ")) {
                String[] g = split(t, "check @(\\w+)\\[(\\S+)\\]", "check @a[INDEX]");
                ArrayRef a = arrayNamed("@" + g[0]);
                Operand idx = index(a, g[1]);
                return v -> new Instr.CheckIndex(a, value(idx, v), line);
            }
            int eq = t.indexOf(" = ");
            if (!t.startsWith("%") || eq < 0) throw error("expected an instruction '%dst = ...', 'store ...', 'check ...', 'barrier' or a terminator, found '" + t + "'");
            String dstName = t.substring(0, eq);
            checkVarName(dstName);
            String rhs = t.substring(eq + 3);
            int sp = rhs.indexOf(' ');
            if (sp < 0) { // a move: '%x = %y' or '%x = 1.5f'
                Operand src = operand(rhs);
                Operand dst = operand(dstName);
                equal(dst, src);
                String moved = dstName.substring(1);
                return v -> new Instr.Move(v.get(moved), value(src, v), line);
            }
            String op = rhs.substring(0, sp);
            String args = rhs.substring(sp + 1);
            Operand dst = operand(dstName);
            String d = dstName.substring(1);
            switch (op) {
                case "load" -> {
                    String[] g = split(args, "@(\\w+)\\[(\\S+)\\]", "load @a[INDEX]");
                    ArrayRef a = arrayNamed("@" + g[0]);
                    Operand idx = index(a, g[1]);
                    typed(dst, a.element().valueType());
                    return v -> new Instr.Load(v.get(d), a, value(idx, v), line);
                }
                case "length", "length.I64" -> {
                    ArrayRef a = arrayNamed(args);
                    typed(dst, a.lengthType());
                    return v -> new Instr.ArrayLength(v.get(d), a, line);
                }
                case "parallel_index", "parallel_stride" -> {
                    int dim = integer(args);
                    boolean index = op.equals("parallel_index");
                    pendingParallel.computeIfAbsent((index ? "index:" : "stride:") + dim, k -> new ArrayList<>()).add(dstName);
                    if (index) parallelIndexDst.putIfAbsent(dim, d);
                    return v -> index ? new Instr.ParallelIndex(v.get(d), dim, line) : new Instr.ParallelStride(v.get(d), dim, line);
                }
                case "neg.I32", "neg.I64", "neg.F32", "neg.F64" -> {
                    Operand a = operand(args);
                    Type ty = Type.valueOf(op.substring(4));
                    typed(dst, ty);
                    typed(a, ty);
                    return v -> new Instr.Negate(v.get(d), value(a, v), line);
                }
                default -> {
                }
            }
            if (op.startsWith("atomic_")) {
                AtomicOp aop = enumOf(AtomicOp.class, op.substring(7).toUpperCase(Locale.ROOT), "atomic operation");
                String[] g = split(args, "@(\\w+)\\[(\\S+)\\], (\\S+?)(?:, (\\S+))?", "atomic_op @a[INDEX], OPERAND[, EXPECTED]");
                ArrayRef a = arrayNamed("@" + g[0]);
                Operand idx = index(a, g[1]);
                Operand operand = operand(g[2]);
                Operand expected = g[3] == null ? null : operand(g[3]);
                Type et = a.element().valueType();
                typed(dst, et);
                typed(operand, et);
                if (expected != null) typed(expected, et);
                return v -> new Instr.Atomic(v.get(d), aop, a, value(idx, v), value(operand, v), expected == null ? null : value(expected, v), line);
            }
            int dot = op.indexOf('.');
            if (dot > 0) {
                String name = op.substring(0, dot);
                Type ty = enumOf(Type.class, op.substring(dot + 1), "type");
                typed(dst, ty);
                List<Operand> ops = new ArrayList<>();
                for (String a : args.split(", ")) ops.add(operand(a.trim()));
                if (name.equals("bitcast")) {
                    one(ops, op);
                    typed(ops.get(0), switch (ty) {
                        case I32 -> Type.F32;
                        case F32 -> Type.I32;
                        case I64 -> Type.F64;
                        case F64 -> Type.I64;
                    });
                    return v -> new Instr.BitCast(v.get(d), value(ops.get(0), v), line);
                }
                BinOp bop = lookup(BinOp.class, name);
                if (bop != null) {
                    if (ops.size() != 2) throw error(op + " takes two operands, found " + ops.size());
                    typed(ops.get(0), ty);
                    typed(ops.get(1), bop.isShift() ? Type.I32 : ty);
                    if (bop == BinOp.ADD) adds.add(new String[] {d, ops.get(0).var(), ops.get(1).var()});
                    return v -> new Instr.Binary(v.get(d), bop, value(ops.get(0), v), value(ops.get(1), v), line);
                }
                MathFunction fn = lookup(MathFunction.class, name);
                if (fn != null) {
                    for (Operand o : ops) typed(o, ty);
                    return v -> new Instr.MathCall(v.get(d), fn, ops.stream().map(o -> value(o, v)).toList(), line);
                }
                throw error("unknown operation '" + name + "' in '" + op + "'; expected a binary operator (add, shl, ...), a math function (sqrt, ...) or bitcast");
            }
            Conversion conv = lookup(Conversion.class, op);
            if (conv != null) {
                Operand a = operand(args);
                typed(a, conv.from());
                typed(dst, conv.to());
                return v -> new Instr.Convert(v.get(d), conv, value(a, v), line);
            }
            CompareKind ck = lookup(CompareKind.class, op);
            if (ck != null) {
                String[] g = split(args, "(\\S+), (\\S+)", ck.name().toLowerCase(Locale.ROOT) + " A, B");
                Operand a = operand(g[0]);
                Operand b = operand(g[1]);
                typed(a, ck.operandType());
                typed(b, ck.operandType());
                typed(dst, Type.I32);
                return v -> new Instr.Compare(v.get(d), ck, value(a, v), value(b, v), line);
            }
            WorkItemQuery q = lookup(WorkItemQuery.class, op);
            if (q != null) {
                int dim = integer(args);
                typed(dst, Type.I32);
                return v -> new Instr.WorkItem(v.get(d), q, dim, line);
            }
            throw error("unknown instruction '" + op + "' in '" + t + "'");
        }

        private void one(List<Operand> ops, String op) {
            if (ops.size() != 1) throw error(op + " takes one operand, found " + ops.size());
        }

        private Operand index(ArrayRef a, String text) {
            Operand idx = operand(text);
            if (!a.isOffHeap()) typed(idx, Type.I32); // off-heap indices may be I32 or I64: their definition decides
            return idx;
        }

        private int integer(String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw error("expected a dimension number, found '" + s + "'");
            }
        }

        private ArrayRef arrayNamed(String ref) {
            if (!ref.startsWith("@")) throw error("expected an array @name, found '" + ref + "'");
            ArrayRef a = arrays.get(ref.substring(1));
            if (a == null) throw error("unknown array " + ref + "; arrays are parameters or declared as '  array " + ref + ": SPACE elem[n]' before b0");
            return a;
        }

        // ---- operands and types ------------------------------------------------------------------

        private Operand operand(String s) {
            if (s.startsWith("%")) {
                checkVarName(s);
                node(s.substring(1));
                return new Operand(null, s.substring(1));
            }
            try {
                if (s.endsWith("L")) return new Operand(Const.ofLong(Long.parseLong(s.substring(0, s.length() - 1))), null);
                if (s.endsWith("f")) return new Operand(Const.ofFloat(Float.parseFloat(s.substring(0, s.length() - 1))), null);
                if (s.endsWith("d")) return new Operand(Const.ofDouble(Double.parseDouble(s.substring(0, s.length() - 1))), null);
                return new Operand(Const.ofInt(Integer.parseInt(s)), null);
            } catch (NumberFormatException e) {
                throw error("'" + s + "' is neither a variable %name nor a constant (1, 1L, 1.0f, 1.0d, NaNf, -Infinityd)");
            }
        }

        private void checkVarName(String s) {
            if (!s.matches("%\\w+")) throw error("'" + s + "' is not a variable name (%name, letters, digits and _)");
        }

        private Value value(Operand o, Map<String, Var> vars) {
            return o.constant() != null ? o.constant() : vars.get(o.var());
        }

        private int node(String name) {
            Integer id = varIds.get(name);
            if (id == null) {
                id = parent.size();
                varIds.put(name, id);
                parent.add(id);
                typeOf.add(null);
                firstLine.add(lineNo + 1);
            }
            return id;
        }

        private int find(int x) {
            while (parent.get(x) != x) x = parent.get(x);
            return x;
        }

        private void fact(String var, Type t) {
            int r = find(node(var.startsWith("%") ? var.substring(1) : var));
            if (t == null) return;
            Type old = typeOf.get(r);
            if (old != null && old != t) throw error("%" + var.replace("%", "") + " is used as " + t + " here but is " + old + " elsewhere");
            typeOf.set(r, t);
        }

        private void typed(Operand o, Type t) {
            if (o.var() != null) fact(o.var(), t);
            else if (o.constant().type() != t) throw error("constant " + o.constant() + " is " + o.constant().type() + ", expected " + t);
        }

        private void equal(Operand a, Operand b) {
            if (a.var() != null && b.var() != null) union(a.var(), b.var());
            else if (a.var() != null) typed(a, b.constant().type());
            else if (b.var() != null) typed(b, a.constant().type());
            else if (a.constant().type() != b.constant().type()) throw error("constants " + a.constant() + " and " + b.constant() + " differ in type");
        }

        private void union(String a, String b) {
            int x = find(node(a.replace("%", "")));
            int y = find(node(b.replace("%", "")));
            if (x == y) return;
            Type tx = typeOf.get(x);
            Type ty = typeOf.get(y);
            if (tx != null && ty != null && tx != ty) {
                throw error("%" + a.replace("%", "") + " (" + tx + ") and %" + b.replace("%", "") + " (" + ty + ") must have one type");
            }
            parent.set(x, y);
            if (ty == null) typeOf.set(y, tx);
        }

        // ---- small helpers -----------------------------------------------------------------------

        private HostExpr tripCount(String s) {
            if (s.equals("?")) return null;
            int[] pos = {0};
            HostExpr e = hostExpr(s, pos);
            if (pos[0] != s.length()) throw new IllegalArgumentException("trip count '" + s + "': unexpected text at position " + pos[0]);
            return e;
        }

        private HostExpr hostExpr(String s, int[] pos) {
            if (s.startsWith("(", pos[0])) {
                pos[0]++;
                HostExpr a = hostExpr(s, pos);
                int sp = s.indexOf(' ', pos[0] + 1);
                if (sp < 0 || s.charAt(pos[0]) != ' ') throw new IllegalArgumentException("trip count '" + s + "': expected ' op ' at " + pos[0]);
                String sym = s.substring(pos[0] + 1, sp);
                BinOp op = null;
                for (BinOp o : BinOp.values()) {
                    if (o.symbol().equals(sym)) op = o;
                }
                if (op == null) throw new IllegalArgumentException("trip count '" + s + "': unknown operator '" + sym + "'");
                pos[0] = sp + 1;
                HostExpr b = hostExpr(s, pos);
                if (!s.startsWith(")", pos[0])) throw new IllegalArgumentException("trip count '" + s + "': expected ')' at " + pos[0]);
                pos[0]++;
                return new HostExpr.Binary(op, a, b);
            }
            var m = java.util.regex.Pattern.compile("len\\(arg(\\d+)\\)|arg(\\d+)|(-?\\d+)").matcher(s).region(pos[0], s.length());
            if (!m.lookingAt()) throw new IllegalArgumentException("trip count '" + s + "': expected (a op b), argN, len(argN) or a number at " + pos[0]);
            pos[0] = m.end();
            if (m.group(1) != null) return new HostExpr.Length(Integer.parseInt(m.group(1)));
            if (m.group(2) != null) return new HostExpr.Scalar(Integer.parseInt(m.group(2)));
            return new HostExpr.Constant(Long.parseLong(m.group(3)));
        }

        private String[] split(String t, String regex, String form) {
            var m = java.util.regex.Pattern.compile(regex).matcher(t);
            if (!m.matches()) throw error("expected '" + form + "', found '" + t + "'");
            String[] g = new String[m.groupCount()];
            for (int k = 0; k < g.length; k++) g[k] = m.group(k + 1);
            return g;
        }

        private static <E extends Enum<E>> E lookup(Class<E> type, String lowerName) {
            for (E e : type.getEnumConstants()) {
                if (e.name().toLowerCase(Locale.ROOT).equals(lowerName)) return e;
            }
            return null;
        }

        private <E extends Enum<E>> E enumOf(Class<E> type, String name, String what) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(name)) return e;
            }
            throw error("unknown " + what + " '" + name + "'; expected one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("IR text line " + (lineNo + 1) + ": " + what);
        }
    }
}

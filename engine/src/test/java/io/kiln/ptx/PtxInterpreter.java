package io.kiln.ptx;

import io.kiln.ptx.PtxCode.Function;
import io.kiln.ptx.PtxCode.Insn;
import io.kiln.ptx.PtxCode.Opnd;
import io.kiln.ptx.PtxCode.Ty;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.kiln.ptx.PtxSemantics.binary;
import static io.kiln.ptx.PtxSemantics.bits;
import static io.kiln.ptx.PtxSemantics.compare;
import static io.kiln.ptx.PtxSemantics.convert;
import static io.kiln.ptx.PtxSemantics.d;
import static io.kiln.ptx.PtxSemantics.f;
import static io.kiln.ptx.PtxSemantics.fma;
import static io.kiln.ptx.PtxSemantics.norm;
import static io.kiln.ptx.PtxSemantics.unary;

/**
 * A test-only interpreter for exactly the PTX that {@link PtxEmitter} and {@link PtxMathLib}
 * produce: it parses a module, then runs its entry over a grid of blocks, one thread at a time
 * (threads of a block take turns at {@code bar.sync}). Semantics follow the PTX ISA; where the ISA
 * leaves a result unspecified (integer division by zero, NaN to integer) the interpreter returns a
 * conspicuous junk value, so a test fails if the emitter ever relies on it. Anything else it meets
 * is an error: the interpreter doubles as a check that the emitter stays inside this subset.
 * <p>This file parses and schedules; the parsed form is {@link PtxCode}, the memory {@link PtxMemory}, and
 * what each arithmetic, comparison and conversion instruction computes {@link PtxSemantics}.
 */
public final class PtxInterpreter {
    /** What the interpreter returns where PTX leaves a result unspecified. */
    static final long JUNK = 0x5A5A5A5A5A5A5A5AL;

    private final Map<String, Function> functions = new HashMap<>();
    private Function entry;
    private final PtxMemory memory = new PtxMemory();
    private final Map<String, Long> moduleSymbols = new HashMap<>();
    private long executed;

    public PtxMemory memory() {
        return memory;
    }

    /** Instructions executed so far. */
    public long executed() {
        return executed;
    }

    // ------------------------------------------------------------------ parsing

    private static final Pattern REG_DECL = Pattern.compile("\\.reg\\s+\\.(\\w+)\\s+(%\\w+)(?:<(\\d+)>)?");
    private static final Pattern DATA_DECL = Pattern.compile(
            "\\.(const|global|local|shared)\\s+\\.align\\s+\\d+\\s+\\.(\\w+)\\s+(\\w+)\\[(\\d+)\\]\\s*(?:=\\s*\\{([^}]*)\\})?");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)\\s+(\\w+)");
    private static final Pattern FUNC = Pattern.compile("\\.func\\s+\\(\\.reg\\s+\\.(\\w+)\\s+%res\\)\\s+(\\w+)\\s*\\(([^)]*)\\)");

    public PtxInterpreter(String ptx) {
        String text = ptx.replaceAll("//[^\\n]*", "");
        int pos = 0;
        while (pos < text.length()) {
            int next = nextTopLevel(text, pos);
            if (next < 0) break;
            pos = next;
        }
        if (entry == null) throw new IllegalStateException("module has no .entry");
        for (Function fn : functions.values()) {
            for (Insn in : fn.code) {
                if (in.callee != null && !functions.containsKey(in.callee)) {
                    throw new IllegalStateException("call to undefined function " + in.callee);
                }
            }
        }
    }

    /** Parses one top-level item starting at or after {@code pos}; returns the position after it, or -1 at the end. */
    private int nextTopLevel(String text, int pos) {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
        if (pos >= text.length()) return -1;
        if (text.startsWith(".version", pos) || text.startsWith(".target", pos) || text.startsWith(".address_size", pos)) {
            return text.indexOf('\n', pos) + 1;
        }
        if (text.startsWith(".const", pos) || text.startsWith(".global", pos)) {
            int end = text.indexOf(';', pos);
            Matcher m = DATA_DECL.matcher(text.substring(pos, end));
            if (!m.find()) throw new IllegalStateException("cannot parse data: " + text.substring(pos, end));
            Ty t = Ty.of(m.group(2));
            int count = Integer.parseInt(m.group(4));
            long addr = memory.allocate(m.group(1), count * t.bytes);
            if (m.group(5) != null) {
                String[] vals = m.group(5).trim().split("\\s*,\\s*");
                for (int i = 0; i < vals.length; i++) memory.store(addr + (long) i * t.bytes, m.group(1), t, parseInt(vals[i]));
            }
            moduleSymbols.put(m.group(3), addr);
            return end + 1;
        }
        int open = text.indexOf('{', pos);
        int close = matchingBrace(text, open);
        String header = text.substring(pos, open);
        Function fn;
        if (header.contains(".entry")) {
            Matcher name = Pattern.compile("\\.entry\\s+(\\w+)").matcher(header);
            if (!name.find()) throw new IllegalStateException("cannot parse entry header: " + header);
            fn = new Function(name.group(1), true);
            Matcher p = PARAM.matcher(header);
            while (p.find()) fn.params.add(p.group(2));
            entry = fn;
        } else {
            Matcher m = FUNC.matcher(header);
            if (!m.find()) throw new IllegalStateException("cannot parse function header: " + header);
            fn = new Function(m.group(2), false);
            fn.declare("%res", Ty.of(m.group(1)));
            for (String a : m.group(3).split(",")) {
                String[] words = a.trim().split("\\s+");
                String reg = words[words.length - 1];
                fn.params.add(reg);
                fn.declare(reg, Ty.of(words[words.length - 2].substring(1)));
            }
        }
        functions.put(fn.name, fn);
        parseBody(fn, text.substring(open + 1, close));
        return close + 1;
    }

    private static int matchingBrace(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            if (text.charAt(i) == '{') depth++;
            if (text.charAt(i) == '}' && --depth == 0) return i;
        }
        throw new IllegalStateException("unbalanced braces");
    }

    private void parseBody(Function fn, String body) {
        List<String[]> pending = new ArrayList<>();
        for (String raw : body.split("\n")) {
            String line = raw.trim();
            if (line.isEmpty()) continue;
            if (line.endsWith(":")) {
                fn.labels.put(line.substring(0, line.length() - 1), fn.code.size() + pending.size());
                continue;
            }
            if (!line.endsWith(";")) throw new IllegalStateException(fn.name + ": line without ';': " + line);
            line = line.substring(0, line.length() - 1).trim();
            if (line.startsWith(".reg")) {
                Matcher m = REG_DECL.matcher(line);
                if (!m.find()) throw new IllegalStateException("cannot parse " + line);
                Ty ty = Ty.of(m.group(1));
                if (m.group(3) == null) {
                    fn.declare(m.group(2), ty);
                } else {
                    for (int i = 0; i < Integer.parseInt(m.group(3)); i++) fn.declare(m.group(2) + i, ty);
                }
                continue;
            }
            if (line.startsWith(".local") || line.startsWith(".shared")) {
                Matcher m = DATA_DECL.matcher(line);
                if (!m.find()) throw new IllegalStateException("cannot parse " + line);
                fn.locals.put(m.group(3), new int[] {m.group(1).equals("local") ? 0 : 1, Integer.parseInt(m.group(4))});
                continue;
            }
            pending.add(new String[] {line});
        }
        for (String[] p : pending) fn.code.add(parseInsn(fn, p[0]));
        for (Insn in : fn.code) {
            if (in.op().equals("bra")) {
                Integer t = fn.labels.get(in.ops[0].symbol());
                if (t == null) throw new IllegalStateException(fn.name + ": unknown label in " + in.text);
                in.target = t;
            }
        }
    }

    private Insn parseInsn(Function fn, String line) {
        String text = line;
        int guard = -1;
        boolean negated = false;
        if (line.startsWith("@")) {
            int sp = line.indexOf(' ');
            String g = line.substring(1, sp);
            negated = g.startsWith("!");
            guard = fn.reg(negated ? g.substring(1) : g);
            line = line.substring(sp + 1).trim();
        }
        int sp = line.indexOf(' ');
        String opcode = sp < 0 ? line : line.substring(0, sp);
        String rest = sp < 0 ? "" : line.substring(sp + 1).trim();
        Insn in;
        if (opcode.equals("call")) {
            Matcher m = Pattern.compile("\\((%\\w+)\\),\\s*(\\w+),\\s*\\(([^)]*)\\)").matcher(rest);
            if (!m.find()) throw new IllegalStateException("cannot parse " + text);
            String[] args = m.group(3).split(",");
            Opnd[] ops = new Opnd[args.length + 1];
            ops[0] = Opnd.reg(fn.reg(m.group(1)));
            for (int i = 0; i < args.length; i++) ops[i + 1] = operand(fn, args[i].trim());
            in = new Insn(text, new String[] {"call"}, ops);
            in.callee = m.group(2);
        } else {
            List<Opnd> ops = new ArrayList<>();
            if (!rest.isEmpty()) {
                for (String o : rest.split(",")) ops.add(operand(fn, o.trim()));
            }
            in = new Insn(text, opcode.split("\\."), ops.toArray(Opnd[]::new));
        }
        in.guard = guard;
        in.guardNegated = negated;
        return in;
    }

    private Opnd operand(Function fn, String o) {
        if (o.startsWith("[")) {
            String inner = o.substring(1, o.length() - 1);
            long off = 0;
            int plus = Math.max(inner.indexOf('+'), inner.lastIndexOf('-'));
            if (plus > 0) {
                off = Long.parseLong(inner.substring(plus).replace("+", ""));
                inner = inner.substring(0, plus);
            }
            if (inner.startsWith("%")) return new Opnd(fn.reg(inner), off, null, null, true);
            return new Opnd(-1, off, null, inner, true);
        }
        if (o.startsWith("%")) {
            if (o.startsWith("%tid.") || o.startsWith("%ntid.") || o.startsWith("%ctaid.") || o.startsWith("%nctaid.")) {
                return new Opnd(-1, 0, o, null, false);
            }
            return Opnd.reg(fn.reg(o));
        }
        if (o.startsWith("$") || o.startsWith("_") || Character.isLetter(o.charAt(0))) {
            return new Opnd(-1, 0, null, o, false);
        }
        return new Opnd(-1, parseImmediate(o), null, null, false);
    }

    private static long parseImmediate(String o) {
        if (o.startsWith("0f") || o.startsWith("0F")) return Long.parseLong(o.substring(2), 16);
        if (o.startsWith("0d") || o.startsWith("0D")) return Long.parseUnsignedLong(o.substring(2), 16);
        return parseInt(o);
    }

    private static long parseInt(String o) {
        if (o.startsWith("0x") || o.startsWith("0X")) return Long.parseUnsignedLong(o.substring(2), 16);
        if (o.startsWith("-0x")) return -Long.parseUnsignedLong(o.substring(3), 16);
        return Long.parseLong(o);
    }

    /** The entry's {@code .param} names in order. */
    public List<String> entryParams() {
        return entry.params;
    }

    // ------------------------------------------------------------------ execution

    private static final class Frame {
        final Function fn;
        final long[] regs;
        int pc;
        int resultReg = -1;   // caller's register receiving %res

        Frame(Function fn) {
            this.fn = fn;
            this.regs = new long[fn.regs.size()];
        }
    }

    private static final class Thread {
        final int[] tid;
        final List<Frame> stack = new ArrayList<>();
        final Map<String, Long> locals = new HashMap<>();
        boolean done;
        boolean atBarrier;

        Thread(int[] tid) {
            this.tid = tid;
        }
    }

    private int[] ctaid;
    private int[] ntid;
    private int[] nctaid;
    private Map<String, Long> params;
    private Map<String, Long> shared;
    private long stepLimit = Long.MAX_VALUE;

    /** Fails a launch that runs more than {@code n} instructions (a guard against endless loops). */
    public void stepLimit(long n) {
        stepLimit = n;
    }

    /**
     * Runs the entry over {@code grid} blocks of {@code block} threads with {@code args}, one raw
     * value per {@code .param} in declaration order.
     */
    public void launch(int[] grid, int[] block, long[] args) {
        if (args.length != entry.params.size()) {
            throw new IllegalArgumentException("entry takes " + entry.params.size() + " parameters, got " + args.length);
        }
        params = new HashMap<>();
        for (int i = 0; i < args.length; i++) params.put(entry.params.get(i), args[i]);
        nctaid = grid;
        ntid = block;
        long start = executed;
        for (int bz = 0; bz < grid[2]; bz++) {
            for (int by = 0; by < grid[1]; by++) {
                for (int bx = 0; bx < grid[0]; bx++) {
                    ctaid = new int[] {bx, by, bz};
                    runBlock();
                    if (executed - start > stepLimit) throw new IllegalStateException("step limit exceeded");
                }
            }
        }
    }

    private void runBlock() {
        shared = new HashMap<>();
        List<Long> blockRegions = new ArrayList<>();
        for (Map.Entry<String, int[]> e : entry.locals.entrySet()) {
            if (e.getValue()[0] == 1) {
                long a = memory.allocate("shared", e.getValue()[1]);
                shared.put(e.getKey(), a);
                blockRegions.add(a);
            }
        }
        List<Thread> threads = new ArrayList<>();
        for (int z = 0; z < ntid[2]; z++) {
            for (int y = 0; y < ntid[1]; y++) {
                for (int x = 0; x < ntid[0]; x++) {
                    threads.add(new Thread(new int[] {x, y, z}));
                }
            }
        }
        boolean sequential = entry.locals.values().stream().noneMatch(v -> v[0] == 1) && !usesBarrier();
        if (sequential) {
            // no shared state within the block: run each thread to completion, freeing its private memory after
            for (Thread t : threads) {
                start(t);
                run(t);
                for (long a : t.locals.values()) memory.free(a);
            }
        } else {
            for (Thread t : threads) start(t);
            while (true) {
                for (Thread t : threads) {
                    if (!t.done) run(t);
                }
                long waiting = threads.stream().filter(t -> t.atBarrier).count();
                if (waiting == 0) break;
                if (waiting != threads.size()) {
                    throw new IllegalStateException("bar.sync reached by " + waiting + " of " + threads.size() + " threads of block "
                            + java.util.Arrays.toString(ctaid) + ": divergent barrier");
                }
                for (Thread t : threads) t.atBarrier = false;
            }
            for (Thread t : threads) for (long a : t.locals.values()) memory.free(a);
        }
        for (long a : blockRegions) memory.free(a);
    }

    private boolean usesBarrier() {
        return entry.code.stream().anyMatch(i -> i.op().equals("bar"));
    }

    private void start(Thread t) {
        for (Map.Entry<String, int[]> e : entry.locals.entrySet()) {
            if (e.getValue()[0] == 0) t.locals.put(e.getKey(), memory.allocate("local", e.getValue()[1]));
        }
        t.stack.add(new Frame(entry));
    }

    private long symbol(Thread t, Function fn, String name) {
        Long a = t.locals.get(name);
        if (a == null && fn == entry) a = shared.get(name);
        if (a == null) a = moduleSymbols.get(name);
        if (a == null) throw new IllegalStateException("unknown symbol " + name);
        return a;
    }

    private long special(Thread t, String s) {
        int axis = s.charAt(s.length() - 1) - 'x';
        return switch (s.substring(0, s.indexOf('.'))) {
            case "%tid" -> t.tid[axis];
            case "%ntid" -> ntid[axis];
            case "%ctaid" -> ctaid[axis];
            case "%nctaid" -> nctaid[axis];
            default -> throw new IllegalStateException("unknown special register " + s);
        };
    }

    private long value(Thread t, Frame fr, Opnd o) {
        if (o.reg() >= 0 && !o.address()) return fr.regs[o.reg()];
        if (o.special() != null) return special(t, o.special());
        if (o.symbol() != null) return symbol(t, fr.fn, o.symbol());
        return o.imm();
    }

    private long address(Thread t, Frame fr, Opnd o) {
        if (!o.address()) throw new IllegalStateException("expected an address operand");
        long base = o.reg() >= 0 ? fr.regs[o.reg()] : symbol(t, fr.fn, o.symbol());
        return base + o.imm();
    }

    /** Runs {@code t} until it finishes or waits at a barrier. */
    private void run(Thread t) {
        Frame fr = t.stack.get(t.stack.size() - 1);
        while (true) {
            Insn in = fr.fn.code.get(fr.pc++);
            executed++;
            if (in.guard >= 0 && (fr.regs[in.guard] != 0) == in.guardNegated) continue;
            switch (in.op()) {
                case "bra" -> fr.pc = in.target;
                case "ret" -> {
                    t.stack.remove(t.stack.size() - 1);
                    if (t.stack.isEmpty()) {
                        t.done = true;
                        return;
                    }
                    Frame caller = t.stack.get(t.stack.size() - 1);
                    set(caller, fr.resultReg, fr.regs[fr.fn.reg("%res")]);
                    fr = caller;
                }
                case "call" -> {
                    Function callee = functions.get(in.callee);
                    Frame next = new Frame(callee);
                    for (int i = 1; i < in.ops.length; i++) {
                        set(next, callee.reg(callee.params.get(i - 1)), value(t, fr, in.ops[i]));
                    }
                    next.resultReg = in.ops[0].reg();
                    t.stack.add(next);
                    fr = next;
                }
                case "bar" -> {
                    t.atBarrier = true;
                    return;
                }
                default -> execute(t, fr, in);
            }
        }
    }

    private void execute(Thread t, Frame fr, Insn in) {
        Opnd[] o = in.ops;
        if (in.op().equals("st")) {
            memory.store(address(t, fr, o[0]), in.parts[1], in.type(), value(t, fr, o[1]));
            return;
        }
        long v = switch (in.op()) {
            case "mov", "cvta" -> norm(in.type(), value(t, fr, o[1]));
            case "ld" -> in.parts[1].equals("param") ? params.get(o[1].symbol()) : memory.load(address(t, fr, o[1]), in.parts[1], in.type());
            case "atom" -> atom(t, fr, in);
            case "setp" -> compare(in.parts[1], in.type(), value(t, fr, o[1]), value(t, fr, o[2])) ? 1 : 0;
            case "selp" -> value(t, fr, o[3]) != 0 ? value(t, fr, o[1]) : value(t, fr, o[2]);
            case "cvt" -> convert(in, value(t, fr, o[1]));
            // not.pred is logical, not.b16/b32/b64 bitwise (set() keeps 32-bit registers zero-extended)
            case "not" -> in.type() == Ty.PRED ? (value(t, fr, o[1]) == 0 ? 1 : 0) : ~value(t, fr, o[1]);
            case "clz" -> in.type() == Ty.B64 ? Long.numberOfLeadingZeros(value(t, fr, o[1]))
                    : Integer.numberOfLeadingZeros((int) value(t, fr, o[1]));
            case "neg", "abs", "sqrt" -> unary(in, value(t, fr, o[1]));
            case "fma" -> fma(in.type(), value(t, fr, o[1]), value(t, fr, o[2]), value(t, fr, o[3]));
            default -> binary(in, value(t, fr, o[1]), value(t, fr, o[2]));
        };
        set(fr, o[0].reg(), v);
    }

    /** Writes a register, keeping 32-bit registers zero-extended and predicates 0 or 1. */
    private static void set(Frame fr, int reg, long v) {
        Ty t = fr.fn.regTypes.get(reg);
        fr.regs[reg] = t == Ty.PRED ? (v != 0 ? 1 : 0) : t.bytes == 4 ? v & 0xFFFFFFFFL : v;
    }


    private long atom(Thread t, Frame fr, Insn in) {
        String space = in.parts[1];
        String op = in.parts[2];
        Ty ty = in.type();
        long addr = address(t, fr, in.ops[1]);
        long old = memory.load(addr, space, ty);
        long b = value(t, fr, in.ops[2]);
        long nv = switch (op) {
            case "add" -> ty.wide() ? old + b : (old + b) & 0xFFFFFFFFL;
            case "min" -> ty.wide() ? Math.min(old, b) : Math.min((int) old, (int) b) & 0xFFFFFFFFL;
            case "max" -> ty.wide() ? Math.max(old, b) : Math.max((int) old, (int) b) & 0xFFFFFFFFL;
            case "exch" -> b;
            case "cas" -> norm(ty, old) == norm(ty, b) ? value(t, fr, in.ops[3]) : old;
            default -> throw new IllegalStateException("unsupported: " + in.text);
        };
        memory.store(addr, space, ty, nv);
        return old;
    }
}

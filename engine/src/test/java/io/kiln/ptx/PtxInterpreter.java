package io.kiln.ptx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test-only interpreter for exactly the PTX that {@link PtxEmitter} and {@link PtxMathLib}
 * produce: it parses a module, then runs its entry over a grid of blocks, one thread at a time
 * (threads of a block take turns at {@code bar.sync}). Semantics follow the PTX ISA; where the ISA
 * leaves a result unspecified (integer division by zero, NaN to integer) the interpreter returns a
 * conspicuous junk value, so a test fails if the emitter ever relies on it. Anything else it meets
 * is an error: the interpreter doubles as a check that the emitter stays inside this subset.
 */
public final class PtxInterpreter {
    /** What the interpreter returns where PTX leaves a result unspecified. */
    static final long JUNK = 0x5A5A5A5A5A5A5A5AL;

    // ------------------------------------------------------------------ parsed form

    enum Ty {
        B8(1), S8(1), U8(1), B16(2), S16(2), U16(2), B32(4), S32(4), U32(4), F32(4), B64(8), S64(8), U64(8), F64(8), PRED(1);

        final int bytes;

        Ty(int bytes) {
            this.bytes = bytes;
        }

        boolean isFloat() {
            return this == F32 || this == F64;
        }

        boolean isSigned() {
            return this == S8 || this == S16 || this == S32 || this == S64;
        }

        boolean wide() {
            return bytes == 8;
        }

        static Ty of(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** An operand: a register slot, an immediate, a special register, a symbol, or an address. */
    record Opnd(int reg, long imm, String special, String symbol, boolean address) {
        static Opnd reg(int r) {
            return new Opnd(r, 0, null, null, false);
        }
    }

    static final class Insn {
        final String text;
        final String[] parts;     // opcode split at dots
        final Opnd[] ops;
        int guard = -1;
        boolean guardNegated;
        int target = -1;          // branch target index
        String callee;
        final Ty type;            // the last type suffix, or null
        final Ty from;            // cvt: the source type
        final Ty to;              // cvt: the destination type

        Insn(String text, String[] parts, Opnd[] ops) {
            this.text = text;
            this.parts = parts;
            this.ops = ops;
            this.type = parts.length > 1 ? tyOrNull(parts[parts.length - 1]) : null;
            this.from = parts[0].equals("cvt") ? type : null;
            this.to = parts[0].equals("cvt") ? tyOrNull(parts[parts.length - 2]) : null;
        }

        private static Ty tyOrNull(String s) {
            try {
                return Ty.of(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        String op() {
            return parts[0];
        }

        Ty type() {
            return type;
        }

        boolean has(String modifier) {
            for (int i = 1; i < parts.length; i++) if (parts[i].equals(modifier)) return true;
            return false;
        }
    }

    static final class Function {
        final String name;
        final boolean entry;
        final Map<String, Integer> regs = new HashMap<>();
        final List<Ty> regTypes = new ArrayList<>();
        final List<String> params = new ArrayList<>();   // .param names (entry) or %arg registers (func)
        final Map<String, Integer> labels = new HashMap<>();
        final List<Insn> code = new ArrayList<>();
        final Map<String, int[]> locals = new HashMap<>();   // name -> {space (0 local, 1 shared), bytes}

        Function(String name, boolean entry) {
            this.name = name;
            this.entry = entry;
        }

        int reg(String name) {
            Integer r = regs.get(name);
            if (r == null) throw new IllegalStateException(this.name + ": undeclared register " + name);
            return r;
        }

        int declare(String name, Ty type) {
            Integer r = regs.get(name);
            if (r != null) throw new IllegalStateException(this.name + ": register " + name + " declared twice");
            regs.put(name, regTypes.size());
            regTypes.add(type);
            return regTypes.size() - 1;
        }
    }

    private final Map<String, Function> functions = new HashMap<>();
    private Function entry;
    private final Memory memory = new Memory();
    private final Map<String, Long> moduleSymbols = new HashMap<>();
    private long executed;

    // ------------------------------------------------------------------ memory

    /** A byte-addressed memory of regions; an address is {@code region << 32 | offset}. */
    public static final class Memory {
        record Region(String space, ByteBuffer data) {}

        final List<Region> regions = new ArrayList<>();

        public long allocate(String space, int bytes) {
            regions.add(new Region(space, ByteBuffer.allocate(Math.max(bytes, 1)).order(ByteOrder.LITTLE_ENDIAN)));
            return (long) regions.size() << 32;
        }

        public void free(long address) {
            regions.set((int) (address >>> 32) - 1, null);
        }

        ByteBuffer at(long address, String space, int bytes) {
            int index = (int) (address >>> 32) - 1;
            if (index < 0 || index >= regions.size() || regions.get(index) == null) {
                throw new IllegalStateException("access to unmapped address 0x" + Long.toHexString(address));
            }
            Region r = regions.get(index);
            if (!r.space().equals(space)) {
                throw new IllegalStateException(space + " access to a " + r.space() + " address");
            }
            int off = (int) address;
            if (off < 0 || off + bytes > r.data().capacity()) {
                throw new IllegalStateException(space + " access out of bounds: offset " + off + " size " + bytes
                        + " in a region of " + r.data().capacity() + " bytes");
            }
            return r.data();
        }

        long load(long address, String space, Ty t) {
            ByteBuffer b = at(address, space, t.bytes);
            int off = (int) address;
            return switch (t) {
                case S8 -> b.get(off);
                case B8, U8 -> b.get(off) & 0xFF;
                case S16 -> b.getShort(off);
                case B16, U16 -> b.getShort(off) & 0xFFFF;
                case S32 -> b.getInt(off);
                case B32, U32, F32 -> b.getInt(off) & 0xFFFFFFFFL;
                default -> b.getLong(off);
            };
        }

        void store(long address, String space, Ty t, long v) {
            ByteBuffer b = at(address, space, t.bytes);
            int off = (int) address;
            switch (t.bytes) {
                case 1 -> b.put(off, (byte) v);
                case 2 -> b.putShort(off, (short) v);
                case 4 -> b.putInt(off, (int) v);
                default -> b.putLong(off, v);
            }
        }

        public ByteBuffer bytes(long address) {
            return regions.get((int) (address >>> 32) - 1).data();
        }
    }

    public Memory memory() {
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

    /** Keeps a register value in its canonical form: 32-bit values zero-extended. */
    private static long norm(Ty t, long v) {
        return t.bytes == 4 ? v & 0xFFFFFFFFL : v;
    }

    private static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    private static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    private static long bits(float v) {
        return Float.floatToRawIntBits(v) & 0xFFFFFFFFL;
    }

    private static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    private static boolean compare(String cmp, Ty t, long a, long b) {
        if (t.isFloat()) {
            double x = t == Ty.F32 ? f(a) : d(a);
            double y = t == Ty.F32 ? f(b) : d(b);
            boolean unordered = Double.isNaN(x) || Double.isNaN(y);
            return switch (cmp) {
                case "eq" -> !unordered && x == y;
                case "ne" -> !unordered && x != y;
                case "lt" -> !unordered && x < y;
                case "le" -> !unordered && x <= y;
                case "gt" -> !unordered && x > y;
                case "ge" -> !unordered && x >= y;
                case "equ" -> unordered || x == y;
                case "neu" -> unordered || x != y;
                case "ltu" -> unordered || x < y;
                case "leu" -> unordered || x <= y;
                case "gtu" -> unordered || x > y;
                case "geu" -> unordered || x >= y;
                case "nan" -> unordered;
                case "num" -> !unordered;
                default -> throw new IllegalStateException("setp." + cmp + " on floats");
            };
        }
        int c;
        if (t.wide()) {
            c = t.isSigned() ? Long.compare(a, b) : Long.compareUnsigned(a, b);
        } else {
            c = t.isSigned() ? Integer.compare((int) a, (int) b) : Integer.compareUnsigned((int) a, (int) b);
        }
        return switch (cmp) {
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            case "lt" -> c < 0;
            case "le" -> c <= 0;
            case "gt" -> c > 0;
            case "ge" -> c >= 0;
            default -> throw new IllegalStateException("setp." + cmp + " on integers");
        };
    }

    private static long unary(Insn in, long a) {
        Ty t = in.type();
        return switch (in.op() + "." + t) {
            case "neg.S32" -> -(int) a & 0xFFFFFFFFL;
            case "neg.S64" -> -a;
            case "neg.F64" -> a ^ Long.MIN_VALUE;
            case "abs.F64" -> a & Long.MAX_VALUE;
            case "sqrt.F32" -> bits((float) Math.sqrt(f(a)));
            case "sqrt.F64" -> bits(Math.sqrt(d(a)));
            default -> throw new IllegalStateException("unsupported: " + in.text);
        };
    }

    private static long fma(Ty t, long a, long b, long c) {
        return t == Ty.F32 ? bits(Math.fma(f(a), f(b), f(c))) : bits(Math.fma(d(a), d(b), d(c)));
    }

    private static long binary(Insn in, long a, long b) {
        Ty t = in.type();
        String op = in.op();
        if (t.isFloat()) {
            if (!in.has("rn")) throw new IllegalStateException("float arithmetic without .rn: " + in.text);
            if (t == Ty.F32) {
                float x = f(a);
                float y = f(b);
                return bits(switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> x / y;
                    default -> throw new IllegalStateException("unsupported: " + in.text);
                });
            }
            double x = d(a);
            double y = d(b);
            return bits(switch (op) {
                case "add" -> x + y;
                case "sub" -> x - y;
                case "mul" -> x * y;
                case "div" -> x / y;
                default -> throw new IllegalStateException("unsupported: " + in.text);
            });
        }
        if (t == Ty.PRED) {
            return switch (op) {
                case "and" -> a & b;
                case "or" -> a | b;
                case "xor" -> a ^ b;
                default -> throw new IllegalStateException("unsupported: " + in.text);
            };
        }
        if (op.equals("mul") && in.has("wide")) {
            return (long) (int) a * (long) (int) b;
        }
        if (op.equals("mul") && in.has("hi")) {
            if (t != Ty.U64) throw new IllegalStateException("unsupported: " + in.text);
            return Math.unsignedMultiplyHigh(a, b);
        }
        if (t.wide()) {
            return switch (op) {
                case "add" -> a + b;
                case "sub" -> a - b;
                case "mul" -> a * b;
                case "div" -> b == 0 || (t.isSigned() && a == Long.MIN_VALUE && b == -1) ? JUNK
                        : t.isSigned() ? a / b : Long.divideUnsigned(a, b);
                case "rem" -> b == 0 || (t.isSigned() && a == Long.MIN_VALUE && b == -1) ? JUNK
                        : t.isSigned() ? a % b : Long.remainderUnsigned(a, b);
                case "and" -> a & b;
                case "or" -> a | b;
                case "xor" -> a ^ b;
                case "min" -> t.isSigned() ? Math.min(a, b) : (Long.compareUnsigned(a, b) < 0 ? a : b);
                case "max" -> t.isSigned() ? Math.max(a, b) : (Long.compareUnsigned(a, b) > 0 ? a : b);
                case "shl" -> Integer.toUnsignedLong((int) b) >= 64 ? 0 : a << b;
                case "shr" -> Integer.toUnsignedLong((int) b) >= 64 ? (t.isSigned() && a < 0 ? -1 : 0)
                        : t.isSigned() ? a >> b : a >>> b;
                default -> throw new IllegalStateException("unsupported: " + in.text);
            };
        }
        int x = (int) a;
        int y = (int) b;
        long shift = Integer.toUnsignedLong(y);
        long v = switch (op) {
            case "add" -> x + y;
            case "sub" -> x - y;
            case "mul" -> x * y;
            case "div" -> y == 0 || (t.isSigned() && x == Integer.MIN_VALUE && y == -1) ? JUNK
                    : t.isSigned() ? x / y : Integer.divideUnsigned(x, y);
            case "rem" -> y == 0 || (t.isSigned() && x == Integer.MIN_VALUE && y == -1) ? JUNK
                    : t.isSigned() ? x % y : Integer.remainderUnsigned(x, y);
            case "and" -> x & y;
            case "or" -> x | y;
            case "xor" -> x ^ y;
            case "min" -> t.isSigned() ? Math.min(x, y) : (Integer.compareUnsigned(x, y) < 0 ? x : y);
            case "max" -> t.isSigned() ? Math.max(x, y) : (Integer.compareUnsigned(x, y) > 0 ? x : y);
            case "shl" -> shift >= 32 ? 0 : x << y;
            case "shr" -> shift >= 32 ? (t.isSigned() && x < 0 ? -1 : 0) : t.isSigned() ? x >> y : x >>> y;
            default -> throw new IllegalStateException("unsupported: " + in.text);
        };
        return v & 0xFFFFFFFFL;
    }

    private static long convert(Insn in, long a) {
        Ty to = in.to;
        Ty from = in.from;
        if (from.isFloat() && to.isFloat()) {
            if (from == to) {
                double x = from == Ty.F32 ? f(a) : d(a);
                double r;
                if (in.has("rni")) r = Math.rint(x);
                else if (in.has("rmi")) r = Math.floor(x);
                else if (in.has("rpi")) r = Math.ceil(x);
                else if (in.has("rzi")) r = x < 0 ? Math.ceil(x) : Math.floor(x);
                else throw new IllegalStateException("unsupported: " + in.text);
                return to == Ty.F32 ? bits((float) r) : bits(r);
            }
            if (to == Ty.F64) return bits((double) f(a));
            if (!in.has("rn")) throw new IllegalStateException("narrowing without .rn: " + in.text);
            return bits((float) d(a));
        }
        if (from.isFloat()) {
            if (!in.has("rzi")) throw new IllegalStateException("unsupported rounding: " + in.text);
            double x = from == Ty.F32 ? f(a) : d(a);
            if (Double.isNaN(x)) return to.wide() ? JUNK : JUNK & 0xFFFFFFFFL;
            // saturation is the PTX default for float-to-integer conversions
            if (to == Ty.S32) return (long) (int) x & 0xFFFFFFFFL;
            if (to == Ty.S64) return (long) x;
            throw new IllegalStateException("unsupported: " + in.text);
        }
        if (to.isFloat()) {
            if (!in.has("rn")) throw new IllegalStateException("int-to-float without .rn: " + in.text);
            double wide;
            if (from == Ty.U64) {
                if (to == Ty.F32) throw new IllegalStateException("unsupported: " + in.text);
                return bits(a >= 0 ? (double) a : (double) ((a >>> 1) | (a & 1)) * 2.0);
            }
            long v = from.wide() ? a : (long) (int) a;
            if (to == Ty.F32) return bits((float) v);
            wide = v;
            return bits(wide);
        }
        // integer to integer: take the source type's bits, extend to the destination
        long v = switch (from) {
            case S8 -> (byte) a;
            case U8, B8 -> a & 0xFF;
            case S16 -> (short) a;
            case U16, B16 -> a & 0xFFFF;
            case S32 -> (int) a;
            case U32, B32 -> a & 0xFFFFFFFFL;
            default -> a;
        };
        return to.wide() ? v : v & 0xFFFFFFFFL;
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

package io.kiln.ir;

import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that a {@link KernelIR} keeps the contract every back end relies on: the operand types
 * stated on each {@link Instr} record, definite assignment, well-formed control flow, valid array
 * references and parameters, the parallel-loop structure, barrier placement and reductions.
 * The front end runs it on every kernel it compiles; a pass should run it on what it produces.
 * <p>The first broken rule is reported as an {@link IrVerificationException}. Rules, in the order
 * they are checked, are the constants of {@link Rule}.
 * <p><b>Definite assignment.</b> The front end never relies on zero-initialised registers: the JVM
 * verifier already guarantees that every local is stored before it is loaded on every path, stack
 * values crossing a block boundary are moved into their variables in every predecessor, inlined
 * callees receive their arguments by moves, and {@code @Reduce} accumulators are set to the identity
 * at the start of block 0. So the rule is strict: on every path from block 0 to a use, the variable
 * is assigned, where scalar parameters' variables count as assigned at entry. Back ends may therefore
 * leave registers uninitialised.
 * <p><b>Unreachable blocks.</b> Blocks that block 0 cannot reach are allowed (the front end's builder
 * gives a block it never terminated a {@code Return}, and a pass may leave dead blocks behind rather
 * than renumber) as long as they are otherwise well formed: their instructions are type-checked but
 * not checked for definite assignment, and they are never parallel-loop headers.
 */
public final class IrVerifier {
    private IrVerifier() {
    }

    /** The rules the verifier checks; each names one contract of the IR. */
    public enum Rule {
        /** Block {@code k} of {@link KernelIR#blocks()} has id {@code k}; there is at least one block. */
        BLOCK_ID,
        /** Every terminator's targets are existing blocks; a switch has as many targets as keys, keys distinct. */
        TERMINATOR_TARGET,
        /** A variable operand is the variable of {@link KernelIR#vars()} with its id. */
        VAR_REF,
        /** An array operand is the array of {@link KernelIR#arrays()} with its id; constant tables' contents match their length. */
        ARRAY_REF,
        /** Parameters are in Java order; a scalar's variable has its kind's type; an array parameter is its global array and the reverse. */
        PARAM,
        /** Declared access modes cover what the kernel does (a written parameter is declared WRITE or READ_WRITE); constant tables are never written. */
        ACCESS,
        /** The operand and result types of an instruction or terminator match its contract on {@link Instr}. */
        TYPE,
        /** Every variable read is assigned on every path from the entry (scalar parameters count as assigned). */
        DEFINITE_ASSIGNMENT,
        /** Parallel loops: only in LOOP_PARALLEL kernels, dims 0..n-1 in order, header and exit exist, nested, typed induction. */
        PARALLEL_LOOP,
        /** Work-item queries, barriers and local arrays only in WORK_ITEM kernels; parallel index/stride only in LOOP_PARALLEL ones. */
        KERNEL_KIND,
        /** Reductions: a parameter array of int, long, float or double, in a LOOP_PARALLEL kernel, with an accumulator of its type, not accessed directly. */
        REDUCTION,
        /**
         * A {@link Instr.CheckIndex} is followed immediately, in its block, by the access it guards: a load,
         * store or atomic of the same array with the same index (back ends emit the two together).
         */
        CHECK_INDEX,
        /**
         * A {@link Instr.CheckDivisor} is followed immediately, in its block, by the integer division or
         * remainder whose divisor it checks (back ends emit the two together).
         */
        CHECK_DIVISOR,
        /** Every instruction's and terminator's source line ({@link Instr#line()}) is 0 (unknown) or positive. */
        SOURCE_LINE
    }

    /**
     * Verifies {@code ir}.
     *
     * @throws IrVerificationException at the first broken rule
     */
    public static void verify(KernelIR ir) {
        new Checker(ir).run();
    }

    private static final class Checker {
        final KernelIR ir;
        int block = -1;
        int index = -1;

        Checker(KernelIR ir) {
            this.ir = ir;
        }

        void run() {
            structure();
            header();
            Cfg cfg = Cfg.of(ir.blocks());
            parallelLoops(cfg);
            reductions();
            for (Block b : ir.blocks()) {
                block = b.id();
                for (index = 0; index < b.instrs().size(); index++) {
                    Instr i = b.instrs().get(index);
                    // the message is built only for a bad line: printing every instruction to describe it cost
                    // more than the rest of the verifier on a first build (which runs interpreted)
                    if (i.line() < 0) line(i.line(), "'" + IrPrinter.instr(i) + "'");
                    instr(i);
                }
                index = b.instrs().size();
                if (b.terminator().line() < 0) line(b.terminator().line(), "the terminator of b" + b.id());
                terminator(b.terminator());
            }
            block = -1;
            index = -1;
            definiteAssignment(cfg);
        }

        private void line(int line, String what) {
            if (line < 0) throw fail(Rule.SOURCE_LINE, what + " has line " + line + "; lines are 0 (unknown) or positive");
        }

        // ---- control flow ------------------------------------------------------------------------

        void structure() {
            if (ir.blocks().isEmpty()) throw fail(Rule.BLOCK_ID, "the kernel has no blocks; block 0 is its entry");
            int n = ir.blocks().size();
            for (int k = 0; k < n; k++) {
                Block b = ir.blocks().get(k);
                if (b.id() != k) {
                    throw fail(Rule.BLOCK_ID, "the block at index " + k + " has id b" + b.id() + "; block ids must equal their index in blocks()");
                }
            }
            for (Block b : ir.blocks()) {
                block = b.id();
                index = b.instrs().size();
                if (b.terminator() == null) throw fail(Rule.TERMINATOR_TARGET, "block b" + b.id() + " has no terminator");
                for (int t : b.terminator().successors()) {
                    if (t < 0 || t >= n) {
                        throw fail(Rule.TERMINATOR_TARGET, "jump to b" + t + ", but the kernel has blocks b0..b" + (n - 1));
                    }
                }
                if (b.terminator() instanceof Terminator.Switch s) {
                    if (s.keys().size() != s.targets().size()) {
                        throw fail(Rule.TERMINATOR_TARGET, "switch has " + s.keys().size() + " keys but " + s.targets().size() + " targets");
                    }
                    if (new HashSet<>(s.keys()).size() != s.keys().size()) throw fail(Rule.TERMINATOR_TARGET, "switch has duplicate keys " + s.keys());
                }
            }
            block = -1;
            index = -1;
        }

        void definiteAssignment(Cfg cfg) {
            int n = ir.blocks().size();
            BitSet entry = new BitSet();
            for (Param p : ir.params()) {
                if (p instanceof Param.Scalar s) entry.set(s.var().id());
            }
            BitSet[] out = new BitSet[n];
            BitSet all = new BitSet();
            all.set(0, Math.max(ir.vars().size(), 1));
            for (int b : cfg.reversePostOrder()) out[b] = (BitSet) all.clone();
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int b : cfg.reversePostOrder()) {
                    BitSet in = inOf(b, cfg, out, entry);
                    for (Instr i : ir.blocks().get(b).instrs()) {
                        Var d = DefUse.def(i);
                        if (d != null) in.set(d.id());
                    }
                    if (!in.equals(out[b])) {
                        out[b] = in;
                        changed = true;
                    }
                }
            }
            for (int b : cfg.reversePostOrder()) {
                block = b;
                BitSet assigned = inOf(b, cfg, out, entry);
                List<Instr> instrs = ir.blocks().get(b).instrs();
                for (index = 0; index < instrs.size(); index++) {
                    for (Var v : DefUse.varUses(instrs.get(index))) unassigned(assigned, v);
                    Var d = DefUse.def(instrs.get(index));
                    if (d != null) assigned.set(d.id());
                }
                index = instrs.size();
                for (Var v : DefUse.varUses(ir.blocks().get(b).terminator())) unassigned(assigned, v);
            }
        }

        private static BitSet inOf(int b, Cfg cfg, BitSet[] out, BitSet entry) {
            BitSet in = null;
            if (b == 0) in = (BitSet) entry.clone();
            for (int p : cfg.predecessors(b)) {
                if (out[p] == null) continue; // unreachable predecessor
                if (in == null) in = (BitSet) out[p].clone();
                else in.and(out[p]);
            }
            return in == null ? new BitSet() : in;
        }

        private void unassigned(BitSet assigned, Var v) {
            if (!assigned.get(v.id())) {
                throw fail(Rule.DEFINITE_ASSIGNMENT, v + " is read here but not assigned on every path from the entry (b0)");
            }
        }

        // ---- header: params, arrays, loops, reductions -------------------------------------------

        void header() {
            List<Var> vars = ir.vars();
            for (int k = 0; k < vars.size(); k++) {
                if (vars.get(k).id() != k) throw fail(Rule.VAR_REF, "vars() has " + vars.get(k) + " with id " + vars.get(k).id() + " at index " + k);
            }
            List<ArrayRef> arrays = ir.arrays();
            for (int k = 0; k < arrays.size(); k++) {
                ArrayRef a = arrays.get(k);
                if (a.id() != k) throw fail(Rule.ARRAY_REF, "arrays() has " + a + " with id " + a.id() + " at index " + k);
                if (a.isParameter() != (a.space() == AddressSpace.GLOBAL)) {
                    throw fail(Rule.ARRAY_REF, "array " + a + " is " + a.space() + " with parameter index " + a.paramIndex()
                            + "; exactly the global arrays are parameters");
                }
                if (!a.isParameter() && a.length() < 0) throw fail(Rule.ARRAY_REF, a.space() + " array " + a + " needs a constant length, has " + a.length());
                if (ir.constants().size() != arrays.size()) {
                    throw fail(Rule.ARRAY_REF, "constants() has " + ir.constants().size() + " entries for " + arrays.size() + " arrays; give one (empty) list per array");
                }
                int contents = ir.constants().get(k).size();
                if (a.space() == AddressSpace.CONSTANT ? contents != a.length() : contents != 0) {
                    throw fail(Rule.ARRAY_REF, "array " + a + " (" + a.space() + ", length " + a.length() + ") has " + contents
                            + " constant elements; constant tables have one per element, other arrays none");
                }
                if (a.isParameter()) {
                    if (a.paramIndex() >= ir.params().size() || !(ir.params().get(a.paramIndex()) instanceof Param.Array pa)
                            || !pa.array().equals(a)) {
                        throw fail(Rule.PARAM, "global array " + a + " claims parameter " + a.paramIndex() + ", which is not the array parameter holding it");
                    }
                }
            }
            for (int k = 0; k < ir.params().size(); k++) {
                Param p = ir.params().get(k);
                if (p.index() != k) throw fail(Rule.PARAM, "parameter " + p.name() + " at position " + k + " has index " + p.index());
                switch (p) {
                    case Param.Scalar s -> {
                        var(s.var());
                        if (s.var().type() != s.kind().valueType()) {
                            throw fail(Rule.PARAM, "scalar parameter " + s.name() + " of kind " + s.kind() + " arrives in " + s.var()
                                    + " of type " + s.var().type() + ", expected " + s.kind().valueType());
                        }
                    }
                    case Param.Array a -> {
                        array(a.array());
                        if (a.array().paramIndex() != k) {
                            throw fail(Rule.PARAM, "array parameter " + a.name() + " at position " + k + " holds " + a.array()
                                    + " whose parameter index is " + a.array().paramIndex());
                        }
                    }
                    case Param.Context c -> {
                        if (ir.kind() != KernelKind.WORK_ITEM || k != 0) {
                            throw fail(Rule.PARAM, "a KernelContext parameter must be the first parameter of a WORK_ITEM kernel (found at "
                                    + k + " in a " + ir.kind() + " kernel)");
                        }
                    }
                }
            }
            if (ir.kind() == KernelKind.WORK_ITEM && !(ir.params().size() > 0 && ir.params().get(0) instanceof Param.Context)) {
                throw fail(Rule.KERNEL_KIND, "a WORK_ITEM kernel takes a KernelContext as its first parameter");
            }
            for (ArrayRef a : arrays) {
                if (a.space() == AddressSpace.LOCAL && ir.kind() != KernelKind.WORK_ITEM) {
                    throw fail(Rule.KERNEL_KIND, "local array " + a + " in a " + ir.kind() + " kernel; local memory needs a WORK_ITEM kernel");
                }
            }
            // access modes cover the instructions; constant tables are never written
            for (Block b : ir.blocks()) {
                block = b.id();
                for (index = 0; index < b.instrs().size(); index++) {
                    Instr i = b.instrs().get(index);
                    ArrayRef a = DefUse.array(i);
                    if (a == null) continue;
                    array(a);
                    Access used = DefUse.access(i);
                    if (a.space() == AddressSpace.CONSTANT && used.writes()) {
                        throw fail(Rule.ACCESS, "write to constant table " + a + "; constant tables are read-only");
                    }
                    if (a.isParameter()) {
                        Access declared = ((Param.Array) ir.params().get(a.paramIndex())).access();
                        if (declared.merge(used) != declared) {
                            throw fail(Rule.ACCESS, "parameter " + a + " is declared " + declared + " but this instruction needs " + used);
                        }
                    }
                }
            }
            block = -1;
            index = -1;
        }

        void parallelLoops(Cfg cfg) {
            List<ParallelLoop> loops = ir.parallelLoops();
            if (ir.kind() == KernelKind.LOOP_PARALLEL && loops.isEmpty()) {
                throw fail(Rule.PARALLEL_LOOP, "a LOOP_PARALLEL kernel needs at least one parallel loop");
            }
            if (ir.kind() != KernelKind.LOOP_PARALLEL && !loops.isEmpty()) {
                throw fail(Rule.PARALLEL_LOOP, "a " + ir.kind() + " kernel has " + loops.size() + " parallel loops; only LOOP_PARALLEL kernels have them");
            }
            if (loops.size() > 3) throw fail(Rule.PARALLEL_LOOP, loops.size() + " parallel loops; at most 3 dimensions are supported");
            int n = ir.blocks().size();
            for (int d = 0; d < loops.size(); d++) {
                ParallelLoop p = loops.get(d);
                String what = "parallel loop " + d;
                if (p.dim() != d) throw fail(Rule.PARALLEL_LOOP, what + " has dim " + p.dim() + "; dims are 0..n-1, outermost first");
                if (p.header() < 0 || p.header() >= n || p.exit() < 0 || p.exit() >= n) {
                    throw fail(Rule.PARALLEL_LOOP, what + " has header b" + p.header() + " and exit b" + p.exit() + ", but the kernel has blocks b0..b" + (n - 1));
                }
                var(p.induction());
                var(p.start());
                if (p.induction().type() != Type.I32 && p.induction().type() != Type.I64) {
                    throw fail(Rule.PARALLEL_LOOP, what + " has induction " + p.induction() + " of type " + p.induction().type() + "; it must be I32 or I64");
                }
                if (p.start().type() != p.induction().type()) {
                    throw fail(Rule.PARALLEL_LOOP, what + ": start " + p.start() + " is " + p.start().type() + " but induction " + p.induction() + " is " + p.induction().type());
                }
                if (!(ir.blocks().get(p.header()).terminator() instanceof Terminator.Branch br)
                        || !(p.induction().equals(br.a()) || p.induction().equals(br.b()))) {
                    throw fail(Rule.PARALLEL_LOOP, what + ": header b" + p.header() + " must end in a branch that tests " + p.induction());
                }
                if (!cfg.isReachable(p.header())) throw fail(Rule.PARALLEL_LOOP, what + ": header b" + p.header() + " is unreachable");
                if (d > 0 && !(cfg.dominates(loops.get(d - 1).header(), p.header()) && loops.get(d - 1).header() != p.header())) {
                    throw fail(Rule.PARALLEL_LOOP, what + ": header b" + p.header() + " is not nested inside parallel loop " + (d - 1)
                            + " (header b" + loops.get(d - 1).header() + ")");
                }
                if (p.tripCount() != null) hostExpr(p.tripCount(), what);
            }
        }

        private void hostExpr(HostExpr e, String what) {
            switch (e) {
                case HostExpr.Constant c -> {
                }
                case HostExpr.Scalar s -> {
                    if (s.paramIndex() < 0 || s.paramIndex() >= ir.params().size() || !(ir.params().get(s.paramIndex()) instanceof Param.Scalar)) {
                        throw fail(Rule.PARALLEL_LOOP, what + ": trip count reads arg" + s.paramIndex() + ", which is not a scalar parameter");
                    }
                }
                case HostExpr.Length l -> {
                    if (l.paramIndex() < 0 || l.paramIndex() >= ir.params().size() || !(ir.params().get(l.paramIndex()) instanceof Param.Array)) {
                        throw fail(Rule.PARALLEL_LOOP, what + ": trip count takes len(arg" + l.paramIndex() + "), which is not an array parameter");
                    }
                }
                case HostExpr.Binary b -> {
                    hostExpr(b.a(), what);
                    hostExpr(b.b(), what);
                }
            }
        }

        void reductions() {
            Set<ArrayRef> reduced = new HashSet<>();
            for (Reduction r : ir.reductions()) {
                ArrayRef a = r.array();
                array(a);
                if (!a.isParameter()) throw fail(Rule.REDUCTION, "reduction over " + a + ", which is not a parameter array");
                if (ir.kind() != KernelKind.LOOP_PARALLEL) throw fail(Rule.REDUCTION, "reduction over " + a + " in a " + ir.kind() + " kernel; @Reduce needs a LOOP_PARALLEL kernel");
                ElementType e = a.element();
                if (e != ElementType.INT && e != ElementType.LONG && e != ElementType.FLOAT && e != ElementType.DOUBLE) {
                    throw fail(Rule.REDUCTION, "reduction over " + a + " of " + e.javaName() + "; only int, long, float and double reduce");
                }
                var(r.accumulator());
                if (r.accumulator().type() != e.valueType()) {
                    throw fail(Rule.REDUCTION, "reduction over " + a + " accumulates in " + r.accumulator() + " of type "
                            + r.accumulator().type() + ", expected " + e.valueType());
                }
                if (!reduced.add(a)) throw fail(Rule.REDUCTION, "two reductions over " + a);
            }
            for (Block b : ir.blocks()) {
                block = b.id();
                for (index = 0; index < b.instrs().size(); index++) {
                    ArrayRef a = DefUse.array(b.instrs().get(index));
                    if (a != null && reduced.contains(a)) {
                        throw fail(Rule.REDUCTION, "direct access to reduction array " + a + "; the kernel must go through its accumulator");
                    }
                }
            }
            block = -1;
            index = -1;
        }

        // ---- instructions ------------------------------------------------------------------------

        void instr(Instr i) {
            Var d = DefUse.def(i);
            if (d != null) var(d);
            for (Value v : DefUse.uses(i)) value(v);
            switch (i) {
                case Instr.Move m -> same(m.src(), m.dst().type(), "move source");
                case Instr.Binary b -> {
                    Type t = b.dst().type();
                    same(b.a(), t, b.op() + " operand a");
                    same(b.b(), b.op().isShift() ? Type.I32 : t, b.op().isShift() ? b.op() + " shift count" : b.op() + " operand b");
                    boolean bitwise = switch (b.op()) {
                        case AND, OR, XOR, SHL, SHR, USHR -> true;
                        case ADD, SUB, MUL, DIV, REM -> false;
                    };
                    if (bitwise && t.isFloating()) throw fail(Rule.TYPE, b.op() + " on " + t + "; bitwise operators and shifts need I32 or I64");
                }
                case Instr.Negate n -> same(n.a(), n.dst().type(), "negate operand");
                case Instr.Convert c -> {
                    same(c.a(), c.op().from(), c.op() + " source");
                    result(c.dst(), c.op().to(), c.op().toString());
                }
                case Instr.Compare c -> {
                    same(c.a(), c.kind().operandType(), c.kind() + " operand a");
                    same(c.b(), c.kind().operandType(), c.kind() + " operand b");
                    result(c.dst(), Type.I32, c.kind().toString());
                }
                case Instr.Load l -> {
                    index(l.array(), l.index());
                    result(l.dst(), l.array().element().valueType(), "load of " + l.array().element().javaName());
                }
                case Instr.Store s -> {
                    index(s.array(), s.index());
                    same(s.value(), s.array().element().valueType(), "stored value for " + s.array().element().javaName() + " array " + s.array());
                }
                case Instr.ArrayLength l -> result(l.dst(), l.array().lengthType(), "length of " + (l.array().isOffHeap() ? "off-heap" : "heap") + " array " + l.array());
                case Instr.MathCall m -> {
                    if (!m.fn().accepts(m.dst().type())) {
                        throw fail(Rule.TYPE, m.fn().javaName() + " yields " + m.dst().type() + "; math functions are F32 or F64 (min and max also I32 or I64)");
                    }
                    if (m.args().size() != m.fn().arity()) {
                        throw fail(Rule.TYPE, m.fn().javaName() + " takes " + m.fn().arity() + " operands, has " + m.args().size());
                    }
                    for (int k = 0; k < m.args().size(); k++) same(m.args().get(k), m.dst().type(), m.fn().javaName() + " operand " + k);
                }
                case Instr.BitCast c -> {
                    Type from = c.a().type();
                    Type to = c.dst().type();
                    boolean pair = from == Type.I32 && to == Type.F32 || from == Type.F32 && to == Type.I32
                            || from == Type.I64 && to == Type.F64 || from == Type.F64 && to == Type.I64;
                    if (!pair) throw fail(Rule.TYPE, "bitcast from " + from + " to " + to + "; only I32<->F32 and I64<->F64 reinterpret");
                }
                case Instr.WorkItem w -> {
                    kind(KernelKind.WORK_ITEM, "work-item query " + w.query());
                    if (w.dim() < 0 || w.dim() > 2) throw fail(Rule.TYPE, "work-item query " + w.query() + " of dimension " + w.dim() + "; dimensions are 0..2");
                    result(w.dst(), Type.I32, "work-item query");
                }
                case Instr.ParallelIndex p -> parallel(p.dst(), p.dim(), "parallel_index");
                case Instr.ParallelStride p -> parallel(p.dst(), p.dim(), "parallel_stride");
                case Instr.Barrier b -> kind(KernelKind.WORK_ITEM, "barrier");
                case Instr.ZeroArray z -> {
                    if (z.array().space() != AddressSpace.PRIVATE) {
                        throw fail(Rule.TYPE, "zero of " + z.array().space() + " array " + z.array() + "; only private arrays are zeroed (Java's new)");
                    }
                }
                case Instr.Atomic a -> {
                    if (a.array().space() != AddressSpace.GLOBAL && a.array().space() != AddressSpace.LOCAL) {
                        throw fail(Rule.TYPE, "atomic on " + a.array().space() + " array " + a.array() + "; atomics need a global or local array");
                    }
                    ElementType e = a.array().element();
                    if (e != ElementType.INT && e != ElementType.LONG && e != ElementType.FLOAT && e != ElementType.DOUBLE) {
                        throw fail(Rule.TYPE, "atomic on " + e.javaName() + " array " + a.array() + "; atomics need int, long, float or double elements");
                    }
                    index(a.array(), a.index());
                    same(a.operand(), e.valueType(), "atomic operand");
                    result(a.dst(), e.valueType(), "atomic on " + e.javaName());
                    if ((a.op() == AtomicOp.COMPARE_AND_SET) != (a.expected() != null)) {
                        throw fail(Rule.TYPE, "atomic " + a.op() + (a.expected() == null ? " without" : " with") + " an expected value; exactly COMPARE_AND_SET has one");
                    }
                    if (a.expected() != null) same(a.expected(), e.valueType(), "compare-and-set expected value");
                }
                case Instr.Print p -> {
                    int need = p.keys();
                    for (PrintArg a : p.args()) {
                        if (a.kind() != PrintKind.STRING) need++;
                    }
                    if (p.keys() < 0 || need != p.values().size()) {
                        throw fail(Rule.TYPE, "print #" + p.site() + " has " + p.values().size() + " values for " + p.keys()
                                + " keys and " + (need - p.keys()) + " non-string arguments");
                    }
                    int k = p.keys();
                    for (PrintArg a : p.args()) {
                        if (a.kind() != PrintKind.STRING) same(p.values().get(k++), a.kind().valueType(), "print argument " + a.kind());
                    }
                }
                case Instr.CheckDivisor c -> {
                    if (c.divisor().type().isFloating()) throw fail(Rule.TYPE, "check_divisor of a " + c.divisor().type() + " value; only integer divisions are checked");
                    List<Instr> in = ir.blocks().get(block).instrs();
                    Instr next = index + 1 < in.size() ? in.get(index + 1) : null;
                    if (!(next instanceof Instr.Binary b) || (b.op() != BinOp.DIV && b.op() != BinOp.REM) || !b.b().equals(c.divisor())) {
                        throw fail(Rule.CHECK_DIVISOR, "check_divisor " + c.divisor() + " is followed by "
                                + (next == null ? "the end of the block" : "'" + IrPrinter.instr(next) + "'")
                                + "; it must be followed by the integer division or remainder by " + c.divisor() + " it guards");
                    }
                }
                case Instr.CheckIndex c -> {
                    index(c.array(), c.index());
                    List<Instr> in = ir.blocks().get(block).instrs();
                    Instr next = index + 1 < in.size() ? in.get(index + 1) : null;
                    boolean access = next instanceof Instr.Load || next instanceof Instr.Store || next instanceof Instr.Atomic;
                    if (!access || DefUse.array(next) != c.array() || !DefUse.uses(next).get(0).equals(c.index())) {
                        throw fail(Rule.CHECK_INDEX, "check of " + c.array() + "[" + c.index() + "] is followed by "
                                + (next == null ? "the end of the block" : "'" + IrPrinter.instr(next) + "'")
                                + "; it must be followed by the load, store or atomic of " + c.array() + "[" + c.index() + "] it guards");
                    }
                }
            }
        }

        void terminator(Terminator t) {
            for (Value v : DefUse.uses(t)) value(v);
            switch (t) {
                case Terminator.Branch b -> {
                    same(b.b(), b.a().type(), "branch operand b (operand a is " + b.a().type() + ")");
                    if (b.op().isUnordered() && !b.a().type().isFloating()) {
                        throw fail(Rule.TYPE, "unordered condition " + b.op() + " on " + b.a().type() + "; integers use EQ NE LT LE GT GE");
                    }
                }
                case Terminator.Switch s -> same(s.key(), Type.I32, "switch key");
                case Terminator.Goto g -> {
                }
                case Terminator.Return r -> {
                }
            }
        }

        private void parallel(Var dst, int dim, String what) {
            kind(KernelKind.LOOP_PARALLEL, what);
            if (dim < 0 || dim >= ir.parallelLoops().size()) {
                throw fail(Rule.PARALLEL_LOOP, what + " of dimension " + dim + ", but the kernel has " + ir.parallelLoops().size() + " parallel loops");
            }
            result(dst, ir.parallelLoops().get(dim).induction().type(), what + " (the loop variable's type)");
        }

        private void kind(KernelKind want, String what) {
            if (ir.kind() != want) throw fail(Rule.KERNEL_KIND, what + " in a " + ir.kind() + " kernel; it is allowed only in " + want + " kernels");
        }

        private void index(ArrayRef a, Value index) {
            Type t = index.type();
            boolean ok = t == Type.I32 || a.isOffHeap() && t == Type.I64;
            if (!ok) {
                throw fail(Rule.TYPE, "index " + index + " of " + (a.isOffHeap() ? "off-heap" : "heap") + " array " + a + " has type " + t
                        + "; expected " + (a.isOffHeap() ? "I32 or I64" : "I32"));
            }
        }

        private void same(Value v, Type want, String what) {
            if (v.type() != want) throw fail(Rule.TYPE, what + " " + v + " has type " + v.type() + ", expected " + want);
        }

        private void result(Var dst, Type want, String what) {
            if (dst.type() != want) throw fail(Rule.TYPE, "result " + dst + " of " + what + " has type " + dst.type() + ", expected " + want);
        }

        private void value(Value v) {
            if (v == null) throw fail(Rule.TYPE, "missing operand (null)");
            if (v instanceof Var var) var(var);
        }

        private void var(Var v) {
            if (v.id() < 0 || v.id() >= ir.vars().size() || !ir.vars().get(v.id()).equals(v)) {
                throw fail(Rule.VAR_REF, "variable " + v + " (id " + v.id() + ", " + v.type() + ") is not vars()[" + v.id() + "]"
                        + (v.id() >= 0 && v.id() < ir.vars().size() ? " (that is " + ir.vars().get(v.id()) + " " + ir.vars().get(v.id()).type() + ")" : ""));
            }
        }

        private void array(ArrayRef a) {
            if (a.id() < 0 || a.id() >= ir.arrays().size() || !ir.arrays().get(a.id()).equals(a)) {
                throw fail(Rule.ARRAY_REF, "array " + a + " (id " + a.id() + ") is not arrays()[" + a.id() + "]");
            }
        }

        // ---- reporting ---------------------------------------------------------------------------

        IrVerificationException fail(Rule rule, String what) {
            String where = block < 0 ? "" : ", block b" + block + (index < 0 ? "" : index == ir.blocks().get(block).instrs().size()
                    ? ", terminator" : ", instruction " + index);
            StringBuilder sb = new StringBuilder("invalid IR in kernel ").append(ir.displayName()).append(where)
                    .append(" [").append(rule).append("]: ").append(what);
            sb.append('\n').append(marked());
            return new IrVerificationException(sb.toString(), rule, block, index);
        }

        /** The printed IR with the offending line marked {@code >>}. */
        private String marked() {
            String text;
            try {
                text = IrPrinter.print(ir);
            } catch (RuntimeException e) {
                return "(the IR cannot be printed: " + e + ")";
            }
            List<String> lines = text.lines().toList();
            int mark = -1;
            if (block >= 0) {
                int at = lines.indexOf("b" + block + ":");
                if (at >= 0) mark = index < 0 ? at : at + 1 + index;
            }
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < lines.size(); k++) {
                sb.append(k == mark ? ">> " : "   ").append(lines.get(k)).append('\n');
            }
            return sb.toString();
        }
    }
}

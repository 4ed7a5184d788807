package io.kiln.cpu;

import io.kiln.KernelCompilationException;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * What the JVM emitter needs to know about a kernel before it writes bytecode: whether the kernel
 * uses constructs this back end does not support yet, which variables the JVM verifier could see
 * unassigned (they get a zero at method entry), which arrays it touches, and whether dimension 0 can
 * be split into contiguous chunks.
 */
final class KernelAnalysis {
    final KernelIR ir;
    /** Variables that some path may read before assigning; the emitter zeroes them at entry. */
    final BitSet needsInit = new BitSet();
    /** Scalar-parameter variables that the kernel assigns (work-item kernels reload them per item). */
    final BitSet reassignedParams = new BitSet();
    /** Per array id, whether the kernel reads, writes or measures the array. */
    final boolean[] used;
    /** Per parallel dimension, the block its header enters the body through, or -1 when its header is irregular. */
    final int[] bodyEntry;
    /**
     * Whether dimension 0 can run as contiguous chunks {@code [lo, hi)}: an int or long loop with a
     * regular header, whose start has the induction variable's type.
     */
    final boolean chunkable;
    /** The outermost parallel loop (dimension 0), or {@code null} for other kernels. */
    final ParallelLoop loop0;
    /**
     * Whether the kernel runs as whole work-groups ({@code groups} method): a work-item kernel with
     * barriers or local memory.
     */
    final boolean groupMode;
    /**
     * The kernel's barrier regions ({@link BarrierRegions}): what each barrier keeps per work-item; empty
     * for a kernel without barriers.
     */
    final BarrierRegions barriers;
    /**
     * The loop headers where the emitted code tests the launch's cancellation flag (see
     * {@link #cancelChecks(KernelIR)}).
     */
    final BitSet cancelChecks;
    /** The kernel's bounds checks in block order, then instruction order: check {@code k} is {@code checks.get(k)}. */
    final List<Instr.CheckIndex> checks;
    /** The array parameters whose atomics may go to a per-thread private copy ({@link AtomicPrivatisation}). */
    final AtomicPrivatisation privatised;
    private final java.util.IdentityHashMap<Instr.CheckIndex, Integer> checkIds = new java.util.IdentityHashMap<>();

    KernelAnalysis(KernelIR ir) {
        this.ir = ir;
        validate(ir);
        List<ParallelLoop> loops = ir.kind() == KernelKind.LOOP_PARALLEL ? ir.parallelLoops() : List.of();
        bodyEntry = new int[loops.size()];
        ParallelLoop outer = null;
        for (ParallelLoop loop : loops) {
            if (loop.dim() < 0 || loop.dim() >= loops.size()) {
                throw new KernelCompilationException(ir.displayName() + ": parallel loop of dimension " + loop.dim()
                        + " in a kernel with " + loops.size() + " parallel loop(s)");
            }
            bodyEntry[loop.dim()] = bodyEntryOf(ir, loop);
            if (loop.dim() == 0) outer = loop;
        }
        loop0 = outer;
        chunkable = loop0 != null && bodyEntry[0] >= 0
                && (loop0.induction().type() == Type.I32 || loop0.induction().type() == Type.I64)
                && loop0.start().type() == loop0.induction().type();

        used = new boolean[ir.arrays().size()];
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                ArrayRef a = switch (in) {
                    case Instr.Load l -> l.array();
                    case Instr.Store s -> s.array();
                    case Instr.ArrayLength l -> l.array();
                    case Instr.Atomic x -> x.array();
                    default -> null;
                };
                if (a != null) used[a.id()] = true;
            }
        }

        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar s) {
                for (Block b : ir.blocks()) {
                    for (Instr in : b.instrs()) {
                        Var d = dst(in);
                        if (d != null && d.id() == s.var().id()) reassignedParams.set(d.id());
                    }
                }
            }
        }
        definiteAssignment();
        cancelChecks = cancelChecks(ir);
        checks = checks(ir);
        privatised = new AtomicPrivatisation(ir);
        for (int k = 0; k < checks.size(); k++) checkIds.put(checks.get(k), k);

        int bars = 0;
        boolean local = false;
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                if (in instanceof Instr.Barrier) bars++;
            }
        }
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.LOCAL && used[a.id()]) local = true;
        }
        groupMode = ir.kind() == KernelKind.WORK_ITEM && (bars > 0 || local);
        barriers = new BarrierRegions(ir, assignedIn == null ? new BitSet[ir.blocks().size()] : assignedIn, (BitSet) needsInit.clone());
        needsInit.or(barriers.zeroAtEntry());
    }

    /** Per reachable block, the variables assigned on every path to its entry (from {@link #definiteAssignment}). */
    private BitSet[] assignedIn;

    /** Refuses what this back end cannot run yet, with a message that says what and where. */
    private static void validate(KernelIR ir) {
        String where = ir.displayName() + ": ";
        for (io.kiln.ir.Reduction r : ir.reductions()) {
            if (ir.kind() != KernelKind.LOOP_PARALLEL) {
                throw new KernelCompilationException(where + "@Reduce parameter " + r.array() + " needs a @Parallel loop kernel");
            }
            if (!r.array().isParameter() || r.array().element().valueType() != r.accumulator().type()) {
                throw new KernelCompilationException(where + "reduction into " + r.array() + " has an accumulator of type "
                        + r.accumulator().type() + " for " + r.array().element().javaName() + " elements");
            }
        }
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.LOCAL && ir.kind() != KernelKind.WORK_ITEM) {
                throw new KernelCompilationException(where + "local (work-group) memory array " + a
                        + " in a kernel without a KernelContext parameter: only work-item kernels have work-groups");
            }
            if (a.space() == AddressSpace.LOCAL && a.length() < 0) {
                throw new KernelCompilationException(where + "local array " + a + " has no constant length");
            }
            if ((a.space() == AddressSpace.PRIVATE || a.space() == AddressSpace.CONSTANT) && a.length() < 0) {
                throw new KernelCompilationException(where + a.space() + " array " + a + " has no constant length");
            }
            if (a.isOffHeap() && a.element() == io.kiln.ir.ElementType.CHAR) {
                throw new KernelCompilationException(where + "off-heap char array " + a
                        + ": there is no off-heap char array type; use ShortArray or a char[] parameter");
            }
        }
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                switch (in) {
                    case Instr.Barrier x -> {
                        if (ir.kind() != KernelKind.WORK_ITEM) {
                            throw new KernelCompilationException(where + "barrier in a kernel without a KernelContext "
                                    + "parameter: only work-item kernels have work-groups");
                        }
                    }
                    case Instr.Atomic x -> checkAtomic(x, where);
                    case Instr.WorkItem w -> {
                        if (ir.kind() != KernelKind.WORK_ITEM) {
                            throw new KernelCompilationException(where + "work-item query " + w.query()
                                    + " in a kernel without a KernelContext parameter");
                        }
                        if (w.dim() < 0 || w.dim() > 2) {
                            throw new KernelCompilationException(where + "work-item query " + w.query() + " of dimension "
                                    + w.dim() + ": dimensions are 0, 1 and 2");
                        }
                    }
                    case Instr.ParallelIndex p -> checkParallel(ir, p.dim(), where);
                    case Instr.ParallelStride p -> checkParallel(ir, p.dim(), where);
                    case Instr.Store s -> {
                        if (s.array().space() == AddressSpace.CONSTANT) {
                            throw new KernelCompilationException(where + "stores into the constant table " + s.array()
                                    + "; kernels may only read static final arrays");
                        }
                        checkIndex(s.array(), s.index(), "store into", where);
                    }
                    case Instr.Load l -> checkIndex(l.array(), l.index(), "load from", where);
                    case Instr.ArrayLength l -> {
                        if (l.dst().type() != l.array().lengthType()) {
                            throw new KernelCompilationException(where + "the length of " + l.array() + " is "
                                    + l.array().lengthType() + " but lands in " + l.dst() + " of type " + l.dst().type());
                        }
                    }
                    default -> {
                    }
                }
            }
        }
    }

    /**
     * The IR's index contract: {@code I32} for Java arrays, {@code I32} or {@code I64} for off-heap
     * arrays (an int index is widened, never wrapped).
     */
    private static void checkIndex(ArrayRef a, Value index, String what, String where) {
        Type t = index.type();
        if (t == Type.I32 || (t == Type.I64 && a.isOffHeap())) return;
        throw new KernelCompilationException(where + what + " " + a + " with an index of type " + t
                + (a.isOffHeap() ? ": off-heap arrays take I32 or I64 indices" : ": Java arrays take I32 indices"));
    }

    private static void checkAtomic(Instr.Atomic x, String where) {
        ArrayRef a = x.array();
        switch (a.element()) {
            case INT, LONG, FLOAT, DOUBLE -> {
            }
            default -> throw new KernelCompilationException(where + "atomic " + x.op() + " on " + a.element().javaName()
                    + " array " + a + ": atomics work on int, long, float and double arrays");
        }
        if (a.space() == AddressSpace.CONSTANT) {
            throw new KernelCompilationException(where + "atomic " + x.op() + " on the constant table " + a
                    + "; kernels may only read static final arrays");
        }
        Type t = a.element().valueType();
        boolean cas = x.op() == io.kiln.ir.AtomicOp.COMPARE_AND_SET;
        boolean indexOk = x.index().type() == Type.I32 || (a.isOffHeap() && x.index().type() == Type.I64);
        if (x.dst().type() != t || x.operand().type() != t || !indexOk
                || (cas ? x.expected() == null || x.expected().type() != t : x.expected() != null)) {
            throw new KernelCompilationException(where + "malformed atomic " + x.op() + " on " + a + ": result " + x.dst().type()
                    + ", operand " + x.operand().type() + ", index " + x.index().type()
                    + (x.expected() == null ? "" : ", expected " + x.expected().type()));
        }
    }

    private static void checkParallel(KernelIR ir, int dim, String where) {
        if (ir.kind() != KernelKind.LOOP_PARALLEL || dim < 0 || dim >= ir.parallelLoops().size()) {
            throw new KernelCompilationException(where + "parallel loop index of dimension " + dim
                    + " but the kernel has " + (ir.kind() == KernelKind.LOOP_PARALLEL ? ir.parallelLoops().size() : 0)
                    + " @Parallel loop(s)");
        }
    }

    /** The successor of the header that is not the loop's exit, or -1 when the header is not a regular test. */
    static int bodyEntryOf(KernelIR ir, ParallelLoop loop) {
        if (loop.header() < 0 || loop.header() >= ir.blocks().size()) return -1;
        if (!(ir.blocks().get(loop.header()).terminator() instanceof Terminator.Branch br)) return -1;
        if (br.ifTrue() == loop.exit() && br.ifFalse() != loop.exit()) return br.ifFalse();
        if (br.ifFalse() == loop.exit() && br.ifTrue() != loop.exit()) return br.ifTrue();
        return -1;
    }

    static List<List<Integer>> predecessors(KernelIR ir) {
        List<List<Integer>> preds = new ArrayList<>();
        for (int i = 0; i < ir.blocks().size(); i++) preds.add(new ArrayList<>());
        for (Block b : ir.blocks()) {
            for (int s : b.terminator().successors()) preds.get(s).add(b.id());
        }
        return preds;
    }

    /**
     * Forward must-analysis of assigned variables. The JVM verifier rejects a read of a local that is
     * unassigned on some path; IR from verified bytecode rarely has one, but rewritten IR might, so
     * such variables start at zero.
     */
    private void definiteAssignment() {
        int nb = ir.blocks().size();
        int nv = ir.vars().size();
        if (nb == 0) return;
        BitSet entry = new BitSet(nv);
        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar s) entry.set(s.var().id());
        }
        BitSet all = new BitSet(nv);
        all.set(0, nv);
        BitSet[] out = new BitSet[nb];
        for (int i = 0; i < nb; i++) out[i] = (BitSet) all.clone();
        List<List<Integer>> preds = predecessors(ir);
        BitSet reachable = reachable();
        boolean changed = true;
        BitSet[] in = new BitSet[nb];
        assignedIn = in;
        while (changed) {
            changed = false;
            for (int b = 0; b < nb; b++) {
                if (!reachable.get(b)) continue;
                BitSet s = b == 0 ? (BitSet) entry.clone() : (BitSet) all.clone();
                for (int p : preds.get(b)) {
                    if (reachable.get(p)) s.and(out[p]);
                }
                in[b] = (BitSet) s.clone();
                for (Instr i : ir.blocks().get(b).instrs()) {
                    Var d = dst(i);
                    if (d != null) s.set(d.id());
                }
                if (!s.equals(out[b])) {
                    out[b] = s;
                    changed = true;
                }
            }
        }
        for (int b = 0; b < nb; b++) {
            if (!reachable.get(b)) continue;
            // A copy: assignedIn keeps the sets at each block's entry.
            BitSet s = (BitSet) in[b].clone();
            Block block = ir.blocks().get(b);
            for (Instr i : block.instrs()) {
                for (Value v : uses(i)) use(s, v);
                if (i instanceof Instr.ParallelIndex p && p.dim() == 0 && loop0 != null) use(s, loop0.start());
                Var d = dst(i);
                if (d != null) s.set(d.id());
            }
            switch (block.terminator()) {
                case Terminator.Branch br -> {
                    use(s, br.a());
                    use(s, br.b());
                }
                case Terminator.Switch sw -> use(s, sw.key());
                default -> {
                }
            }
            if (loop0 != null && b == loop0.header()) use(s, loop0.induction());
        }
    }

    private void use(BitSet assigned, Value v) {
        if (v instanceof Var var && !assigned.get(var.id())) needsInit.set(var.id());
    }

    BitSet reachable() {
        BitSet seen = new BitSet();
        Deque<Integer> work = new ArrayDeque<>();
        if (ir.blocks().isEmpty()) return seen;
        seen.set(0);
        work.push(0);
        while (!work.isEmpty()) {
            for (int s : ir.blocks().get(work.pop()).terminator().successors()) {
                if (!seen.get(s)) {
                    seen.set(s);
                    work.push(s);
                }
            }
        }
        return seen;
    }

    /** The variable an instruction assigns, or {@code null} ({@link io.kiln.ir.DefUse#def}). */
    static Var dst(Instr i) {
        return io.kiln.ir.DefUse.def(i);
    }

    /** The operands an instruction reads ({@link io.kiln.ir.DefUse#uses(Instr)}). */
    static List<Value> uses(Instr i) {
        return io.kiln.ir.DefUse.uses(i);
    }

    /** Whether {@code v} is the constant int 0. */
    static boolean isZero(Value v) {
        return v instanceof Const c && c.type() == Type.I32 && c.intValue() == 0;
    }

    // ---------------------------------------------------------------- cancellation points

    /**
     * The loop headers that test the cancellation flag: every natural loop's header, except a loop
     * that is known to end, i.e. a {@code @Parallel} loop (its chunk is bounded by {@code CpuKernel})
     * or a counted {@code int} loop (see {@link #counted}), and that has no loops inside other than
     * small constant ones ({@link #smallConstantLoop}, which C2 unrolls completely, after which the
     * loop around them is C2's innermost loop: a test there would stop its vectorisation). An innermost counted loop runs at most 2<sup>32</sup> iterations of
     * straight-line code, and a test inside it would stop C2 from vectorising it (a volatile read);
     * every other loop pays one volatile read per iteration, which is a plain load on x86 and cheap
     * beside a body that itself contains a loop. The targets of retreating edges that no header
     * dominates (irreducible loops, which javac never emits) are always tested.
     */
    static BitSet cancelChecks(KernelIR ir) {
        io.kiln.ir.Cfg cfg = io.kiln.ir.Cfg.of(ir);
        int n = ir.blocks().size();
        BitSet[] body = new BitSet[n];
        BitSet checks = new BitSet();
        int[] order = new int[n];
        java.util.Arrays.fill(order, -1);
        List<Integer> rpo = cfg.reversePostOrder();
        for (int k = 0; k < rpo.size(); k++) order[rpo.get(k)] = k;
        for (int b = 0; b < n; b++) {
            if (!cfg.isReachable(b)) continue;
            for (int h : cfg.successors(b)) {
                if (h < 0 || h >= n || !cfg.isReachable(h)) continue;
                if (cfg.dominates(h, b)) {
                    if (body[h] == null) {
                        body[h] = new BitSet();
                        body[h].set(h);
                    }
                    naturalLoop(cfg, b, body[h]);
                } else if (order[h] <= order[b]) {
                    checks.set(h);
                }
            }
        }
        java.util.Set<Integer> parallelHeaders = new java.util.HashSet<>();
        if (ir.kind() == KernelKind.LOOP_PARALLEL) {
            for (ParallelLoop p : ir.parallelLoops()) parallelHeaders.add(p.header());
        }
        BitSet small = new BitSet();
        for (int h = 0; h < n; h++) {
            if (body[h] != null && smallConstantLoop(ir, cfg, h, body[h])) small.set(h);
        }
        for (int h = 0; h < n; h++) {
            if (body[h] == null) continue;
            boolean onlySmallInside = true;
            for (int o = 0; o < n && onlySmallInside; o++) {
                if (o != h && body[o] != null && body[h].get(o) && !small.get(o)) onlySmallInside = false;
            }
            if (!(onlySmallInside && (parallelHeaders.contains(h) || counted(ir, h, body[h])))) checks.set(h);
        }
        return checks;
    }

    /** Adds to {@code loop} (which holds its header) every block that reaches {@code tail} without passing the header. */
    static void naturalLoop(io.kiln.ir.Cfg cfg, int tail, BitSet loop) {
        Deque<Integer> work = new ArrayDeque<>();
        if (!loop.get(tail)) {
            loop.set(tail);
            work.push(tail);
        }
        while (!work.isEmpty()) {
            int b = work.pop();
            for (int p : cfg.predecessors(b)) {
                if (p >= 0 && cfg.isReachable(p) && !loop.get(p)) {
                    loop.set(p);
                    work.push(p);
                }
            }
        }
    }

    /**
     * Whether the loop with header {@code h} is known to end: the header's branch leaves the loop on
     * one side; it compares an {@code I32} variable {@code v} with a constant or with a variable the
     * loop never assigns; the loop assigns {@code v} once, {@code v = v + c} (or {@code v - c}, possibly
     * through one temporary that it moves into {@code v}), with {@code c} a non-zero constant; and the
     * loop goes on only while {@code v < bound} for {@code c > 0} ({@code v > bound} for {@code c < 0}),
     * with {@code |c| == 1} or a constant bound that {@code v} cannot step past without overflow. Such a
     * loop reaches its bound without wrapping around.
     */
    static boolean counted(KernelIR ir, int h, BitSet loop) {
        return countedLoop(ir, h, loop) != null;
    }

    /** A loop {@link #counted} recognised: its counter, step and (exclusive, after normalising) bound. */
    record CountedLoop(Var counter, long step, Value bound) {
    }

    /** The counted loop with header {@code h}, or null when {@link #counted} does not hold. */
    static CountedLoop countedLoop(KernelIR ir, int h, BitSet loop) {
        if (!(ir.blocks().get(h).terminator() instanceof Terminator.Branch br)) return null;
        boolean trueIn = loop.get(br.ifTrue());
        boolean falseIn = loop.get(br.ifFalse());
        if (trueIn == falseIn) return null;
        io.kiln.ir.CmpOp op = trueIn ? br.op() : br.op().negate(false);
        Value a = br.a();
        Value bound = br.b();
        if (!(a instanceof Var v && v.type() == Type.I32 && isInvariant(ir, loop, bound))) {
            if (!(bound instanceof Var v2 && v2.type() == Type.I32 && isInvariant(ir, loop, a))) return null;
            a = bound;
            bound = br.a();
            op = switch (op) {
                case LT -> io.kiln.ir.CmpOp.GT;
                case GT -> io.kiln.ir.CmpOp.LT;
                case LE -> io.kiln.ir.CmpOp.GE;
                case GE -> io.kiln.ir.CmpOp.LE;
                default -> op;
            };
        }
        Var v = (Var) a;
        // The one assignment of v in the loop, and its step.
        Instr def = null;
        int defs = 0;
        for (int b = loop.nextSetBit(0); b >= 0; b = loop.nextSetBit(b + 1)) {
            for (Instr in : ir.blocks().get(b).instrs()) {
                Var d = dst(in);
                if (d != null && d.id() == v.id()) {
                    def = in;
                    defs++;
                }
            }
        }
        if (defs != 1) return null;
        if (def instanceof Instr.Move m && m.src() instanceof Var t) {
            Instr tdef = null;
            int tdefs = 0;
            for (int b = loop.nextSetBit(0); b >= 0; b = loop.nextSetBit(b + 1)) {
                for (Instr in : ir.blocks().get(b).instrs()) {
                    Var d = dst(in);
                    if (d != null && d.id() == t.id()) {
                        tdef = in;
                        tdefs++;
                    }
                }
            }
            if (tdefs != 1) return null;
            def = tdef;
        }
        long step;
        if (def instanceof Instr.Binary bin && bin.op() == io.kiln.ir.BinOp.ADD) {
            if (bin.a() instanceof Var x && x.id() == v.id() && bin.b() instanceof Const c) step = c.intValue();
            else if (bin.b() instanceof Var x && x.id() == v.id() && bin.a() instanceof Const c) step = c.intValue();
            else return null;
        } else if (def instanceof Instr.Binary bin && bin.op() == io.kiln.ir.BinOp.SUB
                && bin.a() instanceof Var x && x.id() == v.id() && bin.b() instanceof Const c) {
            step = -(long) c.intValue();
        } else {
            return null;
        }
        if (step == 0) return null;
        // v <= C (v >= C) with a constant C below MAX (above MIN) is v < C + 1 (v > C - 1): for (dy = -2; dy <= 2; dy++).
        if (op == io.kiln.ir.CmpOp.LE && bound instanceof Const c && c.type() == Type.I32 && c.intValue() < Integer.MAX_VALUE) {
            op = io.kiln.ir.CmpOp.LT;
            bound = Const.ofInt(c.intValue() + 1);
        } else if (op == io.kiln.ir.CmpOp.GE && bound instanceof Const c && c.type() == Type.I32 && c.intValue() > Integer.MIN_VALUE) {
            op = io.kiln.ir.CmpOp.GT;
            bound = Const.ofInt(c.intValue() - 1);
        }
        if (step > 0 && op != io.kiln.ir.CmpOp.LT) return null;
        if (step < 0 && op != io.kiln.ir.CmpOp.GT) return null;
        if (Math.abs(step) == 1) return new CountedLoop(v, step, bound);
        if (!(bound instanceof Const c)) return null;
        // v < bound, v + step must not overflow: bound + step - 1 <= MAX (mirrored for steps down).
        boolean fits = step > 0 ? c.intValue() + step - 1 <= Integer.MAX_VALUE : c.intValue() + step + 1 >= Integer.MIN_VALUE;
        return fits ? new CountedLoop(v, step, bound) : null;
    }

    /** Largest constant trip count of an inner loop that leaves its enclosing loop without a cancellation test. */
    static final int SMALL_TRIP_COUNT = 16;

    /**
     * Whether the loop with header {@code h} is counted from a constant start to a constant bound in
     * at most {@link #SMALL_TRIP_COUNT} iterations ({@code for (int dy = -2; dy <= 2; dy++)}): the start
     * is the last assignment of the counter in the one block that enters the loop, or in that block's
     * single-predecessor chain.
     */
    static boolean smallConstantLoop(KernelIR ir, io.kiln.ir.Cfg cfg, int h, BitSet loop) {
        CountedLoop c = countedLoop(ir, h, loop);
        if (c == null || !(c.bound() instanceof Const bound)) return false;
        int entry = -1;
        for (int p : cfg.predecessors(h)) {
            if (loop.get(p)) continue;
            if (entry >= 0) return false;
            entry = p;
        }
        for (int hops = 0; entry >= 0 && hops < 4; hops++) {
            List<Instr> instrs = ir.blocks().get(entry).instrs();
            for (int i = instrs.size() - 1; i >= 0; i--) {
                Var d = dst(instrs.get(i));
                if (d == null || d.id() != c.counter().id()) continue;
                if (!(instrs.get(i) instanceof Instr.Move m && m.src() instanceof Const start)) return false;
                long span = c.step() > 0 ? (long) bound.intValue() - start.intValue() : (long) start.intValue() - bound.intValue();
                long trips = span <= 0 ? 0 : (span + Math.abs(c.step()) - 1) / Math.abs(c.step());
                return trips <= SMALL_TRIP_COUNT;
            }
            List<Integer> preds = cfg.predecessors(entry);
            entry = preds.size() == 1 ? preds.get(0) : -1;
        }
        return false;
    }

    /**
     * Whether {@code x} has one value in every iteration of {@code loop} after the first: a constant, a
     * variable the loop never assigns, or one that the loop assigns only from pure operations
     * (arithmetic, conversions, moves, array lengths) of such values. The last case matters because
     * javac recomputes a loop's bound in its header on every iteration ({@code x < w - 1},
     * {@code j < b.length}); treating those as varying kept the cancellation test (a volatile read) in
     * innermost loops and stopped C2 from vectorising them (measured: a 5-point stencil on {@code cpu}
     * ran slower on two threads than the Java method on one).
     */
    private static boolean isInvariant(KernelIR ir, BitSet loop, Value x) {
        if (x instanceof Const c) return c.type() == Type.I32;
        return invariant(ir, loop, x, new java.util.HashSet<>(), new java.util.HashSet<>());
    }

    private static boolean invariant(KernelIR ir, BitSet loop, Value x, java.util.Set<Integer> visiting,
                                     java.util.Set<Integer> known) {
        if (x instanceof Const) return true;
        Var v = (Var) x;
        if (known.contains(v.id())) return true;
        if (!visiting.add(v.id())) return false; // depends on itself: it changes from iteration to iteration
        for (int b = loop.nextSetBit(0); b >= 0; b = loop.nextSetBit(b + 1)) {
            for (Instr in : ir.blocks().get(b).instrs()) {
                Var d = dst(in);
                if (d == null || d.id() != v.id()) continue;
                boolean pure = switch (in) {
                    case Instr.Move m -> invariant(ir, loop, m.src(), visiting, known);
                    case Instr.Binary bin -> invariant(ir, loop, bin.a(), visiting, known)
                            && invariant(ir, loop, bin.b(), visiting, known);
                    case Instr.Negate neg -> invariant(ir, loop, neg.a(), visiting, known);
                    case Instr.Convert cv -> invariant(ir, loop, cv.a(), visiting, known);
                    case Instr.ArrayLength al -> true;
                    default -> false;
                };
                if (!pure) return false;
            }
        }
        visiting.remove(v.id());
        known.add(v.id());
        return true;
    }

    /** The number of {@code c} in {@link #checks} (by identity: equal checks at two places are two checks). */
    int checkId(Instr.CheckIndex c) {
        Integer id = checkIds.get(c);
        if (id == null) throw new IllegalStateException("a CheckIndex that is not in the kernel's blocks");
        return id;
    }

    /** The bounds checks of {@code ir} in block order, then instruction order. */
    static List<Instr.CheckIndex> checks(KernelIR ir) {
        List<Instr.CheckIndex> out = new ArrayList<>();
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                if (in instanceof Instr.CheckIndex c) out.add(c);
            }
        }
        return out;
    }
}

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
    /** Whether dimension 0 can run as contiguous chunks {@code [lo, hi)} (an int loop with a regular header). */
    final boolean chunkable;
    /** The outermost parallel loop (dimension 0), or {@code null} for other kernels. */
    final ParallelLoop loop0;

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
        chunkable = loop0 != null && bodyEntry[0] >= 0 && loop0.induction().type() == Type.I32
                && loop0.start().type() == Type.I32;

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
    }

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
            if (a.space() == AddressSpace.LOCAL) {
                throw new KernelCompilationException(where + "local (work-group) memory array " + a
                        + " is not supported yet on the cpu back end; run the kernel on an OpenCL or CUDA device");
            }
            if ((a.space() == AddressSpace.PRIVATE || a.space() == AddressSpace.CONSTANT) && a.length() < 0) {
                throw new KernelCompilationException(where + a.space() + " array " + a + " has no constant length");
            }
        }
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                switch (in) {
                    case Instr.Barrier x -> throw new KernelCompilationException(where
                            + "barriers are not supported yet on the cpu back end; run the kernel on an OpenCL or CUDA device");
                    case Instr.Atomic x -> throw new KernelCompilationException(where + "atomic " + x.op()
                            + " is not supported yet on the cpu back end; run the kernel on an OpenCL or CUDA device");
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
                    }
                    default -> {
                    }
                }
            }
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
            BitSet s = in[b];
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

    /** The variable an instruction assigns, or {@code null}. */
    static Var dst(Instr i) {
        return switch (i) {
            case Instr.Move m -> m.dst();
            case Instr.Binary b -> b.dst();
            case Instr.Negate n -> n.dst();
            case Instr.Convert c -> c.dst();
            case Instr.Compare c -> c.dst();
            case Instr.Load l -> l.dst();
            case Instr.Store s -> null;
            case Instr.ArrayLength l -> l.dst();
            case Instr.MathCall m -> m.dst();
            case Instr.BitCast c -> c.dst();
            case Instr.WorkItem w -> w.dst();
            case Instr.ParallelIndex p -> p.dst();
            case Instr.ParallelStride p -> p.dst();
            case Instr.Barrier b -> null;
            case Instr.Atomic a -> a.dst();
        };
    }

    /** The operands an instruction reads. */
    static List<Value> uses(Instr i) {
        return switch (i) {
            case Instr.Move m -> List.of(m.src());
            case Instr.Binary b -> List.of(b.a(), b.b());
            case Instr.Negate n -> List.of(n.a());
            case Instr.Convert c -> List.of(c.a());
            case Instr.Compare c -> List.of(c.a(), c.b());
            case Instr.Load l -> List.of(l.index());
            case Instr.Store s -> List.of(s.index(), s.value());
            case Instr.ArrayLength l -> List.of();
            case Instr.MathCall m -> m.args();
            case Instr.BitCast c -> List.of(c.a());
            case Instr.WorkItem w -> List.of();
            case Instr.ParallelIndex p -> List.of();
            case Instr.ParallelStride p -> List.of();
            case Instr.Barrier b -> List.of();
            case Instr.Atomic a -> a.expected() == null ? List.of(a.index(), a.operand()) : List.of(a.index(), a.operand(), a.expected());
        };
    }

    /** Whether {@code v} is the constant int 0. */
    static boolean isZero(Value v) {
        return v instanceof Const c && c.type() == Type.I32 && c.intValue() == 0;
    }
}

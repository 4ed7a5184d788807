package io.kiln.frontend;

import io.kiln.KernelCompilationException;
import io.kiln.ir.Block;
import io.kiln.ir.Instr;
import io.kiln.ir.Terminator;
import io.kiln.ir.Value;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Refuses barriers that not every work-item of a group reaches: a barrier under control flow that
 * depends on the work-item's id. A value is divergent when it derives from a global or local id, from
 * an atomic's result, from a load at a divergent index, or is assigned under divergent control; a block
 * is under divergent control when it lies between a divergent branch and that branch's immediate
 * post-dominator.
 */
final class BarrierCheck {
    private BarrierCheck() {
    }

    static void check(List<Block> blocks, String locationPrefix) {
        int n = blocks.size();
        BitSet[] pdom = postDominators(blocks);
        List<List<Integer>> preds = new ArrayList<>();
        for (int i = 0; i < n; i++) preds.add(new ArrayList<>());
        for (Block b : blocks) {
            for (int s : b.terminator().successors()) preds.get(s).add(b.id());
        }
        BitSet divergentBlocks = new BitSet(n);
        Set<Integer>[] out = divergentAtExit(blocks, preds, divergentBlocks);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block b : blocks) {
                Set<Integer> dv = out[b.id()];
                boolean divergentBranch = switch (b.terminator()) {
                    case Terminator.Branch br -> divergent(br.a(), dv) || divergent(br.b(), dv);
                    case Terminator.Switch sw -> divergent(sw.key(), dv);
                    default -> false;
                };
                if (!divergentBranch) continue;
                int join = immediatePostDominator(b.id(), pdom, n);
                for (int s : b.terminator().successors()) {
                    changed |= markUntil(blocks, s, join, divergentBlocks);
                }
            }
            if (changed) out = divergentAtExit(blocks, preds, divergentBlocks);
        }
        for (Block b : blocks) {
            if (!divergentBlocks.get(b.id())) continue;
            for (Instr in : b.instrs()) {
                if (in instanceof Instr.Barrier bar) {
                    throw new KernelCompilationException(locationPrefix + (bar.line() > 0 ? ":" + bar.line() : "") + "): "
                            + "barrier() under control flow that depends on the work-item id: every work-item of a group "
                            + "must reach the same barriers; move the barrier out of the if/loop that tests the id");
                }
            }
        }
    }

    /**
     * Flow-sensitive: the variables holding a divergent value at the end of each block. A variable
     * becomes divergent where it is assigned a divergent value or assigned under divergent control, and
     * uniform again where it is assigned a uniform value (so a local slot javac reuses for an unrelated
     * variable does not carry the old variable's divergence).
     */
    @SuppressWarnings("unchecked")
    private static Set<Integer>[] divergentAtExit(List<Block> blocks, List<List<Integer>> preds, BitSet divergentBlocks) {
        int n = blocks.size();
        Set<Integer>[] out = new Set[n];
        for (int i = 0; i < n; i++) out[i] = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block b : blocks) {
                Set<Integer> cur = new HashSet<>();
                for (int p : preds.get(b.id())) cur.addAll(out[p]);
                boolean underDivergence = divergentBlocks.get(b.id());
                for (Instr in : b.instrs()) {
                    Var dst = io.kiln.ir.DefUse.def(in);
                    if (dst == null) continue;
                    if (underDivergence || isDivergent(in, cur)) cur.add(dst.id());
                    else cur.remove(dst.id());
                }
                if (!cur.equals(out[b.id()])) {
                    out[b.id()] = cur;
                    changed = true;
                }
            }
        }
        return out;
    }

    private static boolean markUntil(List<Block> blocks, int start, int stop, BitSet marked) {
        boolean changed = false;
        List<Integer> work = new ArrayList<>();
        work.add(start);
        BitSet seen = new BitSet();
        while (!work.isEmpty()) {
            int x = work.remove(work.size() - 1);
            if (x == stop || seen.get(x)) continue;
            seen.set(x);
            if (!marked.get(x)) {
                marked.set(x);
                changed = true;
            }
            work.addAll(blocks.get(x).terminator().successors());
        }
        return changed;
    }

    private static boolean isDivergent(Instr in, Set<Integer> dv) {
        return switch (in) {
            case Instr.WorkItem w -> w.query() == WorkItemQuery.GLOBAL_ID || w.query() == WorkItemQuery.LOCAL_ID;
            case Instr.Atomic a -> true;
            case Instr.Move m -> divergent(m.src(), dv);
            case Instr.Binary bi -> divergent(bi.a(), dv) || divergent(bi.b(), dv);
            case Instr.Negate ng -> divergent(ng.a(), dv);
            case Instr.Convert c -> divergent(c.a(), dv);
            case Instr.Compare c -> divergent(c.a(), dv) || divergent(c.b(), dv);
            case Instr.Load l -> divergent(l.index(), dv) || l.array().space() == io.kiln.ir.AddressSpace.PRIVATE;
            case Instr.ArrayLength l -> false;
            case Instr.MathCall m -> m.args().stream().anyMatch(a -> divergent(a, dv));
            case Instr.BitCast c -> divergent(c.a(), dv);
            case Instr.ParallelIndex p -> true;
            case Instr.ParallelStride p -> false;
            default -> false;
        };
    }

    private static boolean divergent(Value v, Set<Integer> dv) {
        return v instanceof Var var && dv.contains(var.id());
    }

    /** Post-dominator sets; index {@code n} is a virtual exit that every return reaches. */
    private static BitSet[] postDominators(List<Block> blocks) {
        int n = blocks.size();
        BitSet all = new BitSet(n + 1);
        all.set(0, n + 1);
        BitSet[] pdom = new BitSet[n + 1];
        for (int i = 0; i < n; i++) pdom[i] = (BitSet) all.clone();
        pdom[n] = new BitSet(n + 1);
        pdom[n].set(n);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                List<Integer> succ = blocks.get(i).terminator().successors();
                BitSet x = (BitSet) all.clone();
                if (succ.isEmpty()) {
                    x.and(pdom[n]);
                } else {
                    for (int s : succ) x.and(pdom[s]);
                }
                x.set(i);
                if (!x.equals(pdom[i])) {
                    pdom[i] = x;
                    changed = true;
                }
            }
        }
        return pdom;
    }

    /** The closest strict post-dominator of {@code b}, or the virtual exit {@code n}. */
    private static int immediatePostDominator(int b, BitSet[] pdom, int n) {
        BitSet strict = (BitSet) pdom[b].clone();
        strict.clear(b);
        // the immediate one is the strict post-dominator post-dominated by all others: the one with the largest set
        int best = n;
        int bestSize = -1;
        for (int c = strict.nextSetBit(0); c >= 0; c = strict.nextSetBit(c + 1)) {
            if (c == n) continue;
            int size = pdom[c].cardinality();
            if (size > bestSize) {
                best = c;
                bestSize = size;
            }
        }
        return best;
    }
}

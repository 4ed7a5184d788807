package io.kiln.cpu;

import io.kiln.ir.Block;
import io.kiln.ir.Cfg;
import io.kiln.ir.DefUse;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Var;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The barrier regions of a work-item kernel, the way PoCL runs work-groups on a CPU: a work-item's
 * code is cut at every barrier into regions, a group runs one region of each of its work-items after
 * the other, and what a work-item needs after a barrier is kept per work-item. This is the whole
 * transformation, stated on the IR; the emitter ({@link GroupLoops}) only translates it: at barrier
 * {@code k} it stores {@link Barrier#liveAcross()} into the per-item slots {@link #slot(Var)}, and the
 * code that resumes after barrier {@code k} (region {@code k + 1}) reloads them.
 * <ul>
 * <li>Barrier {@code k} is the k-th {@link Instr.Barrier} in block order, then instruction order.</li>
 * <li>Region 0 starts at the kernel's entry, region {@code k + 1} right after barrier {@code k}; a
 * region ends at each barrier it reaches and at every {@code return}.</li>
 * <li>A barrier's live-across variables are those live right after it (backward liveness,
 * {@link Cfg#liveOut}) that the kernel assigns somewhere: a parameter it never assigns keeps its
 * launch value in its own local. A variable not live across a barrier needs nothing: every path from
 * the resume point assigns it before reading it.</li>
 * <li>Slots: each variable saved at some barrier gets one index in the per-item state of its type
 * ({@code int}, {@code long}, {@code float}, {@code double}), the same at every barrier.</li>
 * </ul>
 * The front end guarantees that barriers are uniform; the emitted code checks that every work-item of
 * a group stops where its first one stopped.
 */
final class BarrierRegions {

    /**
     * One barrier.
     *
     * @param number     its number {@code k}: the k-th barrier in block order, then instruction order
     * @param block      the block it is in
     * @param index      its position among the block's instructions
     * @param liveAcross the variables a work-item keeps across it, by id
     */
    record Barrier(int number, int block, int index, List<Var> liveAcross) {
        Barrier {
            liveAcross = List.copyOf(liveAcross);
        }
    }

    /**
     * The code a work-item runs between two stops.
     *
     * @param number  0 for the kernel's entry, {@code k + 1} for the code after barrier {@code k}
     * @param block   the block it starts in
     * @param index   the instruction it starts at (0 at a block's start; a barrier's index + 1 after it)
     * @param blocks  the blocks it runs (all or part of), by id, in block order
     * @param ends    the barriers where it can stop, by number, ascending
     * @param returns whether it can reach a {@code return}
     */
    record Region(int number, int block, int index, List<Integer> blocks, List<Integer> ends, boolean returns) {
        Region {
            blocks = List.copyOf(blocks);
            ends = List.copyOf(ends);
        }
    }

    private final List<Barrier> barriers;
    private final List<Region> regions;
    private final int[] slot;
    private final int[] slotCount = new int[Type.values().length];
    private final BitSet zeroAtEntry = new BitSet();

    /**
     * The regions of {@code ir}.
     *
     * @param assignedAtEntry per block id, the variables assigned on every path from the kernel's entry
     *                        to the block's start (parameters included), or {@code null} for an
     *                        unreachable block; a saved variable that some path reaches its barrier
     *                        without assigning is listed in {@link #zeroAtEntry()}, since the JVM
     *                        verifier must see it assigned where it is saved
     */
    BarrierRegions(KernelIR ir, BitSet[] assignedAtEntry) {
        List<Barrier> found = new ArrayList<>();
        BitSet assignedSomewhere = new BitSet();
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                Var d = DefUse.def(i);
                if (d != null) assignedSomewhere.set(d.id());
            }
        }
        Cfg cfg = hasBarrier(ir) ? Cfg.of(ir) : null;
        BitSet saved = new BitSet();
        for (Block block : ir.blocks()) {
            List<Instr> ins = block.instrs();
            List<Integer> positions = new ArrayList<>();
            for (int k = 0; k < ins.size(); k++) {
                if (ins.get(k) instanceof Instr.Barrier) positions.add(k);
            }
            if (positions.isEmpty()) continue;
            // Live sets after each barrier of this block, backwards from the block's end.
            BitSet live = new BitSet();
            for (Var v : cfg.liveOut(block.id())) live.set(v.id());
            for (Var v : DefUse.varUses(block.terminator())) live.set(v.id());
            BitSet[] after = new BitSet[positions.size()];
            int p = positions.size() - 1;
            for (int k = ins.size() - 1; k >= 0 && p >= 0; k--) {
                if (k == positions.get(p)) after[p--] = (BitSet) live.clone();
                Var d = DefUse.def(ins.get(k));
                if (d != null) live.clear(d.id());
                for (Var v : DefUse.varUses(ins.get(k))) live.set(v.id());
            }
            BitSet assigned = assignedAtEntry[block.id()] == null ? new BitSet() : (BitSet) assignedAtEntry[block.id()].clone();
            int q = 0;
            for (int k = 0; k < ins.size(); k++) {
                if (q < positions.size() && k == positions.get(q)) {
                    BitSet state = after[q++];
                    state.and(assignedSomewhere);
                    BitSet unassigned = (BitSet) state.clone();
                    unassigned.andNot(assigned);
                    zeroAtEntry.or(unassigned);
                    List<Var> vars = new ArrayList<>();
                    for (int v = state.nextSetBit(0); v >= 0; v = state.nextSetBit(v + 1)) vars.add(ir.vars().get(v));
                    found.add(new Barrier(found.size(), block.id(), k, vars));
                    saved.or(state);
                }
                Var d = DefUse.def(ins.get(k));
                if (d != null) assigned.set(d.id());
            }
        }
        barriers = Collections.unmodifiableList(found);
        slot = new int[ir.vars().size()];
        java.util.Arrays.fill(slot, -1);
        for (int v = saved.nextSetBit(0); v >= 0; v = saved.nextSetBit(v + 1)) {
            slot[v] = slotCount[ir.vars().get(v).type().ordinal()]++;
        }
        List<Region> rs = new ArrayList<>();
        if (!found.isEmpty()) {
            rs.add(region(ir, 0, 0, 0));
            for (Barrier b : found) rs.add(region(ir, b.number() + 1, b.block(), b.index() + 1));
        }
        regions = Collections.unmodifiableList(rs);
    }

    private static boolean hasBarrier(KernelIR ir) {
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.Barrier) return true;
            }
        }
        return false;
    }

    /** The region that starts at instruction {@code index} of {@code block}: what it reaches before a barrier stops it. */
    private Region region(KernelIR ir, int number, int block, int index) {
        BitSet blocks = new BitSet();
        Set<Integer> ends = new java.util.TreeSet<>();
        boolean returns = false;
        BitSet entered = new BitSet();
        Deque<int[]> work = new ArrayDeque<>();
        work.push(new int[] {block, index});
        while (!work.isEmpty()) {
            int[] at = work.pop();
            int b = at[0];
            blocks.set(b);
            List<Instr> ins = ir.blocks().get(b).instrs();
            int stop = -1;
            for (int k = at[1]; k < ins.size() && stop < 0; k++) {
                if (ins.get(k) instanceof Instr.Barrier) stop = k;
            }
            if (stop >= 0) {
                ends.add(numberAt(b, stop));
                continue;
            }
            Terminator t = ir.blocks().get(b).terminator();
            if (t instanceof Terminator.Return) returns = true;
            for (int s : t.successors()) {
                if (!entered.get(s)) {
                    entered.set(s);
                    work.push(new int[] {s, 0});
                }
            }
        }
        return new Region(number, block, index, blocks.stream().boxed().toList(), List.copyOf(ends), returns);
    }

    /** The number of the barrier at instruction {@code index} of {@code block}. */
    int numberAt(int block, int index) {
        for (Barrier b : barriers) {
            if (b.block() == block && b.index() == index) return b.number();
        }
        throw new IllegalArgumentException("no barrier at instruction " + index + " of block " + block);
    }

    /** The barriers, by number. */
    List<Barrier> barriers() {
        return barriers;
    }

    /** The regions, by number (none when the kernel has no barrier). */
    List<Region> regions() {
        return regions;
    }

    /** The number of barriers. */
    int count() {
        return barriers.size();
    }

    /** The index of {@code v} in the per-item state of its type, or -1 when no barrier keeps it. */
    int slot(Var v) {
        return slot[v.id()];
    }

    /** How many variables of type {@code t} one work-item keeps (its share of the state array of that type). */
    int slots(Type t) {
        return slotCount[t.ordinal()];
    }

    /** The most slots one work-item keeps in one typed state array. */
    int maxSlots() {
        int max = 0;
        for (int c : slotCount) max = Math.max(max, c);
        return max;
    }

    /** The saved variables that some path reaches their barrier without assigning: zeroed at entry. */
    BitSet zeroAtEntry() {
        return (BitSet) zeroAtEntry.clone();
    }

    /** The variables live across barrier {@code k}, for tests and listings: their names, in id order. */
    Set<String> liveAcrossNames(int k) {
        Set<String> out = new LinkedHashSet<>();
        for (Var v : barriers.get(k).liveAcross()) out.add(v.name());
        return out;
    }
}

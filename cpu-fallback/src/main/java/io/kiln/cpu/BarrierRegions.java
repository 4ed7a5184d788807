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
 * <li>Recomputed, not saved: a live-across variable whose value is a pure function of the work-item's
 * ids and the launch's values ({@link Barrier#recompute()}): it has exactly one definition in the
 * kernel, a {@link Instr.WorkItem} query, or a {@link Instr.Move}, {@link Instr.Negate} or
 * {@link Instr.Binary} (not {@code /} or {@code %}) of constants, parameters the kernel never assigns
 * and such variables, at most {@link #RECOMPUTE_LIMIT} instructions in all; and no path reads it (or a
 * variable it is computed from) before assigning it. Wherever it is assigned it gets the same value, so
 * the code after the barrier runs its definitions again instead of reloading it (measured on the suite's
 * tiled transpose, whose {@code lx = ctx.localIdx()} and {@code ly} were the only state: 2.2x faster on one
 * thread, because the per-item state array's stores and loads kept C2 from optimising the item loop).</li>
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
     * @param saved      those of them stored in the per-item state at the barrier and reloaded after it, by id
     * @param recompute  the instructions that compute the others again after the barrier, operands first:
     *                   each is the sole definition of its destination (see the class comment)
     */
    record Barrier(int number, int block, int index, List<Var> liveAcross, List<Var> saved, List<Instr> recompute) {
        Barrier {
            liveAcross = List.copyOf(liveAcross);
            saved = List.copyOf(saved);
            recompute = List.copyOf(recompute);
        }
    }

    /** The most instructions that recompute one barrier's variables after it (each is a few JVM instructions). */
    static final int RECOMPUTE_LIMIT = 8;

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
    BarrierRegions(KernelIR ir, BitSet[] assignedAtEntry, BitSet readBeforeAssigned) {
        List<Barrier> found = new ArrayList<>();
        BitSet assignedSomewhere = new BitSet();
        int[] defs = new int[ir.vars().size()];
        Instr[] soleDef = new Instr[ir.vars().size()];
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                Var d = DefUse.def(i);
                if (d != null) {
                    assignedSomewhere.set(d.id());
                    defs[d.id()]++;
                    soleDef[d.id()] = i;
                }
            }
        }
        BitSet params = new BitSet();
        for (io.kiln.ir.Param p : ir.params()) {
            if (p instanceof io.kiln.ir.Param.Scalar sc) params.set(sc.var().id());
        }
        Recipes recipes = new Recipes(defs, soleDef, assignedSomewhere, params, readBeforeAssigned);
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
                    List<Var> vars = new ArrayList<>();
                    for (int v = state.nextSetBit(0); v >= 0; v = state.nextSetBit(v + 1)) vars.add(ir.vars().get(v));
                    // Recompute what is a pure function of the item's ids, within the limit; save the rest.
                    java.util.Set<Instr> recompute = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                    List<Instr> order = new ArrayList<>();
                    BitSet store = (BitSet) state.clone();
                    for (Var v : vars) {
                        List<Instr> r = recipes.of(v);
                        if (r == null) continue;
                        int added = 0;
                        for (Instr i : r) if (!recompute.contains(i)) added++;
                        if (order.size() + added > RECOMPUTE_LIMIT) continue;
                        for (Instr i : r) {
                            if (recompute.add(i)) order.add(i);
                        }
                        store.clear(v.id());
                    }
                    BitSet unassigned = (BitSet) store.clone();
                    unassigned.andNot(assigned);
                    zeroAtEntry.or(unassigned);
                    List<Var> kept = new ArrayList<>();
                    for (int v = store.nextSetBit(0); v >= 0; v = store.nextSetBit(v + 1)) kept.add(ir.vars().get(v));
                    found.add(new Barrier(found.size(), block.id(), k, vars, kept, order));
                    saved.or(store);
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

    /**
     * Which variables can be computed again after a barrier (see the class comment), and how: the
     * definitions to run, operands first.
     */
    private static final class Recipes {
        private final int[] defs;
        private final Instr[] soleDef;
        private final BitSet assignedSomewhere;
        private final BitSet params;
        private final BitSet readBeforeAssigned;
        private final java.util.Map<Integer, List<Instr>> memo = new java.util.HashMap<>();
        private final BitSet visiting = new BitSet();

        Recipes(int[] defs, Instr[] soleDef, BitSet assignedSomewhere, BitSet params, BitSet readBeforeAssigned) {
            this.defs = defs;
            this.soleDef = soleDef;
            this.assignedSomewhere = assignedSomewhere;
            this.params = params;
            this.readBeforeAssigned = readBeforeAssigned;
        }

        /** The instructions that give {@code v} its value again, operands first, or {@code null} when it must be saved. */
        List<Instr> of(Var v) {
            int id = v.id();
            if (memo.containsKey(id)) return memo.get(id);
            List<Instr> r = null;
            if (!visiting.get(id) && defs[id] == 1 && !params.get(id) && !readBeforeAssigned.get(id)) {
                visiting.set(id);
                r = build(soleDef[id]);
                visiting.clear(id);
            }
            if (r != null && r.size() > RECOMPUTE_LIMIT) r = null;
            memo.put(id, r);
            return r;
        }

        private List<Instr> build(Instr def) {
            List<io.kiln.ir.Value> operands = switch (def) {
                case Instr.WorkItem w -> List.of();
                case Instr.Move m -> List.of(m.src());
                case Instr.Negate n -> List.of(n.a());
                case Instr.Binary b -> b.op() == io.kiln.ir.BinOp.DIV || b.op() == io.kiln.ir.BinOp.REM ? null : List.of(b.a(), b.b());
                default -> null;
            };
            if (operands == null) return null;
            List<Instr> out = new ArrayList<>();
            for (io.kiln.ir.Value x : operands) {
                // constants, and parameters the kernel never assigns, hold their value everywhere
                if (!(x instanceof Var u) || !assignedSomewhere.get(u.id())) continue;
                List<Instr> sub = of(u);
                if (sub == null) return null;
                for (Instr i : sub) {
                    if (!containsIdentical(out, i)) out.add(i);
                }
            }
            out.add(def);
            return out;
        }

        private static boolean containsIdentical(List<Instr> list, Instr i) {
            for (Instr x : list) {
                if (x == i) return true;
            }
            return false;
        }
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

    /** The variables saved at barrier {@code k} (not recomputed after it), for tests: their names, in id order. */
    Set<String> savedNames(int k) {
        Set<String> out = new LinkedHashSet<>();
        for (Var v : barriers.get(k).saved()) out.add(v.name());
        return out;
    }

    /** The variables live across barrier {@code k}, for tests and listings: their names, in id order. */
    Set<String> liveAcrossNames(int k) {
        Set<String> out = new LinkedHashSet<>();
        for (Var v : barriers.get(k).liveAcross()) out.add(v.name());
        return out;
    }
}

package io.kiln.cpu;

import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Type;
import io.kiln.ir.Var;

import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.kiln.cpu.JvmEmitter.CD_SUPPORT;
import static io.kiln.cpu.JvmEmitter.arrayDesc;
import static io.kiln.cpu.JvmEmitter.kind;
import static java.lang.constant.ConstantDescs.CD_int;

/**
 * The {@code groups} method's loops and barrier support: loops over the chunk's work-groups and, in
 * each, over its work-items; with barriers, the passes over the items that {@link BarrierRegions}
 * describes (per-item state arrays, the resume {@code tableswitch}, the check that all items stop at
 * the same barrier). Nothing here decides what a barrier keeps: that is the region description's.
 */
final class GroupLoops extends MethodPart {
    private int stopSlot = -1;
    private final int[] stateSlab = {-1, -1, -1, -1};
    private final int[] stateBase = {-1, -1, -1, -1};
    private Label[] resume;
    /** Up to this many barriers, the resume point is chosen by a chain of {@code if}s, above by a {@code tableswitch}. */
    static final int UNSWITCH_LIMIT = 4;

    GroupLoops(MethodWriter w) {
        super(w);
    }

    /**
     * Work-group kernels: loops over the chunk's work-groups ({@code geometry[2d] <= group_d <
     * geometry[2d+1]}), and in each group over its work-items, x fastest. Local arrays are
     * allocated once per chunk and zeroed at each group's start. With barriers, each pass over the
     * items runs every item from where it stopped to its next barrier (or its end): a barrier saves
     * the variables live across it into per-item state arrays, records its number and goes on with
     * the next item; when every item has stopped at the same barrier, the next pass resumes each of
     * them after it (an entry {@code tableswitch} on the barrier number, then the saved variables
     * are reloaded).
     */
    void write() {
        boolean bars = an.barriers.count() > 0;
        int[] groupHi = new int[3];
        for (int d = 0; d < 3; d++) {
            w.groupSlot[d] = w.alloc(1, "work-group id " + d);
            groupHi[d] = w.alloc(1, "end of this chunk's work-groups in dimension " + d);
            w.localIdSlot[d] = w.alloc(1, "local id " + d);
            w.idSlot[d] = w.alloc(1, "global id " + d);
            w.globalSlot[d] = w.alloc(1, "global size " + d);
            w.localSlot[d] = w.alloc(1, "local size " + d);
            w.loadGeometry(d, groupHi[d]);
        }
        w.copyReassignedParams();
        int itemSlot = -1;
        int regionSlot = -1;
        int groupStopSlot = -1;
        int[] privateSlab = new int[ir.arrays().size()];
        if (bars) {
            int sizeSlot = w.alloc(1, "work-items per group");
            cb.iload(w.localSlot[0]);
            cb.iload(w.localSlot[1]);
            cb.imul();
            cb.iload(w.localSlot[2]);
            cb.imul();
            cb.istore(sizeSlot);
            itemSlot = w.alloc(1, "work-item index in the group");
            regionSlot = w.alloc(1, "resume point of this pass (0: start, k + 1: after barrier k)");
            stopSlot = w.alloc(1, "where the work-item stopped (0: returned, k + 1: at barrier k)");
            groupStopSlot = w.alloc(1, "where work-item 0 stopped in this pass");
            for (Type t : Type.values()) {
                int n = an.barriers.slots(t);
                if (n == 0) continue;
                stateSlab[t.ordinal()] = w.alloc(1, "saved " + t + " variables, " + n + " per work-item");
                stateBase[t.ordinal()] = w.alloc(1, "this work-item's offset in the saved " + t + " variables");
                cb.iload(sizeSlot);
                cb.loadConstant(n);
                cb.imul();
                cb.newarray(kind(t));
                cb.astore(stateSlab[t.ordinal()]);
            }
            for (ArrayRef a : ir.arrays()) {
                if (a.space() != AddressSpace.PRIVATE || !an.used[a.id()]) continue;
                // One private array per work-item of a group, reused by every group of the chunk.
                privateSlab[a.id()] = w.alloc(1, "private arrays " + a + ", one per work-item");
                cb.iload(sizeSlot);
                cb.loadConstant(a.length());
                cb.multianewarray(arrayDesc(a.element()).arrayType(), 2);
                cb.astore(privateSlab[a.id()]);
            }
            resume = new Label[an.barriers.count()];
            for (int k = 0; k < resume.length; k++) resume[k] = cb.newLabel();
        }

        // Local arrays: one per chunk, zeroed at each group's start (see MethodWriter.zero).
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.LOCAL && an.used[a.id()]) w.allocate(a);
        }
        Label[] groupTest = new Label[3];
        Label[] groupNext = new Label[3];
        Label done = cb.newLabel();
        for (int d = 2; d >= 0; d--) {
            groupTest[d] = cb.newLabel();
            groupNext[d] = cb.newLabel();
            cb.aload(MethodWriter.GEOM);
            cb.loadConstant(2 * d);
            cb.iaload();
            cb.istore(w.groupSlot[d]);
            cb.labelBinding(groupTest[d]);
            cb.iload(w.groupSlot[d]);
            cb.iload(groupHi[d]);
            cb.if_icmpge(d == 2 ? done : groupNext[d + 1]);
        }
        // A new group: fresh local memory (its contents are undefined in the language; here zero).
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.LOCAL && an.used[a.id()]) w.zero(a);
        }
        Label region = cb.newLabel();
        Label groupDone = cb.newLabel();
        if (bars) {
            cb.iconst_0();
            cb.istore(regionSlot);
            cb.labelBinding(region);
            cb.iconst_0();
            cb.istore(itemSlot);
            cb.iconst_0();
            cb.istore(groupStopSlot);
        }
        Label[] itemTest = new Label[3];
        Label[] itemNext = new Label[3];
        Label itemsDone = cb.newLabel();
        for (int d = 2; d >= 0; d--) {
            itemTest[d] = cb.newLabel();
            itemNext[d] = cb.newLabel();
            cb.iconst_0();
            cb.istore(w.localIdSlot[d]);
            cb.labelBinding(itemTest[d]);
            cb.iload(w.localIdSlot[d]);
            cb.iload(w.localSlot[d]);
            cb.if_icmpge(d == 2 ? itemsDone : itemNext[d + 1]);
        }
        for (int d = 0; d < 3; d++) {
            cb.iload(w.groupSlot[d]);
            cb.iload(w.localSlot[d]);
            cb.imul();
            cb.iload(w.localIdSlot[d]);
            cb.iadd();
            cb.istore(w.idSlot[d]);
        }
        Label start = cb.newLabel();
        if (bars) {
            for (Type t : Type.values()) {
                int n = an.barriers.slots(t);
                if (n == 0) continue;
                cb.iload(itemSlot);
                cb.loadConstant(n);
                cb.imul();
                cb.istore(stateBase[t.ordinal()]);
            }
            for (ArrayRef a : ir.arrays()) {
                if (a.space() != AddressSpace.PRIVATE || !an.used[a.id()]) continue;
                cb.aload(privateSlab[a.id()]);
                cb.iload(itemSlot);
                cb.aaload();
                cb.astore(w.arraySlot[a.id()]);
            }
            if (resume.length <= UNSWITCH_LIMIT) {
                // if (region == k + 1) goto resume[k]: invariant tests in the item loops, which C2 can
                // unswitch into one loop per region (it does not unswitch a tableswitch)
                for (int k = 0; k < resume.length; k++) {
                    cb.iload(regionSlot);
                    cb.loadConstant(k + 1);
                    cb.if_icmpeq(resume[k]);
                }
                cb.goto_(start);
            } else {
                List<SwitchCase> cases = new ArrayList<>();
                cases.add(SwitchCase.of(0, start));
                for (int k = 0; k < resume.length; k++) cases.add(SwitchCase.of(k + 1, resume[k]));
                cb.iload(regionSlot);
                cb.tableswitch(0, resume.length, start, cases);
            }
        }
        cb.labelBinding(start);
        for (Map.Entry<Integer, Integer> e : w.paramCopySlot.entrySet()) {
            Var var = ir.vars().get(e.getKey());
            cb.loadLocal(kind(var.type()), e.getValue());
            store(var);
        }
        w.nextItem = cb.newLabel();
        w.writeBlocks();
        cb.labelBinding(w.nextItem);
        if (bars) {
            // Every work-item must stop where work-item 0 stopped.
            Label check = cb.newLabel();
            Label same = cb.newLabel();
            cb.iload(itemSlot);
            cb.ifne(check);
            cb.iload(stopSlot);
            cb.istore(groupStopSlot);
            cb.goto_(same);
            cb.labelBinding(check);
            cb.iload(stopSlot);
            cb.iload(groupStopSlot);
            cb.if_icmpeq(same);
            cb.iload(groupStopSlot);
            cb.iload(stopSlot);
            cb.iload(itemSlot);
            cb.iload(w.groupSlot[0]);
            cb.iload(w.groupSlot[1]);
            cb.iload(w.groupSlot[2]);
            cb.invokestatic(CD_SUPPORT, "divergentBarrier", MethodTypeDesc.of(ClassDesc.of(io.kiln.KilnException.class.getName()),
                    CD_int, CD_int, CD_int, CD_int, CD_int, CD_int));
            cb.athrow();
            cb.labelBinding(same);
            cb.iinc(itemSlot, 1);
        }
        for (int d = 0; d < 3; d++) {
            cb.labelBinding(itemNext[d]);
            cb.iinc(w.localIdSlot[d], 1);
            cb.goto_(itemTest[d]);
        }
        cb.labelBinding(itemsDone);
        if (bars) {
            // All items stopped at barrier k (groupStop = k + 1): the next pass resumes after it.
            cb.iload(groupStopSlot);
            cb.ifeq(groupDone);
            cb.iload(groupStopSlot);
            cb.istore(regionSlot);
            cb.goto_(region);
        }
        cb.labelBinding(groupDone);
        for (int d = 0; d < 3; d++) {
            cb.labelBinding(groupNext[d]);
            cb.iinc(w.groupSlot[d], 1);
            cb.goto_(groupTest[d]);
        }
        cb.labelBinding(done);
        cb.return_();
    }

    /**
     * Barrier {@code k}: the work-item saves what it keeps across the barrier and stops there; the
     * next pass resumes it right after, where it reloads what it saved.
     */
    void barrier(int k) {
        barrierState(k, true);
        stop(k + 1);
        cb.labelBinding(resume[k]);
        barrierState(k, false);
    }

    /** The work-item stops ({@code at = 0}: returned, {@code k + 1}: at barrier k) and the loop goes on with the next item. */
    void stop(int at) {
        cb.loadConstant(at);
        cb.istore(stopSlot);
        cb.goto_(w.nextItem);
    }

    /**
     * Saves ({@code save}) or restores the variables a work-item keeps across barrier {@code k}: the
     * saved ones from the per-item state, the others by running their definitions again.
     */
    private void barrierState(int k, boolean save) {
        BarrierRegions.Barrier b = an.barriers.barriers().get(k);
        if (!save) {
            for (io.kiln.ir.Instr i : b.recompute()) w.instrs.instr(i);
        }
        for (Var var : b.saved()) {
            int t = var.type().ordinal();
            cb.aload(stateSlab[t]);
            cb.iload(stateBase[t]);
            int index = an.barriers.slot(var);
            if (index != 0) {
                cb.loadConstant(index);
                cb.iadd();
            }
            if (save) {
                load(var);
                cb.arrayStore(kind(var.type()));
            } else {
                cb.arrayLoad(kind(var.type()));
                store(var);
            }
        }
    }

}

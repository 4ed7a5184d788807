package io.kiln.passes;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.DefUse;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.ir.Reduction;

import java.util.ArrayList;
import java.util.List;

/**
 * Sets each array parameter's {@link Access} to what the kernel's instructions do with it: a
 * {@link Instr.Load} reads, a {@link Instr.Store} writes, an {@link Instr.Atomic} does both, and a
 * {@code @Reduce} array ({@link KernelIR#reductions()}) is read and written (the back end combines the
 * partials with its initial element 0 and stores the result there). {@link Instr.ArrayLength} and
 * {@link Instr.CheckIndex} touch no element. The scheduler orders tasks and elides transfers by these
 * modes, so they are computed from the IR itself, where every array access names its array, instead of
 * being tallied while the bytecode is translated.
 * <p>The front end runs this once on the IR it builds (with every parameter declared {@link Access#NONE}),
 * before the first verification; {@link io.kiln.ir.IrVerifier.Rule#ACCESS} then holds by construction. A
 * later pass that removes accesses may run it again to tighten the modes; the declared modes of the
 * front end's output are what Java's method does, so the standard pipeline does not.
 */
public final class AccessAnalysis implements KernelPass {

    /** The pass; it keeps no state. */
    public AccessAnalysis() {
    }

    @Override
    public String name() {
        return "access-analysis";
    }

    @Override
    public KernelIR run(KernelIR ir) {
        Access[] access = accesses(ir);
        List<Param> params = new ArrayList<>(ir.params().size());
        boolean changed = false;
        for (Param p : ir.params()) {
            if (p instanceof Param.Array a && a.access() != access[a.array().id()]) {
                params.add(new Param.Array(a.index(), a.name(), a.array(), access[a.array().id()]));
                changed = true;
            } else {
                params.add(p);
            }
        }
        if (!changed) return ir;
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), params, ir.vars(), ir.arrays(),
                ir.blocks(), ir.parallelLoops(), ir.constants(), ir.reductions());
    }

    /**
     * What the instructions of {@code ir} do with each array, by {@link ArrayRef#id()}: the union of
     * {@link DefUse#access(Instr)} over every instruction naming it, and {@link Access#READ_WRITE} for a
     * reduction's array. Unreachable blocks count too: the verifier checks them as well.
     */
    public static Access[] accesses(KernelIR ir) {
        Access[] access = new Access[ir.arrays().size()];
        java.util.Arrays.fill(access, Access.NONE);
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                ArrayRef a = DefUse.array(i);
                if (a != null) access[a.id()] = access[a.id()].merge(DefUse.access(i));
            }
        }
        for (Reduction r : ir.reductions()) access[r.array().id()] = Access.READ_WRITE;
        return access;
    }
}

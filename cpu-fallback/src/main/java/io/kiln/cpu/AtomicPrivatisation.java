package io.kiln.cpu;

import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.Block;
import io.kiln.ir.DefUse;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Reduction;
import io.kiln.ir.Var;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;

/**
 * Which global atomics the cpu device may accumulate in a per-thread private copy of their array,
 * merged into the array once per thread and launch (issue 15: a 256-bin histogram with one global
 * atomic per item ran 30x slower than one plain Java thread, every update a contended {@code lock
 * xadd} on one of a few cache lines that both cores kept stealing from each other).
 * <p>An array parameter is privatised when
 * <ul>
 * <li>its elements are touched only by {@link Instr.Atomic}s, all with the same operation, {@link AtomicOp#ADD},
 * {@link AtomicOp#MIN} or {@link AtomicOp#MAX}, on {@code int} or {@code long} elements, heap or off-heap
 * ({@link Instr.ArrayLength} and {@link Instr.CheckIndex} only read its length, which the copy shares);</li>
 * <li>no atomic's result (its {@code dst}) is read anywhere: the old value an atomic returns would be the
 * private copy's, not the array's;</li>
 * <li>it is not a {@code @Reduce} array.</li>
 * </ul>
 * Then the array's final contents do not depend on the order in which the updates reach it: integer
 * {@code +} wraps and is associative and commutative, and so are {@code min} and {@code max}. A copy that
 * starts at the operation's identity (0, {@code MAX_VALUE}, {@code MIN_VALUE}), updated with plain
 * read-modify-writes by one thread, then folded into the array with the same operation (one atomic per
 * element that changed) gives Java's result bit for bit. Float atomics are never privatised: a float sum
 * depends on the order, and min/max of floats would be exact but are rare in kernels.
 * <p>What the IR cannot tell, the launch decides ({@link CpuKernel}): the array has at most
 * {@link #MAX_ELEMENTS} elements, no other argument is the same array or overlaps its memory (the kernel
 * would then read or differently update what the copy holds back), and the launch has at least
 * {@link #MIN_ITEMS_PER_ELEMENT} items per element of every thread's copy, so that allocating and merging
 * the copies costs less than the atomics they replace. Otherwise the generated code runs the real atomics:
 * its local holding the copy is {@code null}.
 */
final class AtomicPrivatisation {
    /** The largest array (in elements) that gets a private copy per thread: 256 KiB of ints. */
    static final int MAX_ELEMENTS = 1 << 16;
    /** A launch privatises only with at least this many items per element of each thread's copy. */
    static final int MIN_ITEMS_PER_ELEMENT = 4;
    /** {@code -Dkiln.cpu.privateAtomics=false} turns privatisation off (for comparisons), read when a kernel is compiled. */
    static final String PROPERTY = "kiln.cpu.privateAtomics";

    /**
     * One privatised array parameter.
     *
     * @param array the array parameter
     * @param op    the operation of every atomic on it
     * @param slot  its position among the kernel's privatised arrays: the generated code finds the copy in
     *              {@code args[params + 2 + slot]} ({@code null} when the launch does not privatise)
     */
    record Candidate(ArrayRef array, AtomicOp op, int slot) {
    }

    /** The privatised arrays, in parameter order. */
    final List<Candidate> candidates;
    private final Candidate[] byArray;

    AtomicPrivatisation(KernelIR ir) {
        this(ir, !"false".equals(System.getProperty(PROPERTY)));
    }

    AtomicPrivatisation(KernelIR ir, boolean enabled) {
        int n = ir.arrays().size();
        byArray = new Candidate[n];
        AtomicOp[] op = new AtomicOp[n];
        BitSet refused = new BitSet(n);
        BitSet read = readVars(ir);
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                ArrayRef a = DefUse.array(in);
                if (a == null || in instanceof Instr.ArrayLength || in instanceof Instr.CheckIndex) continue;
                if (!(in instanceof Instr.Atomic x) || read.get(x.dst().id())
                        || (x.op() != AtomicOp.ADD && x.op() != AtomicOp.MIN && x.op() != AtomicOp.MAX)
                        || (op[a.id()] != null && op[a.id()] != x.op())) {
                    refused.set(a.id());
                } else {
                    op[a.id()] = x.op();
                }
            }
        }
        for (Reduction r : ir.reductions()) refused.set(r.array().id());
        List<Candidate> list = new ArrayList<>();
        if (enabled) {
            for (ArrayRef a : ir.arrays()) {
                boolean integer = a.element() == io.kiln.ir.ElementType.INT || a.element() == io.kiln.ir.ElementType.LONG;
                if (op[a.id()] == null || refused.get(a.id()) || !integer || !a.isParameter() || a.space() != AddressSpace.GLOBAL) {
                    continue;
                }
                Candidate c = new Candidate(a, op[a.id()], list.size());
                list.add(c);
                byArray[a.id()] = c;
            }
        }
        candidates = Collections.unmodifiableList(list);
    }

    /** The privatisation of {@code a}, or {@code null} when its atomics stay real ones. */
    Candidate of(ArrayRef a) {
        return byArray[a.id()];
    }

    /** Every variable the kernel reads: operands of instructions and terminators, the loops' and reductions' variables. */
    private static BitSet readVars(KernelIR ir) {
        BitSet read = new BitSet(ir.vars().size());
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                for (Var v : DefUse.varUses(in)) read.set(v.id());
            }
            for (Var v : DefUse.varUses(b.terminator())) read.set(v.id());
        }
        for (ParallelLoop p : ir.parallelLoops()) {
            read.set(p.induction().id());
            read.set(p.start().id());
        }
        for (Reduction r : ir.reductions()) read.set(r.accumulator().id());
        return read;
    }
}

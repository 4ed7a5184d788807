package io.kiln.frontend;

import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;

import java.util.ArrayList;
import java.util.List;

/**
 * The device side of Java's array bounds checks ({@link Instr.CheckIndex}), shared by every back end so
 * that they cannot disagree: the layout of the error record and its decoding into a
 * {@link KernelIndexOutOfBoundsException}.
 * <p><b>Error record.</b> A kernel with at least one check takes one extra argument after all others:
 * a pointer to {@link #RECORD_INTS} ints in global memory, zero before the launch. The first work-item
 * that fails a check sets {@link #FLAG} from 0 to 1 with one atomic compare-and-swap and, only if it won,
 * writes the array id, the source line, and the index and length as two ints each (low word first).
 * Later violations lose the swap and write nothing, so the record is never torn.
 */
public final class BoundsChecks {
    private BoundsChecks() {
    }

    /** Ints in the error record. */
    public static final int RECORD_INTS = 8;
    /** 0 until a check fails, then 1. */
    public static final int FLAG = 0;
    /** {@link ArrayRef#id()} of the array. */
    public static final int ARRAY = 1;
    /** The source line of the access. */
    public static final int LINE = 2;
    /** The index, low word; the high word follows. */
    public static final int INDEX_LO = 3;
    /** The length, low word; the high word follows. */
    public static final int LENGTH_LO = 5;

    /**
     * The {@link #ARRAY} entry of a failed {@link Instr.CheckDivisor}: an integer division or remainder
     * by zero (index and length stay 0). Array ids are never negative.
     */
    public static final int DIVISION_BY_ZERO = -1;

    /**
     * Whether {@code ir} has a bounds check or a divisor check ({@link Instr.CheckDivisor}), hence takes
     * the error-record argument.
     */
    public static boolean hasChecks(KernelIR ir) {
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.CheckIndex || i instanceof Instr.CheckDivisor) return true;
            }
        }
        return false;
    }

    /**
     * {@code ir} without any bounds check: the opt-out of {@code withBoundsChecks(false)}. Divisor checks
     * stay: they cost one compare beside a division, and without them a device would return 0 where
     * the method throws.
     */
    public static KernelIR strip(KernelIR ir) {
        if (!hasChecks(ir)) return ir;
        List<Block> blocks = new ArrayList<>();
        for (Block b : ir.blocks()) {
            List<Instr> in = new ArrayList<>(b.instrs());
            in.removeIf(i -> i instanceof Instr.CheckIndex);
            blocks.add(new Block(b.id(), in, b.terminator()));
        }
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), ir.params(), ir.vars(), ir.arrays(),
                blocks, ir.parallelLoops(), ir.constants(), ir.reductions());
    }

    /**
     * The exception a launch of {@code ir} on {@code device} ends with, given its error record read back
     * after it ({@link KernelIndexOutOfBoundsException} or {@link io.kiln.KernelArithmeticException}),
     * or {@code null} when no check failed.
     */
    public static RuntimeException failure(KernelIR ir, int[] record, String device) {
        if (record[FLAG] == 0) return null;
        int id = record[ARRAY];
        if (id == DIVISION_BY_ZERO) return io.kiln.spi.BoundsFailure.divisionByZero(ir, record[LINE], device);
        ArrayRef a = id >= 0 && id < ir.arrays().size() ? ir.arrays().get(id) : null;
        long index = join(record[INDEX_LO], record[INDEX_LO + 1]);
        long length = join(record[LENGTH_LO], record[LENGTH_LO + 1]);
        return io.kiln.spi.BoundsFailure.of(ir, a, id, index, length, record[LINE], device);
    }

    private static long join(int lo, int hi) {
        return (long) hi << 32 | (lo & 0xFFFFFFFFL);
    }

    /** Whether {@code a} is checked against a constant length (every array but parameters). */
    static boolean constantLength(ArrayRef a) {
        return a.space() != AddressSpace.GLOBAL;
    }
}

package io.kiln.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * What each instruction and terminator defines, uses and touches. Every method is an exhaustive
 * {@code switch} over the sealed hierarchies, so a new instruction is a compile error here until its
 * def/use is stated, and no pass can forget an operand of it.
 */
public final class DefUse {
    private DefUse() {
    }

    /** The variable {@code i} assigns, or {@code null} ({@link Instr.Store}, {@link Instr.Barrier} and {@link Instr.CheckIndex} assign none). */
    public static Var def(Instr i) {
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
            case Instr.ZeroArray z -> null;
            case Instr.Atomic a -> a.dst();
            case Instr.CheckIndex c -> null;
            case Instr.CheckDivisor c -> null;
            case Instr.Print p -> null;
        };
    }

    /** The operands {@code i} reads, in operand order (constants included). */
    public static List<Value> uses(Instr i) {
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
            case Instr.ZeroArray z -> List.of();
            // expected is null except for COMPARE_AND_SET
            case Instr.Atomic a -> a.expected() == null ? List.of(a.index(), a.operand())
                    : List.of(a.index(), a.operand(), a.expected());
            case Instr.CheckIndex c -> List.of(c.index());
            case Instr.CheckDivisor c -> List.of(c.divisor());
            case Instr.Print p -> p.values();
        };
    }

    /** The operands {@code t} reads. */
    public static List<Value> uses(Terminator t) {
        return switch (t) {
            case Terminator.Goto g -> List.of();
            case Terminator.Branch b -> List.of(b.a(), b.b());
            case Terminator.Switch s -> List.of(s.key());
            case Terminator.Return r -> List.of();
        };
    }

    /** The variables among {@link #uses(Instr)}. */
    public static List<Var> varUses(Instr i) {
        return vars(uses(i));
    }

    /** The variables among {@link #uses(Terminator)}. */
    public static List<Var> varUses(Terminator t) {
        return vars(uses(t));
    }

    /** The array {@code i} reads or writes, or {@code null}. */
    public static ArrayRef array(Instr i) {
        return switch (i) {
            case Instr.Load l -> l.array();
            case Instr.Store s -> s.array();
            case Instr.ArrayLength l -> l.array();
            case Instr.Atomic a -> a.array();
            // the array whose length it reads; the guarded access that follows touches the elements
            case Instr.CheckIndex c -> c.array();
            case Instr.CheckDivisor c -> null;
            case Instr.Move m -> null;
            case Instr.Binary b -> null;
            case Instr.Negate n -> null;
            case Instr.Convert c -> null;
            case Instr.Compare c -> null;
            case Instr.MathCall m -> null;
            case Instr.BitCast c -> null;
            case Instr.WorkItem w -> null;
            case Instr.ParallelIndex p -> null;
            case Instr.ParallelStride p -> null;
            case Instr.Barrier b -> null;
            case Instr.ZeroArray z -> z.array();
            case Instr.Print p -> null;
        };
    }

    /**
     * How {@code i} uses the elements of {@link #array(Instr)}: {@link Access#READ} for a load,
     * {@link Access#WRITE} for a store, {@link Access#READ_WRITE} for an atomic, and {@link Access#NONE}
     * otherwise ({@link Instr.ArrayLength} reads the length, never an element).
     */
    public static Access access(Instr i) {
        return switch (i) {
            case Instr.Load l -> Access.READ;
            case Instr.Store s -> Access.WRITE;
            case Instr.ZeroArray z -> Access.WRITE;
            case Instr.Atomic a -> Access.READ_WRITE;
            case Instr.ArrayLength l -> Access.NONE;
            case Instr.CheckIndex c -> Access.NONE;
            case Instr.CheckDivisor c -> Access.NONE;
            case Instr.Move m -> Access.NONE;
            case Instr.Binary b -> Access.NONE;
            case Instr.Negate n -> Access.NONE;
            case Instr.Convert c -> Access.NONE;
            case Instr.Compare c -> Access.NONE;
            case Instr.MathCall m -> Access.NONE;
            case Instr.BitCast c -> Access.NONE;
            case Instr.WorkItem w -> Access.NONE;
            case Instr.ParallelIndex p -> Access.NONE;
            case Instr.ParallelStride p -> Access.NONE;
            case Instr.Barrier b -> Access.NONE;
            case Instr.Print p -> Access.NONE;
        };
    }

    private static List<Var> vars(List<Value> values) {
        List<Var> out = new ArrayList<>(values.size());
        for (Value v : values) {
            if (v instanceof Var var) out.add(var);
        }
        return out;
    }
}

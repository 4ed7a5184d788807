package io.kiln.ir;

import java.util.List;

/**
 * How a basic block ends. Block targets are indices into {@link KernelIR#blocks()}. Like an
 * {@link Instr}, every terminator carries as its last component the source {@code line} it was
 * translated from (0 when unknown), under the same rules: a branch has the line of its {@code if},
 * a jump the line of its {@code goto} or of the last instruction before a fall-through, a return the
 * line of its {@code return}.
 */
public sealed interface Terminator {

    /** The source line in the kernel's file this terminator was translated from, 0 when unknown. */
    int line();

    /** Unconditional jump. */
    record Goto(int target, int line) implements Terminator {}

    /** {@code if (a op b) goto ifTrue else goto ifFalse}; {@code a} and {@code b} have the same type. */
    record Branch(CmpOp op, Value a, Value b, int ifTrue, int ifFalse, int line) implements Terminator {}

    /** Multi-way branch on an int: {@code keys[i] -> targets[i]}, otherwise {@code defaultTarget}. */
    record Switch(Value key, List<Integer> keys, List<Integer> targets, int defaultTarget, int line) implements Terminator {
        public Switch {
            keys = List.copyOf(keys);
            targets = List.copyOf(targets);
        }
    }

    /** End of the kernel for this work-item. */
    record Return(int line) implements Terminator {}

    /** The blocks this terminator can jump to. */
    default List<Integer> successors() {
        return switch (this) {
            case Goto g -> List.of(g.target());
            case Branch b -> List.of(b.ifTrue(), b.ifFalse());
            case Switch s -> {
                var all = new java.util.ArrayList<>(s.targets());
                all.add(s.defaultTarget());
                yield List.copyOf(all);
            }
            case Return r -> List.of();
        };
    }
}

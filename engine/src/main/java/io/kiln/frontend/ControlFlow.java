package io.kiln.frontend;

import io.kiln.frontend.AbstractValues.Entry;
import io.kiln.frontend.AbstractValues.PendingCompare;
import io.kiln.frontend.AbstractValues.Prim;
import io.kiln.frontend.AbstractValues.Ref;
import io.kiln.frontend.IrBuilder.BlockBuilder;
import io.kiln.frontend.MethodTranslator.Range;
import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.Terminator;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates the bytecode instructions that end a block: branches (a three-way comparison and its
 * {@code if} fused into one, with Java's NaN result folded in), switches and returns; and records the
 * header block of each {@code @Parallel} loop.
 */
final class ControlFlow {
    private final MethodTranslator tr;

    /** The part of {@code tr}; it reads and updates that translator's state. */
    ControlFlow(MethodTranslator tr) {
        this.tr = tr;
    }

    /** A {@code goto} or conditional branch; a branch on constants compiles only its taken side. */
    void branch(BranchInstruction br, ArrayDeque<Range> work) {
        Opcode o = br.opcode();
        int targetIndex = tr.labelIndex.get(br.target());
        if (o == Opcode.GOTO || o == Opcode.GOTO_W) {
            List<Entry> shape = tr.materialize(List.of());
            tr.cur.terminator = new Terminator.Goto(tr.blockOf(targetIndex).id, tr.line());
            tr.terminated = true;
            tr.propagate(tr.rangeAt[targetIndex], shape, work);
            return;
        }
        if (o == Opcode.IFNULL || o == Opcode.IFNONNULL || o == Opcode.IF_ACMPEQ || o == Opcode.IF_ACMPNE) {
            throw tr.error("null references are not supported in kernels (comparing references with " + o.name().toLowerCase() + ")");
        }
        CmpOp op;
        Value a;
        Value bv;
        switch (o) {
            case IFEQ, IFNE, IFLT, IFGE, IFGT, IFLE -> {
                CmpOp base = cmpOf(o);
                Prim p = tr.popPrimRaw();
                if (p.cmp() != null) {
                    PendingCompare c = p.cmp();
                    a = c.a();
                    bv = c.b();
                    op = fuse(c.kind(), base);
                } else {
                    a = p.value();
                    bv = Const.ofInt(0);
                    op = base;
                }
            }
            default -> {
                op = cmpOf(o);
                bv = tr.popPrim().value();
                a = tr.popPrim().value();
            }
        }
        int fallIndex = tr.pos + 1;
        if (fallIndex >= tr.elems.size()) throw tr.error("control reaches the end of the method without a return");
        if (a instanceof Const ca && bv instanceof Const cb && !ca.type().isFloating()) {
            // A branch on constants (assertions, static final flags): only the taken side is compiled.
            long x = ca.longValue();
            long y = cb.longValue();
            boolean taken = op.test(Long.compare(x, y));
            int target = taken ? targetIndex : fallIndex;
            List<Entry> shape = tr.materialize(List.of());
            tr.cur.terminator = new Terminator.Goto(tr.blockOf(target).id, tr.line());
            tr.terminated = true;
            tr.propagate(tr.rangeAt[target], shape, work);
            return;
        }
        if (tr.topLevel) recordParallelHeader();
        List<Entry> shape = tr.materialize(List.of(a, bv));
        a = tr.keepAfterMaterialize.get(0);
        bv = tr.keepAfterMaterialize.get(1);
        BlockBuilder taken = tr.blockOf(targetIndex);
        BlockBuilder fall = tr.blockOf(fallIndex);
        tr.cur.terminator = new Terminator.Branch(op, a, bv, taken.id, fall.id, tr.line());
        tr.terminated = true;
        tr.propagate(tr.rangeAt[targetIndex], shape, work);
        tr.propagate(tr.rangeAt[fallIndex], shape, work);
    }

    private static CmpOp cmpOf(Opcode o) {
        return switch (o) {
            case IFEQ, IF_ICMPEQ -> CmpOp.EQ;
            case IFNE, IF_ICMPNE -> CmpOp.NE;
            case IFLT, IF_ICMPLT -> CmpOp.LT;
            case IFGE, IF_ICMPGE -> CmpOp.GE;
            case IFGT, IF_ICMPGT -> CmpOp.GT;
            case IFLE, IF_ICMPLE -> CmpOp.LE;
            default -> throw new IllegalStateException(o.name());
        };
    }

    /** {@code (a cmp b) op 0} as one comparison of a and b, with Java's NaN result folded in. */
    private static CmpOp fuse(CompareKind kind, CmpOp op) {
        if (kind == CompareKind.LCMP || op == CmpOp.EQ || op == CmpOp.NE) return op;
        boolean nanTaken = op.test(kind.nanResult());
        if (!nanTaken) return op;
        return switch (op) {
            case LT -> CmpOp.ULT;
            case LE -> CmpOp.ULE;
            case GT -> CmpOp.UGT;
            case GE -> CmpOp.UGE;
            default -> op;
        };
    }

    /**
     * Records the block ending in a {@code @Parallel} loop's first test as the loop's header; whether
     * the test has the loop's form is for {@link io.kiln.passes.ParallelLoopRecognition} to check.
     */
    private void recordParallelHeader() {
        Range r = tr.rangeAt[tr.pos];
        FrontEnd.ParallelVar pv = tr.headerAt.get(r.start);
        if (pv == null || pv.header >= 0) return;
        Var start = tr.parallelStart.get(pv.dim);
        if (start == null || pv.induction == null) throw tr.error("the @Parallel loop of '" + pv.name + "' is not entered through its initialisation");
        pv.header = tr.cur.id;
        pv.start = start;
    }

    /** {@code tableswitch} and {@code lookupswitch}: both are a list of cases and a default. */
    void switchOn(List<SwitchCase> cases, Label defaultTarget, ArrayDeque<Range> work) {
        Prim key = tr.popPrim();
        List<Integer> keys = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<Integer> targetIndices = new ArrayList<>();
        for (SwitchCase c : cases) {
            keys.add(c.caseValue());
            int ti = tr.labelIndex.get(c.target());
            targets.add(tr.blockOf(ti).id);
            targetIndices.add(ti);
        }
        finishSwitch(key, keys, targets, targetIndices, tr.labelIndex.get(defaultTarget), work);
    }

    void finishSwitch(Prim key, List<Integer> keys, List<Integer> targets, List<Integer> targetIndices, int defaultIndex,
                              ArrayDeque<Range> work) {
        List<Entry> shape = tr.materialize(List.of(key.value()));
        Value k = tr.keepAfterMaterialize.get(0);
        tr.cur.terminator = new Terminator.Switch(k, keys, targets, tr.blockOf(defaultIndex).id, tr.line());
        tr.terminated = true;
        for (int ti : targetIndices) tr.propagate(tr.rangeAt[ti], shape, work);
        tr.propagate(tr.rangeAt[defaultIndex], shape, work);
    }

    /** A return: the end of the kernel, or of an inlined method (its result moves to the caller's variable). */
    void doReturn(ReturnInstruction ret) {
        if (tr.topLevel) {
            if (ret.typeKind() != TypeKind.VOID) throw tr.error("kernels must return void");
            tr.cur.terminator = new Terminator.Return(tr.line());
            tr.terminated = true;
            return;
        }
        switch (ret.typeKind()) {
            case VOID -> {
            }
            case REFERENCE -> {
                Ref r = tr.popRef();
                Ref prev = tr.continuation.returnedRef()[0];
                if (prev != null && !prev.equals(r)) {
                    throw tr.error("the method returns " + prev.describe() + " on one path and " + r.describe()
                            + " on another; kernels need each array expression to refer to one array");
                }
                tr.continuation.returnedRef()[0] = r;
            }
            default -> {
                Prim p = tr.popPrim();
                tr.emit(new Instr.Move(tr.continuation.result(), p.value(), tr.line()));
            }
        }
        tr.cur.terminator = new Terminator.Goto(tr.continuation.block().id, tr.line());
        tr.terminated = true;
    }
}

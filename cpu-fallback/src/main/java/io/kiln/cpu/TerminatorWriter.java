package io.kiln.cpu;

import io.kiln.KernelCompilationException;
import io.kiln.cpu.JvmEmitter.Mode;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.kiln.cpu.JvmEmitter.CD_DOUBLE;
import static io.kiln.cpu.JvmEmitter.CD_FLOAT;
import static io.kiln.cpu.JvmEmitter.CD_MATH;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

/**
 * Writes block terminators for a {@link MethodWriter}: branches with Java's NaN rules, switches,
 * the chunked header of parallel loop 0, and returns (the end of a work-item, or the partials of a
 * {@code @Reduce} kernel).
 */
final class TerminatorWriter extends MethodPart {

    TerminatorWriter(MethodWriter w) {
        super(w);
    }

    /** Writes {@code b}'s terminator. */
    void terminator(Block b) {
        int loopDim = -1;
        if (ir.kind() == KernelKind.LOOP_PARALLEL) {
            for (ParallelLoop loop : ir.parallelLoops()) {
                if (loop.header() == b.id()) loopDim = loop.dim();
            }
        }
        switch (b.terminator()) {
            case Terminator.Goto g -> {
                // Entering the vectorised loop (not by its back edge) goes through its vector loop first.
                boolean entersVectorLoop = w.vec != null && g.target() == w.vec.header() && b.id() != w.vec.latch();
                cb.goto_(entersVectorLoop ? w.vecEntry : w.blockLabel[g.target()]);
            }
            case Terminator.Return r -> {
                if (mode == Mode.GROUPS && an.barriers.count() > 0) {
                    w.groups.stop(0);
                } else if (mode == Mode.ITEMS || mode == Mode.GROUPS) {
                    cb.goto_(w.nextItem);
                } else {
                    storePartials();
                    cb.return_();
                }
            }
            case Terminator.Switch s -> switchTerminator(s);
            case Terminator.Branch br -> {
                Label t = w.blockLabel[br.ifTrue()];
                Label f = w.blockLabel[br.ifFalse()];
                if (mode == Mode.CHUNK && loopDim == 0) {
                    chunkHeader(br, an.loop0, t, f);
                } else {
                    branch(br.op(), br.a(), br.b(), t);
                    cb.goto_(f);
                }
            }
        }
    }

    /** {@code partials[r] = raw bits of reduction r's accumulator}, for the caller to combine. */
    private void storePartials() {
        for (int r = 0; r < ir.reductions().size(); r++) {
            Var acc = ir.reductions().get(r).accumulator();
            cb.aload(MethodWriter.PARTIALS);
            cb.loadConstant(r);
            load(acc);
            switch (acc.type()) {
                case I32 -> cb.i2l();
                case I64 -> {
                }
                case F32 -> {
                    cb.invokestatic(CD_FLOAT, "floatToRawIntBits", MethodTypeDesc.of(CD_int, CD_float));
                    cb.i2l();
                }
                case F64 -> cb.invokestatic(CD_DOUBLE, "doubleToRawLongBits", MethodTypeDesc.of(CD_long, CD_double));
            }
            cb.lastore();
        }
    }

    /**
     * The header of parallel loop 0 in a chunk: exits at the loop's bound or at the chunk's limit.
     * For the usual {@code i < bound} shapes the test becomes {@code i < Math.min(bound, limit)},
     * which keeps the loop a single-exit counted loop that C2 can unroll and vectorise.
     */
    private void chunkHeader(Terminator.Branch br, ParallelLoop loop, Label t, Label f) {
        Var iv = loop.induction();
        boolean wide = iv.type() == Type.I64;
        Label exit = br.ifTrue() == loop.exit() ? t : f;
        Label body = br.ifTrue() == loop.exit() ? f : t;
        VectorLoops.Exit shape = VectorLoops.exitTest(br, loop);
        if (shape != null) {
            Value bound = shape.bound();
            boolean inclusive = shape.inclusive();
            load(iv);
            load(bound);
            if (wide) {
                // The same shape on longs: C2 turns a long counted loop into a nest whose
                // inner int loop it unrolls and vectorises.
                cb.lload(w.limitSlot);
                if (inclusive) {
                    cb.lconst_1();
                    cb.lsub();
                }
                cb.invokestatic(CD_MATH, "min", MethodTypeDesc.of(CD_long, CD_long, CD_long));
                cb.lcmp();
                if (inclusive) cb.ifgt(exit);
                else cb.ifge(exit);
            } else {
                cb.iload(w.limitSlot);
                if (inclusive) {
                    cb.iconst_1();
                    cb.isub();
                }
                cb.invokestatic(CD_MATH, "min", MethodTypeDesc.of(CD_int, CD_int, CD_int));
                if (inclusive) cb.if_icmpgt(exit);
                else cb.if_icmpge(exit);
            }
            cb.goto_(body);
            return;
        }
        load(iv);
        if (wide) {
            cb.lload(w.limitSlot);
            cb.lcmp();
            cb.ifge(exit);
        } else {
            cb.iload(w.limitSlot);
            cb.if_icmpge(exit);
        }
        branch(br.op(), br.a(), br.b(), t);
        cb.goto_(f);
    }

    /** Jumps to {@code target} when {@code a op b}, with Java's (and the IR's) NaN rules. */
    void branch(CmpOp op, Value a, Value b, Label target) {
        Type t = a.type();
        if (b.type() != t) {
            throw new KernelCompilationException(ir.displayName() + ": branch compares " + t + " with " + b.type());
        }
        switch (t) {
            case I32 -> {
                load(a);
                if (KernelAnalysis.isZero(b)) {
                    cb.branch(ifZero(op), target);
                } else {
                    load(b);
                    cb.branch(switch (op) {
                        case EQ -> Opcode.IF_ICMPEQ;
                        case NE -> Opcode.IF_ICMPNE;
                        case LT, ULT -> Opcode.IF_ICMPLT;
                        case LE, ULE -> Opcode.IF_ICMPLE;
                        case GT, UGT -> Opcode.IF_ICMPGT;
                        case GE, UGE -> Opcode.IF_ICMPGE;
                    }, target);
                }
            }
            case I64 -> {
                load(a);
                load(b);
                cb.lcmp();
                cb.branch(ifZero(op), target);
            }
            case F32, F64 -> {
                load(a);
                load(b);
                // The *g form gives +1 on NaN, the *l form -1: pick the one that makes the test
                // false on NaN for ordered conditions and true for NE and the unordered forms.
                boolean g = switch (op) {
                    case LT, LE, UGT, UGE -> true;
                    case EQ, NE, GT, GE, ULT, ULE -> false;
                };
                if (t == Type.F32) {
                    if (g) cb.fcmpg();
                    else cb.fcmpl();
                } else {
                    if (g) cb.dcmpg();
                    else cb.dcmpl();
                }
                cb.branch(ifZero(op), target);
            }
        }
    }

    private static Opcode ifZero(CmpOp op) {
        return switch (op) {
            case EQ -> Opcode.IFEQ;
            case NE -> Opcode.IFNE;
            case LT, ULT -> Opcode.IFLT;
            case LE, ULE -> Opcode.IFLE;
            case GT, UGT -> Opcode.IFGT;
            case GE, UGE -> Opcode.IFGE;
        };
    }

    private void switchTerminator(Terminator.Switch s) {
        if (s.key().type() != Type.I32) {
            throw new KernelCompilationException(ir.displayName() + ": switch on " + s.key().type());
        }
        if (s.keys().size() != s.targets().size()) {
            throw new KernelCompilationException(ir.displayName() + ": switch with " + s.keys().size() + " keys and "
                    + s.targets().size() + " targets");
        }
        load(s.key());
        Label dflt = w.blockLabel[s.defaultTarget()];
        if (s.keys().isEmpty()) {
            cb.pop();
            cb.goto_(dflt);
            return;
        }
        List<SwitchCase> cases = new ArrayList<>();
        Map<Integer, Integer> seen = new LinkedHashMap<>();
        for (int k = 0; k < s.keys().size(); k++) {
            if (seen.putIfAbsent(s.keys().get(k), k) == null) {
                cases.add(SwitchCase.of(s.keys().get(k), w.blockLabel[s.targets().get(k)]));
            }
        }
        cases.sort((x, y) -> Integer.compare(x.caseValue(), y.caseValue()));
        long low = cases.get(0).caseValue();
        long high = cases.get(cases.size() - 1).caseValue();
        if (high - low + 1 <= 2L * cases.size() + 8) {
            cb.tableswitch((int) low, (int) high, dflt, cases);
        } else {
            cb.lookupswitch(dflt, cases);
        }
    }
}

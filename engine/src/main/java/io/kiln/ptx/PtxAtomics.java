package io.kiln.ptx;

import io.kiln.KernelCompilationException;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.ReduceOp;
import io.kiln.ir.Type;
import io.kiln.ptx.PtxFunction.Reg;
import io.kiln.ir.Value;

import java.util.Locale;

/**
 * {@link PtxEmitter}'s atomics: {@code atom} instructions on global and shared arrays for integers,
 * {@link io.kiln.lowering.CompareAndSwap}'s loop for float add, min and max (Java's rounding, NaN and
 * {@code -0.0} rules, which PTX's float atomics do not have), and a plain read-modify-write on private
 * arrays. The compare-and-swap loop and {@link #combine} (one {@code @Reduce} or atomic operator with
 * Java's semantics) are also what {@link PtxReductions} uses to fold a block's result into element 0.
 */
final class PtxAtomics {
    private final PtxEmitter e;
    private final PtxFunction f;

    PtxAtomics(PtxEmitter e, PtxFunction f) {
        this.e = e;
        this.f = f;
    }

    void atomic(Instr.Atomic a) {
        ArrayRef arr = a.array();
        Type t = a.dst().type();
        String where = "atomic " + a.op().name().toLowerCase(Locale.ROOT) + " on " + arr.element().javaName() + " array " + arr;
        if (arr.element().bytes() < 4) {
            throw new KernelCompilationException(e.ir().at(a.line()) + ": " + where + " is not supported on PTX: use an int or long array");
        }
        if (arr.space() == AddressSpace.CONSTANT) {
            throw new KernelCompilationException(e.ir().at(a.line()) + ": " + where + ": constant tables cannot be written");
        }
        String space = e.arraySpace(arr.id());
        if (space.equals("local")) {
            privateAtomic(a);
            return;
        }
        String addr = e.address(arr, a.index());
        String b = t.isWide() ? "b64" : "b32";
        String u = t.isWide() ? "u64" : "u32";
        String s = t.isWide() ? "s64" : "s32";
        String dst = e.reg(a.dst());
        String operand = asBits(a.operand(), t);
        switch (a.op()) {
            case ADD, MIN, MAX -> {
                if (!t.isFloating()) {
                    String opcode = a.op() == AtomicOp.ADD ? "add." + u : a.op().name().toLowerCase(Locale.ROOT) + "." + s;
                    f.ins("atom." + space + "." + opcode, dst, addr, operand);
                    return;
                }
                // floats: a compare-and-swap loop computing Java's operation exactly (atom.add.f32 would
                // flush subnormals, and PTX has no float atomic min/max with Java's NaN and -0.0 rules)
                String v = e.inReg(a.operand());
                ReduceOp op = a.op() == AtomicOp.ADD ? ReduceOp.ADD : a.op() == AtomicOp.MIN ? ReduceOp.MIN : ReduceOp.MAX;
                f.ins("mov." + b, dst, casLoop(space, addr, t, old -> combine(op, t, old, v)));
            }
            case EXCHANGE -> atomicBits(t, dst, "atom." + space + ".exch." + b, addr, operand);
            case COMPARE_AND_SET -> atomicBits(t, dst, "atom." + space + ".cas." + b, addr, asBits(a.expected(), t), operand);
        }
    }

    /**
     * An atomic read-modify-write of {@code [addr]} as {@link io.kiln.lowering.CompareAndSwap}'s loop;
     * {@code update} maps the current value (a register of type {@code t}) to the new one. Returns the
     * old value's bits.
     */
    String casLoop(String space, String addr, Type t, java.util.function.UnaryOperator<String> update) {
        return io.kiln.lowering.CompareAndSwap.ptx(new io.kiln.lowering.CompareAndSwap.PtxLoopOps() {
            @Override
            public String op(String reg, String opcode, String... operands) {
                return f.op(Reg.valueOf(reg.toUpperCase(Locale.ROOT)), opcode, operands);
            }

            @Override
            public String newLabel() {
                return f.newLabel();
            }

            @Override
            public void label(String label) {
                f.label(label);
            }

            @Override
            public void ins(String opcode, String... operands) {
                f.ins(opcode, operands);
            }

            @Override
            public void branchIf(String pred, String label) {
                f.insIf(pred, false, "bra", label);
            }
        }, space, addr, t, update);
    }

    /** {@code a op b} with Java's semantics for {@code t}, in a fresh register. */
    String combine(ReduceOp op, Type t, String a, String b) {
        String s = PtxEmitter.arith(t);
        return switch (op) {
            case ADD -> f.op(PtxEmitter.regOf(t), (t.isFloating() ? "add.rn." : "add.") + s, a, b);
            case MUL -> f.op(PtxEmitter.regOf(t), (t.isFloating() ? "mul.rn." : "mul.lo.") + s, a, b);
            case MIN, MAX -> t.isFloating() ? javaMinMax(op == ReduceOp.MIN, t, a, b) : f.op(PtxEmitter.regOf(t), op.name().toLowerCase(Locale.ROOT) + "." + s, a, b);
        };
    }

    /** {@code Math.min(a, b)} or {@code Math.max(a, b)} on floats: {@link io.kiln.lowering.JavaMinMax}'s rule. */
    private String javaMinMax(boolean min, Type t, String a, String b) {
        return PtxMath.minMax(f, min, t, a, b);
    }

    private void atomicBits(Type t, String dst, String opcode, String... operands) {
        if (!t.isFloating()) {
            String[] all = new String[operands.length + 1];
            all[0] = dst;
            System.arraycopy(operands, 0, all, 1, operands.length);
            f.ins(opcode, all);
            return;
        }
        String old = f.op(t.isWide() ? Reg.B64 : Reg.B32, opcode, operands);
        f.ins("mov." + PtxEmitter.bits(t), dst, old);
    }

    /** The operand as an integer register holding its bits. */
    private String asBits(Value v, Type t) {
        if (!t.isFloating()) return e.inReg(v);
        if (v instanceof Const c) return Long.toString(t.isWide() ? c.bits() : (int) c.bits());
        return f.op(t.isWide() ? Reg.B64 : Reg.B32, "mov." + PtxEmitter.bits(t), e.val(v));
    }

    /** Atomics on private arrays: nobody else can see them, so a plain read-modify-write is atomic. */
    private void privateAtomic(Instr.Atomic a) {
        ArrayRef arr = a.array();
        Type t = a.dst().type();
        String addr = e.address(arr, a.index());
        String dst = e.reg(a.dst());
        String ld = "ld.local." + PtxEmitter.loadType(arr.element());
        String st = "st.local." + PtxEmitter.storeType(arr.element());
        f.ins(ld, dst, addr);
        String s = PtxEmitter.arith(t);
        switch (a.op()) {
            case ADD -> f.ins(st, addr, f.op(PtxEmitter.regOf(t), (t.isFloating() ? "add.rn." : "add.") + s, dst, e.val(a.operand())));
            case MIN -> f.ins(st, addr, f.op(PtxEmitter.regOf(t), "min." + s, dst, e.val(a.operand())));
            case MAX -> f.ins(st, addr, f.op(PtxEmitter.regOf(t), "max." + s, dst, e.val(a.operand())));
            case EXCHANGE -> f.ins(st, addr, e.inReg(a.operand()));
            case COMPARE_AND_SET -> {
                String same = f.op(Reg.PRED, "setp.eq." + (t.isWide() ? "s64" : "s32"), asBitsOf(dst, t), asBits(a.expected(), t));
                String chosen = f.op(PtxEmitter.regOf(t), "selp." + (t.isFloating() ? s : PtxEmitter.bits(t)), e.inReg(a.operand()), dst, same);
                f.ins(st, addr, chosen);
            }
        }
    }

    private String asBitsOf(String register, Type t) {
        if (!t.isFloating()) return register;
        return f.op(t.isWide() ? Reg.B64 : Reg.B32, "mov." + PtxEmitter.bits(t), register);
    }
}

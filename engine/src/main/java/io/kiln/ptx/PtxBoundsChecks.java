package io.kiln.ptx;

import io.kiln.ir.ArrayRef;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import io.kiln.ptx.PtxFunction.Reg;

/**
 * {@link PtxEmitter}'s bounds and divisor checks ({@code -Dkiln.boundsChecks}): an access or a division
 * guarded by the check the front end put before it, and the first failure written to the kernel's error
 * record ({@link io.kiln.frontend.BoundsChecks} says what the record holds and how the host reads it).
 */
final class PtxBoundsChecks {
    private final PtxEmitter e;
    private final PtxFunction f;
    /** The error record's global address ({@code null} in a kernel without checks, which never calls this). */
    private final String errorRecord;

    PtxBoundsChecks(PtxEmitter e, PtxFunction f, String errorRecord) {
        this.e = e;
        this.f = f;
        this.errorRecord = errorRecord;
    }

    /**
     * {@code access} guarded by Java's bounds check {@code c}: one unsigned comparison (a negative index
     * becomes huge); out of range, a load or atomic yields 0, a store is dropped, and the first
     * violation is recorded for the host (see {@link io.kiln.frontend.BoundsChecks} for the record).
     */
    void checked(Instr.CheckIndex c, Instr access) {
        ArrayRef a = c.array();
        boolean wide = a.isOffHeap();
        String index = e.inReg(c.index());
        if (wide && c.index().type() == Type.I32) index = f.op(Reg.B64, "cvt.s64.s32", index);
        String length = a.isParameter() ? e.arrayLength(a.id()) : Integer.toString(a.length());
        String inside = f.op(Reg.PRED, wide ? "setp.lt.u64" : "setp.lt.u32", index, length);
        String done = guarded(inside, access);
        String won = recordFailure(a.id(), c.line());
        String index64 = wide ? index : f.op(Reg.B64, "cvt.s64.s32", index);
        String length64 = !a.isParameter() ? f.op(Reg.B64, "mov.b64", length) : wide ? length : f.op(Reg.B64, "cvt.s64.s32", length);
        storeHalves(won, 12, index64);
        storeHalves(won, 20, length64);
        f.label(done);
    }

    /**
     * {@code division} guarded by Java's division-by-zero check {@code c}: a zero divisor skips it, its
     * result is 0 and the failure is recorded for the host (index and length stay 0).
     */
    void checked(Instr.CheckDivisor c, Instr division) {
        Type t = c.divisor().type();
        String nonZero = f.op(Reg.PRED, t == Type.I64 ? "setp.ne.s64" : "setp.ne.s32", e.inReg(c.divisor()), "0");
        String done = guarded(nonZero, division);
        recordFailure(io.kiln.frontend.BoundsChecks.DIVISION_BY_ZERO, c.line());
        f.label(done);
    }

    /**
     * Emits {@code i} where {@code ok} holds; where it does not, sets {@code i}'s result (if it has one) to
     * 0 instead. Returns the label after both, which the caller places after recording the failure.
     */
    private String guarded(String ok, Instr i) {
        String bad = f.newLabel();
        String done = f.newLabel();
        f.insIf(ok, true, "bra", bad);
        e.instr(i);
        f.ins("bra.uni", done);
        f.label(bad);
        Var dst = io.kiln.ir.DefUse.def(i);
        if (dst != null) {
            // a division's result is an integer: the bits suffix, as for every integer
            f.ins("mov." + (dst.type().isFloating() ? PtxEmitter.arith(dst.type()) : PtxEmitter.bits(dst.type())), e.reg(dst), PtxEmitter.imm(zero(dst.type())));
        }
        return done;
    }

    /**
     * Claims the error record (one compare-and-swap of its flag, 0 to 1) and, if this work-item won it,
     * writes {@code id} and {@code line}; returns the predicate "won" for the rest of the record.
     */
    private String recordFailure(int id, int line) {
        String old = f.op(Reg.B32, "atom.global.cas.b32", "[" + errorRecord + "]", "0", "1");
        String won = f.op(Reg.PRED, "setp.eq.s32", old, "0");
        f.insIf(won, false, "st.global.b32", "[" + errorRecord + "+4]", Integer.toString(id));
        f.insIf(won, false, "st.global.b32", "[" + errorRecord + "+8]", Integer.toString(line));
        return won;
    }

    /** Stores the 64-bit {@code value} as two ints, low word first, at byte {@code offset} of the error record. */
    private void storeHalves(String pred, int offset, String value) {
        String lo = f.op(Reg.B32, "cvt.u32.u64", value);
        String hi = f.op(Reg.B32, "cvt.u32.u64", f.op(Reg.B64, "shr.u64", value, "32"));
        f.insIf(pred, false, "st.global.b32", "[" + errorRecord + "+" + offset + "]", lo);
        f.insIf(pred, false, "st.global.b32", "[" + errorRecord + "+" + (offset + 4) + "]", hi);
    }

    private static Const zero(Type t) {
        return switch (t) {
            case I32 -> Const.ofInt(0);
            case I64 -> Const.ofLong(0);
            case F32 -> Const.ofFloat(0f);
            case F64 -> Const.ofDouble(0d);
        };
    }
}

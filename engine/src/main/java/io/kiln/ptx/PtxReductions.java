package io.kiln.ptx;

import io.kiln.ir.ReduceOp;
import io.kiln.ir.Type;
import io.kiln.ptx.PtxFunction.Reg;

import java.util.Locale;

/**
 * {@link PtxEmitter}'s lowering of {@code @Reduce}: the code after the kernel's body, at
 * {@link #LABEL}, where every return of a {@code @Reduce} kernel branches.
 */
final class PtxReductions {
    /** The label every return of a {@code @Reduce} kernel branches to. */
    static final String LABEL = "$REDUCE";

    private final PtxEmitter e;
    private final PtxFunction f;
    private final PtxAtomics atomics;

    PtxReductions(PtxEmitter e, PtxFunction f, PtxAtomics atomics) {
        this.e = e;
        this.f = f;
        this.atomics = atomics;
    }

    /**
     * The end of a {@code @Reduce} kernel, where every return leads: each block combines its
     * work-items' partials in shared memory in {@link io.kiln.lowering.ReductionTree}'s tree (strides
     * from half the next power of two down to 1, so any block size works; work-item {@code i < s} takes
     * {@code i + s} when it exists), then its first work-item combines the block's result into
     * {@code array[0]} atomically (the initial value takes part). Every work-item of a loop kernel
     * reaches this point, so the barriers are uniform.
     */
    void emit() {
        f.label(LABEL);
        f.comment("@Reduce: combine the work-items' partials per block, then each block's result into element 0");
        String[] tid = new String[3];
        String[] ntid = new String[3];
        for (int a = 0; a < 3; a++) {
            tid[a] = f.op(Reg.B32, "mov.u32", "%tid." + "xyz".charAt(a));
            ntid[a] = f.op(Reg.B32, "mov.u32", "%ntid." + "xyz".charAt(a));
        }
        String lin = f.op(Reg.B32, "add.s32", tid[0], f.op(Reg.B32, "mul.lo.s32", ntid[0],
                f.op(Reg.B32, "add.s32", tid[1], f.op(Reg.B32, "mul.lo.s32", ntid[1], tid[2]))));
        String n = f.op(Reg.B32, "mul.lo.s32", f.op(Reg.B32, "mul.lo.s32", ntid[0], ntid[1]), ntid[2]);
        // ReductionTree.firstStride(n) = pow / 2 for the next power of two pow >= n: 1 << (32 - clz(n - 1)), and 1 for n == 1
        String pow = f.op(Reg.B32, "shl.b32", "1", f.op(Reg.B32, "sub.s32", "32", f.op(Reg.B32, "clz.b32", f.op(Reg.B32, "sub.s32", n, "1"))));
        String first = f.op(Reg.PRED, "setp.eq.s32", lin, "0");
        int k = 0;
        for (io.kiln.ir.Reduction r : e.ir().reductions()) {
            Type t = r.accumulator().type();
            int size = t.isWide() ? 8 : 4;
            String name = "reduce" + (k++) + "_" + r.array().name();
            f.declare(".shared .align 8 .b8 " + name + "[" + 1024 * size + "]");
            String base = f.op(Reg.B64, "mov.u64", name);
            String mine = "[" + f.op(Reg.B64, "add.s64", base, f.op(Reg.B64, "mul.wide.s32", lin, Integer.toString(size))) + "]";
            String ls = "ld.shared." + (t.isFloating() ? PtxEmitter.arith(t) : PtxEmitter.bits(t));
            String st = "st.shared." + (t.isFloating() ? PtxEmitter.arith(t) : PtxEmitter.bits(t));
            f.ins(st, mine, e.reg(r.accumulator()));
            f.ins("bar.sync", "0");
            String stride = f.op(Reg.B32, "shr.u32", pow, "1");
            String loop = f.newLabel();
            String skip = f.newLabel();
            String end = f.newLabel();
            f.label(loop);
            f.insIf(f.op(Reg.PRED, "setp.eq.s32", stride, "0"), false, "bra", end);
            String partner = f.op(Reg.B32, "add.s32", lin, stride);
            // idle = !ReductionTree.combines(lin, stride, n)
            String idle = f.op(Reg.PRED, "or.pred", f.op(Reg.PRED, "setp.ge.s32", lin, stride), f.op(Reg.PRED, "setp.ge.s32", partner, n));
            f.insIf(idle, false, "bra", skip);
            String other = "[" + f.op(Reg.B64, "add.s64", base, f.op(Reg.B64, "mul.wide.s32", partner, Integer.toString(size))) + "]";
            String x = f.op(PtxEmitter.regOf(t), ls, mine);
            String y = f.op(PtxEmitter.regOf(t), ls, other);
            f.ins(st, mine, atomics.combine(r.op(), t, x, y));
            f.label(skip);
            f.ins("bar.sync", "0");
            f.ins("shr.u32", stride, stride, "1");
            f.ins("bra.uni", loop);
            f.label(end);
            String done = f.newLabel();
            f.insIf(first, true, "bra", done);
            String total = f.op(PtxEmitter.regOf(t), ls, mine);
            String target = "[" + e.arrayBase(r.array().id()) + "]";
            if (!t.isFloating() && r.op() != ReduceOp.MUL) {
                String opcode = r.op() == ReduceOp.ADD ? "add.u" + (t.isWide() ? "64" : "32") : r.op().name().toLowerCase(Locale.ROOT) + "." + PtxEmitter.arith(t);
                f.op(PtxEmitter.regOf(t), "atom.global." + opcode, target, total);
            } else {
                atomics.casLoop("global", target, t, old -> atomics.combine(r.op(), t, old, total));
            }
            f.label(done);
        }
        f.ins("ret");
    }
}

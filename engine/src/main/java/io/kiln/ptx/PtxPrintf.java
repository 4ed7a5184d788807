package io.kiln.ptx;

import io.kiln.ir.Instr;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ptx.PtxFunction.Reg;

/** {@link PtxEmitter}'s {@code printf}: each {@code Print} instruction as one record in the print buffer. */
final class PtxPrintf {
    private final PtxEmitter e;
    private final PtxFunction f;
    /** The print buffer's global address ({@code null} in a kernel that does not print, which never calls this). */
    private final String printBuffer;

    PtxPrintf(PtxEmitter e, PtxFunction f, String printBuffer) {
        this.e = e;
        this.f = f;
        this.printBuffer = printBuffer;
    }

    /**
     * One printf record ({@link io.kiln.spi.PrintBuffer}): a plain read of the cursor against the
     * capacity, one {@code atom.global.add} to claim the words, then the site and the raw bits of every
     * value as 32-bit stores (64-bit values low word first: records are only 4-byte aligned); a record
     * that does not fit adds one to the dropped count.
     */
    void print(Instr.Print p) {
        int n = p.words();
        String drop = f.newLabel();
        String done = f.newLabel();
        String cursor = f.op(Reg.B32, "ld.global.s32", "[" + printBuffer + "]");
        String cap = f.op(Reg.B32, "ld.global.s32", "[" + printBuffer + "+8]");
        String limit = f.op(Reg.B32, "sub.s32", cap, Integer.toString(n));
        f.insIf(f.op(Reg.PRED, "setp.le.s32", cursor, limit), true, "bra", drop);
        String o = f.op(Reg.B32, "atom.global.add.u32", "[" + printBuffer + "]", Integer.toString(n));
        f.insIf(f.op(Reg.PRED, "setp.le.s32", o, limit), true, "bra", drop);
        String at = f.op(Reg.B64, "add.s64", printBuffer, f.op(Reg.B64, "mul.wide.s32", o, "4"));
        int offset = io.kiln.spi.PrintBuffer.HEADER_INTS * 4;
        f.ins("st.global.b32", "[" + at + "+" + offset + "]", Integer.toString(p.site()));
        for (Value x : p.values()) {
            String r = e.inReg(x);
            switch (x.type()) {
                case I32 -> f.ins("st.global.b32", "[" + at + "+" + (offset += 4) + "]", r);
                case F32 -> f.ins("st.global.b32", "[" + at + "+" + (offset += 4) + "]", f.op(Reg.B32, "mov.b32", r));
                case I64, F64 -> {
                    String bits = x.type() == Type.F64 ? f.op(Reg.B64, "mov.b64", r) : r;
                    f.ins("st.global.b32", "[" + at + "+" + (offset += 4) + "]", f.op(Reg.B32, "cvt.u32.u64", bits));
                    f.ins("st.global.b32", "[" + at + "+" + (offset += 4) + "]",
                            f.op(Reg.B32, "cvt.u32.u64", f.op(Reg.B64, "shr.u64", bits, "32")));
                }
            }
        }
        f.ins("bra.uni", done);
        f.label(drop);
        f.op(Reg.B32, "atom.global.add.u32", "[" + printBuffer + "+4]", "1");
        f.label(done);
    }
}

package io.kiln.lowering;

import io.kiln.ir.Type;

import java.util.function.UnaryOperator;

/**
 * An atomic read-modify-write that a device has no instruction for, as a compare-and-swap loop on the
 * value's bits, stated once for the GPU back ends: float and double atomic add/min/max with Java's
 * operators ({@code atom.add.f32} flushes subnormals on some devices, and no device has Java's NaN and
 * {@code -0.0} rules for min/max, see {@link JavaMinMax}), and the {@code @Reduce} combines into element 0
 * that have no native atomic ({@code *} on every type, {@code +} on floats).
 * <pre>
 *   old = bits(*p)
 *   loop: seen = cas(p, old, bits(update(value(old))))
 *         if (seen != old) { old = seen; goto loop }
 *   return value(old)               the value the update replaced
 * </pre>
 * Comparing bits, not values, makes the loop end on NaN (a NaN never equals itself) and keeps
 * {@code -0.0} apart from {@code 0.0}. The {@code cpu} back end needs none of this: its
 * {@code CpuAtomics} uses {@code VarHandle} compare-and-exchange loops of its own on the JVM.
 */
public final class CompareAndSwap {
    private CompareAndSwap() {
    }

    // ---------------------------------------------------------------- OpenCL C

    /**
     * The OpenCL C definition of {@code T name(volatile SPACE T* p, T v)}, which replaces {@code *p} by
     * {@code update} atomically and returns the old value.
     *
     * @param name    the function's name
     * @param comment what it does, for the comment above it
     * @param cType   the OpenCL C value type ({@code float}, {@code double}, {@code int}, {@code long})
     * @param space   {@code __global} or {@code __local}
     * @param update  the new value as a C expression of the current value (the expression it is given) and {@code v}
     */
    public static String openClDefinition(String name, String comment, String cType, String space, UnaryOperator<String> update) {
        boolean wide = cType.equals("double") || cType.equals("long");
        String bitsType = wide ? "ulong" : "uint";
        // atomic_cmpxchg is core OpenCL 1.1 on 32 bits; 64 bits need cl_khr_int64_base_atomics (the caller enables it).
        String cas = wide ? "atom_cmpxchg" : "atomic_cmpxchg";
        return "/* " + comment + " with a compare-and-swap loop on the bits; returns the old value */\n"
                + cType + " " + name + "(volatile " + space + " " + cType + "* p, " + cType + " v) {\n"
                + "    volatile " + space + " " + bitsType + "* q = (volatile " + space + " " + bitsType + "*)p;\n"
                + "    " + bitsType + " old = *q;\n"
                + "    for (;;) {\n"
                + "        " + bitsType + " seen = " + cas + "(q, old, as_" + bitsType + "(" + update.apply("as_" + cType + "(old)") + "));\n"
                + "        if (seen == old) return as_" + cType + "(old);\n"
                + "        old = seen;\n"
                + "    }\n"
                + "}\n";
    }

    // ---------------------------------------------------------------- PTX

    /** The PTX emitter's operations the loop needs: registers (register classes {@code b32 b64 f32 f64 pred}), labels, branches. */
    public interface PtxLoopOps extends JavaMinMax.PtxOps {
        /** A fresh label, not yet placed. */
        String newLabel();

        /** Places {@code label} before the next instruction. */
        void label(String label);

        /** {@code opcode operands} without a fresh destination. */
        void ins(String opcode, String... operands);

        /** {@code @pred bra label}. */
        void branchIf(String pred, String label);
    }

    /**
     * Emits the loop on {@code [addr]} in state space {@code space} ({@code global}, {@code shared}) for a
     * value of type {@code t}; {@code update} emits the new value from the current one (a register of
     * type {@code t}) and returns its register. Returns the register holding the old value's bits.
     */
    public static String ptx(PtxLoopOps f, String space, String addr, Type t, UnaryOperator<String> update) {
        String b = t.isWide() ? "b64" : "b32";
        String value = switch (t) {
            case I32 -> "b32";
            case I64 -> "b64";
            case F32 -> "f32";
            case F64 -> "f64";
        };
        String old = f.op(b, "ld." + space + "." + b, addr);
        String loop = f.newLabel();
        f.label(loop);
        String current = t.isFloating() ? f.op(value, "mov." + b, old) : old;
        String updated = update.apply(current);
        String newBits = t.isFloating() ? f.op(b, "mov." + b, updated) : updated;
        String seen = f.op(b, "atom." + space + ".cas." + b, addr, old, newBits);
        String retry = f.op("pred", "setp.ne." + (t.isWide() ? "s64" : "s32"), seen, old);
        f.ins("mov." + b, old, seen);
        f.branchIf(retry, loop);
        return old;
    }
}

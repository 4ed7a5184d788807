package io.kiln.lowering;

import io.kiln.ir.Type;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compare-and-swap loop ({@link CompareAndSwap}) in both of its forms: the OpenCL C function's
 * text for 32- and 64-bit values, and the PTX instruction sequence (recorded from a fake emitter). What
 * the loops compute on a device is checked where they run: the conformance suite's atomics and
 * {@code @Reduce} kernels on PoCL and the PTX interpreter.
 */
class CompareAndSwapTest {

    @Test
    void openClFloatLoopComparesBitsAndReturnsTheOldValue() {
        String c = CompareAndSwap.openClDefinition("f", "atomic ADD on float", "float", "__global", old -> old + " + v");
        assertTrue(c.startsWith("/* atomic ADD on float with a compare-and-swap loop"), c);
        assertTrue(c.contains("float f(volatile __global float* p, float v) {"), c);
        assertTrue(c.contains("volatile __global uint* q = (volatile __global uint*)p;"), c);
        assertTrue(c.contains("uint seen = atomic_cmpxchg(q, old, as_uint(as_float(old) + v));"), c);
        assertTrue(c.contains("if (seen == old) return as_float(old);"), c);
    }

    @Test
    void openClSixtyFourBitLoopsUseTheExtensionsCompareExchange() {
        for (String t : List.of("double", "long")) {
            String c = CompareAndSwap.openClDefinition("g", "x", t, "__local", old -> old + " * v");
            assertTrue(c.contains("volatile __local ulong* q"), c);
            assertTrue(c.contains("ulong seen = atom_cmpxchg(q, old, as_ulong(as_" + t + "(old) * v));"), c);
        }
    }

    /** A fake PTX emitter that records each instruction as text, with numbered registers. */
    static final class Recorder implements CompareAndSwap.PtxLoopOps {
        final List<String> lines = new ArrayList<>();
        int regs;
        int labels;

        @Override
        public String op(String reg, String opcode, String... operands) {
            String dst = "%" + reg + (regs++);
            lines.add(opcode + " " + dst + (operands.length > 0 ? ", " + String.join(", ", operands) : ""));
            return dst;
        }

        @Override
        public String newLabel() {
            return "$L" + (labels++);
        }

        @Override
        public void label(String label) {
            lines.add(label + ":");
        }

        @Override
        public void ins(String opcode, String... operands) {
            lines.add(opcode + " " + String.join(", ", operands));
        }

        @Override
        public void branchIf(String pred, String label) {
            lines.add("@" + pred + " bra " + label);
        }
    }

    @Test
    void ptxFloatLoop() {
        Recorder r = new Recorder();
        String old = CompareAndSwap.ptx(r, "global", "[%rd9]", Type.F32, cur -> r.op("f32", "add.rn.f32", cur, "%f7"));
        assertEquals(List.of(
                "ld.global.b32 %b320, [%rd9]",
                "$L0:",
                "mov.b32 %f321, %b320",
                "add.rn.f32 %f322, %f321, %f7",
                "mov.b32 %b323, %f322",
                "atom.global.cas.b32 %b324, [%rd9], %b320, %b323",
                "setp.ne.s32 %pred5, %b324, %b320",
                "mov.b32 %b320, %b324",
                "@%pred5 bra $L0"), r.lines);
        assertEquals("%b320", old, "the old value's bits");
    }

    @Test
    void ptxLongLoopNeedsNoMoves() {
        Recorder r = new Recorder();
        CompareAndSwap.ptx(r, "global", "[%rd1]", Type.I64, cur -> r.op("b64", "mul.lo.s64", cur, "%rd2"));
        assertEquals(List.of(
                "ld.global.b64 %b640, [%rd1]",
                "$L0:",
                "mul.lo.s64 %b641, %b640, %rd2",
                "atom.global.cas.b64 %b642, [%rd1], %b640, %b641",
                "setp.ne.s64 %pred3, %b642, %b640",
                "mov.b64 %b640, %b642",
                "@%pred3 bra $L0"), r.lines);
    }
}

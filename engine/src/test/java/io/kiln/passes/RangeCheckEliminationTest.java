package io.kiln.passes;

import io.kiln.frontend.BoundsChecks;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Block;
import io.kiln.ir.Instr;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.IrVerificationException;
import io.kiln.ir.IrVerifier;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which checks {@link RangeCheckElimination} removes, which it keeps, and the IR rules of {@link Instr.CheckIndex}. */
class RangeCheckEliminationTest {

    static KernelIR ir(String name) {
        Method m = Arrays.stream(BoundsKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return FrontEnd.compile(m);
    }

    static long checks(KernelIR ir) {
        return ir.blocks().stream().map(Block::instrs).flatMap(java.util.List::stream).filter(i -> i instanceof Instr.CheckIndex).count();
    }

    @Test
    void provenAccessesLoseTheirChecks() {
        for (String k : new String[] {"scale", "counted", "guarded", "privateConstant", "offHeapScale"}) {
            KernelIR ir = ir(k);
            assertEquals(0, checks(ir), k + ":\n" + IrPrinter.print(ir));
        }
    }

    @Test
    void unprovenAccessesKeepTheirChecks() {
        assertEquals(1, checks(ir("otherArray")), "x[i] under i < y.length");
        assertEquals(2, checks(ir("changedIndex")), "x[j] with j changed after the test");
        assertEquals(1, checks(ir("fromNegative")), "a counter that starts at a scalar may be negative");
        assertEquals(1, checks(ir("shiftedCopy")), "in[i + offset]");
        assertEquals(2, checks(ir("privateIndex")), "idx[i] under i < out.length and t[idx[i]]; the four constant stores are proven");
        assertEquals(1, checks(ir("tooFarAhead")), "x[i + 2] under i < x.length - 1");
        assertEquals(1, checks(ir("behindFromZero")), "x[i - 1] with i from 0");
        KernelIR wide = ir("maskTooWide");
        assertEquals(1, checks(wide), "t[x[i] & 0x1FF] of 256 (x[i], t[0] and the zeroing loop are proven)");
        assertTrue(IrPrinter.print(wide).contains("check @t["), IrPrinter.print(wide));
    }

    @Test
    void offsetsAndMasksThatStayInRangeLoseTheirChecks() {
        KernelIR stencil = ir("stencil");
        assertEquals(1, checks(stencil), "only out[i] under i < in.length - 1 stays:\n" + IrPrinter.print(stencil));
        assertTrue(IrPrinter.print(stencil).contains("check @out["), IrPrinter.print(stencil));
        KernelIR masked = ir("maskedLocal");
        String text = IrPrinter.print(masked);
        assertFalse(text.contains("check @local["), "local[x & 0xFF] of 256 is proven:\n" + text);
        assertTrue(text.contains("check @bins["), text);
    }

    @Test
    void hostFactsProveOtherArraysAndScalarGuards() {
        // x[i] under i < y.length: the host checks y.length <= x.length before each launch
        RangeCheckElimination.Assumed other = RangeCheckElimination.assuming(ir("otherArray"));
        assertEquals(0, checks(other.ir()), IrPrinter.print(other.ir()));
        IrVerifier.verify(other.ir());
        assertEquals(java.util.List.of(new RangeCheckElimination.LengthFact(false, 1, 0, 0)), other.facts());
        assertTrue(other.holds(new Object[] {new float[10], new float[10]}));
        assertTrue(other.holds(new Object[] {new float[11], new float[10]}));
        assertFalse(other.holds(new Object[] {new float[9], new float[10]}));
        // if (i < n) x[i] = ...: n <= x.length
        RangeCheckElimination.Assumed scalar = RangeCheckElimination.assuming(ir("scalarGuard"));
        assertEquals(0, checks(scalar.ir()), IrPrinter.print(scalar.ir()));
        assertEquals(java.util.List.of(new RangeCheckElimination.LengthFact(true, 2, 1, 0)), scalar.facts());
        assertTrue(scalar.holds(new Object[] {null, new float[8], 8}));
        assertTrue(scalar.holds(new Object[] {null, new float[8], -5}));
        assertFalse(scalar.holds(new Object[] {null, new float[8], 9}));
        // out[i] under i < in.length - 1 (the stencil): in.length - 1 <= out.length
        RangeCheckElimination.Assumed stencil = RangeCheckElimination.assuming(ir("stencil"));
        assertEquals(0, checks(stencil.ir()), IrPrinter.print(stencil.ir()));
        assertEquals(java.util.List.of(new RangeCheckElimination.LengthFact(false, 0, 1, 1)), stencil.facts());
        assertTrue(stencil.holds(new Object[] {new float[10], new float[9]}));
        assertFalse(stencil.holds(new Object[] {new float[10], new float[8]}));
        // nothing to add: the kernel's own code proves all, or nothing the host knows helps
        assertEquals(null, RangeCheckElimination.assuming(ir("scale")));
        assertEquals(null, RangeCheckElimination.assuming(ir("shiftedCopy")));
        assertEquals(null, RangeCheckElimination.assuming(ir("fromNegative")));
    }

    @Test
    void thePassDoesNothingWithoutChecksAndStripRemovesAll() {
        KernelIR stripped = BoundsChecks.strip(ir("shiftedCopy"));
        assertFalse(BoundsChecks.hasChecks(stripped));
        assertSame(stripped, new RangeCheckElimination().run(stripped));
        IrVerifier.verify(stripped);
    }

    @Test
    void checkIndexPrintsParsesAndIsVerified() {
        KernelIR ir = ir("shiftedCopy");
        String text = IrPrinter.print(ir);
        assertTrue(text.contains("check @in[%t_3]  @"), text);
        assertEquals(text, IrPrinter.print(IrParser.parse(text)));
        // a check that is not followed by the access it guards breaks CHECK_INDEX
        String broken = text.replaceFirst("(  check @in\\[%t_3\\]  @\\d+\n)(  \\S+ = load @in\\[%t_3\\]  @\\d+\n)", "$2$1");
        IrVerificationException e = assertThrows(IrVerificationException.class, () -> IrVerifier.verify(IrParser.parse(broken)));
        assertTrue(e.getMessage().contains("must be followed by the load, store or atomic"), e.getMessage());
    }
}

package io.kiln.conformance;

import io.kiln.frontend.FrontEnd;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.IrVerifier;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For every conformance kernel: the IR verifier accepts what the front end produces, and the
 * parser reads the printer's text back into a kernel that prints identically (and verifies), source
 * lines included, so golden {@code .ir} files can stand in for compiled kernels in back-end tests.
 */
class IrRoundTripTest {

    static List<KernelCase> allCases() throws ReflectiveOperationException {
        return KernelsCompileToIrTest.allCases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void parsePrintIsTheIdentity(KernelCase c) {
        KernelIR ir = FrontEnd.compile(c.method());
        IrVerifier.verify(ir);
        String text = IrPrinter.print(ir);
        KernelIR parsed = IrParser.parse(text);
        assertEquals(text, IrPrinter.print(parsed), () -> "round trip of " + c);
        IrVerifier.verify(parsed);
        // what the printer leaves implicit is rebuilt: types, the descriptor, loop starts
        assertEquals(ir.descriptor(), parsed.descriptor(), c::toString);
        assertEquals(ir.vars().size(), parsed.vars().size(), c::toString);
        for (int k = 0; k < ir.parallelLoops().size(); k++) {
            assertEquals(ir.parallelLoops().get(k).start().name(), parsed.parallelLoops().get(k).start().name(), c::toString);
        }
        for (var v : ir.vars()) {
            var p = parsed.vars().stream().filter(x -> x.name().equals(v.name())).findFirst().orElseThrow();
            assertEquals(v.type(), p.type(), () -> c + ": type of " + v);
        }
        assertEquals(ir.constants(), reorder(parsed, ir), c::toString);
        // source lines round-trip exactly, on every instruction and terminator (SourceLinesTest checks their values)
        assertEquals(lines(ir), lines(parsed), () -> "source lines of " + c);
        assertTrue(text.contains("  @"), () -> c + " prints no source lines:\n" + text);
        // without lines, the text parses to the same kernel with every line 0
        String bare = IrPrinter.printWithoutLines(ir);
        assertEquals(bare, IrPrinter.print(IrParser.parse(bare)), c::toString);
        assertTrue(lines(IrParser.parse(bare)).stream().allMatch(b -> b.stream().allMatch(l -> l == 0)), c::toString);
    }

    /** Per block, the line of each instruction and then of the terminator. */
    private static List<List<Integer>> lines(KernelIR ir) {
        return ir.blocks().stream().map(b -> {
            List<Integer> l = new java.util.ArrayList<>(b.instrs().stream().map(io.kiln.ir.Instr::line).toList());
            l.add(b.terminator().line());
            return List.copyOf(l);
        }).toList();
    }

    /** The parsed constant tables in the original kernel's array order (the parser numbers parameters first). */
    private static List<List<Long>> reorder(KernelIR parsed, KernelIR ir) {
        return ir.arrays().stream().map(a -> parsed.constants().get(parsed.arrays().stream()
                .filter(p -> p.name().equals(a.name())).findFirst().orElseThrow().id())).toList();
    }

    /** The cost of verifying: one pass of the verifier over every conformance kernel, against the front end. */
    @Test
    void verifierCostIsSmallNextToTheFrontEnd() throws ReflectiveOperationException {
        List<KernelCase> cases = allCases();
        List<KernelIR> irs = cases.stream().map(c -> FrontEnd.compile(c.method())).toList(); // warm-up
        long compile = Long.MAX_VALUE;
        long verify = Long.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) { // the best of five, to see past JIT warm-up
            long t0 = System.nanoTime();
            for (KernelCase c : cases) FrontEnd.compile(c.method());
            compile = Math.min(compile, System.nanoTime() - t0);
            long t1 = System.nanoTime();
            for (KernelIR ir : irs) IrVerifier.verify(ir);
            verify = Math.min(verify, System.nanoTime() - t1);
        }
        System.out.printf("IrVerifier: %d kernels, front end (verifier included) %.1f ms, verifier alone %.2f ms (%.1f%%)%n",
                irs.size(), compile / 1e6, verify / 1e6, 100.0 * verify / compile);
        assertTrue(irs.size() > 100, "expected the whole conformance suite, found " + irs.size());
        assertTrue(verify < compile, "verifying (" + verify / 1e6 + " ms) should cost less than compiling (" + compile / 1e6 + " ms)");
    }
}

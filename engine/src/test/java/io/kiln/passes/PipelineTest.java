package io.kiln.passes;

import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Block;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Terminator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pass pipeline: order, dumps, and a broken pass reported by name. */
class PipelineTest {

    static void kernel(float[] x) {
        x[0] = (float) Math.floor(2.5) + x[1];
    }

    static KernelIR ir() throws Exception {
        return FrontEnd.compile(PipelineTest.class.getDeclaredMethod("kernel", float[].class));
    }

    @Test
    void runsPassesInOrderAndDumpsAfterEach() throws Exception {
        List<String> order = new ArrayList<>();
        KernelPass a = new KernelPass() {
            public String name() { return "a"; }
            public KernelIR run(KernelIR ir) { order.add("a"); return ir; }
        };
        KernelPass b = new KernelPass() {
            public String name() { return "b"; }
            public KernelIR run(KernelIR ir) { order.add("b"); return ir; }
        };
        List<String> dumps = new ArrayList<>();
        KernelIR in = ir();
        KernelIR out = Pipeline.of(a).then(b).dumpingTo(dumps::add).run(in);
        assertSame(in, out);
        assertEquals(List.of("a", "b"), order);
        assertEquals(3, dumps.size());
        assertTrue(dumps.get(0).startsWith("== PipelineTest.kernel before passes =="), dumps.get(0));
        assertTrue(dumps.get(2).startsWith("== PipelineTest.kernel after b (unchanged) =="), dumps.get(2));
        assertEquals("private-array-zeroing", Pipeline.standard().passes().get(0).name());
        assertEquals("constant-folding", Pipeline.standard().passes().get(1).name());
    }

    @Test
    void aPassThatBreaksTheIrIsNamed() throws Exception {
        KernelPass broken = new KernelPass() {
            public String name() { return "breaker"; }
            public KernelIR run(KernelIR ir) {
                List<Block> blocks = new ArrayList<>(ir.blocks());
                blocks.set(0, new Block(0, blocks.get(0).instrs(), new Terminator.Goto(99, 0)));
                return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), ir.params(), ir.vars(), ir.arrays(),
                        blocks, ir.parallelLoops(), ir.constants(), ir.reductions());
            }
        };
        KernelIR in = ir();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Pipeline.of(broken).verifyingEachPass(true).run(in));
        assertTrue(e.getMessage().contains("pass breaker produced invalid IR for PipelineTest.kernel"), e.getMessage());
        assertTrue(e.getMessage().contains("TERMINATOR_TARGET"), e.getMessage());
        // verified once (what applications run): still refused, naming the passes run
        IllegalStateException once = assertThrows(IllegalStateException.class,
                () -> Pipeline.of(Pipeline.standard().passes()).then(broken).verifyingEachPass(false).run(in));
        assertTrue(once.getMessage().contains("invalid IR for PipelineTest.kernel after the front end and the passes "
                + "[private-array-zeroing, constant-folding, breaker]"), once.getMessage());
        assertTrue(once.getMessage().contains("TERMINATOR_TARGET"), once.getMessage());
    }

    @Test
    void theTestSuitesVerifyAfterEachPass() {
        // set by the build's surefire argLine (pom.xml, kiln.test.argLine); applications verify once
        assertTrue(Pipeline.standard().verifiesEachPass());
        assertTrue(Pipeline.of().then(new ConstantFolding()).verifiesEachPass());
        assertTrue(!Pipeline.standard().verifyingEachPass(false).then(new ConstantFolding()).verifiesEachPass());
    }

    @Test
    void verifyingOnceRefusesABrokenInputThatNoPassChanges() throws Exception {
        KernelIR good = ir();
        List<Block> blocks = new ArrayList<>(good.blocks());
        blocks.set(0, new Block(0, blocks.get(0).instrs(), new Terminator.Goto(99, 0)));
        KernelIR bad = new KernelIR(good.ownerClass(), good.methodName(), good.descriptor(), good.kind(), good.params(), good.vars(),
                good.arrays(), blocks, good.parallelLoops(), good.constants(), good.reductions());
        assertThrows(IllegalStateException.class, () -> Pipeline.of().verifyingEachPass(false).run(bad));
    }
}

package io.kiln.passes;

import io.kiln.KernelCompilationException;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Block;
import io.kiln.ir.Const;
import io.kiln.ir.DefUse;
import io.kiln.ir.Instr;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.IrVerifier;
import io.kiln.ir.KernelIR;
import io.kiln.ir.ReduceOp;
import io.kiln.ir.Reduction;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReductionRecognition}: golden IR before and after the pass, the recognised forms, and every
 * refusal with the source line it names (read from the {@code // refused:} comments of
 * {@link ReductionKernels}).
 */
class ReductionRecognitionTest {

    static Method kernel(String name) {
        for (Method m : ReductionKernels.class.getDeclaredMethods()) {
            if (m.getName().equals(name)) return m;
        }
        throw new IllegalArgumentException(name);
    }

    /** The IR the front end hands to the passes, and after each pass, by pass name ("before" first). */
    static Map<String, String> dumps(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        FrontEnd.compile(kernel(name), text -> {
            String head = text.substring(0, text.indexOf('\n'));
            String key = head.contains(" before passes") ? "before" : head.replaceAll(".* after ([a-z-]+).*", "$1");
            out.put(key, text.substring(head.length() + 1));
        });
        return out;
    }

    static final String SUM_BEFORE = """
            kernel ReductionKernels.sum LOOP_PARALLEL(float[] @x READ, float[] @total READ_WRITE)
              parallel dim 0: %i header b1 exit b2 trips (len(arg0) - 0)
            b0:
              %i_start = 0
              %t = parallel_index 0
              %i = add.I32 %i_start, %t
              goto b1
            b1:
              %t_2 = length @x
              if %i GE %t_2 goto b2 else b3
            b2:
              return
            b3:
              check @total[0]
              %t_3 = load @total[0]
              check @x[%i]
              %t_4 = load @x[%i]
              %t_5 = add.F32 %t_3, %t_4
              check @total[0]
              store @total[0] = %t_5
              %t_6 = parallel_stride 0
              %i = add.I32 %i, %t_6
              goto b1
            """;

    static final String SUM_AFTER = """
            kernel ReductionKernels.sum LOOP_PARALLEL(float[] @x READ, float[] @total READ_WRITE)
              reduce @total[0] ADD over %total_acc
              parallel dim 0: %i header b1 exit b2 trips (len(arg0) - 0)
            b0:
              %total_acc = 0.0f
              %i_start = 0
              %t = parallel_index 0
              %i = add.I32 %i_start, %t
              goto b1
            b1:
              %t_2 = length @x
              if %i GE %t_2 goto b2 else b3
            b2:
              return
            b3:
              %t_3 = %total_acc
              check @x[%i]
              %t_4 = load @x[%i]
              %t_5 = add.F32 %t_3, %t_4
              %total_acc = %t_5
              %t_6 = parallel_stride 0
              %i = add.I32 %i, %t_6
              goto b1
            """;

    /** The front end's IR before and after the pass, as golden text, and the pass on the parsed text gives the same. */
    @Test
    void goldenSumBeforeAndAfter() {
        Map<String, String> d = dumps("sum");
        assertEquals(List.of("before", "parallel-loop-recognition", "reduction-recognition", "private-array-zeroing", "constant-folding", "range-check-elimination"), List.copyOf(d.keySet()));
        // golden text without source lines (IrPrinter.printWithoutLines): LineNumberTableTest checks the lines
        assertEquals(SUM_BEFORE, IrPrinter.printWithoutLines(IrParser.parse(d.get("parallel-loop-recognition"))));
        assertEquals(SUM_AFTER, IrPrinter.printWithoutLines(IrParser.parse(d.get("reduction-recognition"))));
        KernelIR before = IrParser.parse(SUM_BEFORE);
        IrVerifier.verify(before);
        KernelIR after = new ReductionRecognition(Set.of(1)).run(before);
        IrVerifier.verify(after);
        assertEquals(SUM_AFTER, IrPrinter.print(after));
        // without @Reduce parameters the pass does nothing; a kernel without them never runs it
        assertSame(before, new ReductionRecognition(Set.of()).run(before));
        assertTrue(!dumps("notReduced").containsKey("reduction-recognition"));
    }

    /** Math.max, *= on a long, Math.min on an off-heap array: each becomes its accumulator with its identity. */
    @Test
    void recognisedFormsBecomeAccumulators() {
        KernelIR two = FrontEnd.compile(kernel("maxAndProduct"));
        assertEquals(List.of(ReduceOp.MAX, ReduceOp.MUL), two.reductions().stream().map(Reduction::op).toList());
        assertEquals(List.of("best", "product"), two.reductions().stream().map(r -> r.array().name()).toList());
        KernelIR low = FrontEnd.compile(kernel("minOffHeap"));
        assertEquals(ReduceOp.MIN, low.reductions().getFirst().op());
        for (KernelIR ir : List.of(two, low, FrontEnd.compile(kernel("sum")))) {
            String text = IrPrinter.print(ir);
            List<Instr> entry = ir.blocks().getFirst().instrs();
            for (Reduction r : ir.reductions()) {
                // no access of the reduced array is left, and its accumulator starts at the identity in block 0
                for (Block b : ir.blocks()) {
                    for (Instr i : b.instrs()) assertTrue(DefUse.array(i) != r.array(), text);
                }
                Const identity = r.op().identity(r.accumulator().type());
                assertTrue(entry.stream().anyMatch(i -> i instanceof Instr.Move m && m.dst().equals(r.accumulator())
                        && m.src().equals(identity)), text);
            }
            IrVerifier.verify(ir);
        }
        // int max starts at Integer.MIN_VALUE, long product at 1, float min at +Infinity
        assertEquals(Const.ofInt(Integer.MIN_VALUE), ReduceOp.MAX.identity(io.kiln.ir.Type.I32));
        assertEquals(Const.ofLong(1), ReduceOp.MUL.identity(io.kiln.ir.Type.I64));
        assertEquals(Const.ofFloat(Float.POSITIVE_INFINITY), ReduceOp.MIN.identity(io.kiln.ir.Type.F32));
    }

    /** Each refusal names the kernel, its file and line, and what the update must look like. */
    @Test
    void refusalsNameTheLineAndTheForm() throws IOException {
        String update = "@Reduce array 'total' must be updated as total[0] = total[0] + value (or *, Math.min, Math.max), reading total[0] once";
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("notAnUpdate", update);
        expected.put("subtracts", update);
        expected.put("throughALocal", update);
        expected.put("twoOperations", "@Reduce array 'total' is updated with both ADD and MUL; use one operation");
        expected.put("offHeapSubtracts", "@Reduce array 'total' must be updated as total.set(0, total.get(0) + value)"
                + " (or *, Math.min, Math.max), reading total.get(0) once");
        expected.put("neverUpdated", "@Reduce parameter 'total' is never updated in the @Parallel loop");
        expected.put("readOutsideItsUpdate", "@Reduce parameter 'total' is read outside its update; "
                + "inside the loop only total[0] = total[0] op value is allowed");
        List<String> source = Files.readAllLines(Path.of("src/test/java/io/kiln/passes/ReductionKernels.java"));
        List<String> wrong = new ArrayList<>();
        for (var e : expected.entrySet()) {
            int line = 0;
            for (int k = 0; k < source.size(); k++) {
                if (source.get(k).contains("// refused: " + e.getKey())) line = k + 1;
            }
            assertTrue(line > 0, "no '// refused: " + e.getKey() + "' comment in ReductionKernels.java");
            KernelCompilationException x = assertThrows(KernelCompilationException.class, () -> FrontEnd.compile(kernel(e.getKey())));
            String want = "ReductionKernels." + e.getKey() + " (ReductionKernels.java:" + line + "): " + e.getValue();
            if (!want.equals(x.getMessage())) wrong.add("expected: " + want + "\n     got: " + x.getMessage());
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }
}

package io.kiln.passes;

import io.kiln.Parallel;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Instr;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.IrVerificationException;
import io.kiln.ir.IrVerifier;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PrivateArrayZeroing}: golden IR before and after the pass for front-end kernels and for
 * parsed IR, the parallel loop header moving with the split, and the instruction's verifier rule.
 */
class PrivateArrayZeroingTest {

    static void single(float[] x) {
        float[] t = new float[3];
        t[1] = x[0];
        x[1] = t[0] + t[1];
    }

    static void inLoop(int[] x, long[] y) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int[] h = new int[2];
            long[] w = new long[0];
            h[x[i] & 1]++;
            y[i] = h[0] + w.length;
        }
    }

    /** The dumps of {@code name} before and after {@code private-array-zeroing}. */
    static String[] beforeAfter(String name, Class<?>... types) throws Exception {
        List<String> dumps = new ArrayList<>();
        FrontEnd.compile(PrivateArrayZeroingTest.class.getDeclaredMethod(name, types), dumps::add);
        // the IR the pass gets: the front end's, or for a loop-parallel kernel parallel-loop-recognition's
        int at = dumps.get(1).contains("after parallel-loop-recognition") ? 1 : 0;
        String before = dumps.get(at);
        String after = dumps.get(at + 1);
        assertTrue(after.contains("after private-array-zeroing"), after);
        // golden text without source lines (IrPrinter.printWithoutLines): LineNumberTableTest checks the lines
        return new String[] {withoutLines(before.substring(before.indexOf('\n') + 1)), withoutLines(after.substring(after.indexOf('\n') + 1))};
    }

    private static String withoutLines(String dump) {
        return IrPrinter.printWithoutLines(IrParser.parse(dump));
    }

    @Test
    void singleKernel() throws Exception {
        String[] t = beforeAfter("single", float[].class);
        assertEquals(GOLDEN_SINGLE_BEFORE, t[0]);
        assertEquals(GOLDEN_SINGLE_AFTER, t[1]);
    }

    @Test
    void loopKernel() throws Exception {
        String[] t = beforeAfter("inLoop", int[].class, long[].class);
        // the front end's 'zero' stands where each 'new' was; the zero-length array's is dropped
        assertTrue(t[0].contains("b3:\n  zero @h\n  zero @w\n"), t[0]);
        assertEquals(GOLDEN_LOOP_AFTER, t[1]);
    }

    /** The loop of stores that replaces a {@code zero} carries the {@code zero}'s line (7); the rest keep theirs. */
    @Test
    void parsedIrAndHeaderMove() {
        KernelIR in = IrParser.parse(PARSED);
        KernelIR out = new PrivateArrayZeroing().run(in);
        IrVerifier.verify(out);
        assertEquals(PARSED_AFTER, IrPrinter.print(out));
        // printed IR parses back to the same text: the 'zero' instruction round-trips too
        assertEquals(PARSED, IrPrinter.print(in));
        assertEquals(PARSED_AFTER, IrPrinter.print(IrParser.parse(PARSED_AFTER)));
    }

    @Test
    void nothingToDoReturnsItsInput() throws Exception {
        KernelIR ir = FrontEnd.compile(PipelineTest.class.getDeclaredMethod("kernel", float[].class));
        assertSame(ir, new PrivateArrayZeroing().run(ir));
        for (var b : FrontEnd.compile(PrivateArrayZeroingTest.class.getDeclaredMethod("single", float[].class)).blocks()) {
            for (Instr i : b.instrs()) assertTrue(!(i instanceof Instr.ZeroArray), "left after the standard pipeline: " + i);
        }
    }

    @Test
    void verifierRefusesZeroOfAParameter() {
        String text = PARSED.replace("zero @t", "zero @x");
        IrVerificationException e = assertThrows(IrVerificationException.class, () -> IrVerifier.verify(IrParser.parse(text)));
        assertEquals(IrVerifier.Rule.TYPE, e.rule());
        assertTrue(e.getMessage().contains("only private arrays are zeroed"), e.getMessage());
    }

    static final String GOLDEN_SINGLE_BEFORE = """
            kernel PrivateArrayZeroingTest.single SINGLE(float[] @x READ_WRITE)
              array @t: PRIVATE float[3]
            b0:
              zero @t
              check @x[0]
              %t = load @x[0]
              check @t[1]
              store @t[1] = %t
              check @t[0]
              %t_2 = load @t[0]
              check @t[1]
              %t_3 = load @t[1]
              %t_4 = add.F32 %t_2, %t_3
              check @x[1]
              store @x[1] = %t_4
              return
            """;

    static final String GOLDEN_SINGLE_AFTER = """
            kernel PrivateArrayZeroingTest.single SINGLE(float[] @x READ_WRITE)
              array @t: PRIVATE float[3]
            b0:
              %zi = 0
              goto b1
            b1:
              if %zi LT 3 goto b2 else b3
            b2:
              store @t[%zi] = 0.0f
              %zi = add.I32 %zi, 1
              goto b1
            b3:
              check @x[0]
              %t = load @x[0]
              check @t[1]
              store @t[1] = %t
              check @t[0]
              %t_2 = load @t[0]
              check @t[1]
              %t_3 = load @t[1]
              %t_4 = add.F32 %t_2, %t_3
              check @x[1]
              store @x[1] = %t_4
              return
            """;

    static final String GOLDEN_LOOP_AFTER = """
            kernel PrivateArrayZeroingTest.inLoop LOOP_PARALLEL(int[] @x READ, long[] @y WRITE)
              array @h: PRIVATE int[2]
              array @w: PRIVATE long[0]
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
              %zi = 0
              goto b4
            b4:
              if %zi LT 2 goto b5 else b6
            b5:
              store @h[%zi] = 0
              %zi = add.I32 %zi, 1
              goto b4
            b6:
              check @x[%i]
              %t_3 = load @x[%i]
              %t_4 = and.I32 %t_3, 1
              check @h[%t_4]
              %t_5 = load @h[%t_4]
              %t_6 = add.I32 %t_5, 1
              check @h[%t_4]
              store @h[%t_4] = %t_6
              check @h[0]
              %t_7 = load @h[0]
              %t_8 = add.I32 %t_7, 0
              %t_9 = i2l %t_8
              check @y[%i]
              store @y[%i] = %t_9
              %t_10 = parallel_stride 0
              %i = add.I32 %i, %t_10
              goto b1
            """;

    static final String PARSED = """
            kernel Demo.k LOOP_PARALLEL(int[] @x WRITE)
              array @t: PRIVATE int[2]
              parallel dim 0: %i header b1 exit b2 trips (len(arg0) - 0)
            b0:
              %i_start = 0
              %p = parallel_index 0
              %i = add.I32 %i_start, %p
              goto b1
            b1:
              zero @t  @7
              %n = length @x  @8
              if %i GE %n goto b2 else b3  @8
            b2:
              return
            b3:
              %v = load @t[1]
              store @x[%i] = %v
              %s = parallel_stride 0
              %i = add.I32 %i, %s
              goto b1
            """;

    static final String PARSED_AFTER = """
            kernel Demo.k LOOP_PARALLEL(int[] @x WRITE)
              array @t: PRIVATE int[2]
              parallel dim 0: %i header b6 exit b2 trips (len(arg0) - 0)
            b0:
              %i_start = 0
              %p = parallel_index 0
              %i = add.I32 %i_start, %p
              goto b1
            b1:
              %zi = 0  @7
              goto b4  @7
            b2:
              return
            b3:
              %v = load @t[1]
              store @x[%i] = %v
              %s = parallel_stride 0
              %i = add.I32 %i, %s
              goto b1
            b4:
              if %zi LT 2 goto b5 else b6  @7
            b5:
              store @t[%zi] = 0  @7
              %zi = add.I32 %zi, 1  @7
              goto b4  @7
            b6:
              %n = length @x  @8
              if %i GE %n goto b2 else b3  @8
            """;
}

package io.kiln.passes;

import io.kiln.KernelCompilationException;
import io.kiln.LongArray;
import io.kiln.Parallel;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ParallelLoop;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ParallelLoopRecognition}: golden IR before and after the pass for an int loop, a long loop
 * and a 2-D nest, trip counts checked against the loops' iteration counts counted in Java, and the
 * loop tests it refuses.
 */
class ParallelLoopRecognitionTest {

    static void intLoop(float[] x, float[] y, int n) {
        for (@Parallel int i = 3; i <= n; i++) {
            y[i] = 2f * x[i];
        }
    }

    static void longLoop(LongArray x) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            x.set(i, x.get(i) + i);
        }
    }

    static void nest(int[] out, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int c = 1; c < cols; c++) {
                out[r * cols + c] = r - c;
            }
        }
    }

    static void offset(int[] x, int n) {
        for (@Parallel int i = 0; i + 1 < n; i++) {
            x[i] = 1;
        }
    }

    static void longBound(LongArray x) {
        for (@Parallel int i = 0; i < x.length(); i++) {
            x.set(i, 1);
        }
    }

    private static Method kernel(String name) {
        for (Method m : ParallelLoopRecognitionTest.class.getDeclaredMethods()) {
            if (m.getName().equals(name)) return m;
        }
        throw new IllegalArgumentException(name);
    }

    /** The IR handed to the passes and after each pass, without source lines, by pass name ("before" first). */
    private static Map<String, String> dumps(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        FrontEnd.compile(kernel(name), text -> {
            String head = text.substring(0, text.indexOf('\n'));
            String key = head.contains(" before passes") ? "before" : head.replaceAll(".* after ([a-z-]+).*", "$1");
            // golden text without source lines (IrPrinter.printWithoutLines): LineNumberTableTest checks the lines
            out.put(key, IrPrinter.printWithoutLines(IrParser.parse(text.substring(head.length() + 1))));
        });
        return out;
    }

    private static void golden(String name, String before, String after) {
        Map<String, String> d = dumps(name);
        assertEquals(List.of("before", "parallel-loop-recognition"), List.copyOf(d.keySet()).subList(0, 2));
        assertEquals(before, d.get("before"));
        assertEquals(after, d.get("parallel-loop-recognition"));
    }

    // The front end's plain loop of a SINGLE kernel, then the pass's strided one. The index and stride variables
    // (%t and %t_4 here) are reserved by the front end and unused before the pass: the printer shows only the
    // variables instructions use, hence the gaps in the numbering before.
    static final String INT_BEFORE = """
            kernel ParallelLoopRecognitionTest.intLoop SINGLE(float[] @x READ, float[] @y WRITE, int %n)
            b0:
              %i_start = 3
              %i = %i_start
              goto b1
            b1:
              if %i GT %n goto b2 else b3
            b2:
              return
            b3:
              check @x[%i]
              %t_2 = load @x[%i]
              %t_3 = mul.F32 2.0f, %t_2
              check @y[%i]
              store @y[%i] = %t_3
              %i = add.I32 %i, 1
              goto b1
            """;

    static final String INT_AFTER = """
            kernel ParallelLoopRecognitionTest.intLoop LOOP_PARALLEL(float[] @x READ, float[] @y WRITE, int %n)
              parallel dim 0: %i header b1 exit b2 trips ((arg2 - 3) + 1)
            b0:
              %i_start = 3
              %t = parallel_index 0
              %i = add.I32 %i_start, %t
              goto b1
            b1:
              if %i GT %n goto b2 else b3
            b2:
              return
            b3:
              check @x[%i]
              %t_2 = load @x[%i]
              %t_3 = mul.F32 2.0f, %t_2
              check @y[%i]
              store @y[%i] = %t_3
              %t_4 = parallel_stride 0
              %i = add.I32 %i, %t_4
              goto b1
            """;

    @Test
    void intLoopGolden() {
        golden("intLoop", INT_BEFORE, INT_AFTER);
    }

    static final String LONG_BEFORE = """
            kernel ParallelLoopRecognitionTest.longLoop SINGLE(LongArray @x READ_WRITE)
            b0:
              %i_start = 0L
              %i = %i_start
              goto b1
            b1:
              %t_2 = length.I64 @x
              if %i GE %t_2 goto b2 else b3
            b2:
              return
            b3:
              check @x[%i]
              %t_3 = load @x[%i]
              %t_4 = add.I64 %t_3, %i
              check @x[%i]
              store @x[%i] = %t_4
              %t_6 = add.I64 %i, 1L
              %i = %t_6
              goto b1
            """;

    static final String LONG_AFTER = """
            kernel ParallelLoopRecognitionTest.longLoop LOOP_PARALLEL(LongArray @x READ_WRITE)
              parallel dim 0: %i header b1 exit b2 trips (len(arg0) - 0)
            b0:
              %i_start = 0L
              %t = parallel_index 0
              %i = add.I64 %i_start, %t
              goto b1
            b1:
              %t_2 = length.I64 @x
              if %i GE %t_2 goto b2 else b3
            b2:
              return
            b3:
              check @x[%i]
              %t_3 = load @x[%i]
              %t_4 = add.I64 %t_3, %i
              check @x[%i]
              store @x[%i] = %t_4
              %t_5 = parallel_stride 0
              %t_6 = add.I64 %i, %t_5
              %i = %t_6
              goto b1
            """;

    @Test
    void longLoopGolden() {
        golden("longLoop", LONG_BEFORE, LONG_AFTER);
    }

    static final String NEST_BEFORE = """
            kernel ParallelLoopRecognitionTest.nest SINGLE(int[] @out WRITE, int %rows, int %cols)
            b0:
              %r_start = 0
              %r = %r_start
              goto b1
            b1:
              if %r GE %rows goto b2 else b3
            b2:
              return
            b3:
              %c_start = 1
              %c = %c_start
              goto b4
            b4:
              if %c GE %cols goto b5 else b6
            b5:
              %r = add.I32 %r, 1
              goto b1
            b6:
              %t_4 = mul.I32 %r, %cols
              %t_5 = add.I32 %t_4, %c
              %t_6 = sub.I32 %r, %c
              check @out[%t_5]
              store @out[%t_5] = %t_6
              %c = add.I32 %c, 1
              goto b4
            """;

    static final String NEST_AFTER = """
            kernel ParallelLoopRecognitionTest.nest LOOP_PARALLEL(int[] @out WRITE, int %rows, int %cols)
              parallel dim 0: %r header b1 exit b2 trips (arg1 - 0)
              parallel dim 1: %c header b4 exit b5 trips (arg2 - 1)
            b0:
              %r_start = 0
              %t = parallel_index 0
              %r = add.I32 %r_start, %t
              goto b1
            b1:
              if %r GE %rows goto b2 else b3
            b2:
              return
            b3:
              %c_start = 1
              %t_2 = parallel_index 1
              %c = add.I32 %c_start, %t_2
              goto b4
            b4:
              if %c GE %cols goto b5 else b6
            b5:
              %t_3 = parallel_stride 0
              %r = add.I32 %r, %t_3
              goto b1
            b6:
              %t_4 = mul.I32 %r, %cols
              %t_5 = add.I32 %t_4, %c
              %t_6 = sub.I32 %r, %c
              check @out[%t_5]
              store @out[%t_5] = %t_6
              %t_7 = parallel_stride 1
              %c = add.I32 %c, %t_7
              goto b4
            """;

    @Test
    void nestGolden() {
        golden("nest", NEST_BEFORE, NEST_AFTER);
    }

    /** Trip counts rebuilt from the IR give the number of iterations Java runs, on random bounds (edges included). */
    @Test
    void tripCountsCountJavasIterations() {
        Random rnd = new Random(Seeds.seed("ParallelLoopRecognitionTest.tripCounts"));
        ParallelLoop one = FrontEnd.compile(kernel("intLoop")).parallelLoops().getFirst();
        List<ParallelLoop> two = FrontEnd.compile(kernel("nest")).parallelLoops();
        int[] edges = {0, 1, 2, 3, 4, 5};
        for (int run = 0; run < 200; run++) {
            int n = run < edges.length ? edges[run] : rnd.nextInt(100_000);
            long javaCount = 0;
            for (long i = 3; i <= n; i++) javaCount++;
            assertEquals(javaCount, Math.max(0, one.tripCount().evaluate(new Object[] {null, null, n})), "n = " + n);
            int rows = run < edges.length ? edges[run] : rnd.nextInt(5000);
            int cols = rnd.nextInt(5000);
            Object[] args = {null, rows, cols};
            assertEquals(rows, Math.max(0, two.get(0).tripCount().evaluate(args)), "rows = " + rows);
            assertEquals(Math.max(0, cols - 1), Math.max(0, two.get(1).tripCount().evaluate(args)), "cols = " + cols);
        }
        KernelIR longLoop = FrontEnd.compile(kernel("longLoop"));
        assertEquals(KernelKind.LOOP_PARALLEL, longLoop.kind());
        try (LongArray x = LongArray.allocate(1 + rnd.nextInt(1000))) {
            assertEquals(x.length(), longLoop.parallelLoops().getFirst().tripCount().evaluate(new Object[] {x}));
        }
    }

    /** A loop test that does not compare the variable itself is refused at the test's line, saying what to write. */
    @Test
    void refusesOtherLoopTests() throws Exception {
        int line = lineOf("i + 1 < n");
        var e = assertThrows(KernelCompilationException.class, () -> FrontEnd.compile(kernel("offset")));
        assertEquals("ParallelLoopRecognitionTest.offset (ParallelLoopRecognitionTest.java:" + line + "): a @Parallel loop must test"
                + " its variable first, as in i < bound or i <= bound", e.getMessage());
        int line2 = lineOf("i < x.length(); i++) {\n            x.set(i, 1)");
        var e2 = assertThrows(KernelCompilationException.class, () -> FrontEnd.compile(kernel("longBound")));
        assertEquals("ParallelLoopRecognitionTest.longBound (ParallelLoopRecognitionTest.java:" + line2 + "): a @Parallel loop must test"
                + " its variable first, as in i < bound or i <= bound (an int variable needs an int bound: write i < (int) x.length(),"
                + " or use @Parallel long)", e2.getMessage());
    }

    /** The line of this file where {@code text} starts. */
    private static int lineOf(String text) throws Exception {
        String src = java.nio.file.Files.readString(java.nio.file.Path.of("src/test/java/io/kiln/passes/ParallelLoopRecognitionTest.java"));
        int at = src.indexOf(text);
        assertTrue(at >= 0, text);
        return (int) src.substring(0, at).chars().filter(ch -> ch == '\n').count() + 1;
    }
}

package io.kiln.conformance;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelCompilationException;
import io.kiln.KernelCompiler;
import io.kiln.KernelContext;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.cuda.PtxInterpreterProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code System.out.printf} in kernels on every device present ({@code cpu}, {@code opencl:0}, the PTX
 * interpreter): the text each plan hands to its print sink must equal, character for character, what
 * the same method prints when run as plain Java (loop kernels called directly, work-item kernels called
 * once per id in z, y, x order), for every argument type with edge values, many work-items, prints in
 * loops and branches and helpers, with bounds checks on and off; an overflowing buffer prints a prefix
 * of each work-item's output and one line with the exact number dropped. The refusals are checked once.
 */
class PrintfTest {

    // ---- kernels ---------------------------------------------------------------------------------------

    public static void everyType(int[] ii, long[] ll, float[] ff, double[] dd, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int a = ii[i];
            long b = ll[i];
            float f = ff[i];
            double d = dd[i];
            char c = (char) ('A' + (a & 15));
            boolean z = (a & 1) == 0;
            byte by = (byte) a;
            short sh = (short) a;
            System.out.printf("%d %x %o|%d %x|%s %f %e %a|%s %.3f %e %g|%c %b %s %d %x %x %s%n",
                    a, a, a, b, b, f, f, f, f, d, d, d, d, c, z, "const", by, by, sh, "end");
            out[i] = a + 1;
        }
    }

    public static void loopsAndBranches(int[] n, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int s = 0;
            for (int k = 0; k < n[i]; k++) {
                if ((k & 1) == 0) {
                    System.out.printf("i=%d k=%d even%n", i, k);
                } else if (k % 3 == 0) {
                    System.out.printf("i=%d k=%d odd, a multiple of 3: %s, big: %b%n", i, k, "yes", k > 4);
                } else {
                    s += k;
                }
            }
            log("i=%d sum=%d%n", i, s);
            System.out.println(s);
            System.out.print('|');
            System.out.println("done");
            out[i] = s;
        }
    }

    /** A helper with its format as a parameter: constant once inlined. */
    static void log(String format, int i, int s) {
        System.out.printf(format, i, s);
    }

    public static void grid2d(KernelContext ctx, int[] out) {
        int x = ctx.globalIdx();
        int y = ctx.globalIdy();
        int w = ctx.globalSizeX();
        if (((x + y) & 3) != 1) System.out.printf("(%d,%d) first%n", x, y);
        out[y * w + x] = x * y;
        System.out.printf("(%d,%d) = %d%n", x, y, out[y * w + x]);
    }

    public static void parallel2d(int rows, int cols, float[] out) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int c = 0; c < cols; c++) {
                out[r * cols + c] = r - c;
                System.out.printf("%d,%d:%s%n", r, c, out[r * cols + c]);
            }
        }
    }

    public static void many(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = i * 3;
            System.out.printf("%d%n", out[i]);
        }
    }

    /** Not a compile-time constant: read by reflection when the kernel is compiled. */
    static final String FORMAT = String.join(" ", "%2$d", "%1$s", "%3$h", "%<016X", "%4$-6b|%n");

    public static void positional(long[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            System.out.printf(FORMAT, "s" + "t", i - 3, out[i], i % 3 == 0);
        }
    }

    public static void single(int[] out) {
        System.out.printf("single %d %s%n", out.length, "kernel");
        out[0] = 7;
    }

    // ---- refused kernels (front end) ---------------------------------------------------------------------

    public static void notInLoop(int[] out) {
        System.out.printf("before %d%n", out.length);
        for (@Parallel int i = 0; i < out.length; i++) out[i] = i;
    }

    public static void arrayArgument(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) System.out.printf("%s%n", out);
    }

    public static void chosenFormat(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) System.out.printf(i > 2 ? "a %d%n" : "b %d%n", i);
    }

    public static void wrongConversion(float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) System.out.printf("%d%n", out[i]);
    }

    public static void toErr(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) System.err.printf("%d%n", i);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    static Stream<Device> devices() {
        List<Device> d = TestDevices.all();
        if (d.isEmpty()) TestDevices.noDevice();
        return d.stream();
    }

    /** What {@code r} prints on the JVM (System.out captured). */
    static String jvm(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static Method method(String name) {
        for (Method m : PrintfTest.class.getDeclaredMethods()) {
            if (m.getName().equals(name)) return m;
        }
        throw new IllegalArgumentException(name);
    }

    /** Runs task {@code kernel} of {@code graph} on {@code device}; returns what it printed. */
    static String onDevice(Device device, TaskGraph graph, boolean checks, Integer bufferBytes, String task, Grid grid) {
        StringBuilder sb = new StringBuilder();
        try (ExecutionPlan plan = graph.plan(device)) {
            plan.withBoundsChecks(checks).withPrintOutput(sb::append);
            if (bufferBytes != null) plan.withPrintBuffer(bufferBytes);
            if (grid != null) plan.withGrid(task, grid);
            plan.run();
        }
        return sb.toString();
    }

    static boolean interpreter(Device d) {
        return PtxInterpreterProvider.isInterpreter(d);
    }

    // ---- tests -------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} checks={1}")
    @MethodSource("devicesAndChecks")
    void everyArgumentTypeWithEdgeValues(Device device, boolean checks) {
        long seed = Seeds.BASE ^ 0x5052494E54L;
        System.out.println("PrintfTest.everyArgumentTypeWithEdgeValues seed=" + seed);
        Random rnd = new Random(seed);
        int[] ie = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 255, -128, 65535};
        long[] le = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40, -(1L << 33)};
        float[] fe = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE,
                -Float.MIN_NORMAL, 1e-3f, 123456.79f};
        double[] de = {0d, -0d, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE,
                -Double.MIN_NORMAL, 1e-300, Math.PI};
        int n = interpreter(device) ? 40 : 300;
        int[] ii = new int[n];
        long[] ll = new long[n];
        float[] ff = new float[n];
        double[] dd = new double[n];
        for (int k = 0; k < n; k++) {
            ii[k] = k < ie.length ? ie[k] : rnd.nextInt();
            ll[k] = k < le.length ? le[k] : rnd.nextLong();
            ff[k] = k < fe.length ? fe[k] : Float.intBitsToFloat(rnd.nextInt());
            dd[k] = k < de.length ? de[k] : Double.longBitsToDouble(rnd.nextLong());
        }
        int[] expectedOut = new int[n];
        String expected = jvm(() -> everyType(ii, ll, ff, dd, expectedOut));
        int[] out = new int[n];
        TaskGraph g = new TaskGraph("everyType").transferToDevice(Transfer.EVERY_RUN, ii, ll, ff, dd, out)
                .task("t", PrintfTest::everyType, ii, ll, ff, dd, out).transferToHost(Transfer.EVERY_RUN, out);
        String got = onDevice(device, g, checks, null, "t", null);
        assertEquals(expected, got, "printf output on " + device.id());
        assertEquals(n, got.lines().count());
        assertEquals(java.util.Arrays.toString(expectedOut), java.util.Arrays.toString(out));
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> devicesAndChecks() {
        return devices().flatMap(d -> Stream.of(org.junit.jupiter.params.provider.Arguments.of(d, true),
                org.junit.jupiter.params.provider.Arguments.of(d, false)));
    }

    @ParameterizedTest(name = "{0} checks={1}")
    @MethodSource("devicesAndChecks")
    void loopsBranchesHelpersAndPrintln(Device device, boolean checks) {
        long seed = Seeds.BASE ^ 0x4C4F4F50L;
        System.out.println("PrintfTest.loopsBranchesHelpersAndPrintln seed=" + seed);
        Random rnd = new Random(seed);
        int items = interpreter(device) ? 30 : 500;
        int[] n = new int[items];
        for (int k = 0; k < items; k++) n[k] = rnd.nextInt(9);
        String expected = jvm(() -> loopsAndBranches(n, new int[items]));
        int[] out = new int[items];
        TaskGraph g = new TaskGraph("loops").transferToDevice(Transfer.EVERY_RUN, n, out)
                .task("t", PrintfTest::loopsAndBranches, n, out).transferToHost(Transfer.EVERY_RUN, out);
        assertEquals(expected, onDevice(device, g, checks, null, "t", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void positionalArgumentsAndAStaticFinalFormat(Device device) {
        long[] out = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 42, 1L << 35, -7};
        String expected = jvm(() -> positional(out.clone()));
        TaskGraph g = new TaskGraph("positional").transferToDevice(Transfer.EVERY_RUN, out)
                .task("t", PrintfTest::positional, out);
        assertEquals(expected, onDevice(device, g, true, null, "t", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void workItemsPrintInGlobalIdOrder(Device device) {
        int w = 16, h = interpreter(device) ? 4 : 12;
        KernelContext ctx = new KernelContext();
        String expected = jvm(() -> {
            int[] o = new int[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) grid2d(ctx.setGlobalId(x, y, 0, w, h, 1), o);
            }
        });
        int[] out = new int[w * h];
        TaskGraph g = new TaskGraph("grid2d").transferToDevice(Transfer.EVERY_RUN, out)
                .task("t", PrintfTest::grid2d, new KernelContext(), out).transferToHost(Transfer.EVERY_RUN, out);
        assertEquals(expected, onDevice(device, g, true, null, "t", Grid.of(w, h).local(8, 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void twoParallelLoopsPrintInJavaOrder(Device device) {
        int rows = interpreter(device) ? 5 : 40, cols = 7;
        String expected = jvm(() -> parallel2d(rows, cols, new float[rows * cols]));
        float[] out = new float[rows * cols];
        TaskGraph g = new TaskGraph("p2d").transferToDevice(Transfer.EVERY_RUN, out)
                .task("t", PrintfTest::parallel2d, rows, cols, out).transferToHost(Transfer.EVERY_RUN, out);
        assertEquals(expected, onDevice(device, g, true, null, "t", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void manyWorkItemsAndASingleKernel(Device device) {
        int n = interpreter(device) ? 2000 : 100_000;
        String expected = jvm(() -> many(new int[n]));
        int[] out = new int[n];
        TaskGraph g = new TaskGraph("many").transferToDevice(Transfer.EVERY_RUN, out)
                .task("t", PrintfTest::many, out).transferToHost(Transfer.EVERY_RUN, out);
        // 3 words a record: 100,000 records need 1.2 MB, more than the default 1 MiB
        assertEquals(expected, onDevice(device, g, true, 4 << 20, "t", null));
        int[] one = new int[3];
        TaskGraph s = new TaskGraph("single").transferToDevice(Transfer.EVERY_RUN, one)
                .task("t", PrintfTest::single, one).transferToHost(Transfer.EVERY_RUN, one);
        assertEquals("single 3 kernel" + System.lineSeparator(), onDevice(device, s, true, null, "t", null));
        assertEquals(7, one[0]);
    }

    public static void lines(int[] n, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            for (int k = 0; k < n[i]; k++) System.out.printf("i=%d k=%d%n", i, k);
            out[i] = n[i];
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void overflowPrintsAPrefixOfEachWorkItemAndCountsTheRest(Device device) {
        long seed = Seeds.BASE ^ 0x4F564552L;
        System.out.println("PrintfTest.overflowPrintsAPrefixOfEachWorkItemAndCountsTheRest seed=" + seed);
        Random rnd = new Random(seed);
        int items = interpreter(device) ? 40 : 400;
        int[] n = new int[items];
        for (int k = 0; k < items; k++) n[k] = rnd.nextInt(6);
        int total = java.util.Arrays.stream(n).sum();
        List<String> expectedLines = jvm(() -> lines(n, new int[items])).lines().toList();
        int[] out = new int[items];
        TaskGraph g = new TaskGraph("overflow").transferToDevice(Transfer.EVERY_RUN, n, out)
                .task("t", PrintfTest::lines, n, out).transferToHost(Transfer.EVERY_RUN, out);
        int bytes = 1024; // 252 data words: 63 records of 4 words (site, key, i, k)
        String got = onDevice(device, g, true, bytes, "t", null);
        List<String> lines = new ArrayList<>(got.lines().toList());
        String last = lines.remove(lines.size() - 1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "\\[kiln\\] (\\d+) printf records were dropped from PrintfTest.lines: its print buffer of 1024 bytes is full;"
                        + " enlarge it with plan.withPrintBuffer\\(bytes\\)").matcher(last);
        assertTrue(m.matches(), "the last line says what was dropped: " + last);
        assertEquals(63, lines.size(), "exactly what fits is printed");
        assertEquals(total, lines.size() + Integer.parseInt(m.group(1)), "printed + dropped = all records");
        // every printed line is the JVM's, in the JVM's order (a subsequence), and each item's lines are a prefix
        int at = 0;
        for (String l : lines) {
            while (at < expectedLines.size() && !expectedLines.get(at).equals(l)) at++;
            assertTrue(at < expectedLines.size(), "line '" + l + "' is not in the JVM's output in order");
            at++;
        }
        for (String l : lines) {
            int k = Integer.parseInt(l.substring(l.indexOf("k=") + 2));
            String item = l.substring(0, l.indexOf(' '));
            for (int j = 0; j < k; j++) assertTrue(lines.contains(item + " k=" + j), "item " + item + " printed a prefix: " + l);
        }
        assertEquals(java.util.Arrays.toString(n), java.util.Arrays.toString(out));
    }

    @Test
    void refusalsNameTheLineAndTheFix() {
        String notInLoop = assertThrows(KernelCompilationException.class, () -> KernelCompiler.emit(method("notInLoop"), io.kiln.Target.IR)).getMessage();
        assertTrue(notInLoop.contains("PrintfTest.notInLoop (PrintfTest.java:") && notInLoop.contains("outside the innermost @Parallel loop"),
                notInLoop);
        String array = assertThrows(KernelCompilationException.class, () -> KernelCompiler.emit(method("arrayArgument"), io.kiln.Target.IR)).getMessage();
        assertTrue(array.contains("PrintfTest.java:") && array.contains("printf arguments must be primitives"), array);
        String chosen = assertThrows(KernelCompilationException.class, () -> KernelCompiler.emit(method("chosenFormat"), io.kiln.Target.IR)).getMessage();
        assertTrue(chosen.contains("PrintfTest.java:") && chosen.contains("constant"), chosen);
        String wrong = assertThrows(KernelCompilationException.class, () -> KernelCompiler.emit(method("wrongConversion"), io.kiln.Target.IR)).getMessage();
        assertTrue(wrong.contains("PrintfTest.java:") && wrong.contains("does not fit its arguments [float]"), wrong);
        String err = assertThrows(KernelCompilationException.class, () -> KernelCompiler.emit(method("toErr"), io.kiln.Target.IR)).getMessage();
        assertTrue(err.contains("PrintfTest.java:") && err.contains("only System.out prints"), err);
    }

    @Test
    void printInstructionsSurviveTheIrRoundTrip() {
        for (String k : List.of("everyType", "loopsAndBranches", "grid2d", "parallel2d", "many", "single", "lines")) {
            io.kiln.ir.KernelIR ir = io.kiln.frontend.FrontEnd.compile(method(k));
            String text = io.kiln.ir.IrPrinter.print(ir);
            assertTrue(text.contains("print #0 \""), k + ":\n" + text);
            io.kiln.ir.KernelIR parsed = io.kiln.ir.IrParser.parse(text);
            io.kiln.ir.IrVerifier.verify(parsed);
            assertEquals(text, io.kiln.ir.IrPrinter.print(parsed), k);
        }
        // the format's quotes, backslashes, newlines and non-ASCII survive too
        io.kiln.ir.KernelIR ir = io.kiln.frontend.FrontEnd.compile(method("oddFormat"));
        String text = io.kiln.ir.IrPrinter.print(ir);
        assertEquals(text, io.kiln.ir.IrPrinter.print(io.kiln.ir.IrParser.parse(text)));
        assertTrue(text.contains("\"q\\\"\\\\ \\u00e9 %d\\n\""), text);
    }

    public static void oddFormat(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) System.out.printf("q\"\\ \u00e9 %d\n", i);
    }

    @Test
    void boundsFailureStillPrintsWhatCameBefore() {
        for (Device device : TestDevices.all()) {
            int[] out = new int[8];
            StringBuilder sb = new StringBuilder();
            TaskGraph g = new TaskGraph("oob").transferToDevice(Transfer.EVERY_RUN, out)
                    .task("t", PrintfTest::printThenOutOfBounds, out).transferToHost(Transfer.EVERY_RUN, out);
            try (ExecutionPlan plan = g.plan(device)) {
                plan.withPrintOutput(sb::append);
                assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            }
            assertTrue(sb.toString().contains("item 0 before" + System.lineSeparator()), device.id() + ": " + sb);
        }
    }

    public static void printThenOutOfBounds(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            System.out.printf("item %d before%n", i);
            out[i + 1] = i;
        }
    }
}

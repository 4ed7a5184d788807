package io.kiln.conformance;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelArithmeticException;
import io.kiln.KernelCompiler;
import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Target;
import io.kiln.Transfer;
import io.kiln.ptx.Ptxas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Integer division by zero, on every device present ({@code opencl:0}, {@code cpu}, the PTX interpreter):
 * where the method throws {@link ArithmeticException} on the JVM, every device throws
 * {@link KernelArithmeticException} (an {@code ArithmeticException}) naming the kernel, the line the JVM's
 * own exception names and the device, instead of a device returning 0; divisions that Java computes
 * ({@code MIN_VALUE / -1}, float division by zero, constant divisors) are unchanged; the plan runs again
 * afterwards and computes what Java computes.
 */
class DivisionByZeroTest {
    private static final int N = 1031; // prime, past one work-group

    public static void intDiv(int[] a, int[] b, int[] q, int[] r) {
        for (@Parallel int i = 0; i < q.length; i++) {
            q[i] = a[i] / b[i];
            r[i] = a[i] % b[i];
        }
    }

    public static void longRem(long[] a, long[] b, long[] r) {
        for (@Parallel int i = 0; i < r.length; i++) {
            r[i] = Math.floorMod(a[i], b[i]); // inlined from the JDK: its own % by b[i]
        }
    }

    public static void byScalar(KernelContext c, int[] a, int d) {
        int i = c.globalIdx();
        if (i < a.length) a[i] = a[i] / d;
    }

    /** Divisors Java never fails on: a constant, and floats. */
    public static void safe(int[] a, float[] f, float[] g) {
        for (@Parallel int i = 0; i < a.length; i++) {
            a[i] = a[i] / 7 + a[i] % -3;
            g[i] = f[i] / 0f + f[i] % 0f;
        }
    }

    static Stream<Device> devices() {
        return GraphsAndTransfersTest.devices();
    }

    private static long seed(String what) {
        long seed = Seeds.of("DivisionByZeroTest." + what, 0);
        System.out.println("DivisionByZeroTest." + what + " seed=" + seed);
        return seed;
    }

    private static final int[] EDGES = {Integer.MIN_VALUE, -1, 1, Integer.MAX_VALUE, 2, -2};

    /** Random ints with edge values, never 0. */
    private static int[] nonZero(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            int v = r.nextInt(5) == 0 ? EDGES[r.nextInt(EDGES.length)] : r.nextInt();
            a[i] = v == 0 ? 3 : v;
        }
        return a;
    }

    private static int jvmLine(ArithmeticException e, String method) {
        for (StackTraceElement s : e.getStackTrace()) {
            if (s.getMethodName().equals(method)) return s.getLineNumber();
        }
        throw new AssertionError("no frame of " + method + " in " + e);
    }

    private static void assertNames(KernelArithmeticException e, ArithmeticException jvm, String method, int line, Device device) {
        assertInstanceOf(ArithmeticException.class, e, "Java catch blocks must catch it");
        assertEquals("/ by zero", jvm.getMessage());
        assertEquals("DivisionByZeroTest." + method, e.kernel(), e.getMessage());
        assertEquals("DivisionByZeroTest.java", e.sourceFile(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(device.id(), e.device(), e.getMessage());
        assertEquals("/ by zero in DivisionByZeroTest." + method + " (DivisionByZeroTest.java:" + line + ") on " + device.id(), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void intDivisionByZeroThrowsOnEveryDeviceAndThePlanRunsAgain(Device device) {
        GraphsAndTransfersTest.require(device);
        Random rnd = new Random(seed("int"));
        int[] a = nonZero(rnd, N), b = nonZero(rnd, N);
        a[0] = Integer.MIN_VALUE;
        b[0] = -1; // Java's one overflow: MIN_VALUE, no exception
        int[] q = new int[N], r = new int[N];
        int[] wantQ = new int[N], wantR = new int[N];
        intDiv(a, b, wantQ, wantR);
        int[] b2 = b.clone();
        int zeroAt = 1 + rnd.nextInt(N - 1);
        b2[zeroAt] = 0;
        ArithmeticException jvm = assertThrows(ArithmeticException.class, () -> intDiv(a, b2, new int[N], new int[N]));
        int line = jvmLine(jvm, "intDiv");
        try (ExecutionPlan plan = new TaskGraph("div").transferToDevice(Transfer.EVERY_RUN, a, b)
                .task("div", DivisionByZeroTest::intDiv, a, b, q, r).transferToHost(Transfer.EVERY_RUN, q, r).plan(device)) {
            plan.run();
            assertArrayEquals(wantQ, q, "quotients");
            assertArrayEquals(wantR, r, "remainders");
            KernelArithmeticException e = assertThrows(KernelArithmeticException.class, () -> plan.run(Bindings.of().data(b, b2)),
                    "b[" + zeroAt + "] = 0");
            assertNames(e, jvm, "intDiv", line, device);
            Arrays.fill(q, 17);
            plan.run(Bindings.of().data(b, b)); // bindings stay in effect: bind the good divisors again
            assertArrayEquals(wantQ, q, "the plan after the failure");
            assertArrayEquals(wantR, r, "the plan after the failure");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void longRemainderInAJdkHelperThrowsWithTheKernelsLine(Device device) {
        GraphsAndTransfersTest.require(device);
        Random rnd = new Random(seed("long"));
        long[] a = new long[N], b = new long[N], r = new long[N], want = new long[N];
        for (int i = 0; i < N; i++) {
            a[i] = rnd.nextInt(4) == 0 ? Long.MIN_VALUE : rnd.nextLong();
            long v = rnd.nextInt(4) == 0 ? -1 : rnd.nextLong() >> rnd.nextInt(60);
            b[i] = v == 0 ? 5 : v;
        }
        longRem(a, b, want);
        long[] b2 = b.clone();
        b2[rnd.nextInt(N)] = 0;
        ArithmeticException jvm = assertThrows(ArithmeticException.class, () -> longRem(a, b2, new long[N]));
        try (ExecutionPlan plan = new TaskGraph("rem").transferToDevice(Transfer.EVERY_RUN, a, b)
                .task("rem", DivisionByZeroTest::longRem, a, b, r).transferToHost(Transfer.EVERY_RUN, r).plan(device)) {
            plan.run();
            assertArrayEquals(want, r);
            KernelArithmeticException e = assertThrows(KernelArithmeticException.class, () -> plan.run(Bindings.of().data(b, b2)));
            // the division is in Math.floorMod; the exception names the kernel's line that called it
            assertNames(e, jvm, "longRem", jvmLine(jvm, "longRem"), device);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void aZeroScalarDivisorThrowsInAWorkItemKernel(Device device) {
        GraphsAndTransfersTest.require(device);
        int[] a = nonZero(new Random(seed("scalar")), N);
        int[] orig = a.clone();
        int[] want = a.clone();
        KernelContext c = new KernelContext();
        for (int i = 0; i < N; i++) byScalar(c.setGlobalId(i, 0, 0, N, 1, 1), want, -3);
        ArithmeticException jvm = assertThrows(ArithmeticException.class, () -> byScalar(c.setGlobalId(0, 0, 0, 1, 1, 1), a.clone(), 0));
        try (ExecutionPlan plan = new TaskGraph("scalar").transferToDevice(Transfer.EVERY_RUN, a)
                .task("s", DivisionByZeroTest::byScalar, new KernelContext(), a, 0).transferToHost(Transfer.EVERY_RUN, a)
                .plan(device).withGrid("s", Grid.of(N + 13))) {
            KernelArithmeticException e = assertThrows(KernelArithmeticException.class, plan::run);
            assertNames(e, jvm, "byScalar", jvmLine(jvm, "byScalar"), device);
            // the failed launch may have written partial results (documented): start again from the input
            System.arraycopy(orig, 0, a, 0, N);
            plan.run(Bindings.of().scalar("s", 2, -3));
        }
        assertArrayEquals(want, a, "the plan after the failure, with a divisor of -3");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void divisionsJavaComputesAreUnchanged(Device device) {
        GraphsAndTransfersTest.require(device);
        Random rnd = new Random(seed("safe"));
        int[] a = nonZero(rnd, N);
        a[0] = 0;
        a[1] = Integer.MIN_VALUE;
        float[] f = new float[N], g = new float[N];
        float[] fe = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        for (int i = 0; i < N; i++) f[i] = i < fe.length ? fe[i] : rnd.nextFloat() * 200 - 100;
        int[] wantA = a.clone();
        float[] wantG = new float[N];
        safe(wantA, f, wantG);
        try (ExecutionPlan plan = new TaskGraph("safe").transferToDevice(Transfer.EVERY_RUN, a, f)
                .task("safe", DivisionByZeroTest::safe, a, f, g).transferToHost(Transfer.EVERY_RUN, a, g).plan(device)) {
            plan.run();
        }
        assertArrayEquals(wantA, a);
        for (int i = 0; i < N; i++) {
            assertEquals(Float.floatToIntBits(wantG[i]), Float.floatToIntBits(g[i]), "f = " + f[i]);
        }
    }

    /** A constant divisor other than 0 has no check; a variable one has one; every PTX assembles. */
    @Test
    void onlyVariableIntegerDivisorsAreChecked() {
        String safeIr = KernelCompiler.emit(DivisionByZeroTest.class, "safe", Target.IR);
        assertFalse(safeIr.contains("check_divisor"), safeIr);
        String divIr = KernelCompiler.emit(DivisionByZeroTest.class, "intDiv", Target.IR);
        assertEquals(2, divIr.split("check_divisor", -1).length - 1, divIr);
        for (String k : new String[] {"intDiv", "longRem", "byScalar"}) {
            String cl = KernelCompiler.emit(DivisionByZeroTest.class, k, Target.OPENCL_C);
            assertTrue(cl.contains("kiln_oob(kiln_err, -1,"), k + ":\n" + cl);
            String ptx = KernelCompiler.emit(DivisionByZeroTest.class, k, Target.PTX);
            assertTrue(ptx.contains("atom.global.cas.b32"), k + ":\n" + ptx);
            if (Ptxas.available()) {
                Ptxas.Outcome o = Ptxas.assemble(ptx);
                assertTrue(o.clean(), () -> k + ": ptxas: " + o.output() + "\n" + ptx);
            }
        }
    }
}

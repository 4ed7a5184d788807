package io.kiln.cpu;

import io.kiln.KernelContext;
import io.kiln.ir.KernelIR;
import io.kiln.spi.LaunchGeometry;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code CpuSession.cancel()}: endless kernels of every kind stop within a second when cancelled
 * from another thread, the launch throws a {@link CancellationException} naming the kernel, and the
 * session runs the next kernel normally.
 */
class CancellationTest {

    /** The front end's IR for a method of {@link CancelKernels} (by reflection: io.kiln.frontend is not exported). */
    static KernelIR frontEnd(String name) {
        try {
            Method m = Arrays.stream(CancelKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
            Method compile = Class.forName("io.kiln.frontend.FrontEnd").getMethod("compile", Method.class);
            return (KernelIR) compile.invoke(null, m);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Starts {@code kernel} on another thread, cancels it after 150 ms and checks that it ends within 1 s. */
    private static void cancelWithinASecond(CpuSession s, CpuKernel k, Object[] args, LaunchGeometry g) throws Exception {
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> s.launch(k, args, g));
        try {
            run.get(150, TimeUnit.MILLISECONDS);
            fail(k.ir().displayName() + " ended by itself");
        } catch (TimeoutException expected) {
            // still running, as it should
        }
        long t0 = System.nanoTime();
        assertTrue(s.cancel(), "the cpu device can always cancel");
        try {
            run.get(1, TimeUnit.SECONDS);
            fail("the launch returned normally after cancel()");
        } catch (ExecutionException e) {
            CancellationException c = assertInstanceOf(CancellationException.class, e.getCause());
            assertTrue(c.getMessage().contains(k.ir().displayName()), c.getMessage());
            assertTrue(c.getMessage().contains("cancelled"), c.getMessage());
        } catch (TimeoutException e) {
            fail(k.ir().displayName() + " did not stop within 1 s of cancel()");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("cancel: " + k.ir().displayName() + " stopped " + ms + " ms after cancel()");
    }

    /** The session still runs a kernel correctly (compared with the Java method). */
    private static void stillUsable(CpuSession s) {
        long seed = Seeds.seed("CancellationTest.stillUsable");
        Random r = new Random(seed);
        int n = 1 + r.nextInt(100_000);
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextFloat() - 0.5f;
            y[i] = r.nextFloat() * 100;
        }
        float[] ref = y.clone();
        CancelKernels.saxpy(3f, x, ref);
        CpuKernel saxpy = CpuTesting.build(frontEnd("saxpy"));
        s.launch(saxpy, new Object[] {3f, x, y}, new LaunchGeometry(new long[] {n}, null));
        assertArrayEquals(ref, y);
    }

    @ParameterizedTest
    @ValueSource(strings = {"spin", "forever"})
    void endlessSingleKernels(String name) throws Exception {
        CpuKernel k = CpuTesting.build(frontEnd(name));
        try (CpuSession s = (CpuSession) CpuTesting.RUNTIME.openSession()) {
            int[] x = new int[1];
            cancelWithinASecond(s, k, new Object[] {x}, null);
            stillUsable(s);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7})
    void endlessInnerLoopInEveryChunk(int chunks) throws Exception {
        CpuKernel k = CpuTesting.build(frontEnd("stuckInner"));
        k.forcedChunks = chunks;
        try (CpuSession s = (CpuSession) CpuTesting.RUNTIME.openSession()) {
            int[] x = new int[1000];
            cancelWithinASecond(s, k, new Object[] {x}, new LaunchGeometry(new long[] {x.length}, null));
            stillUsable(s);
            // And the same kernel runs to its end on data it can finish.
            Arrays.fill(x, 5);
            k.forcedChunks = 0;
            s.launch(k, new Object[] {x}, new LaunchGeometry(new long[] {x.length}, null));
            int[] ref = new int[x.length];
            Arrays.fill(ref, 0);
            assertArrayEquals(ref, x, "k stays 0 when x[i] != 0");
        }
    }

    @Test
    void endlessWorkItems() throws Exception {
        CpuKernel k = CpuTesting.build(frontEnd("stuckItems"));
        k.forcedChunks = 2;
        try (CpuSession s = (CpuSession) CpuTesting.RUNTIME.openSession()) {
            int[] x = new int[64];
            cancelWithinASecond(s, k, new Object[] {new KernelContext(), x}, new LaunchGeometry(new long[] {64}, null));
            stillUsable(s);
        }
    }

    @Test
    void cancelWithNothingInFlightDoesNotAffectLaterLaunches() {
        try (CpuSession s = (CpuSession) CpuTesting.RUNTIME.openSession()) {
            assertTrue(s.cancel());
            stillUsable(s);
        }
    }

    @Test
    void innermostCountedLoopsAreNotTested() {
        // saxpy: one parallel loop, nothing to test. rowSums: the parallel loop (it has a loop inside)
        // is tested, its counted inner loop is not.
        assertTrue(KernelAnalysis.cancelChecks(frontEnd("saxpy")).isEmpty());
        KernelIR rows = frontEnd("rowSums");
        assertEquals(1, KernelAnalysis.cancelChecks(rows).cardinality());
        assertEquals(rows.parallelLoops().get(0).header(), KernelAnalysis.cancelChecks(rows).nextSetBit(0));
        assertFalse(CpuTesting.build(frontEnd("saxpy")).source().contains("cancelled"));
        // Bounds that javac recomputes in the header are invariant; small constant loops leave the
        // loop around them untested (only the parallel loop, which has a loop inside, is tested).
        for (String k : new String[] {"stencilRows", "fiveTaps"}) {
            KernelIR ir = frontEnd(k);
            assertEquals(1, KernelAnalysis.cancelChecks(ir).cardinality(), k);
            assertEquals(ir.parallelLoops().get(0).header(), KernelAnalysis.cancelChecks(ir).nextSetBit(0), k);
        }
        // A counted loop with a variable-length loop inside is tested (2^31 x 2^31 iterations could run).
        assertEquals(1, KernelAnalysis.cancelChecks(frontEnd("nested")).cardinality());
        // Endless loops are tested.
        for (String k : new String[] {"spin", "forever", "stuckInner", "stuckItems"}) {
            assertFalse(KernelAnalysis.cancelChecks(frontEnd(k)).isEmpty(), k);
        }
        // And rowSums still computes what Java does.
        Random r = new Random(42);
        int n = 37, m = 501;
        float[] a = new float[n * m], out = new float[m], ref = new float[m];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
        CancelKernels.rowSums(n, a, ref);
        CpuTesting.run(rows, new Object[] {n, a, out}, m);
        assertArrayEquals(ref, out);
    }

    // ---------------------------------------------------------------- through the plan (engineer D2's executor)

    @Test
    void planTimeoutStopsAnEndlessKernelAndThePlanRunsAgain() {
        int[] x = new int[1];
        try (io.kiln.ExecutionPlan plan = new io.kiln.TaskGraph("endless").task("f", CancelKernels::forever, x)
                .plan(io.kiln.Devices.get("cpu")).withTimeout(java.time.Duration.ofMillis(300))) {
            long t0 = System.nanoTime();
            io.kiln.KilnException e = org.junit.jupiter.api.Assertions.assertThrows(io.kiln.KilnException.class, plan::run);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("withTimeout(300 ms): the run ended after " + ms + " ms: " + e.getMessage());
            assertTrue(e.getMessage().contains("task 'f'") && e.getMessage().contains("CancelKernels.forever"), e.getMessage());
            assertTrue(ms < 1300, "the run ended " + ms + " ms after it started");
            assertTrue(x[0] != 0, "the kernel ran");
        }
        // A plan on the same device still runs a kernel correctly.
        float[] a = {1, 2, 3}, b = {4, 5, 6}, ref = b.clone();
        CancelKernels.saxpy(2f, a, ref);
        try (io.kiln.ExecutionPlan plan = new io.kiln.TaskGraph("ok").task("s", CancelKernels::saxpy, 2f, a, b)
                .plan(io.kiln.Devices.get("cpu"))) {
            plan.run();
        }
        assertArrayEquals(ref, b);
    }

    @Test
    void runAsyncCancelStopsAnEndlessKernel() throws Exception {
        int[] x = new int[1];
        try (io.kiln.ExecutionPlan plan = new io.kiln.TaskGraph("endless").task("s", CancelKernels::forever, x)
                .plan(io.kiln.Devices.get("cpu"))) {
            CompletableFuture<io.kiln.RunResult> f = plan.runAsync();
            Thread.sleep(200);
            assertFalse(f.isDone(), "the kernel never ends by itself");
            long t0 = System.nanoTime();
            assertTrue(f.cancel(true));
            // close() waits for the kernel to stop: with cancel() on cpu that is within a second.
            plan.close();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("runAsync().cancel(true) + close(): " + ms + " ms");
            assertTrue(ms < 1000, "close() took " + ms + " ms after cancel");
            // Stopped: the kernel's thread left the loop (writing x[0] back), so x[0] no longer changes.
            java.lang.invoke.VarHandle element = java.lang.invoke.MethodHandles.arrayElementVarHandle(int[].class);
            int before = -1;
            for (int tries = 0; tries < 20; tries++) {
                int v0 = (int) element.getVolatile(x, 0);
                Thread.sleep(50);
                if ((int) element.getVolatile(x, 0) == v0) {
                    before = v0;
                    break;
                }
            }
            assertTrue(before != -1 && before != 0, "x[0] kept changing after cancel, or the kernel never ran: " + x[0]);
        }
    }
}

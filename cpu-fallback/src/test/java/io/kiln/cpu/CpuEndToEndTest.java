package io.kiln.cpu;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FallbackPolicy;
import io.kiln.Grid;
import io.kiln.KernelCompilationException;
import io.kiln.KernelCompiler;
import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.RunResult;
import io.kiln.Target;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real kernels, compiled by the front end and run through {@code TaskGraph} on {@code cpu}, compared
 * bit for bit with the same Java methods called directly.
 */
class CpuEndToEndTest {
    static final Device CPU = Devices.get("cpu");

    static float[] randomFloats(Random r, int n, boolean specials) {
        float[] f = new float[n];
        float[] edge = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                Float.MIN_VALUE, 1e-40f, 2147483647f, -2147483648f, 0.5f, -0.5f, 1.5f, 2.5f};
        for (int i = 0; i < n; i++) {
            f[i] = specials && i % 5 == 0 ? edge[r.nextInt(edge.length)] : (r.nextFloat() - 0.5f) * (float) Math.pow(10, r.nextInt(12) - 4);
        }
        return f;
    }

    static RunResult runOnce(TaskGraph g) {
        try (ExecutionPlan plan = g.plan(CPU)) {
            return plan.run();
        }
    }

    static void assertBits(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError("element " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    static void assertBits(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
                throw new AssertionError("element " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 15, 10_007, 1 << 21})
    void saxpyAtEverySize(int n) {
        Random r = new Random(n);
        float[] x = randomFloats(r, n, true);
        float[] y = randomFloats(r, n, true);
        float[] ref = y.clone();
        TestKernels.saxpy(1.75f, x, ref);
        RunResult result = runOnce(new TaskGraph("saxpy").task("s", TestKernels::saxpy, 1.75f, x, y));
        assertBits(ref, y);
        assertEquals("cpu", result.task("s").device().id());
        assertNull(result.task("s").fallbackReason());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 101, 40_009})
    void integerEdgeCases(int n) {
        Random r = new Random(7);
        int[] edge = {0, 1, -1, 31, 32, 33, -33, Integer.MIN_VALUE, Integer.MAX_VALUE, 65, 0x12345678};
        int[] a = new int[n], b = new int[n], out = new int[n], ref = new int[n];
        long[] la = new long[n], lb = new long[n], lout = new long[n], lref = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i % 3 == 0 ? edge[r.nextInt(edge.length)] : r.nextInt();
            b[i] = i % 4 == 0 ? edge[r.nextInt(edge.length)] : r.nextInt(200) - 100;
            la[i] = i % 3 == 0 ? (long) a[i] << r.nextInt(40) : r.nextLong();
            lb[i] = i % 5 == 0 ? Long.MIN_VALUE : r.nextInt(130) - 65;
        }
        TestKernels.intOps(a, b, ref);
        TestKernels.longOps(la, lb, lref);
        runOnce(new TaskGraph("ints").task("i", TestKernels::intOps, a, b, out).task("l", TestKernels::longOps, la, lb, lout));
        assertArrayEquals(ref, out);
        assertArrayEquals(lref, lout);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 97, 30_011})
    void floatingPointEdgeCases(int n) {
        Random r = new Random(11);
        float[] a = randomFloats(r, n, true), b = randomFloats(r, n, true);
        float[] out = new float[n], ref = new float[n];
        int[] iout = new int[n], iref = new int[n];
        long[] lout = new long[n], lref = new long[n];
        double[] d = new double[n], dout = new double[n], dref = new double[n];
        for (int i = 0; i < n; i++) d[i] = i % 7 == 0 ? Double.NaN : (r.nextDouble() - 0.5) * 1e3;
        TestKernels.floatOps(a, b, ref, iref, lref);
        TestKernels.doubleOps(d, dref);
        runOnce(new TaskGraph("floats").task("f", TestKernels::floatOps, a, b, out, iout, lout)
                .task("d", TestKernels::doubleOps, d, dout));
        assertBits(ref, out);
        assertArrayEquals(iref, iout);
        assertArrayEquals(lref, lout);
        assertBits(dref, dout);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 61, 256})
    void twoDimensionalMatmul(int n) {
        Random r = new Random(n);
        float[] a = randomFloats(r, n * n, false), b = randomFloats(r, n * n, false);
        float[] c = new float[n * n], ref = new float[n * n];
        TestKernels.matmul(n, a, b, ref);
        try (ExecutionPlan plan = new TaskGraph("mm").task("mm", TestKernels::matmul, n, a, b, c).plan(CPU)) {
            for (int run = 0; run < 3; run++) {
                java.util.Arrays.fill(c, Float.NaN);
                plan.run();
                assertBits(ref, c);
            }
        }
    }

    @Test
    void stencilsPrivateArraysTablesAndSwitches() {
        int n = 50_021;
        Random r = new Random(3);
        float[] x = randomFloats(r, n, true);
        float[] out = new float[n], ref = new float[n], pout = new float[n], pref = new float[n];
        int[] keys = new int[n], sout = new int[n], sref = new int[n];
        for (int i = 0; i < n; i++) keys[i] = i % 11 == 0 ? new int[] {-1000, 77, 1_000_000}[i % 3] : r.nextInt();
        TestKernels.stencil(x, ref);
        TestKernels.privateArray(x, pref);
        TestKernels.switches(keys, sref);
        runOnce(new TaskGraph("misc").task("st", TestKernels::stencil, x, out).task("pa", TestKernels::privateArray, x, pout)
                .task("sw", TestKernels::switches, keys, sout));
        assertBits(ref, out);
        assertBits(pref, pout);
        assertArrayEquals(sref, sout);
    }

    @Test
    void dataDependentTripCountRunsCorrectly() {
        for (int n : new int[] {0, 5, 3000}) {
            int[] bound = {n};
            int[] out = new int[3000], ref = new int[3000];
            TestKernels.dataBound(bound, ref);
            runOnce(new TaskGraph("db").task("db", TestKernels::dataBound, bound, out));
            assertArrayEquals(ref, out);
        }
    }

    @Test
    void workItemKernelsRunEveryWorkItemOnce() {
        int n = 10_003;
        float[] x = randomFloats(new Random(5), n, true);
        float[] out = new float[n], ref = new float[n];
        KernelContext ctx = new KernelContext();
        int grid = n + 50;
        for (int i = 0; i < grid; i++) TestKernels.workItem1d(ctx.setGlobalId(i, 0, 0, grid, 1, 1), x, ref, 3f);
        try (ExecutionPlan plan = new TaskGraph("wi").task("wi", TestKernels::workItem1d, new KernelContext(), x, out, 3f)
                .plan(CPU).withGrid("wi", Grid.of(grid))) {
            plan.run();
        }
        assertBits(ref, out);

        int w = 123, h = 45;
        int[] o2 = new int[w * h], r2 = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w + 3; xx++) TestKernels.workItem2d(ctx.setGlobalId(xx, y, 0, w + 3, h, 1), w, r2);
        }
        try (ExecutionPlan plan = new TaskGraph("wi2").task("wi2", TestKernels::workItem2d, new KernelContext(), w, o2)
                .plan(CPU).withGrid("wi2", Grid.of(w + 3, h))) {
            plan.run();
        }
        assertArrayEquals(r2, o2);

        int m = 1008;
        int[] g = new int[m], gref = new int[m];
        ctx.setLocalSize(16, 1, 1);
        for (int i = 0; i < m; i++) TestKernels.workGroups(ctx.setGlobalId(i, 0, 0, m, 1, 1), gref);
        try (ExecutionPlan plan = new TaskGraph("wg").task("wg", TestKernels::workGroups, new KernelContext(), g)
                .plan(CPU).withGrid("wg", Grid.of(m).local(16))) {
            plan.run();
        }
        assertArrayEquals(gref, g);
    }

    @Test
    void singleKernelsRunOncePerRun() {
        int[] counter = {0};
        try (ExecutionPlan plan = new TaskGraph("one").task("one", TestKernels::single, counter).plan(CPU)) {
            plan.run();
            plan.run();
        }
        assertEquals(2, counter[0]);
    }

    @Test
    void dependentTasksSeeEachOthersResultsWithoutCopies() {
        int n = 100_000;
        float[] x = randomFloats(new Random(1), n, false);
        float[] y = new float[n], z = new float[n];
        TaskGraph g = new TaskGraph("chain")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task("scale", TestKernels::scale, x, y, 2f)
                .task("add", TestKernels::addOne, y, z)
                .transferToHost(Transfer.ON_DEMAND, z);
        try (ExecutionPlan plan = g.plan(CPU)) {
            RunResult result = plan.run();
            for (int i = 0; i < n; i++) assertEquals(x[i] * 2f + 1f, z[i], "element " + i);
            assertEquals(0, result.transferToHostNanos() / 1_000_000, "no copies on the cpu");
            // The host array is the device array: a change between runs is seen by the next run.
            x[0] = 10f;
            plan.run();
            assertEquals(21f, z[0]);
            plan.transferToHost(z);
            assertEquals(21f, z[0]);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1000, 300_007})
    void reductionsCombineOnePartialPerChunk(int n) {
        Random r = new Random(n);
        int[] xi = new int[n];
        long[] xl = new long[n];
        float[] xf = randomFloats(r, n, false);
        for (int i = 0; i < n; i++) {
            xi[i] = r.nextInt();
            xl[i] = r.nextLong();
        }
        if (n > 10) {
            xf[n / 3] = -0f;
            xf[n / 2] = 0f;
        }
        int[] total = {17}, totalRef = {17};
        long[] prod = {3}, prodRef = {3};
        float[] lo = {Float.POSITIVE_INFINITY}, hi = {-1e30f}, loRef = lo.clone(), hiRef = hi.clone();
        TestKernels.sumInts(xi, totalRef);
        TestKernels.product(xl, prodRef);
        TestKernels.minMax(xf, loRef, hiRef);
        int m = (int) Math.sqrt(n);
        double[] a = new double[m * m];
        for (int i = 0; i < a.length; i++) a[i] = r.nextGaussian();
        double[] sq = {0.5}, sqRef = {0.5};
        TestKernels.sumSquares(m, a, sqRef);
        RunResult result = runOnce(new TaskGraph("reduce").task("sum", TestKernels::sumInts, xi, total)
                .task("prod", TestKernels::product, xl, prod)
                .task("mm", TestKernels::minMax, xf, lo, hi)
                .task("sq", TestKernels::sumSquares, m, a, sq));
        assertEquals(totalRef[0], total[0], "int sums wrap and are exact in any order");
        assertEquals(prodRef[0], prod[0], "long products wrap and are exact in any order");
        assertEquals(Float.floatToIntBits(loRef[0]), Float.floatToIntBits(lo[0]), "min is exact, -0 included");
        assertEquals(Float.floatToIntBits(hiRef[0]), Float.floatToIntBits(hi[0]), "max is exact");
        assertEquals(sqRef[0], sq[0], 1e-12 * Math.max(1, sqRef[0]), "double sums agree up to reassociation");
        assertEquals("cpu", result.task("sq").device().id());
    }

    @Test
    void fallbackPolicyCpuRunsKernelsWhoseDeviceBuildFailsOnTheCpu() {
        Device broken = io.kiln.Devices.get(BrokenBuildProvider.DEVICE_ID);
        float[] x = {1, 2, 3}, y = {1, 1, 1};
        TaskGraph g = new TaskGraph("fb-build").task("s", TestKernels::saxpy, 2f, x, y).transferToHost(io.kiln.Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = g.plan(broken)) {
            KilnException e = assertThrows(KilnException.class, plan::run);
            assertTrue(e.getMessage().contains("build log"), e.getMessage());
        }
        assertArrayEquals(new float[] {1, 1, 1}, y, "a failed build leaves the data untouched");
        try (ExecutionPlan plan = g.plan(broken).withFallback(FallbackPolicy.CPU)) {
            RunResult first = plan.run();
            RunResult second = plan.run();
            for (RunResult r : List.of(first, second)) {
                assertEquals("cpu", r.task("s").device().id());
                assertTrue(r.task("s").fallbackReason().contains("build log"), r.task("s").fallbackReason());
            }
        }
        assertArrayEquals(new float[] {5, 9, 13}, y);
    }

    @Test
    void fallbackPolicyCpuRunsTasksOfAMissingDeviceOnTheCpu() {
        Device ghost = new Device("opencl:42", Backend.OPENCL, DeviceType.GPU, "no such device", "nobody", 1, 1);
        float[] x = {1, 2, 3}, y = {1, 1, 1};
        TaskGraph g = new TaskGraph("fb").task("s", TestKernels::saxpy, 2f, x, y);
        try (ExecutionPlan plan = g.plan(ghost)) {
            assertThrows(KilnException.class, plan::run);
        }
        try (ExecutionPlan plan = g.plan(ghost).withFallback(FallbackPolicy.CPU)) {
            RunResult result = plan.run();
            assertEquals("cpu", result.task("s").device().id());
            assertNotNull(result.task("s").fallbackReason());
            assertTrue(result.task("s").fallbackReason().contains("opencl:42"), result.task("s").fallbackReason());
        }
        assertArrayEquals(new float[] {3, 5, 7}, y);
    }

    @Test
    void plansRunConcurrentlyFromSeveralThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    int n = 20_000 + seed * 1000;
                    Random r = new Random(seed);
                    float[] x = randomFloats(r, n, true);
                    float[] y = randomFloats(r, n, true);
                    float[] ref = y.clone();
                    int mm = 24;
                    float[] a = randomFloats(r, mm * mm, false), b = randomFloats(r, mm * mm, false);
                    float[] c = new float[mm * mm], cref = new float[mm * mm];
                    TestKernels.matmul(mm, a, b, cref);
                    try (ExecutionPlan plan = new TaskGraph("t" + seed).task("s", TestKernels::saxpy, 0.5f, x, y)
                            .task("mm", TestKernels::matmul, mm, a, b, c).plan(CPU)) {
                        for (int run = 0; run < 20; run++) {
                            TestKernels.saxpy(0.5f, x, ref);
                            plan.run();
                            assertBits(ref, y);
                            assertBits(cref, c);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeWaitsForARunInFlight() throws Exception {
        float[] x = new float[20_000];
        java.lang.invoke.VarHandle element = java.lang.invoke.MethodHandles.arrayElementVarHandle(float[].class);
        float expected = 0f;
        for (int k = 0; k < 4000; k++) expected = expected * 0.999f + 0.001f;
        ExecutionPlan plan = new TaskGraph("slow").task("slow", TestKernels::slow, x, 4000).plan(CPU);
        CompletableFuture<RunResult> f = plan.runAsync();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while ((float) element.getVolatile(x, 0) == 0f && System.nanoTime() < deadline) Thread.onSpinWait();
        assertEquals(expected, (float) element.getVolatile(x, 0), "the run never started");
        plan.close(); // the run is in flight: close() must wait for it
        for (int i = 0; i < x.length; i++) assertEquals(expected, (float) element.getVolatile(x, i), "element " + i + " after close()");
        RunResult result = f.get();
        assertEquals("cpu", result.task("slow").device().id());
        assertThrows(IllegalStateException.class, plan::run);
        plan.close();
    }

    @Test
    void outOfBoundsAccessesNameTheKernel() {
        // A bounds check fails as Java's does (KernelIndexOutOfBoundsException extends
        // ArrayIndexOutOfBoundsException), naming the kernel; see BoundsCheckTest for the rest.
        int[] x = new int[100];
        io.kiln.KernelIndexOutOfBoundsException e = assertThrows(io.kiln.KernelIndexOutOfBoundsException.class,
                () -> runOnce(new TaskGraph("oob").task("oob", TestKernels::outOfBounds, x)));
        assertEquals("TestKernels.outOfBounds", e.kernel());
        assertTrue(e.getMessage().contains("TestKernels.outOfBounds") && e.getMessage().contains("length 100"), e.getMessage());
    }

    @Test
    void barriersLetWorkItemsOfAGroupReadWhatOthersWrote() {
        float[] x = randomFloats(new Random(3), 192, false);
        float[] ref = new float[x.length];
        for (int i = 0; i < x.length; i++) ref[i] = x[i / 64 * 64 + 63 - i % 64];
        try (ExecutionPlan plan = new TaskGraph("bar").task("b", TestKernels::barrierKernel, new KernelContext(), x)
                .plan(CPU).withGrid("b", Grid.of(192).local(64))) {
            plan.run();
        }
        assertBits(ref, x);
    }

    @Test
    void serviceLoaderFindsTheProviderOnTheClassPath() {
        List<BackendProvider> found = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get).toList();
        assertTrue(found.stream().anyMatch(p -> p instanceof CpuBackendProvider), "found " + found);
        Device cpu = Devices.get("cpu");
        assertEquals(Backend.CPU, cpu.backend());
        assertEquals(DeviceType.CPU, cpu.type());
        assertEquals(Runtime.getRuntime().availableProcessors(), cpu.computeUnits());
        assertTrue(cpu.name().startsWith("JVM fork-join pool ("), cpu.name());
        boolean gpu = Devices.list().stream().anyMatch(d -> d.backend() == Backend.CUDA
                || (d.backend() == Backend.OPENCL && d.type() != DeviceType.CPU));
        if (!gpu) assertEquals("cpu", Devices.auto().id(), "without a GPU, auto() is the cpu back end");
    }

    @Test
    void kernelCompilerShowsTheGeneratedBytecode() {
        String text = KernelCompiler.emit(TestKernels.class, "saxpy", Target.JVM);
        assertTrue(text.contains("JVM bytecode for TestKernels.saxpy"), text);
        assertTrue(text.contains("faload") && text.contains("fmul") && text.contains("fastore"), text);
    }

    /** The kernel the engine built for {@code cpu} (io.kiln.runtime is not exported: reflection, on the class path). */
    static CpuKernel builtKernel(java.lang.reflect.Method kernel) throws ReflectiveOperationException {
        Class<?> cache = Class.forName("io.kiln.runtime.KernelCache");
        return (CpuKernel) cache.getMethod("built", java.lang.reflect.Method.class, io.kiln.spi.DeviceRuntime.class)
                .invoke(null, kernel, CpuBackendProvider.runtime());
    }

    @Test
    void largeLaunchesAreSplitAndTinyOnesStayOnTheCallingThread() throws Exception {
        float[] big = new float[1 << 22];
        float[] small = new float[1];
        float[] y = new float[big.length];
        try (ExecutionPlan plan = new TaskGraph("split").task("s", TestKernels::saxpy, 2f, big, y).plan(CPU);
             ExecutionPlan tiny = new TaskGraph("tiny").task("s", TestKernels::saxpy, 2f, small, small.clone()).plan(CPU)) {
            for (int i = 0; i < 3; i++) plan.run();
            CpuKernel k = builtKernel(TestKernels.class.getMethod("saxpy", float.class, float[].class, float[].class));
            assertTrue(k.lastChunks >= Math.min(2, Runtime.getRuntime().availableProcessors()), "chunks " + k.lastChunks);
            long best = Long.MAX_VALUE;
            for (int i = 0; i < 3000; i++) {
                long t0 = System.nanoTime();
                tiny.run();
                best = Math.min(best, System.nanoTime() - t0);
            }
            assertEquals(1, k.lastChunks, "a one-element launch runs on the calling thread");
            System.out.printf("one-element saxpy: best ExecutionPlan.run() %.1f us; estimate %.3f ns/item%n", best / 1e3, k.nsPerItem());
            assertTrue(best < 1_000_000, "dispatch took " + best + " ns");
        }
    }
}

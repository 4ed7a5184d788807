package io.kiln.kernels;

import io.kiln.Backend;
import io.kiln.CpuThreads;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelCompilationException;
import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.KilnRuntime;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.Variant;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link Variant} mechanism, as user code would use it: a kernel with a Java variant for
 * {@code cpu} and a kernel variant for OpenCL, each computing something the test can tell apart from
 * the reference (a real variant computes the same thing faster).
 */
class VariantTest {
    /** The thread the last Java variant ran on. */
    static final AtomicReference<String> VARIANT_THREAD = new AtomicReference<>();

    /** The reference: {@code y = k * x}. */
    @Variant(backend = Backend.CPU, in = VariantTest.class, method = "scaleOnHost")
    @Variant(backend = Backend.OPENCL, in = VariantTest.class, method = "scaleKernel")
    static void scale(float k, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = k * x[i];
        }
    }

    /** The cpu variant, marked: {@code y = k * x + 1000}, and it records its thread. */
    static void scaleOnHost(float k, float[] x, float[] y) {
        VARIANT_THREAD.set(Thread.currentThread().getName());
        for (int i = 0; i < y.length; i++) {
            y[i] = k * x[i] + 1000f;
        }
    }

    /** The threads a {@link #spreadOnHost} part ran on, and {@link CpuThreads#threads()} as the variant saw it. */
    static final java.util.Set<String> PART_THREADS = java.util.concurrent.ConcurrentHashMap.newKeySet();
    static final java.util.concurrent.atomic.AtomicInteger SEEN_THREADS = new java.util.concurrent.atomic.AtomicInteger();

    @Variant(backend = Backend.CPU, in = VariantTest.class, method = "spreadOnHost")
    static void spread(int[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = i;
        }
    }

    /**
     * {@link #spread} split by {@link CpuThreads#forEach} into a part per element, each sleeping a little
     * so that every thread of the device gets some: {@code y[i] = i + 1}, a part's thread recorded.
     */
    static void spreadOnHost(int[] y) {
        SEEN_THREADS.set(CpuThreads.threads());
        CpuThreads.forEach(y.length, p -> {
            PART_THREADS.add(Thread.currentThread().getName());
            sleep(2);
            y[p] = p + 1;
        });
    }

    @Variant(backend = Backend.CPU, in = VariantTest.class, method = "slowOnHost")
    static void slow(int[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = 1;
        }
    }

    /** A variant of many 5 ms parts (seconds in all), to be cancelled: each part counts itself in {@code y[0]}. */
    static void slowOnHost(int[] y) {
        CpuThreads.forEach(4000, p -> {
            synchronized (y) {
                y[0]++;
            }
            sleep(5);
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The OpenCL variant, a Kiln kernel, marked: {@code y = k * x + 2000}. */
    static void scaleKernel(float k, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = k * x[i] + 2000f;
        }
    }

    @Variant(backend = Backend.CPU, in = VariantTest.class, method = "noSuchMethod")
    static void missingVariant(float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = 1f;
        }
    }

    @Variant(backend = Backend.CPU, in = VariantTest.class, method = "wrongParameters")
    static void mismatchedVariant(float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = 1f;
        }
    }

    static void wrongParameters(double[] y) {
        // Never called: its parameter types differ from the kernel's.
    }

    @Variant(backend = Backend.CPU, in = VariantTest.class, method = "failOnHost")
    static void failingVariant(float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = 1f;
        }
    }

    static void failOnHost(float[] y) {
        throw new IllegalStateException("variant failed on purpose, length " + y.length);
    }

    /** The reference of a kernel whose OpenCL and CUDA variants have their own geometry: {@code y = x + 1}. */
    @Variant(backend = Backend.OPENCL, in = VariantTest.class, method = "groupSum", grid = "groupSumGrid")
    @Variant(backend = Backend.CUDA, in = VariantTest.class, method = "groupSum", grid = "groupSumGrid")
    static void plusOne(float[] x, float[] y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y[i] = x[i] + 1f;
        }
    }

    /** Work-groups of this many work-items in {@link #groupSum}. */
    static final int GROUP = 8;

    /**
     * The marked variant, a work-group kernel with local memory and a barrier: {@code y = x + 1 + g}, where
     * g is the work-group's size as the kernel sees it, so the test sees the variant's grid took effect.
     */
    static void groupSum(KernelContext ctx, float[] x, float[] y, int n) {
        float[] tile = ctx.localFloats(GROUP);
        int i = ctx.globalIdx();
        tile[ctx.localIdx()] = i < n ? x[i] : 0f;
        ctx.barrier();
        if (i < n) y[i] = tile[ctx.localIdx()] + 1f + ctx.localSizeX();
    }

    /** The variant's grid: whole groups of {@link #GROUP} covering n; it records the n it saw. */
    static Grid groupSumGrid(float[] x, float[] y, int n) {
        GRID_CALLS.incrementAndGet();
        return Grid.covering(n, GROUP);
    }

    static final java.util.concurrent.atomic.AtomicInteger GRID_CALLS = new java.util.concurrent.atomic.AtomicInteger();

    @Variant(backend = Backend.OPENCL, in = VariantTest.class, method = "groupSum", grid = "badGrid")
    static void unevenGrid(float[] x, float[] y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y[i] = x[i];
        }
    }

    /** Not whole work-groups: the launch rules refuse it. */
    static Grid badGrid(float[] x, float[] y, int n) {
        return Grid.of(n).local(GROUP);
    }

    @Variant(backend = Backend.CPU, in = VariantTest.class, method = "scaleOnHost", grid = "groupSumGrid")
    static void cpuWithGrid(float k, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = k * x[i];
        }
    }

    @Variant(backend = Backend.OPENCL, in = VariantTest.class, method = "groupSum", grid = "noSuchGrid")
    @Variant(backend = Backend.CUDA, in = VariantTest.class, method = "groupSum", grid = "noSuchGrid")
    static void missingGrid(float[] x, float[] y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y[i] = x[i];
        }
    }

    private static final float[] X = {1f, -2f, 0.5f, 3f, 7f};

    private static float[] expected(float k, float offset) {
        float[] e = new float[X.length];
        for (int i = 0; i < e.length; i++) e[i] = k * X[i] + offset;
        return e;
    }

    private static RunResult.TaskRun runScale(KilnRuntime runtime, Device device, float[] y) {
        try (ExecutionPlan plan = new TaskGraph("variants")
                .transferToDevice(Transfer.EVERY_RUN, X)
                .task("scale", VariantTest::scale, 3f, X, y)
                .transferToHost(Transfer.EVERY_RUN, y)
                .plan(runtime, device)) {
            return plan.run().task("scale");
        }
    }

    private static Device cpu() {
        return Devices.list().stream().filter(d -> d.backend() == Backend.CPU).findFirst().orElseThrow();
    }

    @Test
    void cpuRunsTheJavaVariantOnItsPoolAndRecordsIt() {
        float[] y = new float[X.length];
        RunResult.TaskRun run = runScale(KilnRuntime.shared(), cpu(), y);
        assertArrayEquals(expected(3f, 1000f), y, "the Java variant's result");
        assertEquals("VariantTest.scaleOnHost (Java variant)", run.implementation());
        assertTrue(run.ranVariant());
        assertEquals(Thread.currentThread().getName(), VARIANT_THREAD.get(), "the variant runs on the plan's calling thread");
    }

    @Test
    void aCpuVariantsPartsRunOnTheCallerAndTheDevicesThreads() {
        int threads = cpu().computeUnits();               // -Dkiln.cpu.threads, else the processors
        int[] y = new int[24 * threads];
        PART_THREADS.clear();
        try (ExecutionPlan plan = new TaskGraph("spread").task("t", VariantTest::spread, y).plan(cpu())) {
            assertEquals("VariantTest.spreadOnHost (Java variant)", plan.run().task("t").implementation());
        }
        for (int i = 0; i < y.length; i++) assertEquals(i + 1, y[i], "element " + i);
        assertEquals(threads, SEEN_THREADS.get(), "CpuThreads.threads() in the variant is the device's parallelism");
        String caller = Thread.currentThread().getName();
        System.out.println("cpu device of " + threads + " threads; parts ran on " + PART_THREADS);
        assertTrue(PART_THREADS.size() <= threads, "at most the device's threads: " + PART_THREADS);
        for (String t : PART_THREADS) {
            assertTrue(t.equals(caller) || t.startsWith("kiln-cpu-"), "a part ran on " + t + ", not the caller or the device's pool");
        }
        if (threads > 1) assertTrue(PART_THREADS.size() > 1, "parts of 2 ms each are shared: " + PART_THREADS);
    }

    @Test
    void aTimeoutStopsACpuVariantBetweenItsParts() {
        int[] y = new int[1];
        try (ExecutionPlan plan = new TaskGraph("slow").task("t", VariantTest::slow, y).plan(cpu())
                .withTimeout(java.time.Duration.ofMillis(300))) {
            long t0 = System.nanoTime();
            KilnException e = assertThrows(KilnException.class, plan::run);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("withTimeout(300 ms) of a variant of 4000 parts of 5 ms: ended after " + ms + " ms, "
                    + y[0] + " parts ran: " + e.getMessage());
            assertTrue(ms < 2000, "the run ended " + ms + " ms after it started");
            assertTrue(y[0] > 0 && y[0] < 4000, "some parts ran, not all: " + y[0]);
            int ran = y[0];
            sleep(50);
            assertEquals(ran, y[0], "no part runs after the run ended");
        }
    }

    @Test
    void variantsOffRunsTheReference() {
        try (KilnRuntime reference = KilnRuntime.create().useVariants(false)) {
            assertFalse(reference.usesVariants());
            float[] y = new float[X.length];
            RunResult.TaskRun run = runScale(reference, reference.device("cpu"), y);
            assertArrayEquals(expected(3f, 0f), y, "the reference's result");
            assertEquals("VariantTest.scale", run.implementation());
            assertFalse(run.ranVariant());
        }
    }

    @Test
    void everyOtherDeviceRunsItsOwnChoice() {
        int ran = 0;
        for (Device d : Devices.list()) {
            if (d.backend() == Backend.CPU) continue;
            float[] y = new float[X.length];
            RunResult.TaskRun run = runScale(KilnRuntime.shared(), d, y);
            boolean opencl = d.backend() == Backend.OPENCL;
            assertArrayEquals(expected(3f, opencl ? 2000f : 0f), y, "result on " + d.id());
            assertEquals(opencl ? "VariantTest.scaleKernel (variant)" : "VariantTest.scale", run.implementation(), d.id());
            ran++;
        }
        Assumptions.assumeTrue(ran > 0, "no device but cpu here (no PoCL, no PTX interpreter): " + Devices.unavailable());
    }

    @Test
    void aMissingOrMismatchedVariantFailsThePlanSayingWhy() {
        float[] y = new float[3];
        KernelCompilationException missing = assertThrows(KernelCompilationException.class, () -> {
            try (ExecutionPlan plan = new TaskGraph("missing").task("t", VariantTest::missingVariant, y).plan(cpu())) {
                plan.run();
            }
        });
        assertTrue(missing.getMessage().contains("noSuchMethod") && missing.getMessage().contains("does not exist"), missing.getMessage());
        KernelCompilationException mismatched = assertThrows(KernelCompilationException.class, () -> {
            try (ExecutionPlan plan = new TaskGraph("mismatched").task("t", VariantTest::mismatchedVariant, y).plan(cpu())) {
                plan.run();
            }
        });
        assertTrue(mismatched.getMessage().contains("exactly the kernel's parameter types"), mismatched.getMessage());
    }

    @Test
    void aVariantThatThrowsFailsTheRunWithItsCause() {
        float[] y = new float[4];
        KilnException e = assertThrows(KilnException.class, () -> {
            try (ExecutionPlan plan = new TaskGraph("failing").task("t", VariantTest::failingVariant, y).plan(cpu())) {
                plan.run();
            }
        });
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        assertTrue(root instanceof IllegalStateException && root.getMessage().contains("on purpose"), String.valueOf(root));
        assertTrue(Arrays.equals(new float[4], y), "nothing was written");
    }

    @Test
    void aVariantWithItsOwnGridRunsWithItOnEveryGpuBackend() {
        int ran = 0;
        for (Device d : Devices.list()) {
            if (d.backend() == Backend.CPU) continue;
            for (int n : new int[] {1, 13, 64}) {
                float[] x = new float[n], y = new float[n];
                for (int i = 0; i < n; i++) x[i] = i * 0.5f - 3f;
                int calls = GRID_CALLS.get();
                try (ExecutionPlan plan = new TaskGraph("own-grid")
                        .transferToDevice(Transfer.EVERY_RUN, x)
                        .task("t", VariantTest::plusOne, x, y, n)
                        .transferToHost(Transfer.EVERY_RUN, y)
                        .plan(KilnRuntime.shared(), d)) {
                    RunResult.TaskRun run = plan.run().task("t");
                    assertEquals("VariantTest.groupSum (variant)", run.implementation(), d.id());
                    for (int i = 0; i < n; i++) assertEquals(x[i] + 1f + GROUP, y[i], d.id() + " n=" + n + " element " + i);
                    // a second run with the same arguments keeps the geometry; a new n asks for a new grid
                    plan.run();
                    assertEquals(calls + 1, GRID_CALLS.get(), "the grid method runs once per new set of arguments");
                    if (n > 1) {
                        java.util.Arrays.fill(y, 0f);
                        plan.run(io.kiln.Bindings.of().scalar("t", 2, n - 1));
                        assertEquals(calls + 2, GRID_CALLS.get());
                        assertEquals(x[n - 2] + 1f + GROUP, y[n - 2]);
                    }
                }
            }
            try (KilnRuntime reference = KilnRuntime.create().useVariants(false)) {
                float[] x = {1f, 2f}, y = new float[2];
                try (ExecutionPlan plan = new TaskGraph("ref").transferToDevice(Transfer.EVERY_RUN, x).task("t", VariantTest::plusOne, x, y, 2)
                        .transferToHost(Transfer.EVERY_RUN, y).plan(reference, reference.device(d.id()))) {
                    assertEquals("VariantTest.plusOne", plan.run().task("t").implementation());
                }
                assertArrayEquals(new float[] {2f, 3f}, y, "variants off: the reference");
            }
            ran++;
        }
        Assumptions.assumeTrue(ran > 0, "no device but cpu here (no PoCL, no PTX interpreter): " + Devices.unavailable());
    }

    @Test
    void anOwnGridIsCheckedAndNamedWhenWrong() {
        Device opencl = Devices.list().stream().filter(d -> d.backend() == Backend.OPENCL).findFirst().orElse(null);
        if (opencl != null) {
            float[] x = new float[13], y = new float[13];
            IllegalArgumentException uneven = assertThrows(IllegalArgumentException.class, () -> {
                try (ExecutionPlan plan = new TaskGraph("uneven").task("t", VariantTest::unevenGrid, x, y, 13).plan(opencl)) {
                    plan.run();
                }
            });
            assertTrue(uneven.getMessage().contains("not a multiple of the local size 8"), uneven.getMessage());
            KernelCompilationException missing = assertThrows(KernelCompilationException.class, () -> {
                try (ExecutionPlan plan = new TaskGraph("missing").task("t", VariantTest::missingGrid, x, y, 13).plan(opencl)) {
                    plan.run();
                }
            });
            assertTrue(missing.getMessage().contains("noSuchGrid") && missing.getMessage().contains("returning a Grid"), missing.getMessage());
        }
        KernelCompilationException cpuGrid = assertThrows(KernelCompilationException.class, () -> {
            try (ExecutionPlan plan = new TaskGraph("cpu-grid").task("t", VariantTest::cpuWithGrid, 2f, X, new float[X.length]).plan(cpu())) {
                plan.run();
            }
        });
        assertTrue(cpuGrid.getMessage().contains("a cpu variant is a plain Java method without a grid"), cpuGrid.getMessage());
        Assumptions.assumeTrue(opencl != null, "no OpenCL device: only the cpu refusal was checked; " + Devices.unavailable());
    }
}

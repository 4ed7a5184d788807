package io.kiln.cpu;

import io.kiln.IntArray;
import io.kiln.KernelContext;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.LongArray;
import io.kiln.ir.KernelIR;
import io.kiln.spi.LaunchGeometry;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.InvocationTargetException;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link AtomicPrivatisation}: histograms with global integer atomics give the Java method's bins bit for
 * bit, through per-thread private copies where the launch privatises (bins up to the bound, enough items)
 * and through real atomics where it does not (over the bound, too few items, aliased arguments, kernels
 * that read the bins or use an atomic's result); bounds checks and cancellation behave as before.
 */
class AtomicPrivatisationTest {
    /** Items per launch: above {@code MIN_ITEMS_PER_ELEMENT * MAX_ELEMENTS * 2 threads}, so every bin count up to the bound privatises. */
    static final int N = 1 << 21;

    static Method method(String name) {
        return Arrays.stream(PrivateAtomicKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    /** The front end's IR (by reflection: io.kiln.frontend is not exported). */
    static KernelIR ir(String name) {
        try {
            Method compile = Class.forName("io.kiln.frontend.FrontEnd").getMethod("compile", Method.class);
            return (KernelIR) compile.invoke(null, method(name));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs the Java method once per work-item of a 1-D grid of {@code n}, in order (args[0] is the context). */
    static void java(String name, int n, Object... args) throws Throwable {
        Method m = method(name);
        KernelContext ctx = new KernelContext();
        Object[] a = args.clone();
        a[0] = ctx;
        for (int i = 0; i < n; i++) {
            ctx.setGlobalId(i, 0, 0, n, 1, 1);
            try {
                m.invoke(null, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    static CpuKernel launch(String name, int n, long[] local, Object... args) {
        CpuKernel k = CpuTesting.build(ir(name));
        args[0] = new KernelContext();
        CpuTesting.launch(k, args, 0, local, n);
        return k;
    }

    static int[] randomInts(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt();
        return a;
    }

    static long[] randomLongs(Random r, int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = r.nextLong();
        return a;
    }

    @Test
    void theAnalysisPrivatisesOnlyUnreadSameOperationIntegerAtomics() {
        for (String yes : new String[] {"countInts", "sumInts", "sumLongs", "minInts", "maxLongs", "countOffHeap", "maxOffHeap",
                "countLocal", "countAndReadOther"}) {
            assertEquals(1, new AtomicPrivatisation(ir(yes)).candidates.size(), yes);
        }
        for (String no : new String[] {"countAndRead", "tickets", "addAndMax", "sumFloats"}) {
            assertEquals(0, new AtomicPrivatisation(ir(no)).candidates.size(), no);
        }
        assertEquals(0, new AtomicPrivatisation(ir("countInts"), false).candidates.size(), "-Dkiln.cpu.privateAtomics=false");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 256, 65_521, 65_536, 65_537})
    void intHistogramsMatchTheJavaMethod(int bins) throws Throwable {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.int " + bins));
        int[] data = randomInts(r, N);
        for (String kernel : new String[] {"countInts", "sumInts", "minInts"}) {
            int[] initial = kernel.equals("countInts") ? new int[bins] : randomInts(r, bins);
            int[] expected = initial.clone();
            java(kernel, N, null, data, expected);
            for (int run = 0; run < 2; run++) {
                int[] actual = initial.clone();
                CpuKernel k = launch(kernel, N, null, null, data, actual);
                assertArrayEquals(expected, actual, kernel + " with " + bins + " bins, run " + run);
                assertEquals(bins <= AtomicPrivatisation.MAX_ELEMENTS ? 1 : 0, k.lastPrivatised, kernel + " privatised");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 65_536, 65_537})
    void longHistogramsMatchTheJavaMethod(int bins) throws Throwable {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.long " + bins));
        long[] data = randomLongs(r, N);
        for (String kernel : new String[] {"sumLongs", "maxLongs"}) {
            long[] initial = randomLongs(r, bins);
            long[] expected = initial.clone();
            java(kernel, N, null, data, expected);
            long[] actual = initial.clone();
            CpuKernel k = launch(kernel, N, null, null, data, actual);
            assertArrayEquals(expected, actual, kernel + " with " + bins + " bins");
            assertEquals(bins <= AtomicPrivatisation.MAX_ELEMENTS ? 1 : 0, k.lastPrivatised, kernel + " privatised");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 65_536, 65_537})
    void offHeapBinsMatchTheJavaMethod(int bins) throws Throwable {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.offHeap " + bins));
        int[] data = randomInts(r, N);
        long[] longData = randomLongs(r, N);
        long[] initial = randomLongs(r, bins);
        try (IntArray counts = IntArray.allocate(bins); IntArray expected = IntArray.allocate(bins);
             LongArray maxima = LongArray.allocate(bins); LongArray expectedMax = LongArray.allocate(bins)) {
            java("countOffHeap", N, null, data, expected);
            CpuKernel k = launch("countOffHeap", N, null, null, data, counts);
            for (long i = 0; i < bins; i++) assertEquals(expected.get(i), counts.get(i), "count of bin " + i);
            assertEquals(bins <= AtomicPrivatisation.MAX_ELEMENTS ? 1 : 0, k.lastPrivatised, "countOffHeap privatised");
            maxima.copyFrom(initial);
            expectedMax.copyFrom(initial);
            java("maxOffHeap", N, null, longData, expectedMax);
            k = launch("maxOffHeap", N, null, null, longData, maxima);
            for (long i = 0; i < bins; i++) assertEquals(expectedMax.get(i), maxima.get(i), "maximum of bin " + i);
            assertEquals(bins <= AtomicPrivatisation.MAX_ELEMENTS ? 1 : 0, k.lastPrivatised, "maxOffHeap privatised");
        }
    }

    @Test
    void aLaunchWithFewItemsPerBinUsesTheRealAtomics() throws Throwable {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.few"));
        int n = 100_000;
        int[] data = randomInts(r, n);
        int[] expected = new int[65_536];
        java("countInts", n, null, data, expected);
        int[] actual = new int[65_536];
        CpuKernel k = launch("countInts", n, null, null, data, actual);
        assertArrayEquals(expected, actual);
        assertEquals(0, k.lastPrivatised);
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 64})
    void workGroupKernelsMergeLocalCountsThroughPrivateCopies(int bins) {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.groups " + bins));
        int[] data = randomInts(r, N);
        int[] expected = new int[bins];
        for (int v : data) expected[((v & 63) * 7) % bins]++;
        int[] actual = new int[bins];
        CpuKernel k = launch("countLocal", N, new long[] {64}, null, data, actual);
        assertArrayEquals(expected, actual);
        assertEquals(1, k.lastPrivatised);
    }

    @Test
    void kernelsThatReadTheBinsOrUseTheResultKeepRealAtomics() throws Throwable {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.reads"));
        int[] data = randomInts(r, N);
        int bins = 97;
        int[] expected = new int[bins];
        int[] expectedSeen = new int[N];
        java("countAndRead", N, null, data, expected, expectedSeen);
        int[] actual = new int[bins];
        int[] seen = new int[N];
        CpuKernel k = launch("countAndRead", N, null, null, data, actual, seen);
        assertArrayEquals(expected, actual);
        assertArrayEquals(expectedSeen, seen, "every item sees its own count");
        assertEquals(0, k.lastPrivatised);

        int[] counts = new int[bins];
        int[] tickets = new int[N];
        launch("tickets", N, null, null, data, counts, tickets);
        assertArrayEquals(expected, counts);
        // each bin hands out the tickets 0 .. count - 1, each once
        int[][] seenTickets = new int[bins][];
        for (int b = 0; b < bins; b++) seenTickets[b] = new int[expected[b]];
        for (int i = 0; i < N; i++) {
            int b = (data[i] & 0x7fffffff) % bins;
            assertTrue(tickets[i] >= 0 && tickets[i] < expected[b], "ticket " + tickets[i] + " of bin " + b);
            assertEquals(0, seenTickets[b][tickets[i]]++, "ticket " + tickets[i] + " of bin " + b + " handed out twice");
        }
    }

    @Test
    void anArgumentThatAliasesTheBinsTurnsPrivatisationOff() throws Throwable {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.alias"));
        int[] data = randomInts(r, N);
        int bins = 31;
        // the same array as bins and view: every item then sees its own count
        int[] expected = new int[bins];
        int[] expectedSeen = new int[N];
        java("countAndReadOther", N, null, data, expected, expected, expectedSeen);
        int[] actual = new int[bins];
        int[] seen = new int[N];
        CpuKernel k = launch("countAndReadOther", N, null, null, data, actual, actual, seen);
        assertArrayEquals(expected, actual);
        assertArrayEquals(expectedSeen, seen);
        assertEquals(0, k.lastPrivatised, "aliased: real atomics");
        // distinct arrays: privatised, and the view stays untouched
        int[] counts = new int[bins];
        int[] view = new int[bins];
        seen = new int[N];
        k = launch("countAndReadOther", N, null, null, data, counts, view, seen);
        assertArrayEquals(expected, counts);
        assertArrayEquals(new int[N], seen);
        assertEquals(1, k.lastPrivatised);
    }

    @Test
    void aFailedBoundsCheckLeavesTheCountsJavaWroteBeforeIt() throws Throwable {
        Random r = new Random(Seeds.seed("AtomicPrivatisationTest.bounds"));
        int n = 4096;
        int bins = 16;
        int[] data = new int[n];
        for (int i = 0; i < n; i++) data[i] = r.nextInt(bins);
        int bad = n / 2 + r.nextInt(n / 2);
        data[bad] = bins + r.nextInt(5);
        int[] expected = new int[bins];
        assertThrows(ArrayIndexOutOfBoundsException.class, () -> java("countUnchecked", n, null, data, expected));
        int[] actual = new int[bins];
        CpuKernel k = CpuTesting.build(ir("countUnchecked"));
        KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> CpuTesting.launch(k, new Object[] {new KernelContext(), data, actual}, 0, null, n));
        assertTrue(e.getMessage().contains("Index " + data[bad] + " out of bounds for length " + bins), e.getMessage());
        assertTrue(e.getMessage().contains("bins"), e.getMessage());
        assertEquals(1, k.lastPrivatised);
        assertArrayEquals(expected, actual, "the counts of the items before the failing one (item " + bad + ")");
    }

    @Test
    void aPrivatisedLaunchStopsWhenCancelledAndTheSessionGoesOn() throws Exception {
        CpuKernel k = CpuTesting.build(ir("countForever"));
        int[] bins = new int[16];
        Object[] args = {new KernelContext(), new int[] {1, 0}, bins};
        try (CpuSession s = (CpuSession) CpuTesting.RUNTIME.openSession()) {
            CompletableFuture<Void> run = CompletableFuture.runAsync(() -> s.launch(k, args, new LaunchGeometry(new long[] {1 << 16}, null)));
            try {
                run.get(150, TimeUnit.MILLISECONDS);
                fail("countForever ended by itself");
            } catch (TimeoutException expected) {
                // still running
            }
            assertTrue(s.cancel());
            try {
                run.get(1, TimeUnit.SECONDS);
                fail("the launch returned normally after cancel()");
            } catch (ExecutionException e) {
                CancellationException c = assertInstanceOf(CancellationException.class, e.getCause());
                assertTrue(c.getMessage().contains("countForever"), c.getMessage());
            } catch (TimeoutException e) {
                fail("countForever did not stop within 1 s of cancel()");
            }
            long total = 0;
            for (int b : bins) total += b;
            assertTrue(total > 0, "the updates that ran were merged into the bins");
            // the session still counts exactly
            Random r = new Random(Seeds.seed("AtomicPrivatisationTest.afterCancel"));
            int[] data = randomInts(r, N);
            int[] expected = new int[256];
            for (int v : data) expected[(v & 0x7fffffff) % 256]++;
            int[] actual = new int[256];
            CpuKernel count = CpuTesting.build(ir("countInts"));
            s.launch(count, new Object[] {new KernelContext(), data, actual}, new LaunchGeometry(new long[] {N}, null));
            s.finish();
            assertArrayEquals(expected, actual);
        }
    }
}

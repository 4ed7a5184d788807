package io.kiln;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CpuThreads}: which threads parts run on, that every part runs once, failures and cancellation. */
class CpuThreadsTest {
    /** A pool like the cpu device's: three threads named {@code test-pool-*}. */
    private static final AtomicInteger WORKERS = new AtomicInteger();
    private static final ForkJoinPool POOL = new ForkJoinPool(3, p -> {
        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
        t.setName("test-pool-" + WORKERS.getAndIncrement());     // distinct names: the tests count helpers by name
        t.setDaemon(true);
        return t;
    }, null, false);

    @AfterAll
    static void shutDown() {
        POOL.shutdown();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void boundPartsRunOnTheCallerAndAtMostThreadsMinusOneHelpers() {
        for (int threads : new int[] {1, 2, 3}) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            AtomicIntegerArray runs = new AtomicIntegerArray(40);
            int[] seen = new int[1];
            String caller = Thread.currentThread().getName();
            CpuThreads.runOn(POOL, threads, () -> false, () -> {
                seen[0] = CpuThreads.threads();
                CpuThreads.forEach(runs.length(), p -> {
                    names.add(Thread.currentThread().getName());
                    sleep(2);
                    runs.incrementAndGet(p);
                });
            });
            assertEquals(threads, seen[0], "threads() inside runOn");
            for (int p = 0; p < runs.length(); p++) assertEquals(1, runs.get(p), "part " + p + " ran once");
            System.out.println(threads + " threads bound: parts ran on " + names);
            assertTrue(names.size() <= threads, threads + " threads, parts ran on " + names);
            assertTrue(names.contains(caller), "the caller works too: " + names);
            for (String n : names) assertTrue(n.equals(caller) || n.startsWith("test-pool-"), n);
            if (threads > 1) assertTrue(names.size() > 1, "40 parts of 2 ms are shared: " + names);
        }
    }

    /**
     * Back-to-back jobs, as a batch of small resizes makes them: helpers still spinning after one job take
     * the next, and still no job runs a part twice, skips one, or gets more than threads - 1 helpers.
     */
    @Test
    void backToBackJobsRunEveryPartOnceOnAtMostThreadsThreads() {
        String caller = Thread.currentThread().getName();
        for (int job = 0; job < 3000; job++) {
            int threads = 2 + job % 2;
            int parts = 1 + job % 7;
            AtomicIntegerArray runs = new AtomicIntegerArray(parts);
            Set<String> names = ConcurrentHashMap.newKeySet();
            CpuThreads.runOn(POOL, threads, () -> false, () -> CpuThreads.forEach(parts, p -> {
                names.add(Thread.currentThread().getName());
                if (p % 3 == 0) Thread.onSpinWait();
                runs.incrementAndGet(p);
            }));
            for (int p = 0; p < parts; p++) assertEquals(1, runs.get(p), "job " + job + ": part " + p + " ran once");
            names.remove(caller);
            assertTrue(names.size() <= threads - 1, "job " + job + " with " + threads + " threads had helpers " + names);
            for (String n : names) assertTrue(n.startsWith("test-pool-"), "a part ran on " + n);
        }
    }

    @Test
    void forRangeCoversTheRangeOnceInContiguousParts() {
        long seed = System.nanoTime();
        System.out.println("CpuThreadsTest seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (int trial = 0; trial < 200; trial++) {
            int n = trial < 5 ? trial : r.nextInt(1, 5000);
            int grain = r.nextInt(-2, 700);
            int threads = 1 + r.nextInt(4);
            AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
            AtomicInteger parts = new AtomicInteger();
            CpuThreads.runOn(POOL, threads, () -> false, () -> CpuThreads.forRange(n, grain, (from, to) -> {
                assertTrue(from < to && (to - from >= Math.max(1, grain) || from == 0 || to == n),
                        "part [" + from + ", " + to + ") of n=" + n + " grain " + grain);
                parts.incrementAndGet();
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            }));
            for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "seed " + seed + " n=" + n + " index " + i);
            assertTrue(parts.get() <= Math.max(1, 2 * threads), parts.get() + " parts for " + threads + " threads");
        }
    }

    @Test
    void theFirstFailureIsRethrownAfterThePartsRunning() {
        IllegalStateException boom = new IllegalStateException("part 3 failed on purpose");
        AtomicInteger running = new AtomicInteger(), after = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CpuThreads.runOn(POOL, 3, () -> false,
                () -> CpuThreads.forEach(1000, p -> {
                    if (failed.get()) after.incrementAndGet();
                    running.incrementAndGet();
                    sleep(1);
                    if (p == 3) {
                        failed.set(true);
                        throw boom;
                    }
                    running.decrementAndGet();
                })));
        assertSame(boom, e);
        assertEquals(1, running.get(), "only the failed part is unfinished: the others ended before the call did");
        assertTrue(after.get() <= 3, "parts after the failure are skipped (at most those already claimed): " + after.get());
    }

    @Test
    void aCancelledRunStartsNoFurtherPart() {
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicInteger ran = new AtomicInteger();
        assertThrows(CancellationException.class, () -> CpuThreads.runOn(POOL, 2, cancelled::get,
                () -> CpuThreads.forEach(1000, p -> {
                    if (ran.incrementAndGet() == 10) cancelled.set(true);
                    sleep(1);
                })));
        assertTrue(ran.get() >= 10 && ran.get() <= 11, "parts after the cancellation did not start: " + ran.get());
        // A single part is checked too.
        assertThrows(CancellationException.class, () -> CpuThreads.runOn(POOL, 2, () -> true,
                () -> CpuThreads.forRange(10, 100, (a, b) -> ran.set(-1))));
        assertTrue(ran.get() > 0, "the cancelled single part did not run");
    }

    @Test
    void nestedCallsRunOnThePartsThread() {
        Set<String> mismatched = ConcurrentHashMap.newKeySet();
        AtomicInteger inner = new AtomicInteger();
        CpuThreads.runOn(POOL, 3, () -> false, () -> CpuThreads.forEach(6, p -> {
            String outer = Thread.currentThread().getName();
            if (CpuThreads.threads() != 1) mismatched.add("threads() " + CpuThreads.threads());
            CpuThreads.forEach(5, q -> {
                inner.incrementAndGet();
                if (!Thread.currentThread().getName().equals(outer)) mismatched.add(Thread.currentThread().getName());
            });
        }));
        assertEquals(30, inner.get());
        assertTrue(mismatched.isEmpty(), String.valueOf(mismatched));
        // After the call the binding is the caller's again.
        CpuThreads.runOn(POOL, 3, () -> false, () -> {
            CpuThreads.forEach(2, p -> { });
            assertEquals(3, CpuThreads.threads());
        });
    }

    @Test
    void unboundCallsUseThePoolTheCallerRunsIn() {
        assertEquals(ForkJoinPool.getCommonPoolParallelism() + 1, CpuThreads.threads(), "outside any pool: common pool + caller");
        assertEquals(3, POOL.submit(CpuThreads::threads).join(), "on a thread of a pool of 3");
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        POOL.submit(() -> CpuThreads.forRange(100, 1, (a, b) -> {
            for (int i = a; i < b; i++) hits.incrementAndGet(i);
        })).join();
        for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i));
        assertThrows(IllegalArgumentException.class, () -> CpuThreads.forEach(-1, p -> { }));
        assertThrows(IllegalArgumentException.class, () -> CpuThreads.runOn(POOL, 0, () -> false, () -> { }));
    }
}

package io.kiln.cpu;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Parallel;
import io.kiln.Reduce;
import io.kiln.TaskGraph;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel's first launch (no estimate yet): a first piece on the calling thread measures it, and the
 * rest is split with that estimate (WorkSplitter.probeLength). Each kernel here is used by this test
 * only, so that its first launch really is its first; results are compared with the Java methods.
 */
class FirstLaunchTest {
    static final Device CPU = Devices.get("cpu");

    /** Few but costly items: one per row, each a loop over the row (as the suite's stencils and resizes). */
    static void rowSums(int w, int h, int[] in, int[] out) {
        for (@Parallel int y = 0; y < h; y++) {
            int s = 0;
            for (int x = 0; x < w; x++) s += in[y * w + x] * (x + 1);
            out[y] = s;
        }
    }

    /** A reduction whose first launch is a first piece and then the rest: partials combined in order. */
    static void sumRows(int w, int h, int[] in, @Reduce long[] total) {
        for (@Parallel int y = 0; y < h; y++) {
            long s = 0;
            for (int x = 0; x < w; x++) s += in[y * w + x];
            total[0] += s;
        }
    }

    /** A trip count the host does not know exactly is still run as Java runs it (the last chunk is open). */
    static void firstOfEach(int[] n, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = i < n[0] ? i * 3 + 1 : -i;
        }
    }

    private static int[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i % 97 == 0 ? (i % 2 == 0 ? Integer.MAX_VALUE : Integer.MIN_VALUE) : r.nextInt();
        return a;
    }

    @Test
    void aFirstLaunchOfFewCostlyItemsIsSplitAndExact() throws Exception {
        long seed = System.nanoTime();
        System.out.println("FirstLaunchTest seed " + seed);
        int w = 2048, h = 300;
        int[] in = random(seed, w * h);
        int[] out = new int[h];
        int[] expected = new int[h];
        rowSums(w, h, in, expected);
        try (ExecutionPlan plan = new TaskGraph("rows").task("r", FirstLaunchTest::rowSums, w, h, in, out).plan(CPU)) {
            plan.run();
            assertArrayEquals(expected, out, "seed " + seed);
            CpuKernel k = CpuEndToEndTest.builtKernel(FirstLaunchTest.class.getDeclaredMethod("rowSums", int.class, int.class, int[].class, int[].class));
            // Before, 300 items ran as one call on the calling thread; the estimate of the first piece
            // (interpreted rows of 2048) now splits the rest into many calls.
            assertTrue(k.lastChunks >= 16, "chunks of the first launch's rest: " + k.lastChunks);
            java.util.Arrays.fill(out, 0);
            plan.run();
            assertArrayEquals(expected, out, "second run, seed " + seed);
        }
    }

    @Test
    void aReductionsFirstLaunchCombinesEveryPieceOnce() {
        long seed = System.nanoTime() ^ 0x5DEECE66DL;
        System.out.println("FirstLaunchTest reduction seed " + seed);
        int w = 1000, h = 777;
        int[] in = random(seed, w * h);
        long[] total = {123_456_789_012L};
        long[] expected = {total[0]};
        sumRows(w, h, in, expected);
        try (ExecutionPlan plan = new TaskGraph("sum").task("s", FirstLaunchTest::sumRows, w, h, in, total).plan(CPU)) {
            plan.run();
            assertEquals(expected[0], total[0], "seed " + seed);
            long once = expected[0];
            sumRows(w, h, in, expected);
            plan.run();
            assertEquals(expected[0], total[0], "second run adds again onto the first result (" + once + "), seed " + seed);
        }
    }

    @Test
    void aFirstLaunchRunsExactlyJavasIterations() {
        for (int limit : new int[] {0, 1, 5, 999, 5000, 10_000}) {
            int[] out = new int[5000];
            int[] expected = new int[5000];
            firstOfEach(new int[] {limit}, expected);
            try (ExecutionPlan plan = new TaskGraph("each").task("e", FirstLaunchTest::firstOfEach, new int[] {limit}, out).plan(CPU)) {
                plan.run();
            }
            assertArrayEquals(expected, out, "limit " + limit);
        }
    }
}

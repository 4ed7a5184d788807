package io.kiln.runtime;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.KilnException;
import io.kiln.KilnRuntime;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host-change check and device memory accounting of the executor, on a device with memory of its
 * own ({@link FakeBackend}, deferred) and on one that works on host memory ({@link SlowBackend}'s
 * {@code stoppable:0}, as {@code cpu}): both must give the same answer or the same error.
 */
class TransferChecksAndMemoryTest {
    final FakeBackend fake = new FakeBackend();
    final KilnRuntime fakeKiln = KilnRuntimeAccess.of(fake.context(16));
    final SlowBackend slow = new SlowBackend();
    final KilnRuntime hostKiln = KilnRuntimeAccess.of(slow.context());

    /** total[0] += sum of x: the reduction, as a plain loop. */
    static void sum(float[] x, @FakeBackend.ReadsWrites int[] total) {
        int s = 0;
        for (float v : x) s += (int) v;
        total[0] += s;
    }

    static void scale(float[] x, @FakeBackend.Writes float[] y) {
        for (int i = 0; i < x.length; i++) y[i] = 2 * x[i];
    }

    static void first(float[] x, @FakeBackend.Writes float[] y) {
        y[0] = 2 * x[0];
    }

    ExecutionPlan plan(TaskGraph g, String device) {
        return device.equals("fake:0") ? g.plan(fakeKiln, fakeKiln.device("fake:0")) : g.plan(hostKiln, hostKiln.device(device));
    }

    static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1);
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake:0", "stoppable:0"})
    void resettingAnArrayTheDeviceKeepsIsTheSameClearErrorOnEveryDevice(String device) {
        float[] x = ones(1000);
        int[] total = new int[1];
        TaskGraph g = new TaskGraph("total").task("sum", TransferChecksAndMemoryTest::sum, x, total).transferToHost(Transfer.EVERY_RUN, total);
        try (ExecutionPlan plan = plan(g, device)) {
            plan.run();
            assertEquals(1000, total[0]);
            total[0] = 0;
            IllegalStateException e = assertThrows(IllegalStateException.class, plan::run);
            assertTrue(e.getMessage().contains("the host changed int[1] (parameter 'total' of task 'sum') after the last run")
                    && e.getMessage().contains("transferToDevice(Transfer.EVERY_RUN, total)") && e.getMessage().contains("plan.hostChanged(total)"),
                    e.getMessage());
            assertEquals(0, total[0], "nothing ran");
            // Announced, the change is honoured on every device.
            plan.hostChanged(total).run();
            assertEquals(1000, total[0]);
            // Not changed: accumulates on every device.
            plan.run();
            assertEquals(2000, total[0]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake:0", "stoppable:0"})
    void everyRunDataMayChangeAndChecksCanBeTurnedOff(String device) {
        float[] x = ones(10);
        int[] total = new int[1];
        TaskGraph g = new TaskGraph("total").task("sum", TransferChecksAndMemoryTest::sum, x, total)
                .transferToDevice(Transfer.EVERY_RUN, total).transferToHost(Transfer.EVERY_RUN, total);
        try (ExecutionPlan plan = plan(g, device)) {
            for (int k = 0; k < 3; k++) {
                total[0] = 0;
                plan.run();
                assertEquals(10, total[0]);
            }
            x[3] = 5; // x is the plan's: a change is refused...
            assertThrows(IllegalStateException.class, plan::run);
            plan.withTransferChecks(false); // ...unless the check is off (then devices differ, as documented)
            plan.run();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fake:0", "stoppable:0"})
    void outputsWrittenByTheRunAndCopiedBackAreNotHostChanges(String device) {
        long seed = System.nanoTime();
        System.out.println("outputs seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[257];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-1e6, 1e6);
        float[] y = new float[x.length];
        TaskGraph g = new TaskGraph("scale").task("s", TransferChecksAndMemoryTest::scale, x, y).transferToHost(Transfer.ON_DEMAND, y);
        try (ExecutionPlan plan = plan(g, device)) {
            for (int k = 0; k < 3; k++) plan.run();
            plan.transferToHost(y);
            for (int i = 0; i < x.length; i++) assertEquals(2 * x[i], y[i]);
            plan.run(); // the copy back was the plan's own doing
            // A rebound array is new to the plan: it may have any contents.
            float[] x2 = x.clone();
            x2[0] = 7;
            plan.run(Bindings.of().data(x, x2));
            plan.transferToHost(y);
            assertEquals(14, y[0]);
        }
    }

    @Test
    void theHashSeesEveryWordAndRunsAtMemorySpeed() {
        long seed = System.nanoTime();
        System.out.println("hash seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (int n : new int[] {0, 1, 3, 7, 8, 9, 31, 33, 1000}) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
            long h = HostFingerprint.contentHash(a);
            for (int i = 0; i < n; i++) {
                float[] b = a.clone();
                b[i] = Math.nextUp(b[i]);
                assertNotEquals(h, HostFingerprint.contentHash(b), "n=" + n + " i=" + i);
            }
            assertEquals(h, HostFingerprint.contentHash(a.clone()));
        }
        // Every element type: equal contents hash equally, any one changed element changes the hash.
        for (int n : new int[] {0, 1, 5, 9, 33}) {
            Object[] kinds = {new byte[n], new short[n], new char[n], new int[n], new long[n], new float[n], new double[n],
                    new boolean[n]};
            for (Object a : kinds) {
                long h = HostFingerprint.contentHash(a);
                assertEquals(h, HostFingerprint.fingerprint(a), "small arrays are hashed whole");
                for (int i = 0; i < n; i++) {
                    Object b = copyWithOneChange(a, i);
                    assertNotEquals(h, HostFingerprint.contentHash(b), a.getClass().getSimpleName() + " n=" + n + " i=" + i);
                }
            }
        }
        byte[] bytes = new byte[13];
        long hb = HostFingerprint.contentHash(bytes);
        bytes[12] = 1;
        assertNotEquals(hb, HostFingerprint.contentHash(bytes));
        try (FloatArray off = FloatArray.allocate(100)) {
            long ho = HostFingerprint.contentHash(off);
            off.set(99, 1f);
            assertNotEquals(ho, HostFingerprint.contentHash(off));
        }
        float[] big = new float[4 << 20]; // 16 MiB
        for (int i = 0; i < big.length; i += 4099) big[i] = i;
        long best = Long.MAX_VALUE;
        for (int k = 0; k < 8; k++) {
            long t0 = System.nanoTime();
            HostFingerprint.contentHash(big);
            best = Math.min(best, System.nanoTime() - t0);
        }
        double gbs = 16.0 * (1 << 20) / best;
        System.out.printf("contentHash: 16 MiB in %.1f ms, %.1f GB/s%n", best / 1e6, gbs);
        assertTrue(gbs > 0.1, "hashing runs at " + gbs + " GB/s");
    }

    private static Object copyWithOneChange(Object a, int i) {
        return switch (a) {
            case byte[] x -> { byte[] y = x.clone(); y[i] = (byte) (y[i] + 1); yield y; }
            case short[] x -> { short[] y = x.clone(); y[i] = (short) (y[i] + 1); yield y; }
            case char[] x -> { char[] y = x.clone(); y[i] = (char) (y[i] + 1); yield y; }
            case int[] x -> { int[] y = x.clone(); y[i] = y[i] + 1; yield y; }
            case long[] x -> { long[] y = x.clone(); y[i] = y[i] + 1; yield y; }
            case float[] x -> { float[] y = x.clone(); y[i] = -0f; yield y; }       // +0 -> -0: equal as floats, other bits
            case double[] x -> { double[] y = x.clone(); y[i] = -0d; yield y; }
            case boolean[] x -> { boolean[] y = x.clone(); y[i] = !y[i]; yield y; }
            default -> throw new IllegalArgumentException(String.valueOf(a));
        };
    }

    @Test
    void theFingerprintHashesSmallArraysWholeAndSamplesLargeOnes() {
        long seed = System.nanoTime();
        System.out.println("fingerprint seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        // Up to FULL_HASH_BYTES: every word counts.
        float[] small = new float[(int) (HostFingerprint.FULL_HASH_BYTES / 4)];
        for (int i = 0; i < small.length; i++) small[i] = (float) r.nextGaussian();
        long hs = HostFingerprint.fingerprint(small);
        for (int k = 0; k < 200; k++) {
            float[] b = small.clone();
            int i = r.nextInt(b.length);
            b[i] = Math.nextUp(b[i]);
            assertNotEquals(hs, HostFingerprint.fingerprint(b), "small array, element " + i);
        }
        // Larger: the ends, the probes, the size, and any refill with new data.
        int n = 3 << 20;
        float[] big = new float[n];
        for (int i = 0; i < n; i++) big[i] = (float) r.nextGaussian();
        long hb = HostFingerprint.fingerprint(big);
        assertEquals(hb, HostFingerprint.fingerprint(big.clone()));
        int endWords = (int) (HostFingerprint.SAMPLED_END_BYTES / 4);
        for (int i : new int[] {0, 1, endWords - 1, n - endWords, n - 1}) {
            float[] b = big.clone();
            b[i] = -b[i] - 1;
            assertNotEquals(hb, HostFingerprint.fingerprint(b), "end element " + i);
        }
        float[] refilled = big.clone();
        for (int i = 0; i < n; i++) refilled[i] += 1f;
        assertNotEquals(hb, HostFingerprint.fingerprint(refilled), "refilled with new data");
        assertNotEquals(hb, HostFingerprint.fingerprint(java.util.Arrays.copyOf(big, n + 2)), "another size");
        byte[] image = new byte[200_003];                          // another element size, sampled too
        r.nextBytes(image);
        long hi = HostFingerprint.fingerprint(image);
        int byteEnds = (int) HostFingerprint.SAMPLED_END_BYTES;
        for (int i : new int[] {0, byteEnds - 1, image.length - byteEnds, image.length - 1,
                HostFingerprint.probe(image.length, byteEnds, 200)}) {
            byte[] b = image.clone();
            b[i]++;
            assertNotEquals(hi, HostFingerprint.fingerprint(b), "byte element " + i);
        }
        float[] probed = big.clone();
        int p7 = HostFingerprint.probe(n, endWords, 7);
        probed[p7] += 1f;
        assertNotEquals(hb, HostFingerprint.fingerprint(probed), "probed element " + p7);
        try (FloatArray off = FloatArray.allocate(n); FloatArray again = FloatArray.allocate(n)) {
            off.copyFrom(big);
            again.copyFrom(big);
            long ho = HostFingerprint.fingerprint(off);
            assertEquals(ho, HostFingerprint.fingerprint(again), "two off-heap copies have the same fingerprint");
            for (int i : new int[] {0, endWords - 1, n - endWords, n - 1}) {
                off.set(i, off.get(i) + 1f);
                assertNotEquals(ho, HostFingerprint.fingerprint(off), "off-heap end element " + i);
                off.set(i, big[i]);
            }
            assertEquals(ho, HostFingerprint.fingerprint(off));
            // An element inside probe 7's word.
            long bytes = 4L * n;
            long at = HostFingerprint.SAMPLED_END_BYTES
                    + (bytes - 2 * HostFingerprint.SAMPLED_END_BYTES - 8) * 7 / HostFingerprint.SAMPLED_PROBES;
            long i = (at + 3) / 4;
            off.set(i, off.get(i) + 1f);
            assertNotEquals(ho, HostFingerprint.fingerprint(off), "probed element " + i);
        }
    }

    // ---- memory ---------------------------------------------------------------------------------------------

    @Test
    void aPlanOverTheDeviceMemoryIsRefusedBeforeAnythingIsAllocated() {
        fakeKiln.limitMemory("fake:0", 1 << 20);
        float[] x = new float[300_000]; // 1.1 MiB, over the 1 MiB limit
        float[] y = new float[10];
        TaskGraph g = new TaskGraph("big").task("s", TransferChecksAndMemoryTest::first, x, y).transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = plan(g, "fake:0")) {
            KilnException e = assertThrows(KilnException.class, plan::run);
            assertTrue(e.getMessage().startsWith("graph 'big' needs 1.1 MiB of device memory on fake:0, more than the 1.0 MiB it may use (KilnRuntime.limitMemory)")
                    && e.getMessage().contains("parameter 'x' float[300000] 1.1 MiB") && e.getMessage().contains("split the data"), e.getMessage());
            assertEquals(0, fake.runtime.lastSession().count("toDevice"), "the device was not asked");
            // The plan and the device stay usable: bind data that fits.
            float[] small = ones(1000);
            plan.run(Bindings.of().data(x, small));
            assertEquals(2, y[0]);
        }
    }

    @Test
    void copiesKeptForEarlierBindingsAreReleasedWhenOnlyTheyAreInTheWay() {
        fakeKiln.limitMemory("fake:0", 1 << 20);
        float[] y = new float[4];
        float[][] xs = new float[4][];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = new float[100_000]; // 0.4 MiB each: two fit, three do not
            xs[k][0] = k + 1;
        }
        TaskGraph g = new TaskGraph("rebind").task("s", TransferChecksAndMemoryTest::first, xs[0], y).transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = plan(g, "fake:0")) {
            for (int k = 0; k < xs.length; k++) {
                plan.run(Bindings.of().data(xs[0], xs[k]));
                assertEquals(2 * (k + 1), y[0]);
            }
            assertTrue(fake.runtime.lastSession().count("release") >= 1, "older copies were released");
        }
    }

    @Test
    void limitsOnlyLower() {
        Device d = fakeKiln.device("fake:0");
        RuntimeContext c = fake.context(4);
        assertEquals(d.memoryBytes(), c.memoryBudget(d));
        c.limitMemory("fake:0", 1L << 40);
        assertEquals(d.memoryBytes(), c.memoryBudget(d));
        c.limitMemory("fake:0", 5);
        assertEquals(5, c.memoryBudget(d));
        c.limitMemory("fake:0", 0);
        assertEquals(d.memoryBytes(), c.memoryBudget(d));
    }
}

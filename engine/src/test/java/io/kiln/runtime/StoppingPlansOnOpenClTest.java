package io.kiln.runtime;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.KilnException;
import io.kiln.KilnRuntime;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel that runs long on {@code opencl:0} (PoCL here): a timeout and a cancel release the host at
 * once, the plan says it is unusable, {@code close()} returns, and the device runs new plans. The
 * kernel ends after about two seconds rather than never, so that no PoCL thread spins on for the rest of
 * the suite. Also device memory accounting with a small {@link KilnRuntime#limitMemory} cap.
 */
class StoppingPlansOnOpenClTest {

    /** About {@code rounds} multiply-adds per element; each element depends on the last. */
    public static void busy(int rounds, float[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float v = x[i];
            for (int k = 0; k < rounds; k++) {
                v = v * 0.999999f + 1e-6f;
            }
            x[i] = v;
        }
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static int calibrated;

    /** The rounds that take about {@code seconds} on {@code d}, measured once (then scaled). */
    static synchronized int calibrate(KilnRuntime kiln, Device d, float[] x, double seconds) {
        if (calibrated == 0) calibrated = measure(kiln, d, x, 1.0);
        return (int) Math.min(Integer.MAX_VALUE, calibrated * seconds);
    }

    private static int measure(KilnRuntime kiln, Device d, float[] x, double seconds) {
        int rounds = 20_000;
        try (ExecutionPlan plan = new TaskGraph("calibrate").task("busy", StoppingPlansOnOpenClTest::busy, rounds, x)
                .transferToHost(Transfer.EVERY_RUN, x).plan(kiln, d)) {
            plan.run();
            while (true) {
                long t0 = System.nanoTime();
                plan.run(io.kiln.Bindings.of().scalar("busy", "rounds", rounds));
                double s = seconds(t0);
                if (s > 0.2 || rounds > 1 << 28) {
                    return (int) Math.min(Integer.MAX_VALUE, rounds * (seconds / s));
                }
                rounds *= 4;
            }
        }
    }

    @Test
    void aTimeoutReleasesTheHostAndTheDeviceStaysUsable() throws Exception {
        Device cl = PlanOnOpenClRebindingTest.opencl();
        KilnRuntime kiln = KilnRuntime.shared();
        float[] x = new float[4096];
        int rounds = calibrate(kiln, cl, x, 2.0);
        System.out.println("opencl:0 busy rounds for ~2 s: " + rounds);
        java.util.Arrays.fill(x, 1f);
        ExecutionPlan plan = new TaskGraph("long").task("busy", StoppingPlansOnOpenClTest::busy, rounds, x)
                .transferToHost(Transfer.EVERY_RUN, x).plan(kiln, cl).withTimeout(Duration.ofMillis(300));
        plan.schedule(); // build first: the timeout counts from the first step
        long t0 = System.nanoTime();
        KilnException e = assertThrows(KilnException.class, plan::run);
        double s = seconds(t0);
        System.out.println("opencl:0 timeout after " + s + " s: " + e.getMessage());
        assertTrue(s >= 0.29 && s < 1.0, "the timeout fired after " + s + " s");
        assertTrue(e.getMessage().contains("task 'busy' (StoppingPlansOnOpenClTest.busy on opencl:0) ran longer than the plan's timeout of 300 ms")
                && e.getMessage().contains("cannot stop a launched kernel"), e.getMessage());
        IllegalStateException unusable = assertThrows(IllegalStateException.class, plan::run);
        assertTrue(unusable.getMessage().contains("is unusable") && unusable.getMessage().contains("close it and build a new one"),
                unusable.getMessage());
        t0 = System.nanoTime();
        plan.close(); // waits for the kernel (about 2 s), bounded
        assertTrue(seconds(t0) < 11, "close took " + seconds(t0) + " s");
        assertUsable(kiln, cl);
    }

    @Test
    void cancelReleasesTheWaiterAtOnce() throws Exception {
        Device cl = PlanOnOpenClRebindingTest.opencl();
        KilnRuntime kiln = KilnRuntime.shared();
        float[] x = new float[4096];
        int rounds = calibrate(kiln, cl, x, 1.5);
        try (ExecutionPlan plan = new TaskGraph("long").task("busy", StoppingPlansOnOpenClTest::busy, rounds, x)
                .transferToHost(Transfer.EVERY_RUN, x).plan(kiln, cl)) {
            plan.schedule();
            CompletableFuture<RunResult> f = plan.runAsync();
            Thread.sleep(200);
            long t0 = System.nanoTime();
            f.cancel(true);
            assertThrows(CancellationException.class, () -> f.get(1, TimeUnit.SECONDS));
            assertTrue(seconds(t0) < 0.5, "the waiter was held " + seconds(t0) + " s");
            IllegalStateException e = assertThrows(IllegalStateException.class, plan::run);
            assertTrue(e.getMessage().contains("the run was cancelled (Future.cancel), but task 'busy' on opencl:0 cannot be stopped"), e.getMessage());
        }
        assertUsable(kiln, cl);
    }

    /** A new plan on {@code d} computes a right answer. */
    static void assertUsable(KilnRuntime kiln, Device d) {
        float[] y = {1f, 2f, 0f};
        float[] want = y.clone();
        busy(3, want);
        try (ExecutionPlan p = new TaskGraph("after").task("busy", StoppingPlansOnOpenClTest::busy, 3, y)
                .transferToHost(Transfer.EVERY_RUN, y).plan(kiln, d)) {
            p.run();
        }
        for (int i = 0; i < y.length; i++) assertEquals(want[i], y[i], 1e-6f, "element " + i);
    }

    @Test
    void aPlanOverTheMemoryLimitIsRefusedAndTheDeviceStaysUsable() {
        Device cl = PlanOnOpenClRebindingTest.opencl();
        try (KilnRuntime kiln = KilnRuntime.create(8)) {
            kiln.limitMemory("opencl:0", 1 << 20);
            float[] big = new float[1 << 19]; // 2 MiB
            try (ExecutionPlan plan = new TaskGraph("big").task("busy", StoppingPlansOnOpenClTest::busy, 1, big)
                    .transferToHost(Transfer.EVERY_RUN, big).plan(kiln, kiln.device("opencl:0"))) {
                KilnException e = assertThrows(KilnException.class, plan::run);
                assertTrue(e.getMessage().startsWith("graph 'big' needs 2.0 MiB of device memory on opencl:0, more than the 1.0 MiB it may use"),
                        e.getMessage());
            }
            assertUsable(kiln, kiln.device("opencl:0"));
        }
        // The device reports its own memory; a plan beyond it would be refused the same way.
        assertTrue(cl.memoryBytes() > 0, "opencl:0 reports its memory: " + cl.memoryBytes());
    }
}

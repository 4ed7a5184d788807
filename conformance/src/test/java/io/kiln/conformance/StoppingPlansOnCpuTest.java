package io.kiln.conformance;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.KilnException;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long kernel on {@code cpu}, through the plan: a timeout and a cancel stop it at a loop back-edge
 * (the CPU back end tests a flag there), the plan stays usable and computes the Java answer on the
 * next run. The kernel ends after about two seconds anyway, so a failure does not leave it spinning.
 * OpenCL's side (which cannot stop a launched kernel) is tested in the engine's
 * {@code StoppingPlansOnOpenClTest}.
 */
class StoppingPlansOnCpuTest {

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

    /** Rounds that take about {@code target} seconds on {@code d}. */
    static int calibrate(Device d, float[] x, double target) {
        int rounds = 20_000;
        try (ExecutionPlan plan = new TaskGraph("calibrate").task("busy", StoppingPlansOnCpuTest::busy, rounds, x).plan(d)) {
            plan.run();
            while (true) {
                long t0 = System.nanoTime();
                plan.run(Bindings.of().scalar("busy", "rounds", rounds));
                double s = seconds(t0);
                if (s > 0.2 || rounds > 1 << 28) return (int) Math.min(Integer.MAX_VALUE, rounds * (target / s));
                rounds *= 4;
            }
        }
    }

    @Test
    void aTimeoutAndACancelStopTheKernelAndThePlanRunsAgain() throws Exception {
        Device cpu = Devices.get("cpu");
        float[] x = new float[4096];
        int rounds = calibrate(cpu, x, 2.0);
        System.out.println("cpu busy rounds for ~2 s: " + rounds);
        java.util.Arrays.fill(x, 1f);
        try (ExecutionPlan plan = new TaskGraph("long").task("busy", StoppingPlansOnCpuTest::busy, rounds, x)
                .transferToDevice(Transfer.EVERY_RUN, x).plan(cpu).withTimeout(Duration.ofMillis(300))) {
            plan.schedule();
            long t0 = System.nanoTime();
            KilnException e = assertThrows(KilnException.class, plan::run);
            double s = seconds(t0);
            System.out.println("cpu timeout after " + s + " s: " + e.getMessage());
            assertTrue(s >= 0.29 && s < 1.0, "the timeout fired after " + s + " s");
            assertTrue(e.getMessage().contains("task 'busy' (StoppingPlansOnCpuTest.busy on cpu) ran longer than the plan's timeout of 300 ms; it was stopped"),
                    e.getMessage());
            // The next run waits for nothing left over: the kernel really stopped.
            plan.withTimeout(null);
            CompletableFuture<RunResult> f = plan.runAsync();
            Thread.sleep(200);
            t0 = System.nanoTime();
            f.cancel(true);
            assertThrows(CancellationException.class, () -> f.get(1, TimeUnit.SECONDS));
            float[] small = {1f, 0.5f, -3f};
            float[] want = small.clone();
            busy(7, want);
            plan.run(Bindings.of().data(x, small).scalar("busy", "rounds", 7));
            double after = seconds(t0);
            System.out.println("cpu: cancelled run gone, next run done " + after + " s after cancel");
            assertTrue(after < 1.0, "the cancelled kernel held the plan for " + after + " s");
            assertArrayEquals(want, small);
        }
    }
}

package io.kiln.runtime;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.KilnException;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cancellation, timeouts and {@code close()} of runs that take long, through the executor alone: on a
 * device that can stop a kernel (as {@code cpu}) and on one that cannot (as OpenCL), see
 * {@link SlowBackend}. The real devices are tested in {@code StoppingPlansOnDevicesTest} and in
 * cpu-fallback.
 */
class StoppingPlansTest {
    final SlowBackend slow = new SlowBackend();
    final KilnRuntime kiln = KilnRuntimeAccess.of(slow.context());

    /** Takes {@code millis} milliseconds on a {@link SlowBackend} device. */
    static void spin(int millis, @FakeBackend.ReadsWrites float[] x) {
    }

    static void addOne(@FakeBackend.ReadsWrites float[] x) {
        for (int i = 0; i < x.length; i++) x[i] += 1;
    }

    ExecutionPlan spinPlan(Device d, int millis, float[] x) {
        return new TaskGraph("spinning").task("spin", StoppingPlansTest::spin, millis, x)
                .task("add", StoppingPlansTest::addOne, x)
                .transferToHost(Transfer.EVERY_RUN, x).plan(kiln, d);
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static PlanExecutor executor(ExecutionPlan plan) throws ReflectiveOperationException {
        var f = ExecutionPlan.class.getDeclaredField("executor");
        f.setAccessible(true);
        return (PlanExecutor) f.get(plan);
    }

    @Test
    void cancellingOnADeviceThatCanStopEndsTheRunAndThePlanRunsAgain() throws Exception {
        float[] x = new float[4];
        try (ExecutionPlan plan = spinPlan(slow.stoppable.device(), 20_000, x)) {
            plan.schedule(); // built: the run starts at once
            CompletableFuture<RunResult> f = plan.runAsync();
            Thread.sleep(100);
            long t0 = System.nanoTime();
            assertTrue(f.cancel(true));
            assertTrue(f.isCancelled());
            assertThrows(CancellationException.class, f::get);
            // The run itself ends soon: the next run does not wait 20 s for the monitor.
            RunResult r = plan.run(io.kiln.Bindings.of().scalar("spin", "millis", 0));
            double s = seconds(t0);
            System.out.println("stoppable: next run done " + s + " s after cancel");
            assertTrue(s < 2, "the cancelled kernel kept running for " + s + " s");
            assertTrue(slow.stoppable.last().cancelCalls >= 1);
            assertArrayEquals(new float[] {1, 1, 1, 1}, x, "only the second run's addOne ran");
            assertTrue(r.totalNanos() > 0);
        }
    }

    @Test
    void aTimeoutStopsTheRunNamingTheTaskAndThePlanStaysUsable() {
        float[] x = new float[3];
        try (ExecutionPlan plan = spinPlan(slow.stoppable.device(), 20_000, x).withTimeout(Duration.ofMillis(300))) {
            long t0 = System.nanoTime();
            KilnException e = assertThrows(KilnException.class, plan::run);
            double s = seconds(t0);
            System.out.println("stoppable: timeout after " + s + " s: " + e.getMessage());
            assertTrue(s >= 0.29 && s < 2, "timed out after " + s + " s");
            assertTrue(e.getMessage().contains("task 'spin' (StoppingPlansTest.spin on stoppable:0) ran longer than the plan's timeout of 300 ms")
                    && e.getMessage().contains("it was stopped"), e.getMessage());
            plan.withTimeout(null).run(io.kiln.Bindings.of().scalar("spin", "millis", 1));
            assertArrayEquals(new float[] {1, 1, 1}, x);
        }
    }

    @Test
    void cancellingOnADeviceThatCannotStopReleasesTheWaiterAndMakesThePlanUnusable() throws Exception {
        float[] x = new float[2];
        List<LogRecord> logged = capture();
        ExecutionPlan plan = spinPlan(slow.unstoppable.device(), 1500, x);
        plan.schedule();
        CompletableFuture<RunResult> f = plan.runAsync();
        Thread.sleep(100);
        long t0 = System.nanoTime();
        f.cancel(true);
        assertThrows(CancellationException.class, () -> f.get(1, TimeUnit.SECONDS));
        assertTrue(seconds(t0) < 0.5, "the waiting thread was held " + seconds(t0) + " s");
        IllegalStateException e = assertThrows(IllegalStateException.class, plan::run);
        assertTrue(e.getMessage().contains("graph 'spinning' is unusable: the run was cancelled (Future.cancel), but task 'spin' on unstoppable:0 cannot be stopped")
                && e.getMessage().contains("cannot stop a launched kernel") && e.getMessage().contains("close it and build a new one"), e.getMessage());
        assertTrue(logged.stream().anyMatch(l -> l.getMessage().contains("cannot be stopped")), "a warning says so");
        // close waits for the kernel (it ends within the close wait) and releases the session.
        t0 = System.nanoTime();
        plan.close();
        assertTrue(seconds(t0) < 3, "close took " + seconds(t0) + " s");
        assertTrue(slow.unstoppable.last().closed);
        // The device stays usable: a new plan runs.
        float[] y = {5};
        try (ExecutionPlan again = spinPlan(slow.unstoppable.device(), 0, y)) {
            again.run();
        }
        assertArrayEquals(new float[] {6}, y);
    }

    @Test
    void aTimeoutOnADeviceThatCannotStopSaysSoAndCloseNeverBlocks() throws Exception {
        float[] x = new float[2];
        List<LogRecord> logged = capture();
        ExecutionPlan plan = spinPlan(slow.unstoppable.device(), 1500, x).withTimeout(Duration.ofMillis(300));
        executor(plan).setCloseWait(Duration.ofMillis(100));
        plan.schedule();
        long t0 = System.nanoTime();
        KilnException e = assertThrows(KilnException.class, plan::run);
        double s = seconds(t0);
        System.out.println("unstoppable: timeout after " + s + " s: " + e.getMessage());
        assertTrue(s >= 0.29 && s < 1, "timed out after " + s + " s");
        assertTrue(e.getMessage().contains("task 'spin' (StoppingPlansTest.spin on unstoppable:0) ran longer than the plan's timeout of 300 ms")
                && e.getMessage().contains("the plan is unusable"), e.getMessage());
        SlowBackend.Session session = slow.unstoppable.last();
        t0 = System.nanoTime();
        plan.close();
        assertTrue(seconds(t0) < 1, "close blocked " + seconds(t0) + " s");
        assertFalse(session.closed, "the kernel still runs: its session cannot be released yet");
        assertTrue(logged.stream().anyMatch(l -> l.getMessage().contains("is still running") && l.getMessage().contains("released when it ends")),
                "close says what it left");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!session.closed && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(session.closed, "the run released the session when its kernel ended");
    }

    @Test
    void aCancelledFutureThatHasNotStartedNeverRuns() throws Exception {
        float[] x = new float[1];
        try (ExecutionPlan plan = spinPlan(slow.stoppable.device(), 300, x)) {
            CompletableFuture<RunResult> first = plan.runAsync();
            CompletableFuture<RunResult> second = plan.runAsync();
            second.cancel(true);
            first.get(5, TimeUnit.SECONDS);
            Thread.sleep(50);
            assertArrayEquals(new float[] {1}, x, "the cancelled second run did not run");
        }
    }

    @Test
    void timeoutsMustBePositive() {
        try (ExecutionPlan plan = spinPlan(slow.stoppable.device(), 0, new float[1])) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.withTimeout(Duration.ZERO));
            assertTrue(e.getMessage().contains("must be positive"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> plan.withTimeout(Duration.ofMillis(-1)));
            assertInstanceOf(RunResult.class, plan.withTimeout(Duration.ofSeconds(5)).run());
        }
    }

    static List<LogRecord> capture() {
        List<LogRecord> out = java.util.Collections.synchronizedList(new ArrayList<>());
        Logger.getLogger("io.kiln").addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                out.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        return out;
    }

    static Throwable cause(ExecutionException e) {
        return e.getCause();
    }
}

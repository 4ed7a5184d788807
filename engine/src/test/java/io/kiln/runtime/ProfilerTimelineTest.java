package io.kiln.runtime;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.Schedule;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RunResult#timeline()} of plans run {@code withProfiler()} on {@code opencl:0}: every copy and
 * launch of the run in issue order with the device's own timestamps, empty without the profiler, and a copy
 * of one buffer set seen in flight during the kernel of another (two independent tasks, off-heap data on the
 * copy queue).
 */
class ProfilerTimelineTest {

    public static void scale(float k, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            y.set(i, k * x.get(i));
        }
    }

    /** Reads one element in 4096: a short kernel whose task needs its whole input uploaded. */
    public static void sample(FloatArray x, FloatArray out) {
        for (@Parallel long i = 0; i < out.length(); i++) {
            out.set(i, x.get(i * 4096));
        }
    }

    /** A chain of dependent multiply-adds per work-item: compute-bound, little memory. */
    public static void spin(int rounds, float[] acc) {
        for (@Parallel int i = 0; i < acc.length; i++) {
            float v = acc[i];
            for (int r = 0; r < rounds; r++) v = v * 0.9999f + 0.5f;
            acc[i] = v;
        }
    }

    @Test
    void aProfiledRunListsItsCopiesAndLaunchesWithDeviceTimes() {
        Device cl = PlanOnOpenClRebindingTest.opencl();
        try (FloatArray x = FloatArray.allocate(1 << 16); FloatArray y = FloatArray.allocate(1 << 16)) {
            x.fill(2f);
            TaskGraph g = new TaskGraph("timeline").transferToDevice(Transfer.EVERY_RUN, x)
                    .task("scale", ProfilerTimelineTest::scale, 3f, x, y).transferToHost(Transfer.EVERY_RUN, y);
            try (ExecutionPlan plan = g.plan(cl)) {
                assertTrue(plan.run().timeline().isEmpty(), "no timeline without the profiler");
                plan.withProfiler();
                for (int run = 0; run < 3; run++) {
                    RunResult r = plan.run();
                    assertEquals(6f, y.get(12345));
                    List<RunResult.Command> t = r.timeline();
                    assertEquals(List.of(Schedule.Kind.COPY_TO_DEVICE, Schedule.Kind.LAUNCH, Schedule.Kind.COPY_TO_HOST),
                            t.stream().map(RunResult.Command::kind).toList(), "run " + run + ": " + t);
                    assertEquals("x", t.get(0).what());
                    assertEquals("scale", t.get(1).what());
                    assertEquals("y", t.get(2).what());
                    long zero = Long.MAX_VALUE;
                    for (RunResult.Command c : t) {
                        assertTrue(c.deviceClock(), "PoCL reports device times: " + c);
                        assertEquals(cl, c.device());
                        assertTrue(0 <= c.queuedNanos() && c.queuedNanos() <= c.startNanos() && c.startNanos() <= c.endNanos(), c.toString());
                        zero = Math.min(zero, c.queuedNanos());
                    }
                    assertEquals(0, zero, "times count from the earliest queued time");
                    // the kernel reads x after its upload and y is read back after the kernel
                    assertTrue(t.get(0).endNanos() <= t.get(1).startNanos(), t.toString());
                    assertTrue(t.get(1).endNanos() <= t.get(2).startNanos(), t.toString());
                }
            }
        }
    }

    @Test
    void theTimelineShowsAnUploadDuringAnIndependentKernel() {
        Device cl = PlanOnOpenClRebindingTest.opencl();
        int n = 8 << 20; // 32 MiB per buffer
        float[] acc = new float[256];
        try (FloatArray x0 = FloatArray.allocate(n); FloatArray x1 = FloatArray.allocate(n);
             FloatArray o0 = FloatArray.allocate(n / 4096); FloatArray o1 = FloatArray.allocate(n / 4096)) {
            x0.fill(1f);
            x1.fill(2f);
            TaskGraph g = new TaskGraph("overlap")
                    .transferToDevice(Transfer.EVERY_RUN, x0)
                    .task("spin", ProfilerTimelineTest::spin, 200_000, acc)
                    .task("sample", ProfilerTimelineTest::sample, x0, o0)
                    .transferToHost(Transfer.EVERY_RUN, o0);
            try (ExecutionPlan plan = g.plan(cl).withProfiler()) {
                boolean seen = false;
                for (int run = 0; run < 6 && !seen; run++) {
                    FloatArray x = run % 2 == 0 ? x0 : x1, o = run % 2 == 0 ? o0 : o1;
                    RunResult r = plan.run(Bindings.of().data(x0, x).data(o0, o));
                    assertEquals(run % 2 == 0 ? 1f : 2f, o.get(7));
                    RunResult.Command copy = r.timeline().stream().filter(c -> c.kind() == Schedule.Kind.COPY_TO_DEVICE && c.what().equals("x"))
                            .findFirst().orElseThrow();
                    RunResult.Command kernel = r.timeline().stream().filter(c -> c.what().equals("spin")).findFirst().orElseThrow();
                    System.out.println("[timeline] run " + run + ": upload " + copy + ", spin " + kernel);
                    seen = copy.overlaps(kernel);
                }
                assertTrue(seen, "in six runs no upload of x overlapped the independent spin kernel");
            }
        }
    }
}

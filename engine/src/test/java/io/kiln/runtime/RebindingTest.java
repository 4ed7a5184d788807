package io.kiln.runtime;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Grid;
import io.kiln.RunResult;
import io.kiln.Schedule;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.runtime.FakeBackend.ReadsWrites;
import io.kiln.runtime.FakeBackend.Writes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rebinding, residency and event ordering, on the deferred fake device: every command runs only when
 * something waits for it, after what it was told to wait for, so a missing copy or a missing
 * dependence gives a result that differs from plain Java.
 */
class RebindingTest {
    static final float[] EDGES = {Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            Float.MAX_VALUE, -1f};

    static void scale(float s, float[] in, @Writes float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = s * in[i];
    }

    static void saxpy(float a, float[] x, @ReadsWrites float[] y) {
        for (int i = 0; i < y.length; i++) y[i] = a * x[i] + y[i];
    }

    static void addTo(int k, @ReadsWrites int[] v) {
        for (int i = 0; i < v.length; i++) v[i] += k;
    }

    static void saxpyOff(float a, FloatArray x, @ReadsWrites FloatArray y) {
        for (long i = 0; i < y.length(); i++) y.set(i, a * x.get(i) + y.get(i));
    }

    final FakeBackend fake = new FakeBackend();
    final RuntimeContext context = fake.context(64);
    final Device device = fake.runtime.device();

    @AfterEach
    void close() {
        context.close();
    }

    ExecutionPlan plan(TaskGraph g) {
        return g.plan(KilnRuntimeAccess.of(context), device);
    }

    static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = i < EDGES.length && r.nextInt(3) == 0 ? EDGES[i] : (float) (r.nextDouble() * 200 - 100);
        return a;
    }

    @Test
    void streamsBatchesThroughThreeBufferSetsAndCopiesOnlyTheInputs() {
        long seed = System.nanoTime();
        System.out.println("RebindingTest.streams seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        int[] sizes = {1009, 0, 1};
        float[][] in = new float[3][], out = new float[3][];
        for (int b = 0; b < 3; b++) {
            in[b] = new float[sizes[b]];
            out[b] = new float[sizes[b]];
        }
        TaskGraph g = new TaskGraph("stream").transferToDevice(Transfer.EVERY_RUN, in[0])
                .task("scale", RebindingTest::scale, 1f, in[0], out[0]).transferToHost(Transfer.EVERY_RUN, out[0]);
        try (ExecutionPlan plan = plan(g)) {
            for (int k = 0; k < 12; k++) {
                int b = k % 3;
                float s = (float) r.nextDouble() * 4 - 2;
                float[] src = random(r, sizes[b]);
                System.arraycopy(src, 0, in[b], 0, src.length);
                RunResult res = plan.run(Bindings.of().data(in[0], in[b]).data(out[0], out[b]).scalar("scale", "s", s));
                float[] want = new float[sizes[b]];
                scale(s, src, want);
                assertArrayEquals(want, out[b], "batch " + k + " (buffer set " + b + ", seed " + seed + ")");
                // The input is sent every run; the output buffer is current on the device after its first use.
                assertEquals(k < 3 ? 2 : 1, res.copiesToDevice(), "copies to the device in batch " + k);
                assertEquals(1, res.copiesToHost(), "copies back in batch " + k);
            }
        }
    }

    @Test
    void dataAlreadyOnTheDeviceIsNotCopiedAgain() {
        long seed = System.nanoTime();
        System.out.println("RebindingTest.resident seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = random(r, 257), b = random(r, 257), y = random(r, 257);
        float[] want = y.clone();
        TaskGraph g = new TaskGraph("resident").task("saxpy", RebindingTest::saxpy, 2f, a, y).transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = plan(g)) {
            RunResult r1 = plan.run();
            saxpy(2f, a, want);
            RunResult r2 = plan.run(Bindings.of().data(a, b).scalar("saxpy", 0, 3f));
            saxpy(3f, b, want);
            RunResult r3 = plan.run(Bindings.of().data(a, a));
            saxpy(3f, a, want);
            assertArrayEquals(want, y, "seed " + seed);
            assertEquals(List.of(2, 1, 0), List.of(r1.copiesToDevice(), r2.copiesToDevice(), r3.copiesToDevice()),
                    "x: copied for a and for b once each; y stays on the device");
            assertEquals(List.of(0, 1, 2), List.of(r1.copiesElided(), r2.copiesElided(), r3.copiesElided()));
            assertEquals(3, fake.runtime.lastSession().count("toDevice"), "commands the device received");
        }
    }

    @Test
    void olderBindingsAreReleasedAndCopiedAgainWhenBoundLater() {
        int[] v0 = new int[31];
        List<int[]> batches = new ArrayList<>();
        for (int k = 0; k < 6; k++) batches.add(new int[31]);
        TaskGraph g = new TaskGraph("evict").task("add", RebindingTest::addTo, 1, v0).transferToHost(Transfer.ON_DEMAND, v0);
        try (ExecutionPlan plan = plan(g)) {
            for (int k = 0; k < 6; k++) {
                plan.run(Bindings.of().data(v0, batches.get(k)).scalar("add", "k", k + 1));
            }
            // Four objects left the window of three (v0, batches 0-2); the batches' results came back to the host first.
            for (int k = 0; k < 3; k++) assertEquals(k + 1, batches.get(k)[7], "batch " + k + " was copied back before its release");
            FakeBackend.FakeSession s = fake.runtime.lastSession();
            assertEquals(3, s.count("release"), "batches 0-2 released (v0 never reached the device)");
            plan.transferToHost(batches.get(5));
            assertEquals(6, batches.get(5)[30]);
            RunResult again = plan.run(Bindings.of().data(v0, batches.get(0)).scalar("add", "k", 100));
            assertEquals(1, again.copiesToDevice(), "a released object is copied again");
            plan.transferToHost(batches.get(0));
            assertEquals(101, batches.get(0)[0]);
        }
    }

    @Test
    void theNextRunsCopyWaitsForTheLaunchThatStillReadsTheBuffer() {
        // out is ON_DEMAND: run 1's launch is not waited for; run 2 copies new contents into `in`'s buffer,
        // which must wait for run 1's launch (the fake runs commands only when something depends on them).
        float[] in = {1, 2, 3}, out = new float[3], out2 = new float[3];
        TaskGraph g = new TaskGraph("war").transferToDevice(Transfer.EVERY_RUN, in)
                .task("scale", RebindingTest::scale, 2f, in, out).transferToHost(Transfer.ON_DEMAND, out);
        try (ExecutionPlan plan = plan(g)) {
            plan.run();
            in[0] = 10;
            in[1] = 20;
            in[2] = 30;
            plan.run(Bindings.of().data(out, out2));
            plan.transferToHost(out, out2);
            assertArrayEquals(new float[] {2, 4, 6}, out, "run 1 saw the first contents of `in`");
            assertArrayEquals(new float[] {20, 40, 60}, out2, "run 2 saw the second");
            FakeBackend.FakeSession s = fake.runtime.lastSession();
            FakeBackend.Command secondCopy = s.log.stream().filter(c -> c.what().equals("toDevice")).skip(2).findFirst().orElseThrow();
            FakeBackend.Command firstLaunch = s.log.stream().filter(c -> c.what().startsWith("launch")).findFirst().orElseThrow();
            assertTrue(secondCopy.after().contains(firstLaunch.id()), "the copy waits for the launch: " + s.log);
        }
    }

    @Test
    void offHeapArraysRunAndAreCheckedBeforeEveryRun() {
        long seed = System.nanoTime();
        System.out.println("RebindingTest.offHeap seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        float[] xs = random(r, 1031), ys = random(r, 1031);
        try (FloatArray x = FloatArray.allocate(1031).copyFrom(xs); FloatArray y = FloatArray.allocate(1031).copyFrom(ys)) {
            TaskGraph g = new TaskGraph("off").transferToDevice(Transfer.FIRST_RUN, x)
                    .task("saxpy", RebindingTest::saxpyOff, 1.5f, x, y).transferToHost(Transfer.EVERY_RUN, y);
            try (ExecutionPlan plan = plan(g)) {
                plan.run();
                plan.run();
                float[] want = ys.clone();
                saxpy(1.5f, xs, want);
                saxpy(1.5f, xs, want);
                for (int i = 0; i < want.length; i++) assertEquals(want[i], y.get(i), "element " + i + ", seed " + seed);

                FloatArray other = FloatArray.allocate(5);
                other.close();
                IllegalStateException closed = assertThrows(IllegalStateException.class, () -> plan.run(Bindings.of().data(x, other)));
                assertTrue(closed.getMessage().contains("task 'saxpy'") && closed.getMessage().contains("parameter 'x'")
                        && closed.getMessage().contains("closed"), closed.getMessage());

                try (Arena arena = Arena.ofConfined()) {
                    FloatArray readOnly = FloatArray.wrap(arena.allocate(16L * 4, 128).asReadOnly());
                    IllegalArgumentException ro = assertThrows(IllegalArgumentException.class, () -> plan.run(Bindings.of().data(y, readOnly)));
                    assertTrue(ro.getMessage().contains("parameter 'y'") && ro.getMessage().contains("read-only"), ro.getMessage());
                    FloatArray inArena = FloatArray.allocate(16, arena);
                    plan.run(Bindings.of().data(x, inArena).data(y, FloatArray.allocate(16)));
                }
                // The arena is closed now and x is still bound to its array.
                IllegalStateException gone = assertThrows(IllegalStateException.class, plan::run);
                assertTrue(gone.getMessage().contains("parameter 'x'") && gone.getMessage().contains("the array or its arena was closed: bind an open array"),
                        gone.getMessage());

                IllegalArgumentException kind = assertThrows(IllegalArgumentException.class, () -> plan.run(Bindings.of().data(x, new float[4])));
                assertTrue(kind.getMessage().contains("same type"), kind.getMessage());
            }
        }
    }

    @Test
    void scalarsAreAddressedByNameOrPositionAndCheckedStrictly() {
        int[] v = new int[3];
        TaskGraph g = new TaskGraph("scalars").task("add", RebindingTest::addTo, 1, v).transferToHost(Transfer.EVERY_RUN, v);
        try (ExecutionPlan plan = plan(g)) {
            plan.run(Bindings.of().scalar("add", "k", 5));
            assertEquals(5, v[0]);
            plan.run(Bindings.of().scalar("add", 0, 7));
            assertEquals(12, v[0]);
            IllegalArgumentException lossy = assertThrows(IllegalArgumentException.class,
                    () -> plan.run(Bindings.of().scalar("add", "k", 4294967299L)));
            assertTrue(lossy.getMessage().contains("parameter 'k'") && lossy.getMessage().contains("Long 4294967299"), lossy.getMessage());
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> plan.run(Bindings.of().scalar("add", "n", 1)));
            assertTrue(unknown.getMessage().contains("no parameter named 'n'") && unknown.getMessage().contains("[k, v]"), unknown.getMessage());
            assertFalse(unknown.getMessage().contains("-parameters"), "the class has names: no hint needed");
            // a class compiled without parameter names: Kiln calls them argN and says how to get the real ones
            io.kiln.ir.KernelIR unnamed = io.kiln.ir.IrParser.parse("""
                    kernel T.add SINGLE(int %arg0, int[] @arg1 READ_WRITE)
                    b0:
                      return
                    """);
            String hint = PlanExecutor.unnamedHint(unnamed);
            assertTrue(hint.contains("javac -parameters") && hint.contains("scalar(taskId, position, value)"), hint);
            IllegalArgumentException array = assertThrows(IllegalArgumentException.class,
                    () -> plan.run(Bindings.of().scalar("add", "v", 1)));
            assertTrue(array.getMessage().contains("not a scalar"), array.getMessage());
            IllegalArgumentException task = assertThrows(IllegalArgumentException.class,
                    () -> plan.run(Bindings.of().scalar("nope", "k", 1)));
            assertTrue(task.getMessage().contains("no task 'nope'"), task.getMessage());
            // Failed bindings changed nothing: k is still 7.
            plan.run();
            assertEquals(19, v[0]);
        }
    }

    @Test
    void theScheduleIsBuiltOnceAndPrintsOneStepPerLine() {
        float[] x = new float[8], y = new float[8], z = new float[8];
        TaskGraph g = new TaskGraph("two").transferToDevice(Transfer.EVERY_RUN, x)
                .task("first", RebindingTest::scale, 2f, x, y)
                .task("second", RebindingTest::saxpy, 3f, y, z)
                .transferToHost(Transfer.EVERY_RUN, z);
        try (ExecutionPlan plan = plan(g)) {
            Schedule s = plan.schedule();
            String text = s.toString();
            System.out.println(text);
            List<String> lines = text.lines().toList();
            assertEquals("schedule of graph 'two' on fake:0", lines.get(0));
            assertEquals(List.of(Schedule.Kind.HOST_CURRENT, Schedule.Kind.COPY_TO_DEVICE, Schedule.Kind.COPY_TO_DEVICE, Schedule.Kind.LAUNCH,
                    Schedule.Kind.COPY_TO_DEVICE, Schedule.Kind.LAUNCH, Schedule.Kind.COPY_TO_HOST,
                    Schedule.Kind.WAIT, Schedule.Kind.RELEASE), s.steps().stream().map(Schedule.Step::kind).toList());
            assertEquals(s.steps().size() + 1, lines.size());
            assertTrue(lines.get(2).matches("\\s+s1\\s+copy-to-device\\s+in -> fake:0\\s+if stale"), lines.get(2));
            assertTrue(lines.get(4).matches("\\s+s3\\s+launch\\s+first on fake:0\\s+after s1 s2"), lines.get(4));
            // y was written by s3 on this device: no copy step for it. second waits for s3 (y) and its copy of z (s4).
            assertEquals(List.of(3, 4), s.steps().get(5).after(), lines.get(6));
            // The copy back waits for the launch that wrote z, and for s4, which reads the same host memory.
            assertEquals(List.of(4, 5), s.steps().get(6).after(), lines.get(7));
            assertEquals(List.of(1, 2, 4, 6), s.steps().get(7).after(), lines.get(8));
            plan.run();
            plan.run(Bindings.of().scalar("first", "s", 4f));
            assertTrue(s == plan.schedule(), "runs and rebinding reuse the schedule");
        }
    }

    @Test
    void gridsCanBeGivenWhereTheTaskIsAdded() {
        float[] x = new float[4];
        TaskGraph g = new TaskGraph("grid").task("t", RebindingTest::scale, 1f, x, x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.withGrid("u", Grid.of(4)));
        assertTrue(e.getMessage().contains("no task 'u'"), e.getMessage());
        assertEquals("grid", g.withGrid("t", Grid.of(4)).name());
    }
}

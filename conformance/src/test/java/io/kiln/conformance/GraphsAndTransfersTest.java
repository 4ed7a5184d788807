package io.kiln.conformance;

import io.kiln.cuda.PtxInterpreterProvider;
import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Graphs of several tasks with dependences through arrays, and every {@link Transfer} mode, on every
 * device. Devices without memory of their own (the CPU back end) work on the host arrays directly, so
 * where "stale" device data is observable the expectation depends on that.
 */
class GraphsAndTransfersTest {

    // ---- kernels ------------------------------------------------------------------------------------

    static void scale(float[] x, float[] y, float s) {
        for (@Parallel int i = 0; i < x.length; i++) {
            y[i] = x[i] * s;
        }
    }

    static void addOne(float[] x, float[] y) {
        for (@Parallel int i = 0; i < x.length; i++) {
            y[i] = x[i] + 1f;
        }
    }

    static void combine(float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < c.length; i++) {
            c[i] = a[i] * b[i] - a[i];
        }
    }

    static void accumulate(float[] y, float[] x) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] += x[i];
        }
    }

    static void square(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[i] = a[i] * a[i];
        }
    }

    static void negateInPlace(int[] a) {
        for (@Parallel int i = 0; i < a.length; i++) {
            a[i] = -a[i] + 1;
        }
    }

    static void shiftAdd(int[] src, int[] dst, int k) {
        for (@Parallel int i = 0; i < dst.length; i++) {
            dst[i] = src[i] + k;
        }
    }

    // ---- parameters ---------------------------------------------------------------------------------

    static final int[] SIZES = {0, 1, 1009, 100_003};

    /**
     * The PTX interpreter runs one instruction at a time: its largest arrays are a prime of a few
     * thousand (below {@link Shape#INTERPRETER_CAP}), unless the cap is raised.
     */
    static final int INTERPRETER_LARGE = Shape.INTERPRETER_CAP >= 100_003 ? 100_003 : 4099;

    /** {@link #SIZES} on {@code d}. */
    static int[] sizes(Device d) {
        return PtxInterpreterProvider.isInterpreter(d) ? new int[] {0, 1, 1009, INTERPRETER_LARGE} : SIZES;
    }

    /** The large array size on {@code d}. */
    static int large(Device d) {
        return PtxInterpreterProvider.isInterpreter(d) ? INTERPRETER_LARGE : 100_003;
    }

    /** Every device, or a single {@code null} when there is none (then the test fails on CI, else skips). */
    static Stream<Device> devices() {
        List<Device> all = TestDevices.all();
        return all.isEmpty() ? Stream.of((Device) null) : all.stream();
    }

    static Device require(Device d) {
        if (d == null) TestDevices.noDevice();
        return d;
    }

    static boolean copiesData(Device d) {
        return d.backend() != Backend.CPU;
    }

    static float[] randomFloats(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = Gens.anyFloat(r);
        return a;
    }

    static Random random(String test, Device d) {
        return new Random(Seeds.of(test, d.id().hashCode()));
    }

    static void assertSame(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + ": element " + i + " expected " + Gen.show(expected[i]) + " but was " + Gen.show(actual[i])
                        + " (" + Seeds.reproduce() + ")");
            }
        }
    }

    static void assertRanOn(RunResult result, Device d) {
        for (RunResult.TaskRun t : result.tasks()) {
            assertEquals(d.id(), t.device().id(), "task " + t.taskId() + " ran on the wrong device");
            assertNull(t.fallbackReason(), "task " + t.taskId() + " fell back");
        }
    }

    // ---- tests --------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void chainOfTasksPassesDataOnTheDevice(Device device) {
        Device d = require(device);
        Random r = random("chain", d);
        for (int n : sizes(d)) {
            float[] x = randomFloats(r, n);
            float[] y = new float[n];
            float[] z = new float[n];
            float[] c = new float[n];
            TaskGraph g = new TaskGraph("chain")
                    .transferToDevice(Transfer.EVERY_RUN, x)
                    .task("scale", GraphsAndTransfersTest::scale, x, y, 1.5f)
                    .task("addOne", GraphsAndTransfersTest::addOne, y, z)
                    .task("combine", GraphsAndTransfersTest::combine, y, z, c)
                    .transferToHost(Transfer.EVERY_RUN, c);
            try (ExecutionPlan plan = g.plan(d)) {
                assertRanOn(plan.run(), d);
            }
            float[] ey = new float[n];
            float[] ez = new float[n];
            float[] ec = new float[n];
            scale(x, ey, 1.5f);
            addOne(ey, ez);
            combine(ey, ez, ec);
            assertSame(ec, c, "chain n=" + n + " on " + d.id());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void diamondAndRepeatedKernel(Device device) {
        Device d = require(device);
        Random r = random("diamond", d);
        for (int n : sizes(d)) {
            float[] x = randomFloats(r, n);
            float[] a = new float[n];
            float[] b = new float[n];
            float[] c = new float[n];
            float[] e = new float[n];
            TaskGraph g = new TaskGraph("diamond")
                    .task("left", GraphsAndTransfersTest::scale, x, a, 2f)
                    .task("right", GraphsAndTransfersTest::scale, x, b, -0.75f)
                    .task("join", GraphsAndTransfersTest::combine, a, b, c)
                    .task("again", GraphsAndTransfersTest::scale, c, e, 3f)
                    .transferToHost(Transfer.EVERY_RUN, c, e);
            try (ExecutionPlan plan = g.plan(d)) {
                assertRanOn(plan.run(), d);
            }
            float[] ea = new float[n];
            float[] eb = new float[n];
            float[] ec = new float[n];
            float[] ee = new float[n];
            scale(x, ea, 2f);
            scale(x, eb, -0.75f);
            combine(ea, eb, ec);
            scale(ec, ee, 3f);
            assertSame(ec, c, "diamond join n=" + n + " on " + d.id());
            assertSame(ee, e, "diamond again n=" + n + " on " + d.id());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void everyRunInputSeesHostChanges(Device device) {
        Device d = require(device);
        Random r = random("everyRun", d);
        int n = 1009;
        float[] x = randomFloats(r, n);
        float[] y = new float[n];
        TaskGraph g = new TaskGraph("everyRun")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task("scale", GraphsAndTransfersTest::scale, x, y, 0.5f)
                .transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = g.plan(d)) {
            for (int run = 0; run < 3; run++) {
                for (int i = 0; i < n; i++) x[i] = Gens.anyFloat(r);
                assertRanOn(plan.run(), d);
                float[] expected = new float[n];
                scale(x, expected, 0.5f);
                assertSame(expected, y, "run " + run + " with new inputs on " + d.id());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void firstRunInputIsCopiedOnce(Device device) {
        Device d = require(device);
        Random r = random("firstRun", d);
        int n = large(d);
        float[] x = randomFloats(r, n);
        float[] original = x.clone();
        float[] y = new float[n];
        TaskGraph g = new TaskGraph("firstRun")
                .transferToDevice(Transfer.FIRST_RUN, x)
                .task("scale", GraphsAndTransfersTest::scale, x, y, 3f)
                .transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = g.plan(d)) {
            plan.run();
            float[] expected = new float[n];
            scale(original, expected, 3f);
            assertSame(expected, y, "first run on " + d.id());
            assertRanOn(plan.run(), d); // unchanged: nothing to copy, same result
            assertSame(expected, y, "second run on " + d.id());
            // A host change to a FIRST_RUN input is refused the same way on every device (a device with
            // memory of its own would ignore it, cpu would see it) until the program says what it means.
            for (int i = 0; i < n; i++) x[i] = -x[i] + 1f;
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, plan::run);
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("plan.hostChanged(x)"), e.getMessage());
            plan.hostChanged(x);
            assertRanOn(plan.run(), d);
            scale(x, expected, 3f);
            assertSame(expected, y, "run after hostChanged on " + d.id());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void onDemandOutputArrivesWhenAsked(Device device) {
        Device d = require(device);
        Random r = random("onDemand", d);
        for (int n : sizes(d)) {
            float[] x = randomFloats(r, n);
            float[] y = randomFloats(r, n);
            float[] before = y.clone();
            TaskGraph g = new TaskGraph("onDemand")
                    .transferToDevice(Transfer.EVERY_RUN, x)
                    .task("addOne", GraphsAndTransfersTest::addOne, x, y)
                    .transferToHost(Transfer.ON_DEMAND, y);
            float[] expected = new float[n];
            addOne(x, expected);
            try (ExecutionPlan plan = g.plan(d)) {
                assertRanOn(plan.run(), d);
                if (copiesData(d)) {
                    assertSame(before, y, "ON_DEMAND output copied back before transferToHost, n=" + n + " on " + d.id());
                }
                plan.transferToHost(y);
                assertSame(expected, y, "ON_DEMAND output after transferToHost, n=" + n + " on " + d.id());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void firstRunOutputAndResidentAccumulator(Device device) {
        Device d = require(device);
        Random r = random("accumulate", d);
        int n = 1009;
        float[] x = randomFloats(r, n);
        float[] y = randomFloats(r, n);
        float[] expected = y.clone();
        TaskGraph g = new TaskGraph("accumulate")
                .transferToDevice(Transfer.FIRST_RUN, x, y)
                .task("acc", GraphsAndTransfersTest::accumulate, y, x)
                .transferToHost(Transfer.FIRST_RUN, y);
        try (ExecutionPlan plan = g.plan(d)) {
            assertRanOn(plan.run(), d);
            accumulate(expected, x);
            assertSame(expected, y, "after the first run on " + d.id());
            float[] afterFirst = expected.clone();
            for (int run = 2; run <= 5; run++) {
                assertRanOn(plan.run(), d);
                accumulate(expected, x);
                if (copiesData(d)) {
                    assertSame(afterFirst, y, "FIRST_RUN output copied back again on run " + run + " on " + d.id());
                } else {
                    assertSame(expected, y, "run " + run + " on " + d.id());
                }
            }
            plan.transferToHost(y);
            assertSame(expected, y, "after 5 runs and transferToHost on " + d.id());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void inPlaceUpdatesAcrossRuns(Device device) {
        Device d = require(device);
        Random r = random("inPlace", d);
        int n = large(d);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = Gens.anyInt(r);
        int[] expected = a.clone();
        int[] sq = new int[n];
        TaskGraph g = new TaskGraph("inPlace")
                .task("negate", GraphsAndTransfersTest::negateInPlace, a)
                .task("square", GraphsAndTransfersTest::square, a, sq)
                .transferToHost(Transfer.EVERY_RUN, a, sq);
        try (ExecutionPlan plan = g.plan(d)) {
            for (int run = 0; run < 3; run++) {
                assertRanOn(plan.run(), d);
                negateInPlace(expected);
                int[] esq = new int[n];
                square(expected, esq);
                for (int i = 0; i < n; i++) {
                    if (expected[i] != a[i] || esq[i] != sq[i]) {
                        fail("run " + run + " on " + d.id() + ": element " + i + " expected " + expected[i] + "/" + esq[i]
                                + " but was " + a[i] + "/" + sq[i]);
                    }
                }
            }
        }
    }

    /** The same array passed as two arguments of one task: both parameters name one buffer. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void sameArrayAsTwoArguments(Device device) {
        Device d = require(device);
        Random r = random("aliased", d);
        for (int n : sizes(d)) {
            int[] a = new int[n];
            for (int i = 0; i < n; i++) a[i] = Gens.anyInt(r);
            int[] expected = a.clone();
            TaskGraph g = new TaskGraph("aliased")
                    .task("shiftAdd", GraphsAndTransfersTest::shiftAdd, a, a, 5)
                    .transferToHost(Transfer.EVERY_RUN, a);
            try (ExecutionPlan plan = g.plan(d)) {
                assertRanOn(plan.run(), d);
                assertRanOn(plan.run(), d);
            }
            shiftAdd(expected, expected, 5);
            shiftAdd(expected, expected, 5);
            for (int i = 0; i < n; i++) {
                if (expected[i] != a[i]) {
                    fail("n=" + n + " on " + d.id() + ": element " + i + " expected " + expected[i] + " but was " + a[i]);
                }
            }
        }
    }

    /** Plans may run concurrently: two plans of the same kernel on one device, run from two threads. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void concurrentPlans(Device device) throws Exception {
        Device d = require(device);
        Random r = random("concurrent", d);
        int n = large(d);
        float[][] xs = {randomFloats(r, n), randomFloats(r, n)};
        float[][] ys = {new float[n], new float[n]};
        float[] scales = {1.25f, -3f};
        ExecutionPlan[] plans = new ExecutionPlan[2];
        try {
            for (int p = 0; p < 2; p++) {
                plans[p] = new TaskGraph("concurrent" + p)
                        .transferToDevice(Transfer.EVERY_RUN, xs[p])
                        .task("scale", GraphsAndTransfersTest::scale, xs[p], ys[p], scales[p])
                        .transferToHost(Transfer.EVERY_RUN, ys[p])
                        .plan(d);
            }
            for (int round = 0; round < 10; round++) {
                java.util.concurrent.CompletableFuture<RunResult> a = plans[0].runAsync();
                java.util.concurrent.CompletableFuture<RunResult> b = plans[1].runAsync();
                assertRanOn(a.get(), d);
                assertRanOn(b.get(), d);
                for (int p = 0; p < 2; p++) {
                    float[] expected = new float[n];
                    scale(xs[p], expected, scales[p]);
                    assertSame(expected, ys[p], "plan " + p + " round " + round + " on " + d.id());
                    for (int i = 0; i < n; i += 97) xs[p][i] += 1f;
                }
            }
        } finally {
            for (ExecutionPlan p : plans) {
                if (p != null) p.close();
            }
        }
    }

    /** Tasks of one graph on different devices: the data must follow the dependences between them. */
    @Test
    void tasksOnDifferentDevices() {
        List<Device> all = TestDevices.all();
        if (all.isEmpty()) TestDevices.noDevice();
        Assumptions.assumeTrue(all.size() >= 2, "needs two devices; have " + all);
        List<String> failures = new ArrayList<>();
        for (Device first : all) {
            for (Device second : all) {
                if (first == second) continue;
                Random r = new Random(Seeds.of("crossDevice", (first.id() + second.id()).hashCode()));
                int n = 1009;
                float[] x = randomFloats(r, n);
                float[] y = new float[n];
                float[] z = new float[n];
                float[] c = new float[n];
                TaskGraph g = new TaskGraph("crossDevice")
                        .transferToDevice(Transfer.EVERY_RUN, x)
                        .task("scale", GraphsAndTransfersTest::scale, x, y, -2f)
                        .task("addOne", GraphsAndTransfersTest::addOne, y, z)
                        .task("combine", GraphsAndTransfersTest::combine, y, z, c)
                        .transferToHost(Transfer.EVERY_RUN, c);
                try (ExecutionPlan plan = g.plan(first).withDevice("addOne", second)) {
                    for (int run = 0; run < 2; run++) {
                        RunResult res = plan.run();
                        assertEquals(second.id(), res.task("addOne").device().id());
                        float[] ey = new float[n];
                        float[] ez = new float[n];
                        float[] ec = new float[n];
                        scale(x, ey, -2f);
                        addOne(ey, ez);
                        combine(ey, ez, ec);
                        try {
                            assertSame(ec, c, first.id() + " -> " + second.id() + " -> " + first.id() + ", run " + run);
                        } catch (AssertionError e) {
                            failures.add(e.getMessage());
                        }
                        for (int i = 0; i < n; i++) x[i] += 1f;
                    }
                }
            }
        }
        if (!failures.isEmpty()) fail(String.join("\n", failures));
    }
}

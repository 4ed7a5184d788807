package io.kiln.runtime;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.opencl.OpenClResources;
import io.kiln.runtime.FakeBackend.Writes;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a run of a built plan costs: it issues the schedule and derives nothing again. The plan's own
 * counts of what it derived ({@link PlanExecutor#derivations()}) stay flat across runs and move only
 * with bindings and options; on {@code opencl:0}, 10,000 runs neither grow the process's native memory
 * (read from {@code /proc/self/status}) nor leave an OpenCL object behind.
 */
class PlanRunCostTest {
    static void scale(float s, float[] in, @Writes float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = s * in[i];
    }

    static void offset(float k, float[] in, @Writes float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = in[i] + k;
    }

    /** The kernel of the OpenCL part (compiled by the real front end). */
    public static void axpb(float a, float[] x, float b, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + b;
        }
    }

    static PlanExecutor.Derivations derivations(ExecutionPlan plan) {
        try {
            var f = ExecutionPlan.class.getDeclaredField("executor");
            f.setAccessible(true);
            return ((PlanExecutor) f.get(plan)).derivations();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] random(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(8) == 0 ? RebindingTest.EDGES[r.nextInt(RebindingTest.EDGES.length)]
                : (float) (r.nextDouble() * 200 - 100);
        return a;
    }

    @Test
    void runsOfABuiltPlanDeriveNothingAgain() {
        long seed = Seeds.seed("PlanRunCostTest.derive");
        SplittableRandom r = new SplittableRandom(seed);
        FakeBackend fake = new FakeBackend();
        RuntimeContext context = fake.context(64);
        try {
            float[] in = random(r, 1 + r.nextInt(300)), mid = new float[in.length], out = new float[in.length];
            float[] in2 = random(r, 1 + r.nextInt(300)), mid2 = new float[in2.length], out2 = new float[in2.length];
            TaskGraph g = new TaskGraph("derive").transferToDevice(Transfer.EVERY_RUN, in)
                    .task("scale", PlanRunCostTest::scale, 2f, in, mid)
                    .task("offset", PlanRunCostTest::offset, -1f, mid, out)
                    .transferToHost(Transfer.EVERY_RUN, out);
            try (ExecutionPlan plan = g.plan(KilnRuntimeAccess.of(context), fake.runtime.device())) {
                plan.run();
                PlanExecutor.Derivations first = derivations(plan);
                assertEquals(new PlanExecutor.Derivations(2, 1, 3), first,
                        "the first run prepares both tasks, builds the schedule once, derives each task's launch and checks memory");
                for (int k = 0; k < 500; k++) {
                    float[] src = random(r, in.length);
                    System.arraycopy(src, 0, in, 0, in.length);
                    plan.run();
                    float[] want = new float[in.length];
                    for (int i = 0; i < in.length; i++) want[i] = 2f * src[i] + -1f;
                    assertArrayEquals(want, out, "run " + k + " (seed " + seed + ")");
                }
                assertEquals(first, derivations(plan), "500 runs with the same bindings derived something again");

                // Bindings: new data derives the launches of the tasks that use it and the memory check, once.
                plan.run(Bindings.of().data(in, in2).data(mid, mid2).data(out, out2));
                PlanExecutor.Derivations rebound = derivations(plan);
                assertEquals(new PlanExecutor.Derivations(2, 1, first.bindings() + 3), rebound, "rebinding both tasks' data");
                for (int k = 0; k < 50; k++) plan.run();
                plan.run(Bindings.of().data(in, in2)); // the same binding again: nothing changes
                assertEquals(rebound, derivations(plan), "runs after a rebinding, and the same binding again");
                float[] want = new float[in2.length];
                for (int i = 0; i < in2.length; i++) want[i] = 2f * in2[i] + -1f;
                assertArrayEquals(want, out2, "after rebinding (seed " + seed + ")");

                // A scalar derives its own task's launch only.
                plan.run(Bindings.of().scalar("offset", "k", 3f));
                assertEquals(new PlanExecutor.Derivations(2, 1, rebound.bindings() + 1), derivations(plan), "one new scalar");
                for (int i = 0; i < in2.length; i++) want[i] = 2f * in2[i] + 3f;
                assertArrayEquals(want, out2, "after a new scalar (seed " + seed + ")");

                // The profiler builds the schedule again (its launches differ), nothing else.
                PlanExecutor.Derivations before = derivations(plan);
                plan.withProfiler();
                for (int k = 0; k < 20; k++) plan.run();
                assertEquals(new PlanExecutor.Derivations(before.preparations(), before.schedules() + 1, before.bindings()), derivations(plan),
                        "withProfiler");
            }
        } finally {
            context.close();
        }
    }

    static long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/status: " + e);
        }
        throw new AssertionError("no VmRSS line in /proc/self/status");
    }

    /**
     * Allowed growth of the resident set over the measured runs. A leak of the smallest thing a run
     * could leak per run (a 256-byte device buffer, which PoCL keeps in host memory, or a native event
     * of about as much) would add 2.5 MiB per 10,000 runs and show in {@link OpenClResources} at once;
     * what this bounds is what nobody counts (JOCL's native side, the driver's own structures): 16 MiB
     * is what the JIT and glibc's arenas stay within after the warm-up.
     */
    static final long RSS_TOLERANCE_KIB = 16 * 1024;

    @Test
    void tenThousandRunsOnOpenClDoNotGrowNativeMemoryOrDeriveAnything() {
        Device device = PlanOnOpenClRebindingTest.opencl();
        long seed = Seeds.seed("PlanRunCostTest.opencl");
        SplittableRandom r = new SplittableRandom(seed);
        int n = 64;
        float[] x = random(r, n), y = new float[n];
        float a = (float) r.nextGaussian(), b = (float) r.nextGaussian();
        TaskGraph g = new TaskGraph("cost").transferToDevice(Transfer.FIRST_RUN, x)
                .task("axpb", PlanRunCostTest::axpb, a, x, b, y).transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = g.plan(device)) {
            for (int k = 0; k < 2000; k++) plan.run(); // warm-up: the JIT, the driver's pools
            PlanExecutor.Derivations derived = derivations(plan);
            System.gc();
            long objects = OpenClResources.liveObjects();
            long rss = rssKib();
            int runs = 10_000;
            long t0 = System.nanoTime();
            for (int k = 0; k < runs; k++) {
                java.util.Arrays.fill(y, Float.NaN);
                plan.run();
                if (k % 1000 == 0) {
                    for (int i = 0; i < n; i++) assertEquals(a * x[i] + b, y[i], "run " + k + " element " + i + " (seed " + seed + ")");
                }
            }
            long elapsed = System.nanoTime() - t0;
            System.gc();
            long grown = rssKib() - rss;
            System.out.printf("PlanRunCostTest: %d runs on %s in %.2f s (%.1f us each), VmRSS %+d KiB, OpenCL objects %s%n",
                    runs, device.id(), elapsed / 1e9, elapsed / 1e3 / runs, grown, OpenClResources.describe());
            assertEquals(derived, derivations(plan), "runs of a built plan derived something again");
            assertEquals(objects, OpenClResources.liveObjects(), "OpenCL objects left behind: " + OpenClResources.describe());
            assertTrue(grown < RSS_TOLERANCE_KIB, "VmRSS grew by " + grown + " KiB over " + runs + " runs");
        }
    }
}

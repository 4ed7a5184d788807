package io.kiln.runtime;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rebinding on {@code opencl:0} (PoCL here), compared with plain Java. */
class PlanOnOpenClRebindingTest {

    /** One pass (j, k) of a bitonic sorting network over a power-of-two array. */
    public static void bitonicStep(int[] a, int j, int k) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int l = i ^ j;
            if (l > i) {
                int x = a[i];
                int y = a[l];
                boolean ascending = (i & k) == 0;
                if (ascending ? x > y : x < y) {
                    a[i] = y;
                    a[l] = x;
                }
            }
        }
    }

    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    static Device opencl() {
        boolean present = Devices.list().stream().anyMatch(d -> d.id().equals("opencl:0"));
        if (!present && "true".equals(System.getenv("CI"))) {
            org.junit.jupiter.api.Assertions.fail("CI=true but there is no OpenCL device: " + Devices.unavailable()
                    + " (.ci/run installs PoCL; OpenCL tests must run in CI)");
        }
        Assumptions.assumeTrue(present, () -> "no OpenCL device: " + Devices.unavailable());
        return Devices.get("opencl:0");
    }

    @Test
    void bitonicSortIsOneTaskRunWithNewScalarsPerPass() {
        Device cl = opencl();
        long seed = System.nanoTime();
        System.out.println("bitonic seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1 << 18;
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(4) == 0 ? r.nextInt(100) : r.nextInt();
        a[0] = Integer.MIN_VALUE;
        a[1] = Integer.MAX_VALUE;
        a[n - 1] = Integer.MIN_VALUE;
        a[n / 2] = 0;
        int[] want = a.clone();
        Arrays.sort(want);
        TaskGraph g = new TaskGraph("bitonic").task("sort", PlanOnOpenClRebindingTest::bitonicStep, a, 1, 2)
                .transferToHost(Transfer.ON_DEMAND, a);
        int passes = 0, toDevice = 0, toHost = 0;
        long t0 = System.nanoTime();
        try (ExecutionPlan plan = g.plan(cl)) {
            for (int k = 2; k <= n; k <<= 1) {
                for (int j = k >> 1; j > 0; j >>= 1) {
                    RunResult res = plan.run(Bindings.of().scalar("sort", "j", j).scalar("sort", "k", k));
                    toDevice += res.copiesToDevice();
                    toHost += res.copiesToHost();
                    passes++;
                }
            }
            plan.transferToHost(a);
        }
        System.out.printf("bitonic sort of %d ints: %d passes of one task in %.1f ms%n", n, passes, (System.nanoTime() - t0) / 1e6);
        assertEquals(18 * 19 / 2, passes);
        assertEquals(1, toDevice, "the array is copied once");
        assertEquals(0, toHost, "and comes back only when asked");
        assertArrayEquals(want, a, "seed " + seed);
    }

    @Test
    void streamingThroughThreeBufferSetsMatchesJava() {
        Device cl = opencl();
        long seed = System.nanoTime();
        System.out.println("stream seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        int[] sizes = {1, 0, 1009, 64 * 3 + 1};
        float[][] xs = new float[4][], ys = new float[4][];
        for (int b = 0; b < 4; b++) {
            xs[b] = new float[sizes[b]];
            ys[b] = new float[sizes[b]];
        }
        TaskGraph g = new TaskGraph("stream").transferToDevice(Transfer.EVERY_RUN, xs[0], ys[0])
                .task("saxpy", PlanOnOpenClRebindingTest::saxpy, 2f, xs[0], ys[0]).transferToHost(Transfer.EVERY_RUN, ys[0]);
        float[] edges = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE};
        try (ExecutionPlan plan = g.plan(cl)) {
            for (int k = 0; k < 9; k++) {
                int b = k % 4;
                for (int i = 0; i < sizes[b]; i++) {
                    xs[b][i] = i < edges.length ? edges[(i + k) % edges.length] : (float) r.nextGaussian();
                    ys[b][i] = (float) r.nextGaussian() * 10;
                }
                float a = (float) r.nextGaussian();
                float[] want = ys[b].clone();
                for (int i = 0; i < want.length; i++) want[i] = a * xs[b][i] + want[i];
                RunResult res = plan.run(Bindings.of().data(xs[0], xs[b]).data(ys[0], ys[b]).scalar("saxpy", "a", a));
                assertEquals(2, res.copiesToDevice());
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(ys[b][i]), "batch " + k + " element " + i + ", seed " + seed);
                }
            }
            String schedule = plan.schedule().toString();
            System.out.println(schedule);
            assertTrue(schedule.contains("launch          saxpy on opencl:0"), schedule);
        }
    }
}

package io.kiln.kernels;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The work-group kernels (local memory, barriers, atomics, {@code @Reduce}) on every device, against
 * independent references: sequential Java emulations in the same order where the result is exact,
 * a float64 computation where it is not.
 */
class WorkGroupKernelsTest {
    private static final long SEED = Long.getLong("kiln.seed", System.nanoTime());

    @TestFactory
    List<DynamicNode> workGroupKernelsOnEveryDevice() {
        System.out.println("WorkGroupKernelsTest seed " + SEED + " (rerun with -Dkiln.seed=" + SEED + ")");
        List<DynamicNode> nodes = new ArrayList<>();
        for (Device d : Devices.list()) {
            nodes.add(DynamicContainer.dynamicContainer(d.id(), List.of(
                    DynamicTest.dynamicTest("group tree sums", () -> groupSums(d)),
                    DynamicTest.dynamicTest("sum of 10^7 floats (2*10^4 on the PTX interpreter)", () -> sum(d)),
                    DynamicTest.dynamicTest("exact float sum", () -> exactSum(d)),
                    DynamicTest.dynamicTest("min and max of 10^7 floats (2*10^4 on the PTX interpreter)", () -> minMax(d)),
                    DynamicTest.dynamicTest("int sum", () -> intSum(d)),
                    DynamicTest.dynamicTest("histogram, global atomics", () -> histogram(d, false)),
                    DynamicTest.dynamicTest("histogram, local atomics", () -> histogram(d, true)),
                    DynamicTest.dynamicTest("exclusive prefix sum", () -> scan(d)),
                    DynamicTest.dynamicTest("transpose through local memory", () -> transpose(d)),
                    DynamicTest.dynamicTest("tiled sgemm", () -> sgemmTiled(d)))));
        }
        return nodes;
    }

    /** The test-only PTX interpreter is slow: it gets the same shapes, smaller. */
    private static int size(Device d, int n, int interpreted) {
        return io.kiln.cuda.PtxInterpreterProvider.isInterpreter(d) ? Math.min(n, interpreted) : n;
    }

    private static SplittableRandom random(Device d, String test) {
        return new SplittableRandom(SEED ^ d.id().hashCode() ^ test.hashCode());
    }

    private static RunResult runOn(Device d, TaskGraph g, String... gridTasks) {
        try (ExecutionPlan plan = g.plan(d)) {
            return plan.run();
        }
    }

    private static void checkDevice(RunResult r, Device d) {
        for (RunResult.TaskRun t : r.tasks()) assertEquals(d.id(), t.device().id(), t.taskId());
    }

    static void groupSums(Device d) {
        for (int n : new int[] {1, 256, 1009, size(d, 100_003, 5003)}) {
            SplittableRandom rnd = random(d, "groups" + n);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
            int groups = (n + Reductions.GROUP - 1) / Reductions.GROUP;
            float[] out = new float[groups];
            TaskGraph g = new TaskGraph("groups").task("t", Reductions::groupSums, new KernelContext(), x, out)
                    .transferToHost(Transfer.EVERY_RUN, out);
            try (ExecutionPlan plan = g.plan(d)) {
                plan.withGrid("t", Grid.of((long) groups * Reductions.GROUP).local(Reductions.GROUP));
                checkDevice(plan.run(), d);
            }
            float[] expected = new float[groups];
            for (int gi = 0; gi < groups; gi++) {
                float[] tile = new float[Reductions.GROUP];
                for (int l = 0; l < Reductions.GROUP; l++) {
                    int i = gi * Reductions.GROUP + l;
                    tile[l] = i < n ? x[i] : 0f;
                }
                for (int s = Reductions.GROUP / 2; s > 0; s >>= 1) {
                    for (int l = 0; l < s; l++) tile[l] = tile[l] + tile[l + s];
                }
                expected[gi] = tile[0];
            }
            assertArrayEquals(expected, out, "n = " + n);
        }
    }

    static void sum(Device d) {
        int n = size(d, 10_000_000, 20_011);
        SplittableRandom rnd = random(d, "sum");
        float[] x = new float[n];
        double exact = 0;
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
            exact += x[i];
            magnitude += Math.abs(x[i]);
        }
        float[] total = {0.5f};
        exact += 0.5;
        TaskGraph g = new TaskGraph("sum").task("t", Reductions::sum, x, total).transferToHost(Transfer.EVERY_RUN, total);
        checkDevice(runOn(d, g), d);
        // The bound documented in docs/kernel-language.md: 10 * 2^-24 * (log2(n) + 8) * sum(|x|), about
        // 1.9e-5 of sum(|x|) here. Errors seen are far below it (printed below).
        double bound = 0x1p-24 * (Math.log(n) / Math.log(2) + 8) * magnitude * 10;
        double err = Math.abs(total[0] - exact);
        System.out.printf("%s: sum of %d floats off by %.3g (bound %.3g, %.2g of sum|x|)%n", d.id(), n, err, bound, err / magnitude);
        assertTrue(err <= bound, d.id() + ": sum " + total[0] + " vs exact " + exact + ", error " + err + " > " + bound);
    }

    static void exactSum(Device d) {
        // multiples of 1/16 whose partial sums stay small: every order of addition is exact
        int n = size(d, 1_000_003, 10_007);
        SplittableRandom rnd = random(d, "exact");
        float[] x = new float[n];
        double exact = 0;
        for (int i = 0; i < n; i++) {
            x[i] = (rnd.nextInt(3) - 1) / 16f;
            exact += x[i];
        }
        float[] total = {3f};
        TaskGraph g = new TaskGraph("exact").task("t", Reductions::sum, x, total).transferToHost(Transfer.EVERY_RUN, total);
        checkDevice(runOn(d, g), d);
        assertEquals((float) (exact + 3), total[0], d.id());
    }

    static void minMax(Device d) {
        int n = size(d, 10_000_000, 20_011);
        SplittableRandom rnd = random(d, "minmax");
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * 1000);
        x[rnd.nextInt(n)] = -0.0f;
        float[] min = {Float.POSITIVE_INFINITY};
        float[] max = {-5f};
        TaskGraph g = new TaskGraph("minmax")
                .task("min", Reductions::min, x, min)
                .task("max", Reductions::max, x, max)
                .transferToHost(Transfer.EVERY_RUN, min, max);
        checkDevice(runOn(d, g), d);
        float emin = Float.POSITIVE_INFINITY;
        float emax = -5f;
        for (float v : x) {
            emin = Math.min(emin, v);
            emax = Math.max(emax, v);
        }
        assertEquals(emin, min[0], d.id());
        assertEquals(emax, max[0], d.id());
        // NaN wins, as in Math.min
        x[rnd.nextInt(n)] = Float.NaN;
        float[] nanMin = {0f};
        TaskGraph g2 = new TaskGraph("nan").task("min", Reductions::min, x, nanMin).transferToHost(Transfer.EVERY_RUN, nanMin);
        runOn(d, g2);
        assertTrue(Float.isNaN(nanMin[0]), d.id() + ": " + nanMin[0]);
    }

    static void intSum(Device d) {
        for (int n : new int[] {0, 1, 1009, size(d, 3_000_017, 5003)}) {
            SplittableRandom rnd = random(d, "ints" + n);
            int[] x = new int[n];
            int expected = 42;
            for (int i = 0; i < n; i++) {
                x[i] = rnd.nextInt();
                expected += x[i];
            }
            int[] total = {42};
            TaskGraph g = new TaskGraph("ints").task("t", Reductions::sumInts, x, total).transferToHost(Transfer.EVERY_RUN, total);
            runOn(d, g);
            assertEquals(expected, total[0], d.id() + " n = " + n);
        }
    }

    static void histogram(Device d, boolean local) {
        for (int n : new int[] {1, 1009, size(d, 1_000_000, 5003)}) {
            SplittableRandom rnd = random(d, "hist" + n + local);
            byte[] data = new byte[n];
            for (int i = 0; i < n; i++) data[i] = (byte) (rnd.nextInt(7) == 0 ? 200 : rnd.nextInt(256));
            int[] bins = new int[256];
            int[] expected = new int[256];
            for (byte b : data) expected[b & 0xFF]++;
            TaskGraph g = new TaskGraph("hist");
            if (local) g.task("t", Histogram::local256, new KernelContext(), data, bins);
            else g.task("t", Histogram::global256, new KernelContext(), data, bins);
            g.transferToHost(Transfer.EVERY_RUN, bins);
            try (ExecutionPlan plan = g.plan(d)) {
                long groups = (n + Histogram.GROUP - 1) / Histogram.GROUP;
                plan.withGrid("t", Grid.of(groups * Histogram.GROUP).local(Histogram.GROUP));
                checkDevice(plan.run(), d);
            }
            assertArrayEquals(expected, bins, d.id() + " n = " + n + (local ? " local" : " global"));
        }
    }

    static void scan(Device d) {
        for (int n : new int[] {1, 256, 1009, size(d, 300_007, 3001)}) {
            SplittableRandom rnd = random(d, "scan" + n);
            int[] in = new int[n];
            for (int i = 0; i < n; i++) in[i] = rnd.nextInt(-1000, 1000);
            int groups = (n + Scan.GROUP - 1) / Scan.GROUP;
            int[] out = new int[n];
            int[] totals = new int[groups];
            TaskGraph g = new TaskGraph("scan")
                    .task("groups", Scan::scanGroups, new KernelContext(), in, out, totals)
                    .task("totals", Scan::scanTotals, totals)
                    .task("offsets", Scan::addOffsets, new KernelContext(), out, totals)
                    .transferToHost(Transfer.EVERY_RUN, out);
            try (ExecutionPlan plan = g.plan(d)) {
                Grid grid = Grid.of((long) groups * Scan.GROUP).local(Scan.GROUP);
                plan.withGrid("groups", grid).withGrid("offsets", grid);
                checkDevice(plan.run(), d);
            }
            int[] expected = new int[n];
            int running = 0;
            for (int i = 0; i < n; i++) {
                expected[i] = running;
                running += in[i];
            }
            assertArrayEquals(expected, out, d.id() + " n = " + n);
        }
    }

    static void transpose(Device d) {
        int[][] shapes = {{1, 1}, {17, 33}, {64, 64}, {101, 7}};
        for (int[] s : shapes) {
            int rows = s[0];
            int cols = s[1];
            SplittableRandom rnd = random(d, "t" + rows + "x" + cols);
            float[] in = new float[rows * cols];
            for (int i = 0; i < in.length; i++) in[i] = (float) rnd.nextDouble();
            float[] out = new float[rows * cols];
            TaskGraph g = new TaskGraph("transpose").task("t", Transpose::tiled, new KernelContext(), in, out, rows, cols)
                    .transferToHost(Transfer.EVERY_RUN, out);
            try (ExecutionPlan plan = g.plan(d)) {
                int t = Transpose.TILE;
                plan.withGrid("t", Grid.of((cols + t - 1) / t * t, (rows + t - 1) / t * t).local(t, t));
                checkDevice(plan.run(), d);
            }
            float[] expected = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) expected[c * rows + r] = in[r * cols + c];
            }
            assertArrayEquals(expected, out, d.id() + " " + rows + "x" + cols);
        }
    }

    static void sgemmTiled(Device d) {
        int[][] shapes = {{1, 1, 1}, {17, 19, 23}, {64, 64, 64}, {33, 100, 47}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            SplittableRandom rnd = random(d, "gemm" + m + n + k);
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
            for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextDouble() * 2 - 1);
            float[] c = new float[m * n];
            TaskGraph g = new TaskGraph("tiled").task("t", Blas::sgemmTiled, new KernelContext(), m, n, k, a, b, c)
                    .transferToHost(Transfer.EVERY_RUN, c);
            try (ExecutionPlan plan = g.plan(d)) {
                int t = Blas.TILE;
                plan.withGrid("t", Grid.of((n + t - 1) / t * t, (m + t - 1) / t * t).local(t, t));
                checkDevice(plan.run(), d);
            }
            float[] expected = new float[m * n];
            Blas.sgemm(m, n, k, a, b, expected);
            assertArrayEquals(expected, c, d.id() + " " + m + "x" + n + "x" + k + ": same summation order as Blas.sgemm");
        }
    }
}

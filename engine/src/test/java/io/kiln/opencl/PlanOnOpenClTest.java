package io.kiln.opencl;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real Java kernels, compiled by the bytecode front end, run through {@link TaskGraph} and
 * {@link ExecutionPlan} on {@code opencl:0} and compared with the same methods run on the JVM.
 */
class PlanOnOpenClTest {

    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    public static void matmul(int n, float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < n; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += a[i * n + k] * b[k * n + j];
                }
                c[i * n + j] = sum;
            }
        }
    }

    static final double[] COEFFS = {1.0, -0.5, 0.25, Double.NaN};

    public static void mixed(int[] ints, long[] longs, double[] d, byte[] bytes, short[] shorts, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int x = ints[i];
            long l = longs[i];
            double v = d[i];
            int acc = x / ((i - 40) | 1) + (x % ((i - 20) | 1)) + (x << i) + (x >>> 3) + (int) (l >> 40) + (int) (l * 31);
            acc += (int) v + (int) (float) v + (v < 0.5 ? 1 : 2) + Double.compare(v, 0.0);
            acc += bytes[i] + shorts[i] + (byte) x + (short) x + (char) x;
            acc += (int) (COEFFS[i % 4] * 8) + (int) Math.floor(v * 3) + (int) Math.round(v);
            out[i] = acc;
            bytes[i] = (byte) acc;
        }
    }

    public static void groupSums(KernelContext ctx, int[] in, int[] sums, int[] histogram) {
        int[] tile = ctx.localInts(64);
        int lid = ctx.localIdx();
        int v = in[ctx.globalIdx()];
        tile[lid] = v;
        ctx.atomicAdd(histogram, v & 7, 1);
        ctx.barrier();
        for (int s = 32; s > 0; s >>= 1) {
            if (lid < s) {
                tile[lid] += tile[lid + s];
            }
            ctx.barrier();
        }
        if (lid == 0) {
            sums[ctx.groupIdx()] = tile[0];
        }
    }

    private static Device opencl() {
        ClTest.device();
        return Devices.get("opencl:0");
    }

    @Test
    void saxpyMatchesJava() {
        Device device = opencl();
        int n = 10_007;
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-10, 10);
            y[i] = (float) r.nextDouble(-10, 10);
        }
        float[] want = y.clone();
        saxpy(1.7f, x, want);
        TaskGraph g = new TaskGraph("saxpy").transferToDevice(Transfer.FIRST_RUN, x, y)
                .task("saxpy", PlanOnOpenClTest::saxpy, 1.7f, x, y).transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = g.plan(device)) {
            RunResult result = plan.run();
            assertEquals("opencl:0", result.task("saxpy").device().id());
        }
        assertArrayEquals(want, y, "bit-exact: no FMA contraction");
    }

    @Test
    void matmulMatchesJava() {
        Device device = opencl();
        int n = 37;
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
            b[i] = (float) r.nextDouble(-1, 1);
        }
        float[] c = new float[n * n];
        float[] want = new float[n * n];
        matmul(n, a, b, want);
        try (ExecutionPlan plan = new TaskGraph("mm").task("mm", PlanOnOpenClTest::matmul, n, a, b, c)
                .transferToHost(Transfer.EVERY_RUN, c).plan(device)) {
            plan.run();
        }
        assertArrayEquals(want, c);
    }

    @Test
    void integerConversionAndMathMixMatchesJava() {
        Device device = opencl();
        int n = 64;
        SplittableRandom r = new SplittableRandom(3);
        int[] ints = new int[n];
        long[] longs = new long[n];
        double[] d = new double[n];
        byte[] bytes = new byte[n];
        short[] shorts = new short[n];
        for (int i = 0; i < n; i++) {
            ints[i] = i < Inputs.INT_EDGES.length ? Inputs.INT_EDGES[i] : r.nextInt();
            longs[i] = i < Inputs.LONG_EDGES.length ? Inputs.LONG_EDGES[i] : r.nextLong();
            d[i] = i < Inputs.DOUBLE_EDGES.length ? Inputs.DOUBLE_EDGES[i] : r.nextDouble(-1e10, 1e10);
            bytes[i] = (byte) r.nextInt();
            shorts[i] = (short) r.nextInt();
        }
        ints[39] = Integer.MIN_VALUE; // divided by (39 - 40) | 1 == -1
        ints[21] = Integer.MIN_VALUE; // remainder by (21 - 20) | 1 == 1, and shifted by 21
        byte[] wantBytes = bytes.clone();
        int[] want = new int[n];
        mixed(ints, longs, d, wantBytes, shorts, want);
        int[] got = new int[n];
        try (ExecutionPlan plan = new TaskGraph("mixed").task("mixed", PlanOnOpenClTest::mixed, ints, longs, d, bytes, shorts, got)
                .transferToHost(Transfer.EVERY_RUN, got, bytes).plan(device)) {
            plan.run();
        }
        for (int i = 0; i < n; i++) {
            assertEquals(want[i], got[i], "element " + i + " (x=" + ints[i] + ", l=" + longs[i] + ", d=" + d[i] + ")");
        }
        assertArrayEquals(wantBytes, bytes, "byte stores");
    }

    @Test
    void workGroupKernelWithLocalMemoryBarriersAndAtomics() {
        Device device = opencl();
        int groups = 32;
        int[] in = new int[groups * 64];
        for (int i = 0; i < in.length; i++) in[i] = (i * 7919) % 1000;
        int[] sums = new int[groups];
        int[] histogram = new int[8];
        try (ExecutionPlan plan = new TaskGraph("groups").task("sums", PlanOnOpenClTest::groupSums, new KernelContext(), in, sums, histogram)
                .transferToHost(Transfer.EVERY_RUN, sums, histogram).plan(device)
                .withGrid("sums", Grid.of(in.length).local(64))) {
            plan.run();
        }
        int[] wantHist = new int[8];
        for (int g = 0; g < groups; g++) {
            int s = 0;
            for (int k = 0; k < 64; k++) s += in[g * 64 + k];
            assertEquals(s, sums[g], "group " + g);
        }
        for (int v : in) wantHist[v & 7]++;
        assertArrayEquals(wantHist, histogram);
    }

    @Test
    void tenThousandRunsDoNotLeak() {
        Device device = opencl();
        int n = 1000;
        float[] x = new float[n];
        float[] y = new float[n];
        Arrays.fill(x, 1f);
        TaskGraph g = new TaskGraph("leak").transferToDevice(Transfer.EVERY_RUN, x)
                .task("saxpy", PlanOnOpenClTest::saxpy, 2f, x, y).transferToHost(Transfer.EVERY_RUN, y);
        long before;
        try (ExecutionPlan plan = g.plan(device)) {
            plan.run(); // builds the kernel (cached for the process) and allocates the plan's buffers
            before = OpenClResources.liveObjects();
            for (int run = 1; run < 10_000; run++) {
                plan.run();
            }
            assertEquals(before, OpenClResources.liveObjects(), "10,000 runs of one plan: " + OpenClResources.describe());
        }
        assertEquals(20_000f, y[0], "y += 2 * x ten thousand times");
        assertEquals(20_000f, y[n - 1]);
        // after close only the process-wide kernel cache holds OpenCL objects (one program, one kernel)
        long after = OpenClResources.liveObjects();
        assertTrue(after < before, "closing the plan released its queue and buffers: " + OpenClResources.describe());
        for (int plans = 0; plans < 200; plans++) {
            try (ExecutionPlan plan = g.plan(device)) {
                plan.run();
            }
        }
        assertEquals(after, OpenClResources.liveObjects(), "200 plans opened, run and closed: " + OpenClResources.describe());
    }
}

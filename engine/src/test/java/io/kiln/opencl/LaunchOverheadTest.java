package io.kiln.opencl;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.LaunchGeometry;
import io.kiln.testing.Seeds;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cheap launch path of the OpenCL session: launches that nobody waits for on the device get no
 * native event, kernel arguments are set only when they changed since the last launch of that kernel
 * object by the same session, and neither shortcut may ever launch with a stale argument. Also prints
 * the cost of a plan run against raw JOCL ({@code -Dkiln.overheadRuns=15000} for a long measurement).
 */
class LaunchOverheadTest {
    static final long SEED = Seeds.seed("LaunchOverheadTest");

    public static void axpb(float a, float[] x, float b, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + b;
        }
    }

    public static void add(float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < c.length; i++) {
            c[i] = a[i] + b[i];
        }
    }

    /** {@link #add} again: its own kernel object, so that the two plans measured do not share one. */
    public static void add2(float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < c.length; i++) {
            c[i] = a[i] + b[i];
        }
    }

    static final float[] EDGES = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, Float.MAX_VALUE, 3e-39f};

    private static Device opencl() {
        ClTest.device();
        return Devices.get("opencl:0");
    }

    private static float pick(SplittableRandom r) {
        return r.nextInt(4) == 0 ? EDGES[r.nextInt(EDGES.length)] : (float) (r.nextDouble() * 200 - 100);
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = pick(r);
        return x;
    }

    private static void check(String what, float a, float[] x, float b, float[] y) {
        for (int i = 0; i < y.length; i++) {
            assertEquals(a * x[i] + b, y[i], what + " element " + i + " of " + y.length + " (a=" + a + ", b=" + b + ", x=" + x[i] + ")");
        }
    }

    @Test
    void rebindingThroughTheCheapPathNeverLaunchesWithStaleArguments() {
        Device device = opencl();
        SplittableRandom r = new SplittableRandom(SEED);
        int[] sizes = {1, 63, 64, 65, 1000, 4097};
        float[][] xs = new float[3][], ys = new float[3][];
        for (int s = 0; s < 3; s++) {
            xs[s] = random(r, sizes[r.nextInt(sizes.length)]);
            ys[s] = new float[xs[s].length];
        }
        TaskGraph g = new TaskGraph("cheap").transferToDevice(Transfer.EVERY_RUN, xs[0])
                .task("axpb", LaunchOverheadTest::axpb, 1f, xs[0], 0f, ys[0]).transferToHost(Transfer.EVERY_RUN, ys[0]);
        try (ExecutionPlan plan = g.plan(device)) {
            plan.run();
            check("first run", 1f, xs[0], 0f, ys[0]);
            long events = OpenClResources.createdTotal(OpenClResources.Kind.EVENT);
            int runs = 300;
            float a = 1f, b = 0f;
            for (int k = 0; k < runs; k++) {
                int set = r.nextInt(3);
                Bindings bind = Bindings.of().data(xs[0], xs[set]).data(ys[0], ys[set]);
                // change one scalar, both, or none: the argument cache must follow every combination
                switch (r.nextInt(4)) {
                    case 0 -> bind.scalar("axpb", "a", a = pick(r));
                    case 1 -> bind.scalar("axpb", "b", b = pick(r));
                    case 2 -> bind.scalar("axpb", "a", a = pick(r)).scalar("axpb", "b", b = pick(r));
                    default -> {
                    }
                }
                if (r.nextInt(5) == 0) xs[set][r.nextInt(xs[set].length)] = pick(r); // EVERY_RUN: copied again
                Arrays.fill(ys[set], 12345f);
                plan.run(bind);
                check("run " + k + " on buffer set " + set, a, xs[set], b, ys[set]);
            }
            long created = OpenClResources.createdTotal(OpenClResources.Kind.EVENT) - events;
            System.out.println(runs + " runs of a Java-array plan created " + created + " native events");
            assertTrue(created <= runs / 64 + 1, "launches nothing waits for on the device get no native event: " + created
                    + " events in " + runs + " runs");
        }
    }

    @Test
    void twoPlansSharingOneKernelObjectKeepTheirOwnArguments() {
        Device device = opencl();
        SplittableRandom r = new SplittableRandom(SEED + 1);
        float[] x1 = random(r, 100), y1 = new float[100], x2 = random(r, 257), y2 = new float[257];
        TaskGraph g1 = new TaskGraph("one").transferToDevice(Transfer.FIRST_RUN, x1)
                .task("axpb", LaunchOverheadTest::axpb, 2f, x1, 1f, y1).transferToHost(Transfer.EVERY_RUN, y1);
        TaskGraph g2 = new TaskGraph("two").transferToDevice(Transfer.FIRST_RUN, x2)
                .task("axpb", LaunchOverheadTest::axpb, -3f, x2, 0.5f, y2).transferToHost(Transfer.EVERY_RUN, y2);
        // both plans take the kernel from the process-wide cache: one cl_kernel, two sessions setting its arguments
        try (ExecutionPlan p1 = g1.plan(device); ExecutionPlan p2 = g2.plan(device)) {
            for (int k = 0; k < 40; k++) {
                Arrays.fill(y1, 0f);
                Arrays.fill(y2, 0f);
                if (r.nextBoolean()) {
                    p1.run();
                    p2.run();
                } else {
                    p2.run();
                    p1.run();
                }
                check("plan one, run " + k, 2f, x1, 1f, y1);
                check("plan two, run " + k, -3f, x2, 0.5f, y2);
            }
        }
    }

    @Test
    void launchesWithoutNativeEventsAreOrderedAwaitedAndMaterialized() {
        OpenClDeviceRuntime device = ClTest.device();
        SplittableRandom r = new SplittableRandom(SEED + 2);
        int n = 1000 + r.nextInt(100);
        int[] a = new int[n], out = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt();
        LaunchGeometry grid = new LaunchGeometry(new long[] {n}, null);
        try (CompiledKernel k = device.compile(SessionTest.scaleKernel()); OpenClSession s = (OpenClSession) device.openSession();
             FloatArray big = FloatArray.allocate(1 << 20)) {
            assertFalse(s.recordsTimestamps(), "timestamps are off unless asked for");
            s.toDevice(a);
            s.toDevice(out);
            long events = OpenClResources.createdTotal(OpenClResources.Kind.EVENT);
            DeviceEvent first = s.enqueueLaunch(k, new Object[] {null, 3, a, a, out, true, 'b', (byte) -7, 5L << 32}, grid, List.of());
            assertEquals(events, OpenClResources.createdTotal(OpenClResources.Kind.EVENT), "a launch on Java arrays alone has no native event");
            assertEquals(null, first.timestamps(), "no timestamps unless recorded");
            assertTrue(first.isComplete());
            // a later launch on the same in-order queue, then an off-heap copy on the copy queue that must wait for it
            DeviceEvent second = s.enqueueLaunch(k, new Object[] {null, -2, a, out, out, false, 'c', (byte) 1, 0L}, grid, List.of());
            DeviceEvent copy = s.enqueueToDevice(big, List.of(second)); // gets a marker for 'second'
            s.await(List.of(copy, second));
            assertTrue(second.isComplete());
            s.toHost(out);
            int[] want = SessionTest.expected(a, 3, a, true, 'b', (byte) -7, 5L << 32);
            want = SessionTest.expected(a, -2, want, false, 'c', (byte) 1, 0L);
            assertEquals(Arrays.toString(want), Arrays.toString(out));
            s.recordTimestamps(true);
            DeviceEvent timed = s.enqueueLaunch(k, new Object[] {null, 1, a, a, out, false, 'a', (byte) 0, 0L}, grid, List.of());
            s.await(List.of(timed));
            long[] t = timed.timestamps();
            assertTrue(t != null && t[0] <= t[1] && t[1] <= t[2], "recorded timestamps: " + Arrays.toString(t));
            s.finish();
            assertEquals(0, s.pendingEvents());
        }
    }

    static final String RAW_ADD = """
            __kernel void add(__global const float* a, __global const float* b, __global float* c, int n) {
                int i = get_global_id(0);
                if (i < n) c[i] = a[i] + b[i];
            }
            """;

    /**
     * {@code plan.run()} of a 64-element add against {@code clEnqueueNDRangeKernel} + {@code clFinish}
     * of the same kernel written by hand (and against + a blocking read when the result is copied back),
     * interleaved, as medians. Printed, not asserted beyond a generous bound: the test machine is shared.
     */
    @Test
    void runCostAgainstRawJocl() {
        Device device = opencl();
        OpenClDeviceRuntime rt = ClTest.device();
        int n = 64;
        int rounds = Integer.getInteger("kiln.overheadRuns", 2000);
        float[] a = new float[n], b = new float[n], c = new float[n], c2 = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
            b[i] = i * 0.5f;
        }
        cl_command_queue q = OpenClQueues.createUncountedQueue(rt);
        cl_program program = CL.clCreateProgramWithSource(rt.context(), 1, new String[] {RAW_ADD}, null, null);
        CL.clBuildProgram(program, 0, null, null, null, null);
        cl_kernel kernel = CL.clCreateKernel(program, "add", null);
        cl_mem[] mems = {
                CL.clCreateBuffer(rt.context(), CL.CL_MEM_READ_ONLY | CL.CL_MEM_COPY_HOST_PTR, n * 4L, Pointer.to(a), null),
                CL.clCreateBuffer(rt.context(), CL.CL_MEM_READ_ONLY | CL.CL_MEM_COPY_HOST_PTR, n * 4L, Pointer.to(b), null),
                CL.clCreateBuffer(rt.context(), CL.CL_MEM_READ_WRITE, n * 4L, null, null)};
        float[] rawC = new float[n];
        Pointer rawPtr = Pointer.to(rawC);
        long[] global = {n}, local = {n};
        try (ExecutionPlan finish = new TaskGraph("overhead").transferToDevice(Transfer.FIRST_RUN, a, b)
                .task("add", LaunchOverheadTest::add, a, b, c).plan(device).withProfiler();
             ExecutionPlan copyBack = new TaskGraph("overhead-copy").transferToDevice(Transfer.FIRST_RUN, a, b)
                     .task("add", LaunchOverheadTest::add2, a, b, c2).transferToHost(Transfer.EVERY_RUN, c2).plan(device)) {
            for (int i = 0; i < 3; i++) CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(mems[i]));
            CL.clSetKernelArg(kernel, 3, Sizeof.cl_int, Pointer.to(new int[] {n}));
            long[][] t = new long[4][rounds];
            for (int k = -200; k < rounds; k++) { // 200 rounds of warm-up
                long t0 = System.nanoTime();
                finish.run();
                long t1 = System.nanoTime();
                CL.clEnqueueNDRangeKernel(q, kernel, 1, null, global, local, 0, null, null);
                CL.clFinish(q);
                long t2 = System.nanoTime();
                copyBack.run();
                long t3 = System.nanoTime();
                CL.clEnqueueNDRangeKernel(q, kernel, 1, null, global, local, 0, null, null);
                CL.clEnqueueReadBuffer(q, mems[2], true, 0, n * 4L, rawPtr, 0, null, null);
                long t4 = System.nanoTime();
                if (k < 0) continue;
                t[0][k] = t1 - t0;
                t[1][k] = t2 - t1;
                t[2][k] = t3 - t2;
                t[3][k] = t4 - t3;
            }
            finish.transferToHost(c);
            for (int i = 0; i < n; i++) {
                assertEquals(a[i] + b[i], c[i], "plan result " + i);
                assertEquals(a[i] + b[i], c2[i], "copied-back result " + i);
                assertEquals(a[i] + b[i], rawC[i], "raw result " + i);
            }
            double[] m = new double[4];
            for (int i = 0; i < 4; i++) {
                Arrays.sort(t[i]);
                m[i] = t[i][rounds / 2] / 1000.0;
            }
            System.out.printf("run cost, medians of %d interleaved rounds: plan (profiled: waits for the launch, reads its timestamps) %.1f us, raw launch + clFinish %.1f us"
                            + " (%.2fx); plan copying back %.1f us, raw launch + blocking read %.1f us (%.2fx)%n",
                    rounds, m[0], m[1], m[0] / m[1], m[2], m[3], m[2] / m[3]);
            assertTrue(m[0] < 5 * m[1] && m[2] < 5 * m[3], "a plan run costs a small multiple of the raw calls");
        } finally {
            for (cl_mem mem : mems) CL.clReleaseMemObject(mem);
            CL.clReleaseKernel(kernel);
            CL.clReleaseProgram(program);
            CL.clReleaseCommandQueue(q);
        }
    }
}

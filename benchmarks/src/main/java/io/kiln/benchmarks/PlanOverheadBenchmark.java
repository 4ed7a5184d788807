package io.kiln.benchmarks;

import io.kiln.ExecutionPlan;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Kiln's cost per run against the floor under it: {@link ExecutionPlan#run()} of a 64-element
 * {@code c = a + b} on {@code opencl:0}, against raw JOCL calls of an equivalent hand-written OpenCL C
 * kernel on its own context and queue (arguments set once, 64 work-items in one group, as Kiln
 * launches it). Each pair does the same device work:
 * <ul>
 *   <li>{@code planRunProfiled} (the plan waits for its launch) against {@code rawLaunchFinish}
 *       ({@code clEnqueueNDRangeKernel} + {@code clFinish});</li>
 *   <li>{@code planRunProfiled} also against {@code rawLaunchProfiled}, the same calls a profiled run
 *       makes (an event, its wait, its three timestamps), on a profiling queue;</li>
 *   <li>{@code planRunCopyBack} ({@code c} copied back every run) against {@code rawLaunchRead}
 *       ({@code clEnqueueNDRangeKernel} + a blocking {@code clEnqueueReadBuffer} of {@code c}).</li>
 * </ul>
 * {@code a} and {@code b} stay on the device in both. The ratio plan / raw is Kiln's overhead per run:
 * the schedule is built on the first run and only issued afterwards.
 * <p>On {@code cpu}: {@code planRunCpu} ({@link ExecutionPlan#run()} of the same kernel, {@code c}
 * "copied back", which on {@code cpu} copies nothing) against {@code directLaunchCpu}, the kernel the
 * cpu back end generated launched straight through its session ({@code DeviceSession.launch}: the
 * generated class called on the calling thread, or cut into chunks over the worker threads when the
 * launch is large enough), with no plan around it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class PlanOverheadBenchmark {
    static final int N = 64;

    /** The Kiln kernel. */
    public static void add(float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < c.length; i++) {
            c[i] = a[i] + b[i];
        }
    }

    /**
     * {@link #add} again, for the copy-back plan: a kernel object of its own. Two plans that share one
     * OpenCL kernel object set all its arguments again whenever the other launched it last, which
     * {@link #main}'s interleaved rounds would measure (JMH runs one benchmark at a time and would not).
     * The loop is written out, not a call of {@link #add}: a {@code @Parallel} loop counts only in the
     * kernel method itself.
     */
    public static void addCopyBack(float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < c.length; i++) {
            c[i] = a[i] + b[i];
        }
    }

    /** The same kernel written by hand. */
    static final String SOURCE = """
            __kernel void add(__global const float* a, __global const float* b, __global float* c, int n) {
                int i = get_global_id(0);
                if (i < n) c[i] = a[i] + b[i];
            }
            """;

    static float[] input(float scale) {
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = i * scale;
        return x;
    }

    static void check(float[] c) {
        for (int i = 0; i < N; i++) {
            if (c[i] != i * 1f + i * 0.5f) throw new IllegalStateException("wrong result at " + i + ": " + c[i]);
        }
    }

    /** Plans on {@code opencl:0}. */
    @State(Scope.Benchmark)
    public static class Plans {
        ExecutionPlan profiled;
        ExecutionPlan copyBack;

        @Setup(Level.Trial)
        public void setup() {
            float[] a = input(1), b = input(0.5f), c = new float[N];
            profiled = new TaskGraph("overhead").transferToDevice(Transfer.FIRST_RUN, a, b)
                    .task("add", PlanOverheadBenchmark::add, a, b, c).plan(BenchmarkDevices.get("opencl:0")).withProfiler();
            profiled.run();
            profiled.transferToHost(c);
            check(c);
            float[] a2 = input(1), b2 = input(0.5f), c2 = new float[N];
            copyBack = new TaskGraph("overhead-copy").transferToDevice(Transfer.FIRST_RUN, a2, b2)
                    .task("add", PlanOverheadBenchmark::addCopyBack, a2, b2, c2).transferToHost(Transfer.EVERY_RUN, c2)
                    .plan(BenchmarkDevices.get("opencl:0"));
            copyBack.run();
            check(c2);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (profiled != null) profiled.close();
            if (copyBack != null) copyBack.close();
        }
    }

    /** A plan on {@code cpu}, and the same kernel built by the cpu back end and launched without a plan. */
    @State(Scope.Benchmark)
    public static class Cpu {
        ExecutionPlan plan;
        io.kiln.spi.DeviceRuntime runtime;
        io.kiln.spi.CompiledKernel kernel;
        io.kiln.spi.DeviceSession session;
        final float[] a = input(1), b = input(0.5f), c = new float[N], direct = new float[N];
        final io.kiln.spi.LaunchGeometry geometry = new io.kiln.spi.LaunchGeometry(new long[] {N}, null);
        Object[] args;

        @Setup(Level.Trial)
        public void setup() throws ReflectiveOperationException {
            plan = new TaskGraph("overhead-cpu").transferToDevice(Transfer.FIRST_RUN, a, b)
                    .task("add", PlanOverheadBenchmark::add, a, b, c).transferToHost(Transfer.EVERY_RUN, c)
                    .plan(BenchmarkDevices.get("cpu"));
            plan.run();
            check(c);
            // the back end's own runtime (a provider of its own, with a pool of the same size as the plan's)
            for (io.kiln.spi.BackendProvider p : java.util.ServiceLoader.load(io.kiln.spi.BackendProvider.class)) {
                if (p.backend() == io.kiln.Backend.CPU && !p.devices().isEmpty()) runtime = p.devices().get(0);
            }
            if (runtime == null) throw new IllegalStateException("the cpu back end is not on the class path");
            java.lang.reflect.Method m = PlanOverheadBenchmark.class.getMethod("add", float[].class, float[].class, float[].class);
            kernel = runtime.compile(io.kiln.ir.IrParser.parse(io.kiln.KernelCompiler.emit(m, io.kiln.Target.IR)));
            session = runtime.openSession();
            args = new Object[] {a, b, direct};
            session.launch(kernel, args, geometry);
            check(direct);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
            if (session != null) session.close();
            if (kernel != null) kernel.close();
        }
    }

    /** A hand-made JOCL context, queue, program and buffers on the first OpenCL device. */
    @State(Scope.Benchmark)
    public static class Raw {
        cl_context context;
        cl_command_queue queue;
        /** A queue with profiling on, for the raw counterpart of a profiled plan run. */
        cl_command_queue profilingQueue;
        final long[] profile = new long[1];
        cl_program program;
        cl_kernel kernel;
        cl_mem[] mems;
        final float[] c = new float[N];
        final long[] global = {N};
        final long[] local = {N};
        Pointer cPointer;

        @Setup(Level.Trial)
        @SuppressWarnings("deprecation")
        public void setup() {
            CL.setExceptionsEnabled(true);
            cl_platform_id[] platforms = new cl_platform_id[1];
            CL.clGetPlatformIDs(1, platforms, null);
            cl_device_id[] devices = new cl_device_id[1];
            CL.clGetDeviceIDs(platforms[0], CL.CL_DEVICE_TYPE_ALL, 1, devices, null);
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL.CL_CONTEXT_PLATFORM, platforms[0]);
            context = CL.clCreateContext(props, 1, devices, null, null, null);
            queue = CL.clCreateCommandQueue(context, devices[0], 0, null);
            profilingQueue = CL.clCreateCommandQueue(context, devices[0], CL.CL_QUEUE_PROFILING_ENABLE, null);
            program = CL.clCreateProgramWithSource(context, 1, new String[] {SOURCE}, null, null);
            CL.clBuildProgram(program, 0, null, null, null, null);
            kernel = CL.clCreateKernel(program, "add", null);
            float[] a = input(1), b = input(0.5f);
            mems = new cl_mem[] {
                    CL.clCreateBuffer(context, CL.CL_MEM_READ_ONLY | CL.CL_MEM_COPY_HOST_PTR, (long) N * Sizeof.cl_float, Pointer.to(a), null),
                    CL.clCreateBuffer(context, CL.CL_MEM_READ_ONLY | CL.CL_MEM_COPY_HOST_PTR, (long) N * Sizeof.cl_float, Pointer.to(b), null),
                    CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, (long) N * Sizeof.cl_float, null, null)};
            for (int i = 0; i < 3; i++) CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(mems[i]));
            CL.clSetKernelArg(kernel, 3, Sizeof.cl_int, Pointer.to(new int[] {N}));
            cPointer = Pointer.to(c);
            launchRead();
            check(c);
        }

        void launchFinish() {
            CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, global, local, 0, null, null);
            CL.clFinish(queue);
        }

        /** What a profiled plan run asks of the driver: a launch with an event, its wait, three timestamps. */
        void launchProfiled() {
            cl_event e = new cl_event();
            CL.clEnqueueNDRangeKernel(profilingQueue, kernel, 1, null, global, local, 0, null, e);
            CL.clWaitForEvents(1, new cl_event[] {e});
            Pointer to = Pointer.to(profile);
            CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_QUEUED, Sizeof.cl_ulong, to, null);
            CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, to, null);
            CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, to, null);
            CL.clReleaseEvent(e);
        }

        void launchRead() {
            CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, global, local, 0, null, null);
            CL.clEnqueueReadBuffer(queue, mems[2], true, 0, (long) N * Sizeof.cl_float, cPointer, 0, null, null);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (cl_mem m : mems) CL.clReleaseMemObject(m);
            CL.clReleaseKernel(kernel);
            CL.clReleaseProgram(program);
            CL.clReleaseCommandQueue(queue);
            CL.clReleaseCommandQueue(profilingQueue);
            CL.clReleaseContext(context);
        }
    }

    /**
     * The same pairs interleaved round by round in one process, as medians, so that both sides of each
     * ratio see the same load (JMH's iterations of one benchmark after another do not, on a shared
     * machine): {@code java -cp benchmarks.jar io.kiln.benchmarks.PlanOverheadBenchmark [rounds]}.
     */
    public static void main(String[] args) throws ReflectiveOperationException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Plans p = new Plans();
        Raw r = new Raw();
        Cpu c = new Cpu();
        p.setup();
        r.setup();
        c.setup();
        String[] names = {"planRunProfiled", "rawLaunchFinish", "rawLaunchProfiled", "planRunCopyBack", "rawLaunchRead", "planRunCpu",
                "directLaunchCpu"};
        long[][] t = new long[names.length][rounds];
        try {
            // OpenCL first, cpu apart: PoCL's threads still busy after a command would slow the cpu's
            for (int k = -rounds / 10; k < rounds; k++) { // the first tenth warms up
                long t0 = System.nanoTime();
                p.profiled.run();
                long t1 = System.nanoTime();
                r.launchFinish();
                long t2 = System.nanoTime();
                r.launchProfiled();
                long t3 = System.nanoTime();
                p.copyBack.run();
                long t4 = System.nanoTime();
                r.launchRead();
                long t5 = System.nanoTime();
                if (k < 0) continue;
                long[] at = {t0, t1, t2, t3, t4, t5};
                for (int i = 0; i < 5; i++) t[i][k] = at[i + 1] - at[i];
            }
            for (int k = -rounds; k < rounds; k++) {
                long t0 = System.nanoTime();
                c.plan.run();
                long t1 = System.nanoTime();
                c.session.launch(c.kernel, c.args, c.geometry);
                long t2 = System.nanoTime();
                if (k < 0) continue;
                t[5][k] = t1 - t0;
                t[6][k] = t2 - t1;
            }
        } finally {
            p.tearDown();
            r.tearDown();
            c.tearDown();
        }
        double[] m = new double[names.length];
        for (int i = 0; i < names.length; i++) {
            java.util.Arrays.sort(t[i]);
            m[i] = t[i][rounds / 2] / 1e3;
            System.out.printf("%-18s median %7.2f us, p10 %7.2f us%n", names[i], m[i], t[i][rounds / 10] / 1e3);
        }
        System.out.printf("ratios of medians over %d interleaved rounds: copy-back %.2fx raw read; profiled %.2fx raw profiled, %.2fx raw clFinish;"
                + " cpu plan - direct launch %.2f us%n", rounds, m[3] / m[4], m[0] / m[2], m[0] / m[1], m[5] - m[6]);
    }

    /** One run of the plan; it waits for the launch (withProfiler), like clFinish. */
    @Benchmark
    public Object planRunProfiled(Plans p) {
        return p.profiled.run();
    }

    /** One run of the plan that copies {@code c} back. */
    @Benchmark
    public Object planRunCopyBack(Plans p) {
        return p.copyBack.run();
    }

    /** The floor of {@link #planRunProfiled}: one launch and clFinish. */
    @Benchmark
    public void rawLaunchFinish(Raw r) {
        r.launchFinish();
    }

    /** The raw counterpart of {@link #planRunProfiled}: a launch with an event, waited for, and its three timestamps. */
    @Benchmark
    public void rawLaunchProfiled(Raw r) {
        r.launchProfiled();
    }

    /** The floor of {@link #planRunCopyBack}: one launch and a blocking read of {@code c}. */
    @Benchmark
    public void rawLaunchRead(Raw r) {
        r.launchRead();
    }

    /** One run of the plan on {@code cpu}. */
    @Benchmark
    public Object planRunCpu(Cpu p) {
        return p.plan.run();
    }

    /** The floor of {@link #planRunCpu}: the generated kernel launched through its session, no plan. */
    @Benchmark
    public void directLaunchCpu(Cpu p) {
        p.session.launch(p.kernel, p.args, p.geometry);
    }
}

package io.kiln.benchmarks.suite;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a user feels first: in a fresh JVM, the time of a new plan's first run (compile included),
 * second and tenth run, against the median of runs 31-50 (steady state). One case per JVM, so that
 * nothing is warm: {@code benchmarks/cold-start.sh} starts one JVM per (kernel, device).
 *
 * <p>Wall times need a quiet machine. Two CPU times are printed besides, which a loaded machine
 * disturbs much less: the calling thread's CPU time of {@code Devices.get} and of the first run (Kiln's
 * compiler runs on the calling thread), and for the cpu device the CPU time of the threads that run
 * kernels (the calling thread and {@code kiln-cpu-*}) in the second run against the median of runs
 * 31-50 ({@code cpu2/cpu}).
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar
 * io.kiln.benchmarks.suite.ColdStart KERNEL DEVICE}; prints one line
 * {@code kernel device first (compile) second tenth steady (ms) second/steady}, then the CPU times.
 *
 * <p>{@code ColdStart train DEVICE} builds every kernel of the suite and runs each plan three times,
 * printing nothing but a summary: the training run of a JDK ahead-of-time cache
 * ({@code -XX:AOTCacheOutput=FILE}), which {@code benchmarks/cold-start.sh --aot} then measures with.
 *
 * <p>{@code ColdStart build ir} measures Kiln's front end and passes alone, without launching anything:
 * in a fresh JVM, the calling thread's CPU time to compile each kernel of the suite to IR
 * ({@code KernelCompiler.emit(method, Target.IR, true)}), in the suite's order, printing the first (cold)
 * kernel's time and the rest's; the loaded machine disturbs this far less than wall time.
 */
public final class ColdStart {
    private ColdStart() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ColdStart KERNEL DEVICE   (KERNEL one of " + Arrays.toString(SuiteCase.values()) + ")");
            System.exit(2);
        }
        if (args[0].equals("train")) {
            train(Devices.get(args[1]));
            return;
        }
        if (args[0].equals("build")) {
            build();
            return;
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        SuiteCase c = SuiteCase.valueOf(args[0]);
        long d0 = mx.getCurrentThreadCpuTime();
        Device device = Devices.get(args[1]);
        double devicesCpuMs = (mx.getCurrentThreadCpuTime() - d0) / 1e6;
        long g0 = System.nanoTime();
        SuiteCase.Instance inst = c.instance(CpuSuiteBenchmark.SEED);   // inputs and the task graph (TaskSpec)
        double graphMs = (System.nanoTime() - g0) / 1e6;
        double[] ms = new double[50];
        double[] cpu = new double[50];
        double compileMs = 0;
        double firstCpuMs = 0;
        long cpuStart = kernelThreadsCpu(mx);
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        try (ExecutionPlan plan = inst.plan(device)) {
            for (int r = 0; r < ms.length; r++) {
                // the thread list is read outside the timed part (it stops the JVM briefly)
                if (r > 0) cpuStart = kernelThreadsCpu(mx);
                long start = r == 0 ? t0 : System.nanoTime();
                io.kiln.RunResult result = plan.run();
                ms[r] = (System.nanoTime() - start) / 1e6;
                if (r == 0) firstCpuMs = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
                cpu[r] = (kernelThreadsCpu(mx) - cpuStart) / 1e6;
                if (r == 0) {
                    compileMs = result.tasks().stream().mapToLong(io.kiln.RunResult.TaskRun::compileNanos).sum() / 1e6;
                }
            }
        }
        double steady = median(Arrays.copyOfRange(ms, 30, 50));
        double steadyCpu = median(Arrays.copyOfRange(cpu, 30, 50));
        System.out.println(String.format(Locale.ROOT, "%-17s %-9s first %7.1f (compile %6.1f)  second %8.2f  tenth %8.2f  steady %8.2f ms  second/steady %5.2f"
                        + "  | graph %5.1f ms | cpu: devices %5.1f first %6.1f  second %7.2f steady %7.2f ms  cpu2/cpu %5.2f",
                c, device.id(), ms[0], compileMs, ms[1], ms[9], steady, ms[1] / steady, graphMs,
                devicesCpuMs, firstCpuMs, cpu[1], steadyCpu, cpu[1] / steadyCpu));
    }

    /** What an application's training run does: every kernel built and run a few times (the suite's sizes). */
    private static void train(Device device) {
        long t0 = System.nanoTime();
        for (SuiteCase c : SuiteCase.values()) {
            SuiteCase.Instance inst = c.instance(CpuSuiteBenchmark.SEED);
            try (ExecutionPlan plan = inst.plan(device)) {
                for (int r = 0; r < 3; r++) plan.run();
            }
        }
        System.out.println(String.format(Locale.ROOT, "trained on %d kernels on %s in %.1f s",
                SuiteCase.values().length, device.id(), (System.nanoTime() - t0) / 1e9));
    }

    /** The front end and passes of every suite kernel, one after the other, by calling-thread CPU time. */
    private static void build() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        String[] names = {"saxpy", "stencil5", "stencil5x5", "conv2d", "mandelbrot", "blackScholes", "nbody", "hash64",
                "bilinear", "sgemm", "histogram", "sum", "transpose"};
        StringBuilder sb = new StringBuilder();
        double first = 0;
        double rest = 0;
        for (String name : names) {
            java.lang.reflect.Method m = null;
            for (java.lang.reflect.Method c : SuiteKernels.class.getDeclaredMethods()) {
                if (c.getName().equals(name)) m = c;
            }
            if (m == null) throw new IllegalStateException("no kernel " + name + " in SuiteKernels");
            long c0 = mx.getCurrentThreadCpuTime();
            io.kiln.KernelCompiler.emit(m, io.kiln.Target.IR, true);
            double ms = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
            if (first == 0) first = ms;
            else rest += ms;
            sb.append(String.format(Locale.ROOT, " %s %.1f", name, ms));
        }
        System.out.println(String.format(Locale.ROOT, "build ir: cpu first %.1f ms, other %d kernels %.1f ms |%s",
                first, names.length - 1, rest, sb));
    }

    private static double median(double[] xs) {
        Arrays.sort(xs);
        return (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;
    }

    /** CPU nanoseconds so far of the calling thread and of the cpu device's pool threads (started lazily). */
    private static long kernelThreadsCpu(ThreadMXBean mx) {
        List<Long> ids = new ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("kiln-cpu-")) ids.add(t.threadId());
        }
        long sum = 0;
        for (long id : ids) sum += Math.max(0, mx.getThreadCpuTime(id));
        return sum;
    }
}

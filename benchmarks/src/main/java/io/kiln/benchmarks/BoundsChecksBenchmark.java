package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.Blas;
import io.kiln.kernels.Histogram;
import io.kiln.kernels.Reductions;
import io.kiln.kernels.Transpose;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The cost of Java's bounds checks: the benchmark kernels of the kernel library (and a 3-point stencil)
 * run by a plan with its data resident, {@code withChecks=on} (the default: the checks that the range-check
 * elimination pass and the host's facts could not prove) against {@code withChecks=off}
 * ({@code plan.withBoundsChecks(false)}), in the same JMH run. The overhead of a kernel is the ratio of
 * the two; docs/benchmarks.md gives the geometric mean over the kernels. Each plan's result is checked
 * once against plain Java, so neither variant is timed computing something wrong.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx2g"})
public class BoundsChecksBenchmark {

    /** {@code out[i]} is the mean of {@code in[i - 1 .. i + 1]}: three reads at computed indices. */
    public static void stencil(float[] in, float[] out) {
        for (@Parallel int i = 1; i < in.length - 1; i++) {
            out[i] = (in[i - 1] + in[i] + in[i + 1]) * (1f / 3f);
        }
    }

    /** One kernel's plan on {@code device}, built with or without bounds checks. */
    @State(Scope.Benchmark)
    public static class S {
        @Param("opencl:0")
        public String device;
        @Param({"saxpy", "stencil", "sum", "sgemm", "sgemmTiled", "transpose", "histogram"})
        public String kernel;
        /** Named so that JMH, which varies parameters in name order, runs on and off of one kernel back to back. */
        @Param({"on", "off"})
        public String withChecks;
        ExecutionPlan plan;
        /** What the kernel writes, copied back after each run. */
        Object[] outputs;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            int n = 1 << 22;
            int m = 256;
            int side = 2048;
            Runnable verify;
            switch (kernel) {
                case "saxpy" -> {
                    float[] x = SaxpyBenchmark.random(1, n), y = SaxpyBenchmark.random(2, n), want = y.clone();
                    Blas.saxpy(1.5f, x, want);
                    plan = new TaskGraph("saxpy").transferToDevice(Transfer.FIRST_RUN, x, y)
                            .task("k", Blas::saxpy, 1.5f, x, y).plan(d);
                    outputs = new Object[] {y};
                    verify = () -> same(want, y);
                }
                case "stencil" -> {
                    float[] in = SaxpyBenchmark.random(3, n), out = new float[n], want = new float[n];
                    stencil(in, want);
                    plan = new TaskGraph("stencil").transferToDevice(Transfer.FIRST_RUN, in, out)
                            .task("k", BoundsChecksBenchmark::stencil, in, out).plan(d);
                    outputs = new Object[] {out};
                    verify = () -> same(want, out);
                }
                case "sum" -> {
                    float[] x = SaxpyBenchmark.random(4, n), total = new float[1];
                    double want = 0;
                    for (float v : x) want += v;
                    double expected = want;
                    plan = new TaskGraph("sum").transferToDevice(Transfer.FIRST_RUN, x)
                            .task("k", Reductions::sum, x, total).plan(d);
                    outputs = new Object[] {total};
                    verify = () -> {
                        if (Math.abs(total[0] - expected) > 1e-3 * expected) {
                            throw new IllegalStateException("sum " + total[0] + ", plain Java (double) " + expected);
                        }
                    };
                }
                case "sgemm", "sgemmTiled" -> {
                    float[] a = SaxpyBenchmark.random(5, m * m), b = SaxpyBenchmark.random(6, m * m), c = new float[m * m], want = new float[m * m];
                    Blas.sgemm(m, m, m, a, b, want);
                    TaskGraph g = new TaskGraph(kernel).transferToDevice(Transfer.FIRST_RUN, a, b, c);
                    if (kernel.equals("sgemm")) {
                        plan = g.task("k", Blas::sgemm, m, m, m, a, b, c).plan(d);
                    } else {
                        plan = g.task("k", Blas::sgemmTiled, new KernelContext(), m, m, m, a, b, c).plan(d)
                                .withGrid("k", Grid.of(m, m).local(Blas.TILE, Blas.TILE));
                    }
                    outputs = new Object[] {c};
                    verify = () -> same(want, c);
                }
                case "transpose" -> {
                    float[] in = SaxpyBenchmark.random(7, side * side), out = new float[side * side], want = new float[side * side];
                    for (int r = 0; r < side; r++) for (int col = 0; col < side; col++) want[col * side + r] = in[r * side + col];
                    plan = new TaskGraph("transpose").transferToDevice(Transfer.FIRST_RUN, in, out)
                            .task("k", Transpose::tiled, new KernelContext(), in, out, side, side).plan(d)
                            .withGrid("k", Grid.of(side, side).local(Transpose.TILE, Transpose.TILE));
                    outputs = new Object[] {out};
                    verify = () -> same(want, out);
                }
                case "histogram" -> {
                    byte[] data = new byte[n];
                    new SplittableRandom(8).nextBytes(data);
                    int[] bins = new int[256], want = new int[256];
                    for (byte v : data) want[v & 0xFF]++;
                    plan = new TaskGraph("histogram").transferToDevice(Transfer.FIRST_RUN, data)
                            .transferToDevice(Transfer.EVERY_RUN, bins)
                            .task("k", Histogram::local256, new KernelContext(), data, bins).plan(d)
                            .withGrid("k", Grid.of(n).local(256));
                    outputs = new Object[] {bins};
                    verify = () -> {
                        if (!Arrays.equals(want, bins)) throw new IllegalStateException("histogram differs from plain Java");
                    };
                }
                default -> throw new IllegalStateException("unknown kernel parameter " + kernel);
            }
            plan.withBoundsChecks(switch (withChecks) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new IllegalStateException("withChecks=" + withChecks + ": use on or off");
            });
            plan.run();
            plan.transferToHost(outputs);
            verify.run();
        }

        void runAndFetch() {
            plan.run();
            plan.transferToHost(outputs);
        }

        private void same(float[] want, float[] got) {
            if (!Arrays.equals(want, got)) {
                throw new IllegalStateException(kernel + " on " + device + " (checks " + withChecks + ") differs from plain Java: not benchmarking a wrong kernel");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
        }
    }

    /**
     * One run of the plan and its result copied back (free on {@code cpu}): a plan's run waits for the
     * launches of checked kernels (to throw their failure) but not for others, so copying back the result
     * is what makes both variants wait for the kernel.
     */
    @Benchmark
    public void run(S s) {
        s.runAndFetch();
    }

    /**
     * The same comparison without JMH, for a shared machine: per device and kernel both plans are built in
     * one JVM and run alternately ({@code rounds} times each after a warm-up), so that load from other
     * jobs falls on both alike; the minimum of each is compared (the least disturbed run), with the
     * median printed beside it. Arguments: {@code [devices (comma-separated)] [rounds]}, by default
     * {@code opencl:0,cpu 40}.
     */
    public static void main(String[] args) {
        String[] devices = (args.length > 0 ? args[0] : "opencl:0,cpu").split(",");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        String[] kernels = {"saxpy", "stencil", "sum", "sgemm", "sgemmTiled", "transpose", "histogram"};
        for (String device : devices) {
            double logSum = 0;
            System.out.println("| kernel (" + device + ") | checks off: min / median ms | checks on: min / median ms | on / off (min) |");
            System.out.println("|---|---|---|---|");
            for (String kernel : kernels) {
                S on = state(device, kernel, "on");
                S off = state(device, kernel, "off");
                try {
                    for (int w = 0; w < 5; w++) {
                        on.runAndFetch();
                        off.runAndFetch();
                    }
                    long[] tOn = new long[rounds];
                    long[] tOff = new long[rounds];
                    for (int r = 0; r < rounds; r++) {
                        // alternate which goes first, so neither always runs on a warmer cache
                        S first = r % 2 == 0 ? on : off;
                        S second = first == on ? off : on;
                        long t0 = System.nanoTime();
                        first.runAndFetch();
                        long t1 = System.nanoTime();
                        second.runAndFetch();
                        long t2 = System.nanoTime();
                        (first == on ? tOn : tOff)[r] = t1 - t0;
                        (first == on ? tOff : tOn)[r] = t2 - t1;
                    }
                    Arrays.sort(tOn);
                    Arrays.sort(tOff);
                    double ratio = (double) tOn[0] / tOff[0];
                    logSum += Math.log(ratio);
                    System.out.printf("| %s | %.3f / %.3f | %.3f / %.3f | %+.1f%% |%n", kernel, tOff[0] / 1e6, tOff[rounds / 2] / 1e6,
                            tOn[0] / 1e6, tOn[rounds / 2] / 1e6, 100 * (ratio - 1));
                } finally {
                    on.tearDown();
                    off.tearDown();
                }
            }
            System.out.printf("geometric mean of on / off on %s: %+.1f%%%n%n", device, 100 * (Math.exp(logSum / kernels.length) - 1));
        }
    }

    private static S state(String device, String kernel, String checks) {
        S s = new S();
        s.device = device;
        s.kernel = kernel;
        s.withChecks = checks;
        s.setup();
        return s;
    }
}

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
 * run by a plan with its data resident, {@code checks=on} (the default: checks the range-check
 * elimination pass could not prove redundant) against {@code checks=off}
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
        @Param({"on", "off"})
        public String checks;
        ExecutionPlan plan;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            int n = 1 << 22;
            int m = 256;
            int side = 2048;
            Runnable verify;
            Object[] outputs;
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
            plan.withBoundsChecks(switch (checks) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new IllegalStateException("checks=" + checks + ": use on or off");
            });
            plan.run();
            plan.transferToHost(outputs);
            verify.run();
        }

        private void same(float[] want, float[] got) {
            if (!Arrays.equals(want, got)) {
                throw new IllegalStateException(kernel + " on " + device + " (checks " + checks + ") differs from plain Java: not benchmarking a wrong kernel");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
        }
    }

    /** One run of the plan: launch and wait, data resident. */
    @Benchmark
    public void run(S s) {
        s.plan.run();
    }
}

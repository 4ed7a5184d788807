package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.Blas;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * {@code C = A * B} for square {@code size x size} float matrices with the naive {@link Blas#sgemm}
 * (one work-item per element of C): on a Kiln device, with A and B resident and C copied back on
 * every run, against the same Java method on one JVM thread. 2 * size^3 flops per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class SgemmBenchmark {

    /** The matrices, for the plain Java baseline. */
    @State(Scope.Benchmark)
    public static class JavaState {
        @Param({"256", "512"})
        public int size;
        float[] a;
        float[] b;
        float[] c;

        @Setup(Level.Trial)
        public void setup() {
            a = SaxpyBenchmark.random(1, size * size);
            b = SaxpyBenchmark.random(2, size * size);
            c = new float[size * size];
        }
    }

    /** A plan on the device named by {@code device}. */
    @State(Scope.Benchmark)
    public static class KilnState {
        @Param("opencl:0")
        public String device;
        @Param({"256", "512"})
        public int size;
        float[] c;
        ExecutionPlan plan;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            int n = size;
            float[] a = SaxpyBenchmark.random(1, n * n);
            float[] b = SaxpyBenchmark.random(2, n * n);
            c = new float[n * n];
            plan = new TaskGraph("sgemm")
                    .transferToDevice(Transfer.FIRST_RUN, a, b)
                    .task("sgemm", Blas::sgemm, n, n, n, a, b, c)
                    .transferToHost(Transfer.EVERY_RUN, c)
                    .plan(d);
            plan.run();
            float[] expected = new float[n * n];
            Blas.sgemm(n, n, n, a, b, expected);
            if (!Arrays.equals(expected, c)) {
                throw new IllegalStateException("sgemm on " + device + " differs from plain Java: not benchmarking a wrong kernel");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
        }
    }

    /** The tiled work-group kernel {@link Blas#sgemmTiled} on the same device. */
    @State(Scope.Benchmark)
    public static class TiledState {
        @Param("opencl:0")
        public String device;
        @Param({"256", "512"})
        public int size;
        float[] c;
        ExecutionPlan plan;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            int n = size;
            float[] a = SaxpyBenchmark.random(1, n * n);
            float[] b = SaxpyBenchmark.random(2, n * n);
            c = new float[n * n];
            int t = Blas.TILE;
            plan = new TaskGraph("sgemm-tiled")
                    .transferToDevice(Transfer.FIRST_RUN, a, b)
                    .task("sgemm", Blas::sgemmTiled, new io.kiln.KernelContext(), n, n, n, a, b, c)
                    .transferToHost(Transfer.EVERY_RUN, c)
                    .plan(d);
            plan.withGrid("sgemm", io.kiln.Grid.of((n + t - 1) / t * t, (n + t - 1) / t * t).local(t, t));
            plan.run();
            float[] expected = new float[n * n];
            Blas.sgemm(n, n, n, a, b, expected);
            if (!Arrays.equals(expected, c)) {
                throw new IllegalStateException("sgemmTiled on " + device + " differs from plain Java: not benchmarking a wrong kernel");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
        }
    }

    /** The tiled kernel (local memory, barriers) on the device; C copied back each time. */
    @Benchmark
    public void kilnTiled(TiledState s, Blackhole bh) {
        s.plan.run();
        bh.consume(s.c);
    }

    /** Hand-written Java: the kernel's loops, rows split between two threads by hand. */
    @State(Scope.Benchmark)
    public static class HandState {
        @Param({"256", "512"})
        public int size;
        float[] a;
        float[] b;
        float[] c;
        JavaThreads threads;

        @Setup(Level.Trial)
        public void setup() {
            a = SaxpyBenchmark.random(1, size * size);
            b = SaxpyBenchmark.random(2, size * size);
            c = new float[size * size];
            threads = new JavaThreads(2);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            threads.close();
        }
    }

    /** The same loops written by hand in Java and split over two threads: what Kiln's cpu device competes with. */
    @Benchmark
    public void javaHandLoopTwoThreads(HandState s, Blackhole bh) {
        int n = s.size;
        float[] a = s.a;
        float[] b = s.b;
        float[] c = s.c;
        s.threads.run(p -> {
            int lo = p * (n / 2);
            int hi = p == 1 ? n : n / 2;
            for (int i = lo; i < hi; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = 0;
                    for (int k = 0; k < n; k++) {
                        sum += a[i * n + k] * b[k * n + j];
                    }
                    c[i * n + j] = sum;
                }
            }
        });
        bh.consume(c);
    }

    /** The kernel on the device; C copied back to the host each time. */
    @Benchmark
    public void kiln(KilnState s, Blackhole bh) {
        s.plan.run();
        bh.consume(s.c);
    }

    /** The same Java method on one thread. */
    @Benchmark
    public void javaOneThread(JavaState s, Blackhole bh) {
        Blas.sgemm(s.size, s.size, s.size, s.a, s.b, s.c);
        bh.consume(s.c);
    }
}

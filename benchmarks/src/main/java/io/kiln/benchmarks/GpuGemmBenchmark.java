package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.linalg.Gemm;
import io.kiln.kernels.linalg.GpuGemm;
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

import java.util.concurrent.TimeUnit;

/**
 * Square {@code C = A * B} on an OpenCL (or CUDA) device: {@link Gemm#sgemm} as the engine runs it there,
 * the tiled {@link GpuGemm} variant, against the same kernel's portable reference (one work-item per
 * element, variants off). A and B are copied once, C back on every run, on both sides. The two results are
 * compared bit for bit in setup (the variant sums as the reference does), so a wrong kernel is never timed.
 * Run: {@code java -jar benchmarks.jar GpuGemmBenchmark -p device=opencl:0}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class GpuGemmBenchmark {

    /** The two plans on one device. */
    @State(Scope.Benchmark)
    public static class Plans {
        @Param("opencl:0")
        public String device;
        @Param({"256", "512"})
        public int size;
        float[] c, cRef;
        KilnRuntime reference;
        ExecutionPlan tiled, naive;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            int n = size;
            float[] a = SaxpyBenchmark.random(1, n * n), b = SaxpyBenchmark.random(2, n * n);
            c = new float[n * n];
            cRef = new float[n * n];
            reference = KilnRuntime.create().useVariants(false);
            tiled = plan(KilnRuntime.shared(), d, n, a, b, c);
            naive = plan(reference, reference.device(d.id()), n, a, b, cRef);
            RunResult.TaskRun t = tiled.run().task("gemm"), r = naive.run().task("gemm");
            System.out.println("[gpu-gemm] " + d.id() + ": " + t.implementation() + " against " + r.implementation());
            if (!t.ranVariant() || !java.util.Arrays.equals(c, cRef)) {
                throw new IllegalStateException("the tiled variant did not run or differs from the reference: not benchmarking it");
            }
        }

        private static ExecutionPlan plan(KilnRuntime runtime, Device d, int n, float[] a, float[] b, float[] c) {
            return new TaskGraph("sgemm")
                    .transferToDevice(Transfer.FIRST_RUN, a, b)
                    .task("gemm", Gemm::sgemm, false, false, n, n, n, 1f, a, n, b, n, 0f, c, n)
                    .transferToHost(Transfer.EVERY_RUN, c)
                    .plan(runtime, d);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (tiled != null) tiled.close();
            if (naive != null) naive.close();
            if (reference != null) reference.close();
        }
    }

    /** The tiled, register-blocked variant ({@code GpuGemm.sgemm}). */
    @Benchmark
    public void tiled(Plans p, Blackhole bh) {
        p.tiled.run();
        bh.consume(p.c);
    }

    /** The portable reference ({@code Gemm.sgemm}: one work-item per element). */
    @Benchmark
    public void naive(Plans p, Blackhole bh) {
        p.naive.run();
        bh.consume(p.cRef);
    }
}

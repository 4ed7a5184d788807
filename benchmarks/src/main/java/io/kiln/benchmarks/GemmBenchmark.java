package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.Blas;
import io.kiln.kernels.linalg.CpuGemm;
import io.kiln.kernels.linalg.Gemm;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
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
 * Square {@code C = A * B} ({@code size x size}, 2 * size^3 flops per operation) on {@code cpu}:
 * Kiln's {@link Gemm} through a plan (the engine runs its cpu variant {@link CpuGemm}) against
 * OpenBLAS's {@code cblas_sgemm}/{@code cblas_dgemm} (through JavaCPP, on native memory, as many threads
 * as OpenBLAS starts: the number of cores unless {@code OPENBLAS_NUM_THREADS} says otherwise) and the
 * naive {@link Blas#sgemm} kernel on {@code cpu}. Each Kiln result is checked against OpenBLAS's once
 * in setup, so a wrong kernel is never timed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-modules=jdk.incubator.vector"})
public class GemmBenchmark {

    /** The inputs, on the heap for Kiln and in native memory for OpenBLAS. */
    @State(Scope.Benchmark)
    public static class Inputs {
        @Param({"512", "1024", "2048"})
        public int size;
        float[] a, b, c;
        double[] ad, bd, cd;
        FloatPointer pa, pb, pc;
        DoublePointer pad, pbd, pcd;

        @Setup(Level.Trial)
        public void setup() {
            int n = size;
            a = SaxpyBenchmark.random(1, n * n);
            b = SaxpyBenchmark.random(2, n * n);
            c = new float[n * n];
            ad = new double[n * n];
            bd = new double[n * n];
            cd = new double[n * n];
            for (int i = 0; i < n * n; i++) {
                ad[i] = a[i];
                bd[i] = b[i];
            }
            try {
                pa = new FloatPointer(a);
                pb = new FloatPointer(b);
                pc = new FloatPointer(c);
                pad = new DoublePointer(ad);
                pbd = new DoublePointer(bd);
                pcd = new DoublePointer(cd);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                throw new IllegalStateException("OpenBLAS (org.bytedeco:openblas, linux-x86_64 natives in benchmarks.jar) cannot load here: " + e, e);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (org.bytedeco.javacpp.Pointer p : new org.bytedeco.javacpp.Pointer[] {pa, pb, pc, pad, pbd, pcd}) {
                if (p != null) p.close();
            }
        }
    }

    /** Plans on {@code cpu} for Gemm.sgemm and Gemm.dgemm, checked against OpenBLAS. */
    @State(Scope.Benchmark)
    public static class KilnPlans {
        @Param("cpu")
        public String device;
        ExecutionPlan sgemm;
        ExecutionPlan dgemm;

        @Setup(Level.Trial)
        public void setup(Inputs in) {
            Device d = BenchmarkDevices.get(device);
            int n = in.size;
            sgemm = new TaskGraph("sgemm")
                    .transferToDevice(Transfer.FIRST_RUN, in.a, in.b)
                    .task("gemm", Gemm::sgemm, false, false, n, n, n, 1f, in.a, n, in.b, n, 0f, in.c, n)
                    .transferToHost(Transfer.EVERY_RUN, in.c)
                    .plan(d);
            dgemm = new TaskGraph("dgemm")
                    .transferToDevice(Transfer.FIRST_RUN, in.ad, in.bd)
                    .task("gemm", Gemm::dgemm, false, false, n, n, n, 1d, in.ad, n, in.bd, n, 0d, in.cd, n)
                    .transferToHost(Transfer.EVERY_RUN, in.cd)
                    .plan(d);
            RunResult.TaskRun s = sgemm.run().task("gemm");
            RunResult.TaskRun t = dgemm.run().task("gemm");
            System.out.println("[gemm] " + d.id() + ": " + s.implementation() + ", " + t.implementation() + ", Vector API: " + CpuGemm.vectorized());
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, n, n, 1f, in.pa, n, in.pb, n, 0f, in.pc, n);
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, n, n, 1d, in.pad, n, in.pbd, n, 0d, in.pcd, n);
            for (int i = 0; i < n * n; i += 97) {
                // Inputs in [-1, 1): |A||B| <= n per element; allow the (2n+4)u bound of Gemm.
                if (Math.abs(in.c[i] - in.pc.get(i)) > (2.0 * n + 4) * 0x1p-24 * n
                        || Math.abs(in.cd[i] - in.pcd.get(i)) > (2.0 * n + 4) * 0x1p-53 * n) {
                    throw new IllegalStateException("Kiln's product differs from OpenBLAS at " + i + ": not benchmarking a wrong kernel");
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (sgemm != null) sgemm.close();
            if (dgemm != null) dgemm.close();
        }
    }

    /** The naive kernel on cpu, only at the sizes where it finishes in reasonable time. */
    @State(Scope.Benchmark)
    public static class NaivePlan {
        @Param({"512", "1024"})
        public int naiveSize;
        float[] c;
        ExecutionPlan plan;

        @Setup(Level.Trial)
        public void setup() {
            int n = naiveSize;
            float[] a = SaxpyBenchmark.random(1, n * n);
            float[] b = SaxpyBenchmark.random(2, n * n);
            c = new float[n * n];
            plan = new TaskGraph("naive").task("sgemm", Blas::sgemm, n, n, n, a, b, c).plan(BenchmarkDevices.get("cpu"));
            plan.run();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
        }
    }

    /** Kiln's sgemm on the device (its cpu variant on cpu). */
    @Benchmark
    public void sgemmKiln(KilnPlans k, Inputs in, Blackhole bh) {
        k.sgemm.run();
        bh.consume(in.c);
    }

    /** OpenBLAS's cblas_sgemm on native copies of the same matrices. */
    @Benchmark
    public void sgemmOpenBlas(Inputs in, Blackhole bh) {
        int n = in.size;
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, n, n, 1f, in.pa, n, in.pb, n, 0f, in.pc, n);
        bh.consume(in.pc);
    }

    /** Kiln's dgemm on the device (its cpu variant on cpu). */
    @Benchmark
    public void dgemmKiln(KilnPlans k, Inputs in, Blackhole bh) {
        k.dgemm.run();
        bh.consume(in.cd);
    }

    /** OpenBLAS's cblas_dgemm. */
    @Benchmark
    public void dgemmOpenBlas(Inputs in, Blackhole bh) {
        int n = in.size;
        openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, n, n, 1d, in.pad, n, in.pbd, n, 0d, in.pcd, n);
        bh.consume(in.pcd);
    }

    /** The naive Blas.sgemm kernel on cpu (Java's summation order, one work-item per element). */
    @Benchmark
    public void sgemmNaiveKiln(NaivePlan p, Blackhole bh) {
        p.plan.run();
        bh.consume(p.c);
    }
}

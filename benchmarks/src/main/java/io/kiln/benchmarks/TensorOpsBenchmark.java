package io.kiln.benchmarks;

import io.kiln.ExecutionPlan;
import io.kiln.TaskGraph;
import io.kiln.kernels.linalg.Binary;
import io.kiln.kernels.linalg.Broadcast;
import io.kiln.kernels.linalg.Elementwise;
import io.kiln.kernels.linalg.RowOps;
import io.kiln.kernels.linalg.Unary;
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

import java.util.concurrent.TimeUnit;

/**
 * Memory-bound tensor operations on {@code cpu} against the machine's bandwidth bound measured in the
 * same run: a hand-written two-thread copy loop ({@link #copyTwoThreads}: read x, write y, the traffic of
 * one pass of any of the operations). Each operation runs through a plan on {@code cpu} (rows x cols
 * float32, larger than the caches): {@link RowOps#softmax}, {@link RowOps#layerNorm}, {@link RowOps#rmsNorm}
 * (one read and one write of the tensor each, rows stay in L1 between their passes) and an elementwise chain of three
 * {@link Elementwise} tasks, {@code y = 0.5 * relu(x + bias)} with a row-vector bias (three reads and three
 * writes). Fraction of the bound = copy time * passes / operation time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class TensorOpsBenchmark {

    /** The tensors and the plans. */
    @State(Scope.Benchmark)
    public static class Tensors {
        @Param({"16384"})
        public int rows;
        @Param({"1024"})
        public int cols;
        @Param({"2"})
        public int threads;
        float[] x, y, z, copy, gamma, beta, bias;
        ExecutionPlan softmax, layerNorm, rmsNorm, chain;
        JavaThreads pool;

        @Setup(Level.Trial)
        public void setup() {
            int n = rows * cols;
            x = SaxpyBenchmark.random(1, n);
            y = new float[n];
            z = new float[n];                                      // the chain's own output (it reads it back)
            copy = new float[n];                                   // the copy's own output
            gamma = SaxpyBenchmark.random(2, cols);
            beta = SaxpyBenchmark.random(3, cols);
            bias = SaxpyBenchmark.random(4, cols);
            pool = new JavaThreads(threads);
            var cpu = BenchmarkDevices.get("cpu");
            softmax = new TaskGraph("softmax").task("op", RowOps::softmax, x, y, rows, cols).plan(cpu);
            layerNorm = new TaskGraph("layerNorm").task("op", RowOps::layerNorm, x, gamma, beta, y, rows, cols, 1e-5f).plan(cpu);
            rmsNorm = new TaskGraph("rmsNorm").task("op", RowOps::rmsNorm, x, gamma, y, rows, cols, 1e-5f).plan(cpu);
            chain = new TaskGraph("chain")
                    .task("add", Elementwise::binary, Binary.ADD.code(), x, bias, z, rows, cols, Broadcast.ROW.code())
                    .task("relu", Elementwise::unary, Unary.RELU.code(), 0f, 0f, z, z, n)
                    .task("scale", Elementwise::unary, Unary.SCALE.code(), 0.5f, 0f, z, z, n)
                    .plan(cpu);
            chain.run();
            for (int i = 0; i < n; i++) {
                float e = 0.5f * Math.max(x[i] + bias[i % cols], 0f);
                if (Float.compare(e, z[i]) != 0) throw new IllegalStateException("chain: z[" + i + "] = " + z[i] + ", expected " + e);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            softmax.close();
            layerNorm.close();
            rmsNorm.close();
            chain.close();
            pool.close();
        }
    }

    /** The bound: {@code y = x} by a plain loop on {@code threads} threads, each a contiguous part. */
    @Benchmark
    public float[] copyTwoThreads(Tensors t) {
        float[] x = t.x, y = t.copy;
        int n = x.length, parts = t.pool.threads();
        t.pool.run(p -> {
            int from = (int) ((long) n * p / parts), to = (int) ((long) n * (p + 1) / parts);
            for (int i = from; i < to; i++) y[i] = x[i];
        });
        return y;
    }

    /** {@link RowOps#softmax} on cpu: one read and one write of the tensor. */
    @Benchmark
    public Object softmax(Tensors t) {
        return t.softmax.run();
    }

    /** {@link RowOps#layerNorm} on cpu: one read and one write of the tensor. */
    @Benchmark
    public Object layerNorm(Tensors t) {
        return t.layerNorm.run();
    }

    /** {@link RowOps#rmsNorm} on cpu: one read and one write of the tensor. */
    @Benchmark
    public Object rmsNorm(Tensors t) {
        return t.rmsNorm.run();
    }

    /** Add a row bias, relu, scale: three elementwise tasks, three reads and three writes. */
    @Benchmark
    public Object elementwiseChain(Tensors t) {
        return t.chain.run();
    }
}

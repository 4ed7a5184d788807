package io.kiln.benchmarks;

import io.kiln.kernels.linalg.Binary;
import io.kiln.kernels.linalg.Broadcast;
import io.kiln.kernels.linalg.CpuElementwise;
import io.kiln.kernels.linalg.CpuGemm;
import io.kiln.kernels.linalg.CpuRowOps;
import io.kiln.kernels.linalg.Unary;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * {@link TensorOpsBenchmark}'s operations and its copy-loop bound alternated in one process, round by
 * round (copy, softmax, copy, layer norm, copy, RMS norm, copy, chain), so that each operation and the bound it is
 * compared with see the same load on a shared machine; each round's fraction of the bound uses the copy
 * timed right before it:
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     io.kiln.benchmarks.TensorOpsAlternating 16384 1024 20      # rows, cols, measured rounds
 * }</pre>
 * Prints, per operation, the median time, the median copy time and the median and best fraction of the
 * bound ({@code passes * copy / operation}; softmax and the norms are one pass, the chain three), and the
 * median fraction per CPU-second (the CPU time of all the process's threads during the copy over that
 * during the operation: on a machine shared with other work, wall time says mostly how much of the cores
 * each side got).
 * {@code -Ddirect=true} calls the {@code cpu} variants ({@link CpuRowOps}, {@link CpuElementwise}) on the
 * common pool instead of running the plans, to see what the plan's hand-off costs; {@code -Dt=1} runs the
 * copy on one thread (with {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=1}
 * {@code -Ddirect=true}, the operations too: the common pool's one worker and the caller share the parts).
 */
public final class TensorOpsAlternating {
    private TensorOpsAlternating() {
    }

    /** Runs {@code args = rows cols [rounds]}. */
    public static void main(String[] args) {
        TensorOpsBenchmark.Tensors t = new TensorOpsBenchmark.Tensors();
        t.rows = Integer.parseInt(args[0]);
        t.cols = Integer.parseInt(args[1]);
        t.threads = Integer.getInteger("t", 2);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        boolean direct = Boolean.getBoolean("direct");
        TensorOpsBenchmark bench = new TensorOpsBenchmark();
        t.setup();
        String[] names = {"softmax", "layerNorm", "rmsNorm", "elementwiseChain"};
        int[] passes = {1, 1, 1, 3};
        int ops = names.length;
        double[][] op = new double[ops][rounds], copy = new double[ops][rounds], frac = new double[ops][rounds],
                cpu = new double[ops][rounds];
        try {
            for (int r = -5; r < rounds; r++) {
                for (int o = 0; o < ops; o++) {
                    long c0 = cpuTime(), t0 = System.nanoTime();
                    bench.copyTwoThreads(t);
                    long c1 = cpuTime(), t1 = System.nanoTime();
                    if (direct) direct(t, o);
                    else {
                        switch (o) {
                            case 0 -> bench.softmax(t);
                            case 1 -> bench.layerNorm(t);
                            case 2 -> bench.rmsNorm(t);
                            default -> bench.elementwiseChain(t);
                        }
                    }
                    long c2 = cpuTime(), t2 = System.nanoTime();
                    if (r >= 0) {
                        copy[o][r] = (t1 - t0) / 1e6;
                        op[o][r] = (t2 - t1) / 1e6;
                        frac[o][r] = passes[o] * copy[o][r] / op[o][r];
                        cpu[o][r] = passes[o] * (double) (c1 - c0) / (c2 - c1);
                    }
                }
            }
        } finally {
            t.tearDown();
        }
        double bytes = 2.0 * 4 * t.rows * t.cols;
        System.out.printf("%d x %d floats (%d MiB per tensor), %d threads, Vector API %s, %d rounds, %s%n", t.rows, t.cols,
                4L * t.rows * t.cols >> 20, t.threads, CpuGemm.vectorized(), rounds, direct ? "cpu variants called directly" : "plans");
        for (int o = 0; o < ops; o++) {
            Arrays.sort(op[o]);
            Arrays.sort(copy[o]);
            Arrays.sort(frac[o]);
            Arrays.sort(cpu[o]);
            double c = copy[o][rounds / 2];
            System.out.printf("%-17s median %8.2f ms | copy median %7.2f ms (%.1f GB/s) | fraction of the bound: median %.2f, best %.2f"
                            + " | per CPU-second: median %.2f%n",
                    names[o], op[o][rounds / 2], c, bytes / c / 1e6, frac[o][rounds / 2], frac[o][rounds - 1], cpu[o][rounds / 2]);
        }
    }

    /**
     * The CPU time of all live threads, in ns. Not {@code getProcessCpuTime}: that counts in scheduler
     * ticks (10 ms here), as coarse as the operations themselves.
     */
    private static long cpuTime() {
        var mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : mx.getAllThreadIds()) sum += Math.max(0, mx.getThreadCpuTime(id));
        return sum;
    }

    /** Operation {@code o} of the round as a direct call of its {@code cpu} variant (the chain: three calls). */
    private static void direct(TensorOpsBenchmark.Tensors t, int o) {
        int n = t.rows * t.cols;
        switch (o) {
            case 0 -> CpuRowOps.softmax(t.x, t.y, t.rows, t.cols);
            case 1 -> CpuRowOps.layerNorm(t.x, t.gamma, t.beta, t.y, t.rows, t.cols, 1e-5f);
            case 2 -> CpuRowOps.rmsNorm(t.x, t.gamma, t.y, t.rows, t.cols, 1e-5f);
            default -> {
                CpuElementwise.binary(Binary.ADD.code(), t.x, t.bias, t.z, t.rows, t.cols, Broadcast.ROW.code());
                CpuElementwise.unary(Unary.RELU.code(), 0f, 0f, t.z, t.z, n);
                CpuElementwise.unary(Unary.SCALE.code(), 0.5f, 0f, t.z, t.z, n);
            }
        }
    }
}

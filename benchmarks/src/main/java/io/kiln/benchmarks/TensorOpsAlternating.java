package io.kiln.benchmarks;

import io.kiln.kernels.linalg.CpuGemm;

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
 * bound ({@code passes * copy / operation}; softmax and the norms are one pass, the chain three).
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
        TensorOpsBenchmark bench = new TensorOpsBenchmark();
        t.setup();
        String[] names = {"softmax", "layerNorm", "rmsNorm", "elementwiseChain"};
        int[] passes = {1, 1, 1, 3};
        int ops = names.length;
        double[][] op = new double[ops][rounds], copy = new double[ops][rounds], frac = new double[ops][rounds];
        try {
            for (int r = -5; r < rounds; r++) {
                for (int o = 0; o < ops; o++) {
                    long t0 = System.nanoTime();
                    bench.copyTwoThreads(t);
                    long t1 = System.nanoTime();
                    switch (o) {
                        case 0 -> bench.softmax(t);
                        case 1 -> bench.layerNorm(t);
                        case 2 -> bench.rmsNorm(t);
                        default -> bench.elementwiseChain(t);
                    }
                    long t2 = System.nanoTime();
                    if (r >= 0) {
                        copy[o][r] = (t1 - t0) / 1e6;
                        op[o][r] = (t2 - t1) / 1e6;
                        frac[o][r] = passes[o] * copy[o][r] / op[o][r];
                    }
                }
            }
        } finally {
            t.tearDown();
        }
        double bytes = 2.0 * 4 * t.rows * t.cols;
        System.out.printf("%d x %d floats (%d MiB per tensor), %d threads, Vector API %s, %d rounds%n", t.rows, t.cols,
                4L * t.rows * t.cols >> 20, t.threads, CpuGemm.vectorized(), rounds);
        for (int o = 0; o < ops; o++) {
            Arrays.sort(op[o]);
            Arrays.sort(copy[o]);
            Arrays.sort(frac[o]);
            double c = copy[o][rounds / 2];
            System.out.printf("%-17s median %8.2f ms | copy median %7.2f ms (%.1f GB/s) | fraction of the bound: median %.2f, best %.2f%n",
                    names[o], op[o][rounds / 2], c, bytes / c / 1e6, frac[o][rounds / 2], frac[o][rounds - 1]);
        }
    }
}

package io.kiln.benchmarks;

import io.kiln.ExecutionPlan;

import java.util.Arrays;

/**
 * {@link GpuGemmBenchmark}'s two plans (the tiled {@code GpuGemm.sgemm} variant and the naive reference)
 * alternated run by run in one process, so that both see the same load on a shared machine:
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     io.kiln.benchmarks.GpuGemmAlternating opencl:0 512 10      # device, size, measured pairs
 * }</pre>
 * Prints the median and best milliseconds of each side and the ratio naive / tiled of each.
 */
public final class GpuGemmAlternating {
    private GpuGemmAlternating() {
    }

    /** Runs the pairs; arguments: device, size, pairs. */
    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "opencl:0";
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        GpuGemmBenchmark.Plans p = new GpuGemmBenchmark.Plans();
        p.device = device;
        p.size = size;
        p.setup();
        try {
            double[] tiled = new double[pairs], naive = new double[pairs];
            for (int r = -2; r < pairs; r++) {
                double t = time(p.tiled), n = time(p.naive);
                if (r >= 0) {
                    tiled[r] = t;
                    naive[r] = n;
                }
            }
            Arrays.sort(tiled);
            Arrays.sort(naive);
            double tm = tiled[pairs / 2], nm = naive[pairs / 2];
            System.out.printf("%s sgemm %d, %d pairs: tiled median %.1f ms (best %.1f), naive median %.1f ms (best %.1f): "
                    + "naive / tiled %.2fx median, %.2fx best; %.1f GFLOP/s tiled median%n", device, size, pairs, tm, tiled[0], nm, naive[0],
                    nm / tm, naive[0] / tiled[0], 2.0 * size * size * size / (tm * 1e6));
        } finally {
            p.tearDown();
        }
    }

    private static double time(ExecutionPlan plan) {
        long t0 = System.nanoTime();
        plan.run();
        return (System.nanoTime() - t0) / 1e6;
    }
}

package io.kiln.kernels.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * How the library's {@code cpu} variants ({@link io.kiln.Variant}) spread a loop over threads: as
 * fork-join tasks of the pool the caller runs in, never threads of their own. The engine calls a
 * variant on a thread of the cpu device's pool ({@code kiln-cpu-*}, {@code -Dkiln.cpu.threads}), so the
 * tasks share the device's threads; called directly, they run in the common pool. Not exported: an
 * implementation detail of the kernel library.
 */
public final class CpuParallel {
    /** Parts per thread: a few more parts than threads let a thread that got a busy core's share be helped. */
    private static final int PARTS_PER_THREAD = 2;

    private CpuParallel() {
    }

    /** A contiguous part {@code [from, to)} of a loop. */
    @FunctionalInterface
    public interface Range {
        /** Runs the iterations {@code from} (inclusive) to {@code to} (exclusive) in order. */
        void run(int from, int to);
    }

    /** The threads of the pool the caller runs in (the common pool's, plus the caller, outside a pool). */
    public static int threads() {
        return ForkJoinTask.inForkJoinPool() ? ForkJoinTask.getPool().getParallelism()
                : ForkJoinPool.getCommonPoolParallelism() + 1;
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into contiguous parts of at least {@code grain}
     * iterations (so that each part carries enough work to pay for its task), at most
     * {@value #PARTS_PER_THREAD} per thread; one part runs on the calling thread without a task.
     * Returns when every part has run; an exception of a part propagates.
     *
     * @param n     iterations
     * @param grain the fewest iterations worth a task of their own (at least 1)
     * @param body  the loop body over a part
     */
    public static void forRange(int n, int grain, Range body) {
        long parts = Math.min((long) threads() * PARTS_PER_THREAD, n / Math.max(1, (long) grain));
        if (parts <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        int per = (int) ((n + parts - 1) / parts);
        List<RecursiveAction> tasks = new ArrayList<>((int) parts);
        for (int lo = 0; lo < n; lo += per) {
            int from = lo, to = Math.min(n, lo + per);
            tasks.add(new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(from, to);
                }
            });
        }
        ForkJoinTask.invokeAll(tasks);
    }
}

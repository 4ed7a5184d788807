package io.kiln.kernels.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Splits a range of work over the fork-join pool the caller runs in (the cpu device's pool when the
 * engine runs a variant, the common pool otherwise), for the memory-bound cpu variants: a few tasks per
 * thread so that a slow thread does not hold up the rest, none smaller than a grain.
 */
final class CpuRanges {
    private CpuRanges() {
    }

    /** The part {@code [from, to)} of a range. */
    @FunctionalInterface
    interface Body {
        void run(long from, long to);
    }

    /** The threads of the pool the caller runs in (the common pool's plus the caller outside any pool). */
    static int threads() {
        return ForkJoinTask.inForkJoinPool() ? ForkJoinTask.getPool().getParallelism() : ForkJoinPool.getCommonPoolParallelism() + 1;
    }

    /** Runs {@code body} over {@code [0, n)} in parts of at least {@code grain}; on this thread when one part. */
    static void run(long n, long grain, Body body) {
        int threads = threads();
        long per = Math.max(grain, (n + 4L * threads - 1) / (4L * threads));
        if (n <= per || threads == 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        List<RecursiveAction> tasks = new ArrayList<>();
        for (long lo = 0; lo < n; lo += per) {
            long from = lo, to = Math.min(n, lo + per);
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

package io.kiln.kernels.linalg;

import io.kiln.CpuThreads;

/**
 * Splits a {@code long} range of work over the cpu device's threads ({@link CpuThreads}: the caller and
 * the device's pool when the engine runs a variant), for the memory-bound cpu variants: a few parts per
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

    /** The threads parts run on ({@link CpuThreads#threads()}). */
    static int threads() {
        return CpuThreads.threads();
    }

    /** Runs {@code body} over {@code [0, n)} in parts of at least {@code grain}; on this thread when one part. */
    static void run(long n, long grain, Body body) {
        int threads = threads();
        long per = Math.max(grain, (n + 4L * threads - 1) / (4L * threads));
        if (n <= per || threads == 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        int parts = (int) ((n + per - 1) / per);
        CpuThreads.forEach(parts, p -> body.run(p * per, Math.min(n, p * per + per)));
    }
}

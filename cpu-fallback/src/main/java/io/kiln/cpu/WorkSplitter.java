package io.kiln.cpu;

/**
 * The chunking policy of the cpu back end, as pure functions so that it can be tested alone.
 * <ul>
 * <li>A launch whose estimated work is below {@link #TARGET_CHUNK_NANOS} runs on the calling thread:
 * waking a pool thread costs 10-90 µs, more than such a kernel.</li>
 * <li>Otherwise it is cut into chunks of about {@link #TARGET_CHUNK_NANOS} each, and never fewer than
 * one chunk per thread (when the split dimension has that many indices).</li>
 * <li>Without an estimate (a kernel's first launch), launches of at most {@link #UNKNOWN_INLINE_ITEMS}
 * items run on the calling thread and larger ones in one chunk per thread.</li>
 * <li>Chunk lengths are multiples of {@link #GRANULE} indices when the range allows, so that chunks do
 * not write to the same cache line and each vectorised main loop runs over whole vectors.</li>
 * </ul>
 */
final class WorkSplitter {
    private WorkSplitter() {
    }

    /** Work per chunk the policy aims at (also the limit below which a launch stays on the calling thread). */
    static final long TARGET_CHUNK_NANOS = 100_000;
    /** Largest launch that runs on the calling thread while its kernel has no estimate yet. */
    static final long UNKNOWN_INLINE_ITEMS = 1 << 14;
    /** Chunk lengths are rounded up to a multiple of this where the range allows it. */
    static final int GRANULE = 16;

    /**
     * How many chunks to cut a launch into.
     *
     * @param nsPerItem   the kernel's estimated nanoseconds per work item, or NaN when unknown
     * @param items       the launch's total number of work items
     * @param range       the number of indices of the dimension that is split
     * @param parallelism the number of threads that can run chunks
     * @return a chunk count in {@code [1, max(1, range)]}
     */
    static int chunks(double nsPerItem, long items, long range, int parallelism) {
        if (range <= 1 || parallelism < 1) return 1;
        long wanted;
        if (Double.isNaN(nsPerItem)) {
            if (items <= UNKNOWN_INLINE_ITEMS) return 1;
            wanted = parallelism;
        } else {
            double total = nsPerItem * (double) items;
            if (total < TARGET_CHUNK_NANOS) return 1;
            wanted = Math.max(parallelism, (long) Math.min(Integer.MAX_VALUE, total / TARGET_CHUNK_NANOS));
        }
        return (int) Math.min(wanted, range);
    }

    /** The length of each chunk when {@code range} indices are cut into about {@code chunks} chunks. */
    static long chunkLength(long range, int chunks) {
        if (chunks <= 1) return Math.max(1, range);
        long len = (range + chunks - 1) / chunks;
        if (range >= (long) GRANULE * chunks) {
            len = (len + GRANULE - 1) / GRANULE * GRANULE;
        }
        return Math.max(1, len);
    }

    /** The number of chunks of {@code length} indices that cover {@code range}. */
    static int chunkCount(long range, long length) {
        return (int) Math.max(1, (range + length - 1) / length);
    }

    /**
     * A kernel's cost estimate: decayed sums of measured nanoseconds and work items, so that launches
     * weigh by their size. A measurement at least three quarters as large as the history quarters
     * the weight of the history (a first run in the interpreter is soon outweighed); a smaller one decays it only in
     * proportion to its size, so that a stream of one-item launches (whose time is mostly fixed cost)
     * does not erase what large launches taught.
     *
     * @param nanos decayed sum of measured busy nanoseconds
     * @param items decayed sum of the work items those nanoseconds ran
     */
    record Estimate(double nanos, double items) {
        /** No measurement yet. */
        static final Estimate NONE = new Estimate(0, 0);

        /** Estimated nanoseconds per work item, or NaN before the first measurement. */
        double nsPerItem() {
            return items > 0 ? nanos / items : Double.NaN;
        }

        /** This estimate with one more measurement. */
        Estimate update(long busyNanos, long measuredItems) {
            if (measuredItems <= 0 || busyNanos < 0) return this;
            double keep = items <= 0 ? 0 : Math.max(0.25, 1.0 - measuredItems / items);
            return new Estimate(nanos * keep + busyNanos, items * keep + measuredItems);
        }
    }
}

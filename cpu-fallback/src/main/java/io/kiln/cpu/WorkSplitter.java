package io.kiln.cpu;

/**
 * The chunking policy of the cpu back end, as pure functions so that it can be tested alone.
 * <ul>
 * <li>A launch whose estimated work is below {@link #TARGET_CHUNK_NANOS} runs on the calling thread:
 * waking a pool thread costs 10-90 µs, more than such a kernel.</li>
 * <li>Otherwise it is cut into chunks of about {@link #TARGET_CHUNK_NANOS} each, but never more than
 * {@link #MAX_CHUNKS_PER_THREAD} per thread (a long launch gets longer chunks) and never fewer than
 * one chunk per thread (when the split dimension has that many indices).</li>
 * <li>Without an estimate (a kernel's first launch), launches of at most {@link #UNKNOWN_INLINE_ITEMS}
 * items run on the calling thread and larger ones in one chunk per thread.</li>
 * <li>Chunk lengths are multiples of {@link #GRANULE} indices when the range allows, so that chunks do
 * not write to the same cache line and each vectorised main loop runs over whole vectors.</li>
 * <li>While a kernel is young ({@link #warmChunks}), a launch that is split at all is cut into many small
 * chunks, so that HotSpot compiles the generated method early.</li>
 * </ul>
 */
final class WorkSplitter {
    private WorkSplitter() {
    }

    /** Work per chunk the policy aims at (also the limit below which a launch stays on the calling thread). */
    static final long TARGET_CHUNK_NANOS = 100_000;
    /**
     * The most chunks per thread a launch is cut into once its kernel is warm. Sixteen leave a thread at
     * most about 1/16 of its share to wait for at the end, and spare long launches hundreds of short
     * chunks: the 7x7 convolution of the CPU suite (1018 rows of 33 µs, 2 threads) ran in 19.0 ms with
     * its 255 chunks of 4 rows and 16.9 ms with 32 of 32 rows; on one thread 37.4 against 33.5 ms (the
     * plain Java method: 32.3). Why 4-row chunks cost that much is not known: the compiled method is the
     * same (-XX:+PrintCompilation), 5-row and longer chunks ran at the speed of one chunk, and the gap
     * closed with -XX:-UseCountedLoopSafepoints, so it is a property of C2's loop code, not of the work.
     */
    static final int MAX_CHUNKS_PER_THREAD = 16;
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
            long cap = (long) parallelism * MAX_CHUNKS_PER_THREAD;
            wanted = Math.max(parallelism, Math.min(cap, (long) Math.min(Integer.MAX_VALUE, total / TARGET_CHUNK_NANOS)));
        }
        return (int) Math.min(wanted, range);
    }

    /** Chunks a kernel's generated method runs before its launches are cut by the estimate alone. */
    static final long WARM_CHUNKS = 4096;
    /** Fewest work items in a warm-up chunk: a chunk's fixed cost (a claim, a method-handle call) stays small. */
    static final long WARM_MIN_ITEMS = 256;

    /**
     * The chunk count of a launch while its kernel is young. HotSpot compiles a method with C2 only after
     * it has been <em>invoked</em> some hundreds of times (about 100-200 calls in the interpreter, then
     * {@code Tier4MinInvocationThreshold} = 600 in C1's profiled code, more when the compile queues are
     * long). A generated method called once per thread gets only on-stack-replacement compilations of its
     * loop, and every later call enters it in the interpreter again: measured before this rule, the second
     * run of a fresh plan took 2x to 40x its steady-state time. So until the method has run
     * {@link #WARM_CHUNKS} chunks, a launch that is split at all is cut into up to that many chunks of at
     * least {@link #WARM_MIN_ITEMS} items: the first large launch calls the method thousands of times and
     * C2 compiles the whole method during it. Launches small enough to stay on the calling thread are
     * left alone (they add calls anyway), and the policy never makes fewer chunks than {@code wanted}.
     *
     * @param chunksSoFar chunks the kernel's method has run so far
     * @param wanted      the chunk count {@link #chunks} chose
     * @param items       the launch's work items
     * @param range       the indices of the dimension that is split
     */
    static int warmChunks(long chunksSoFar, int wanted, long items, long range) {
        return warmChunks(chunksSoFar, wanted, items, range, Double.NaN);
    }

    /** Estimated work a warm-up chunk needs at least, where items are so costly that fewer than {@link #WARM_MIN_ITEMS} reach it. */
    static final double WARM_MIN_NANOS = 20_000;

    /**
     * As {@link #warmChunks(long, int, long, long)}, with the kernel's estimate: a warm-up chunk keeps at
     * least {@link #WARM_MIN_ITEMS} items, or fewer (at least one) when they are estimated to take
     * {@link #WARM_MIN_NANOS} or more. A kernel over the rows of an image has one item per row: at 256 rows
     * a chunk, a 2046-row stencil got 7 calls, too few for C2 to compile the method during the launch.
     *
     * @param nsPerItem the kernel's estimated nanoseconds per item, or NaN
     */
    static int warmChunks(long chunksSoFar, int wanted, long items, long range, double nsPerItem) {
        if (wanted <= 1 || chunksSoFar >= WARM_CHUNKS) return wanted;
        long minItems = WARM_MIN_ITEMS;
        if (nsPerItem > 0) minItems = (long) Math.max(1, Math.min(WARM_MIN_ITEMS, Math.ceil(WARM_MIN_NANOS / nsPerItem)));
        long byItems = Math.max(1, items / minItems);
        long warm = Math.min(Math.min(WARM_CHUNKS, byItems), range);
        return (int) Math.max(wanted, warm);
    }

    /** The longest first piece {@link #probeLength} measures. */
    static final long PROBE_MAX = 1024;

    /**
     * The first piece of a kernel's first launch, run on the calling thread to measure the kernel before
     * the rest is split ({@code range} at least 2): 1/256 of the range, between 1 and {@link #PROBE_MAX}
     * indices, and never all of it. The piece runs in the interpreter, so the estimate it gives is high:
     * the rest is cut into many chunks, which is what HotSpot needs to compile the method early (see
     * {@link #warmChunks(long, int, long, long, double)}); launches whose estimate is small stay on the
     * calling thread as before.
     */
    static long probeLength(long range) {
        return Math.max(1, Math.min(Math.min(PROBE_MAX, range / 256), range - 1));
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

    /**
     * The length of a warm-up chunk ({@link #warmChunks}) of a kernel whose loop 0 runs as a vector loop of
     * {@code lanes} iterations: {@code length} rounded up to whole vectors, at least two, plus one index
     * (at most {@code range}), so that every warm-up chunk takes the vector loop's back edge, its exit and
     * the scalar tail while HotSpot profiles the method. A path the profile never saw is compiled by C2
     * as an uncommon trap, and the launch that first takes it deoptimises the method and runs the Vector
     * API interpreted until C2 compiles it again. Measured (`ColdStart`): n-body's warm-up chunks had one
     * item each, never a whole vector, and its second run took 349 ms against 3.4 ms at steady state
     * (6-8 ms after this rule); the hash's were whole vectors without a tail, and its second run took
     * 50-60 ms against 3.3.
     */
    static long vectorLength(long length, long range, int lanes) {
        if (lanes <= 1) return length;
        long vectors = Math.max(2, (length + lanes - 1) / lanes);
        return Math.max(1, Math.min(range, vectors * lanes + 1));
    }

    /**
     * The first piece ({@link #probeLength}) of a kernel whose loop 0 runs as vectors of {@code lanes}: two
     * vectors and one more index, so that the vector loop (its back edge and its exit) and the scalar
     * tail all run, and are profiled, before the rest is split; never all of {@code range}.
     * <p>The vector loop must run (hot) while its method is profiled: C2 inlines the Vector API's calls,
     * and so keeps vectors in registers, only on paths the profile shows as taken. Tried and dropped:
     * running the rest of a young kernel's first launch on the scalar loop (the Vector API is 10-100x
     * slower than scalar code until C2 compiles it). C2 then compiled the method during that launch with
     * the vector loop cold, left its Vector API calls out of line (boxed vectors), and never recompiled
     * it: n-body's steady state went from 2.9 to 37 ms.
     */
    static long vectorProbeLength(long range, int lanes) {
        if (lanes <= 1) return probeLength(range);
        return Math.max(1, Math.min(range - 1, 2L * lanes + 1));
    }

    /**
     * The short first piece of warm-up chunk {@code chunk} of a kernel whose loop 0 runs as vectors of
     * {@code lanes} ({@link #vectorLength}), run by the same call sequence just before the rest of the chunk;
     * 0 for none. Every fourth warm-up chunk gets one of {@code lanes - 1} indices, too few for one vector,
     * so that the profile also sees the vector loop's entry test skip it. A path the profile never saw
     * is an uncommon trap in C2's code: n-body's second run took 190-455 ms against 3.4 ms in one cold
     * start of six (the trap at that test: {@code -Xlog:deoptimization=debug}), when a later launch's
     * chunk had fewer indices than a vector.
     */
    static long vectorSkipPiece(int chunk, long length, int lanes) {
        if (lanes <= 1 || chunk % 4 != 0 || length < 2L * lanes + 1) return 0;
        return lanes - 1;
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

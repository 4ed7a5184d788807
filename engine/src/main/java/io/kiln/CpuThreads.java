package io.kiln;

import io.kiln.spi.CallerWait;
import io.kiln.spi.PoolHelpers;

import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The threads of the {@code cpu} device, for the parallel work of a {@link Variant} for
 * {@link Backend#CPU}. The engine calls such a variant on the thread that runs the plan and binds the
 * device's threads to it: {@link #forEach} and {@link #forRange} then run the variant's parts on that
 * thread and up to {@code kiln.cpu.threads - 1} threads of the device's pool ({@code kiln-cpu-*}),
 * {@link #threads()} threads in all, as the kernels the cpu device compiles itself run
 * ({@code -Dkiln.cpu.threads}, see {@code docs/cpu-backend.md}).
 * <pre>{@code
 * static void scaleOnHost(float k, float[] x, float[] y) {        // a cpu variant
 *     CpuThreads.forRange(y.length, 1 << 14, (from, to) -> {
 *         for (int i = from; i < to; i++) y[i] = k * x[i];
 *     });
 * }
 * }</pre>
 * <p><b>Why the caller works too.</b> Handing the whole variant to a pool thread and parking the caller
 * until it is done cost two thread wake-ups per run (the worker's, then the caller's): 38 µs median
 * for an empty variant on the 2-core test machine, a fifth of a 224x224 bilinear resize. Here the
 * caller starts on the first part at once while the helpers wake, and it waits (briefly spinning, then
 * parked) only for parts that a helper has already begun.
 * <p><b>Rules.</b>
 * <ul>
 *   <li>Parts are claimed in ascending order; each runs on one thread. A helper that wakes after the
 *   caller has claimed every part finds nothing to do.</li>
 *   <li>A call returns when every part has run, so a variant's arrays are not touched after it returns.
 *   The first exception a part throws is rethrown by the call (parts not yet started are skipped, parts
 *   running finish).</li>
 *   <li>Cancellation ({@link ExecutionPlan#withTimeout}, {@code runAsync().cancel(true)}): a part that
 *   has not started when the run is cancelled is not started; the call then throws
 *   {@link CancellationException}. A part is never stopped half-way.</li>
 *   <li>A helper that has run its parts keeps spinning for up to 200 µs ({@code -Dkiln.cpu.spinMicros})
 *   and takes the next job at once, instead of being woken from a park (10-60 µs on small VMs); it
 *   returns to the pool as soon as other work is queued there. Not in the common pool.</li>
 *   <li>Nested calls (from inside a part) run their parts one after the other on that part's thread: the
 *   device's threads are already busy with the outer parts.</li>
 *   <li>Outside a cpu variant run by the engine (a variant called as plain Java), the parts run on the
 *   calling thread and the fork-join pool it runs in (the common pool for a thread outside any pool).</li>
 * </ul>
 * A variant that forks {@link ForkJoinTask}s itself, or starts threads, runs them outside the device's
 * threads: the calling thread is not a pool thread.
 */
public final class CpuThreads {
    /** Parts per thread in {@link #forRange}: a few more parts than threads let a thread that got a busy core's share be helped. */
    private static final int PARTS_PER_THREAD = 2;
    /** The threads bound to the calling thread by {@link #runOn}, or inside a part {@link #NESTED}; unset outside both. */
    private static final ThreadLocal<Binding> CURRENT = new ThreadLocal<>();
    /** Inside a part: nested calls run on the part's thread. */
    private static final Binding NESTED = new Binding(null, 1, () -> false);

    private CpuThreads() {
    }

    /** Where parts run: {@code threads - 1} helpers from {@code pool} besides the caller; {@code cancelled} is tested before each part. */
    private record Binding(Executor pool, int threads, BooleanSupplier cancelled) {
    }

    /** The part {@code part} of a {@link #forEach}. */
    @FunctionalInterface
    public interface Part {
        /** Runs part {@code part} ({@code 0 <= part < parts}). */
        void run(int part);
    }

    /** The contiguous part {@code [from, to)} of a {@link #forRange}. */
    @FunctionalInterface
    public interface Range {
        /** Runs the iterations {@code from} (inclusive) to {@code to} (exclusive). */
        void run(int from, int to);
    }

    /**
     * The threads that parts run on, the calling thread included: {@code kiln.cpu.threads} (by default
     * the available processors) in a cpu variant that the engine runs, 1 inside a part, else the
     * parallelism of the fork-join pool the caller runs in (the common pool's plus the caller outside
     * any pool).
     */
    public static int threads() {
        return binding().threads;
    }

    private static Binding binding() {
        Binding b = CURRENT.get();
        if (b != null) return b;
        if (ForkJoinTask.inForkJoinPool()) {
            ForkJoinPool pool = ForkJoinTask.getPool();
            return new Binding(pool, pool.getParallelism(), () -> false);
        }
        return new Binding(ForkJoinPool.commonPool(), ForkJoinPool.getCommonPoolParallelism() + 1, () -> false);
    }

    /**
     * Runs {@code body} for every part {@code 0 <= part < parts} on the calling thread and up to
     * {@code min(parts, threads()) - 1} helper threads (see the class comment for the rules). One part
     * runs on the calling thread alone, and calls inside it are not nested calls: they may split again.
     *
     * @throws IllegalArgumentException if {@code parts} is negative
     * @throws CancellationException    if the run was cancelled before every part started
     */
    public static void forEach(int parts, Part body) {
        if (parts < 0) throw new IllegalArgumentException("parts must not be negative, got " + parts);
        if (parts == 0) return;
        Binding b = binding();
        if (parts == 1) {
            // Not a part of a split: calls inside it may still split over every thread.
            if (b.cancelled.getAsBoolean()) throw new CancellationException("cancelled before its only part");
            body.run(0);
            return;
        }
        int helpers = Math.min(parts, b.threads) - 1;
        Job job = new Job(parts, body, b.cancelled);
        PoolHelpers.start(job, b.pool, helpers);
        try {
            job.work();
            job.await();
        } finally {
            PoolHelpers.finish(job);
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut into contiguous parts of at least {@code grain}
     * iterations (so that a part carries enough work to pay for being shared out), at most
     * {@value #PARTS_PER_THREAD} per thread of {@link #threads()}, through {@link #forEach}.
     *
     * @param n     iterations; none run when {@code n <= 0}
     * @param grain the fewest iterations worth a part of their own (values below 1 count as 1)
     * @throws CancellationException if the run was cancelled before every part started
     */
    public static void forRange(int n, int grain, Range body) {
        if (n <= 0) return;
        long parts = Math.min((long) threads() * PARTS_PER_THREAD, n / Math.max(1, (long) grain));
        if (parts <= 1) {
            forEach(1, p -> body.run(0, n));
            return;
        }
        int per = (int) ((n + parts - 1) / parts);
        int count = (n + per - 1) / per;              // rounding per up can leave fewer parts than asked
        forEach(count, p -> body.run(p * per, Math.min(n, p * per + per)));
    }

    /**
     * For back ends: runs {@code body} on the calling thread with {@code threads} threads bound to it,
     * the caller and {@code threads - 1} helpers that {@code pool} runs, {@code cancelled} tested before
     * each part. The cpu device calls it around a cpu variant. Not for variants themselves.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static void runOn(Executor pool, int threads, BooleanSupplier cancelled, Runnable body) {
        if (threads < 1) throw new IllegalArgumentException("at least one thread, got " + threads);
        Binding outer = CURRENT.get();
        CURRENT.set(new Binding(pool, threads, cancelled));
        try {
            body.run();
        } finally {
            restore(outer);
        }
    }

    private static void restore(Binding outer) {
        if (outer == null) CURRENT.remove();
        else CURRENT.set(outer);
    }

    /** One {@link #forEach}: its parts, claimed in order by the caller and the helpers that run it. */
    private static final class Job extends PoolHelpers.Job {
        final int parts;
        final Part body;
        final BooleanSupplier cancelled;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger remaining;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread caller = Thread.currentThread();

        Job(int parts, Part body, BooleanSupplier cancelled) {
            this.parts = parts;
            this.body = body;
            this.cancelled = cancelled;
            this.remaining = new AtomicInteger(parts);
        }

        @Override
        protected void work() {
            int p = next.getAndIncrement();
            if (p >= parts) return;
            Binding outer = CURRENT.get();
            CURRENT.set(NESTED);
            try {
                for (; p < parts; p = next.getAndIncrement()) {
                    try {
                        if (failure.get() == null) {
                            if (cancelled.getAsBoolean()) throw new CancellationException("cancelled before part " + p + " of " + parts);
                            body.run(p);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);     // the first failure wins; later parts are skipped
                    }
                    if (remaining.decrementAndGet() == 0 && Thread.currentThread() != caller) LockSupport.unpark(caller);
                }
            } finally {
                restore(outer);
            }
        }

        /** On the caller, after its own {@link #work}: waits for the helpers' parts, then rethrows the first failure. */
        void await() {
            CallerWait.untilZero(remaining, this);
            Throwable t = failure.get();
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);   // Part.run throws no checked exception but a sneaky one
        }
    }
}

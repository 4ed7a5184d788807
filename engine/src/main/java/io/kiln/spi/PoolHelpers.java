package io.kiln.spi;

import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How a thread that shares out parts of its work (the cpu device's launches, {@link io.kiln.CpuThreads})
 * gets helpers from a pool: helpers still spinning after an earlier job take the new one at once, and
 * the pool wakes the rest. One rule for both, as {@link CallerWait} is for the wait at the end.
 * <ul>
 *   <li>{@link #start} offers the job to spinning helpers of the pool and {@code execute}s as many more
 *   as are needed; each helper, spinning or woken, first takes one of the job's seats, so that a job never
 *   has more than the helpers it asked for.</li>
 *   <li>A helper that has done its part of a job spins for up to {@link #SPIN_NANOS} on the latest job
 *   offered to its pool, takes it if a seat is free, and spins again; it returns to the pool when the
 *   time is up or as soon as the pool has a submission queued.</li>
 *   <li>A job that a helper misses is still done: the starting thread works on its own job too and runs
 *   every part nobody claimed. So the hand-off can only lose parallelism, never work.</li>
 *   <li>One job is offered at a time: when several threads start jobs at once, a later offer replaces an
 *   earlier one, and the earlier job may get fewer helpers than it asked for (its caller does the rest),
 *   never more.</li>
 *   <li>Nothing spins in the common pool, whose threads serve the whole process.</li>
 * </ul>
 * <p><b>Why.</b> Waking a parked pool worker took about 50 µs on the 2-core Sapphire Rapids VM (10-60 µs
 * on the others), a third of a 224x224 resize: with every helper parked, two threads ran such a resize
 * slower than one. OpenCV's and OpenMP's pools spin between calls likewise; the price is up to
 * {@link #SPIN_NANOS} of a core per helper after each job.
 */
public final class PoolHelpers {
    /** How long a helper spins for the next job: {@code -Dkiln.cpu.spinMicros} (default 200; 0: never). */
    public static final long SPIN_NANOS = spinMicros() * 1000;
    /** The latest job offered to spinning helpers (cleared by {@link #finish}). */
    private static final AtomicReference<Job> OFFERED = new AtomicReference<>();
    /** Helpers spinning for a job now. */
    private static final AtomicInteger SPINNING = new AtomicInteger();

    private PoolHelpers() {
    }

    /** {@code -Dkiln.cpu.spinMicros}: a whole number from 0 to 1,000,000; otherwise a warning and 200. */
    private static long spinMicros() {
        String s = System.getProperty("kiln.cpu.spinMicros");
        if (s == null || s.isBlank()) return 200;
        try {
            long v = Long.parseLong(s.strip());
            if (v >= 0 && v <= 1_000_000) return v;
        } catch (NumberFormatException e) {
            // fall through to the warning
        }
        java.util.logging.Logger.getLogger("io.kiln").warning("-Dkiln.cpu.spinMicros=" + s
                + " is not a whole number of microseconds from 0 to 1000000; the cpu device's helpers spin 200 us");
        return 200;
    }

    /**
     * Work that helpers share with the thread that starts it. The helpers' entry is {@link #run}; the
     * starting thread calls {@link #work} itself.
     */
    public abstract static class Job implements Runnable {
        /** Set by {@link #start} before the job is offered or executed (which publishes them). */
        private Executor pool;
        private final AtomicInteger seats = new AtomicInteger();

        /** A job not yet started. */
        protected Job() {
        }

        /** Claims and runs parts until none is left; called by the starting thread and by each helper. */
        protected abstract void work();

        /** A helper's entry: takes a seat (or does nothing), then spins for the next job of its pool. */
        @Override
        public final void run() {
            if (seats.getAndDecrement() > 0) work();
            if (SPIN_NANOS > 0 && pool instanceof ForkJoinPool fj && fj != ForkJoinPool.commonPool()
                    && ForkJoinTask.getPool() == fj) {
                spinForMore(fj, this);
            }
        }
    }

    /**
     * Gets up to {@code helpers} helpers for {@code job} from {@code pool} (see the class comment). The
     * caller then runs {@link Job#work} itself, waits for the helpers' parts and calls {@link #finish}.
     */
    public static void start(Job job, Executor pool, int helpers) {
        job.pool = pool;
        job.seats.set(Math.max(0, helpers));
        int spinning = 0;
        if (helpers > 0 && SPIN_NANOS > 0 && pool instanceof ForkJoinPool fj && fj != ForkJoinPool.commonPool()) {
            OFFERED.set(job);
            spinning = Math.min(helpers, SPINNING.get());
        }
        for (int i = spinning; i < helpers; i++) pool.execute(job);
    }

    /** After a job is done: no longer offered, so that nothing keeps a reference to its data. */
    public static void finish(Job job) {
        OFFERED.compareAndSet(job, null);
    }

    private static void spinForMore(ForkJoinPool pool, Job last) {
        SPINNING.incrementAndGet();
        try {
            long deadline = System.nanoTime() + SPIN_NANOS;
            while (System.nanoTime() < deadline && !pool.hasQueuedSubmissions()) {
                Job j = OFFERED.get();
                if (j != null && j != last && j.pool == pool) {
                    last = j;
                    if (j.seats.getAndDecrement() > 0) {
                        j.work();
                        deadline = System.nanoTime() + SPIN_NANOS;
                    }
                } else {
                    Thread.onSpinWait();
                }
            }
        } finally {
            SPINNING.decrementAndGet();
        }
    }
}

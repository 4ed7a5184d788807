package io.kiln.spi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How a thread that shared out parts of its work (the cpu device's launches, {@link io.kiln.CpuThreads})
 * waits for the parts its helpers took: it spins briefly, then parks until the helper that finishes the
 * last part unparks it. One rule for both, so that they wait alike.
 */
public final class CallerWait {
    /**
     * Spins before parking. Longer spinning takes a core from the parts on a machine with two; parking at
     * once costs a wake-up even when the last part is a few microseconds from done.
     */
    private static final int SPINS = 200;

    private CallerWait() {
    }

    /**
     * Returns when {@code remaining} is zero. The helper that brings it to zero must
     * {@link LockSupport#unpark} the waiting thread. An interrupt does not end the wait; it is kept
     * (the thread's interrupt status is set again on return).
     *
     * @param blocker the object the thread parks on (shown by thread dumps)
     */
    public static void untilZero(AtomicInteger remaining, Object blocker) {
        boolean interrupted = false;
        for (int spins = 0; remaining.get() != 0; ) {
            if (spins++ < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(blocker);
                if (Thread.interrupted()) interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}

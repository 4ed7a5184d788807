package io.kiln.runtime;

import io.kiln.spi.DeviceEvent;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;

/** One run in flight: what {@link PlanExecutor#cancel} and timeouts need to see from another thread. */
final class RunState {
    final CountDownLatch done = new CountDownLatch(1);
    /** The tasks' preparations, once made. */
    volatile PreparedTask[] prepared;
    /** Per task, the event of its launch in this run, once issued. */
    final DeviceEvent[] launches;
    /** The task being enqueued now, or -1. */
    volatile int launching = -1;
    /** Why the run was cancelled, or {@code null}. */
    volatile String cancelled;
    /** What ran longer than the timeout, set before the timer cancels the run; else {@code null}. */
    volatile String timedOut;
    /** Which launches could not be stopped and what that means, once {@link PlanExecutor#cancel} found out. */
    volatile String unstoppable;
    /** Whether any step was issued (the data may have changed). */
    boolean issued;
    ScheduledFuture<?> timer;

    RunState(int tasks) {
        launches = new DeviceEvent[tasks];
    }

    /** The task whose launch is in flight ({@code task 'x' (K.m on opencl:0)}), or a description of the run's stage. */
    String inFlight(GraphSpec spec) {
        PreparedTask[] ps = prepared;
        if (ps == null) return "the run (still building its kernels)";
        for (int t = 0; t < ps.length; t++) {
            DeviceEvent e = launches[t];
            if (launching == t || (e != null && !e.isComplete())) {
                return "task '" + spec.tasks().get(t).id() + "' (" + ps[t].ir.displayName() + " on " + ps[t].device.id() + ")";
            }
        }
        return "the run (copying data)";
    }
}

package io.kiln.runtime;

import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceSession;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;

/** One run in flight: what {@link PlanExecutor#cancel} and timeouts need to see from another thread, and how it is stopped. */
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

    /**
     * Cancels this run saying {@code reason}: asks each session with one of its launches in flight to
     * stop it. Returns whether the run will stop soon; when not, {@link #unstoppable} says which launches
     * cannot be stopped and what that means.
     */
    boolean stop(String reason, GraphSpec spec) {
        if (cancelled == null) cancelled = reason;
        PreparedTask[] ps = prepared;
        if (ps == null) return true; // still preparing: the run stops before its first step
        List<String> stuck = new ArrayList<>();
        Set<DeviceSession> asked = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (int t = 0; t < ps.length; t++) {
            DeviceEvent e = launches[t];
            boolean inFlight = launching == t || (e != null && !e.isComplete());
            if (!inFlight || !asked.add(ps[t].session)) continue;
            boolean stops;
            try {
                stops = ps[t].session.cancel();
            } catch (RuntimeException ex) {
                stops = false;
            }
            if (!stops) stuck.add("task '" + spec.tasks().get(t).id() + "' on " + ps[t].device.id());
        }
        if (stuck.isEmpty()) return true;
        unstoppable = String.join(" and ", stuck) + " cannot be stopped: " + ps[0].device.backend()
                + " cannot stop a launched kernel, which runs to its end. The plan's device state is no longer known, so the plan is unusable:"
                + " close it and build a new one (the device itself stays usable)";
        return false;
    }
}

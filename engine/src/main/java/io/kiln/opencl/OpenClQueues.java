package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.spi.DeviceEvent;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The two in-order, profiled queues of one {@link OpenClSession} (compute, and copy, created on the
 * first off-heap copy) and the events of the commands issued on them: which are still pending, how
 * far the compute queue is known complete, the wait lists that order a new command after others, and
 * the failures not yet reported. The session's parts ({@link OpenClMemory}, {@link OpenClLaunches},
 * {@link OpenClBoundsRecord}, {@link OpenClPrintBuffer}) issue their commands here; what the
 * session guarantees about ordering and events is stated on {@link OpenClSession}.
 */
final class OpenClQueues {
    final OpenClDeviceRuntime runtime;
    final cl_command_queue compute;
    /** Created on the first off-heap copy: sessions that copy only Java arrays never need it. */
    private cl_command_queue copy;
    /** Commands not yet seen complete, per queue, in issue order (which, in an in-order queue, is completion order). */
    final ArrayDeque<ClEvent> pendingCompute = new ArrayDeque<>();
    private final ArrayDeque<ClEvent> pendingCopy = new ArrayDeque<>();
    /** Commands that failed and were not yet reported. */
    private final List<ClEvent> failures = new ArrayList<>();
    /** The wait list being built for the command being enqueued (one at a time: sessions are single-threaded). */
    private final ArrayList<cl_event> scratch = new ArrayList<>();
    /** Commands issued on the compute queue, and the position up to which all of them are known complete. */
    long issuedCompute;
    private long finishedCompute;
    /** Whether settled events read their profiling timestamps ({@link #recordTimestamps(boolean)}). */
    private boolean recordTimestamps;

    OpenClQueues(OpenClDeviceRuntime runtime) {
        this.runtime = runtime;
        this.compute = createQueue(runtime);
    }

    static cl_command_queue createQueue(OpenClDeviceRuntime runtime) {
        cl_command_queue q = createUncountedQueue(runtime);
        OpenClResources.created(OpenClResources.Kind.QUEUE);
        return q;
    }

    /** A profiled in-order queue that {@link OpenClResources} does not count (one that lives as long as the context). */
    @SuppressWarnings("deprecation")
    static cl_command_queue createUncountedQueue(OpenClDeviceRuntime runtime) {
        cl_command_queue q;
        try {
            // clCreateCommandQueue is deprecated in OpenCL 2.0 but is the one call every 1.x and 2.x+ driver has.
            q = CL.clCreateCommandQueue(runtime.context(), runtime.id(), CL.CL_QUEUE_PROFILING_ENABLE, null);
        } catch (CLException e) {
            throw new KilnException("creating a command queue on " + runtime.device() + " failed: " + ClInfo.error(e), e);
        }
        return q;
    }

    cl_command_queue copyQueue() {
        if (copy == null) copy = createQueue(runtime);
        return copy;
    }

    /**
     * Whether the events of later commands record device timestamps ({@link DeviceEvent#timestamps()}),
     * off by default. When on, every launch gets a native event and its three profiling values are read
     * when it completes; when off, a launch that nothing waits for on the device gets no native event at
     * all, which is what makes a run of a small kernel about as cheap as a raw enqueue. Plans with
     * {@code withProfiler()} turn it on.
     */
    void recordTimestamps(boolean on) {
        this.recordTimestamps = on;
    }

    /** Whether events record timestamps. */
    boolean recordsTimestamps() {
        return recordTimestamps;
    }

    /**
     * One enqueued command: its first and last {@code cl_event} (a copy over 1 GiB is several chunks in
     * order on one queue) until it is seen complete, then its status and, when the session records
     * them, its timestamps.
     * <p>A launch may also be enqueued <em>without</em> a native event (see {@link OpenClLaunches}): it is
     * then known only by its position {@code seq} on the in-order compute queue and is complete once
     * the session saw that position complete. Creating, querying and releasing an event costs about as
     * much on PoCL as the launch itself, so the session creates one only where somebody needs it.
     */
    final class ClEvent implements DeviceEvent {
        final String what;
        final boolean onCopyQueue;
        /** Position on the compute queue (1, 2, ...); 0 for a copy-queue command or an outside event. */
        private final long seq;
        /** The compute-queue position whose completion the native event proves (a marker proves more than its command). */
        private long proves;
        private cl_event first;
        private cl_event last;
        /** Pending (1), {@code CL_COMPLETE} (0) or a negative OpenCL error once settled. */
        int status = 1;
        private long[] timestamps;
        boolean reported;

        ClEvent(String what, boolean onCopyQueue, cl_event first, cl_event last) {
            this(what, onCopyQueue, 0, first, last);
        }

        ClEvent(String what, boolean onCopyQueue, long seq, cl_event first, cl_event last) {
            this.what = what;
            this.onCopyQueue = onCopyQueue;
            this.seq = seq;
            this.proves = seq;
            this.first = first;
            this.last = last;
        }

        /** The native event later commands wait for, or {@code null} once complete or when it has none. */
        cl_event pendingLast() {
            return last;
        }

        /** Whether the session has already seen the command complete (no driver call). */
        boolean seenComplete() {
            return status <= 0 || last == null && seq <= finishedCompute;
        }

        /** A compute-queue launch enqueued without a native event that is not yet known complete. */
        boolean lazy() {
            return status > 0 && last == null;
        }

        OpenClQueues queues() {
            return OpenClQueues.this;
        }

        /**
         * A launch with bounds checks whose error record no wait has looked at yet: not complete for the
         * engine until then, so that the engine waits for it and the wait reports a violation.
         */
        boolean boundsUnseen;

        @Override
        public synchronized boolean isComplete() {
            return done() && !boundsUnseen;
        }

        /**
         * Whether the command has completed on the device, settling it if so; unlike {@link #isComplete()}
         * blind to an error record not yet looked at, so that {@link #sweep()} still releases its events.
         */
        synchronized boolean done() {
            if (status <= 0) return true;
            if (last == null) {
                if (seq > finishedCompute) sweep(); // a later evented command may have completed
                if (seq > finishedCompute) return false;
                status = CL.CL_COMPLETE;
                return true;
            }
            int s = executionStatus(last);
            if (s > CL.CL_COMPLETE && (first == last || executionStatus(first) >= CL.CL_COMPLETE)) return false;
            settle();
            return true;
        }

        @Override
        public synchronized long[] timestamps() {
            settle();
            return timestamps == null ? null : timestamps.clone();
        }

        /** Whether the command failed on the device (waits for it). */
        synchronized boolean failed() {
            settle();
            return status < 0;
        }

        /**
         * Waits for the command, reads its status (and its profiling timestamps when the session records
         * them), and releases its native event(s). Idempotent. A launch without a native event is waited
         * for with {@code clFinish} of the compute queue.
         */
        synchronized void settle() {
            if (status <= 0) return;
            if (last == null) {
                if (seq > finishedCompute) finishCompute(this);
                status = CL.CL_COMPLETE;
                return;
            }
            try {
                // a wait that succeeds proves CL_COMPLETE (clWaitForEvents fails for a failed event), so the
                // status is asked only after a failed wait, and for the first chunk of a chunked copy
                boolean ok = waitQuietly(last);
                int s = ok && first == last ? CL.CL_COMPLETE : executionStatus(first);
                if (s >= 0 && first != last) s = executionStatus(last);
                status = Math.min(s, CL.CL_COMPLETE);
                if (status == CL.CL_COMPLETE && recordTimestamps) {
                    timestamps = new long[] {profile(first, CL.CL_PROFILING_COMMAND_QUEUED),
                            profile(first, CL.CL_PROFILING_COMMAND_START), profile(last, CL.CL_PROFILING_COMMAND_END)};
                    if (timestamps[0] < 0 || timestamps[1] < 0 || timestamps[2] < 0) timestamps = null;
                }
            } finally {
                releaseEvent(last);
                if (first != last) releaseEvent(first);
                first = null;
                last = null;
            }
            if (!onCopyQueue && proves > finishedCompute) finishedCompute = proves;
            if (status < 0) failures.add(this);
        }

        /**
         * Gives a pending launch without a native event one: a marker on the compute queue, which
         * completes when everything issued there so far has, so it proves at least this launch. Needed
         * only when a command on the copy queue must wait for it.
         */
        void materialize() {
            cl_event ev = new cl_event();
            try {
                CL.clEnqueueMarkerWithWaitList(compute, 0, null, ev);
            } catch (CLException e) {
                throw new KilnException("enqueueing a marker after " + what + " on " + runtime.device() + " failed: " + ClInfo.error(e), e);
            }
            OpenClResources.created(OpenClResources.Kind.EVENT);
            first = last = ev;
            proves = issuedCompute;
            pendingCompute.addLast(this);
        }

        /** The exception for a failed command. */
        KilnException failure() {
            reported = true;
            return new KilnException(what + " on " + runtime.device() + " failed on the device: execution status " + status + " ("
                    + CL.stringFor_errorCode(status) + ")" + (status == -1
                    ? "; drivers report -1 for a command that was aborted because a command it waited for failed" : ""));
        }

        @Override
        public String toString() {
            return what + (status > 0 ? " (pending)" : status == 0 ? " (complete)" : " (failed: " + CL.stringFor_errorCode(status) + ")");
        }
    }

    private static int executionStatus(cl_event e) {
        int[] v = new int[1];
        try {
            CL.clGetEventInfo(e, CL.CL_EVENT_COMMAND_EXECUTION_STATUS, Sizeof.cl_int, Pointer.to(v), null);
        } catch (CLException ex) {
            return ex.getStatus() < 0 ? ex.getStatus() : CL.CL_INVALID_EVENT;
        }
        return v[0];
    }

    private static long profile(cl_event e, int what) {
        long[] v = new long[1];
        try {
            CL.clGetEventProfilingInfo(e, what, Sizeof.cl_ulong, Pointer.to(v), null);
        } catch (CLException ex) {
            return -1; // CL_PROFILING_INFO_NOT_AVAILABLE: the command failed, or the driver does not profile
        }
        return v[0];
    }

    /**
     * Waits for {@code e}; true when the wait succeeded, which means the command completed without an
     * error. After {@code false}, a failed event's status says which error.
     */
    static boolean waitQuietly(cl_event e) {
        try {
            return CL.clWaitForEvents(1, new cl_event[] {e}) == CL.CL_SUCCESS;
        } catch (CLException ignored) {
            // CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST: the status says which error
            return false;
        }
    }

    static void releaseEvent(cl_event e) {
        try {
            CL.clReleaseEvent(e);
        } finally {
            OpenClResources.released(OpenClResources.Kind.EVENT);
        }
    }

    /** Tracks a command's native event(s) (already counted as created) until complete. */
    ClEvent track(String what, boolean onCopyQueue, cl_event first, cl_event last) {
        ClEvent e = new ClEvent(what, onCopyQueue, first, last);
        (onCopyQueue ? pendingCopy : pendingCompute).addLast(e);
        return e;
    }

    /**
     * Releases the native events of commands already complete at the front of both queues (cheap status
     * queries), so that a long-lived session holds native events only for running commands.
     */
    void sweep() {
        while (!pendingCompute.isEmpty() && pendingCompute.peekFirst().done()) pendingCompute.removeFirst();
        while (!pendingCopy.isEmpty() && pendingCopy.peekFirst().done()) pendingCopy.removeFirst();
    }

    /**
     * Waits for everything issued on the compute queue ({@code clFinish}): how a launch without a native
     * event is awaited. A device-side failure of such a launch is seen only as far as the driver reports
     * it from {@code clFinish}.
     */
    void finishCompute(ClEvent forWhom) {
        try {
            CL.clFinish(compute);
        } catch (CLException e) {
            throw new KilnException((forWhom == null ? "a command" : forWhom.what) + " on " + runtime.device() + " failed: "
                    + ClInfo.error(e), e);
        }
        computeDone();
    }

    /** Everything issued on the compute queue has completed (after a blocking command or clFinish there). */
    void computeDone() {
        finishedCompute = issuedCompute;
        settleAll(pendingCompute);
    }

    /** Settles every command on {@code q} up to and including {@code e}: an in-order queue completed them all. */
    private static void settleThrough(ArrayDeque<ClEvent> q, ClEvent e) {
        if (!q.contains(e)) return;
        while (!q.isEmpty()) {
            ClEvent head = q.removeFirst();
            head.settle();
            if (head == e) return;
        }
    }

    private static void settleAll(ArrayDeque<ClEvent> q) {
        while (!q.isEmpty()) q.removeFirst().settle();
    }

    /**
     * The native events of {@code after} still pending, checked to belong to this session, for a command
     * on the copy queue or the compute queue. Launches without a native event are left out for a
     * compute-queue command (the in-order queue runs it after them) and get a marker for a copy-queue
     * one. The list is reused by the next call.
     */
    List<cl_event> waitList(List<DeviceEvent> after, boolean forCopyQueue) {
        List<cl_event> list = scratch;
        list.clear();
        if (after == null) return list;
        for (DeviceEvent d : after) {
            if (d == null) throw new IllegalArgumentException("an event in the 'after' list is null");
            if (d == DeviceEvent.COMPLETE) continue;
            if (!(d instanceof ClEvent e) || e.queues() != this) {
                throw new IllegalArgumentException("the event " + d + " was not made by this OpenCL session on " + runtime.device().id()
                        + ": commands can wait only for events of their own session");
            }
            if (e.lazy()) {
                if (!forCopyQueue) continue;
                e.materialize();
            }
            cl_event n = e.pendingLast();
            if (n != null && !list.contains(n)) list.add(n);
        }
        return list;
    }

    static cl_event[] array(List<cl_event> list) {
        return list.isEmpty() ? null : list.toArray(new cl_event[0]);
    }

    /** Waits for {@code events} (checked to be this session's) and throws for the first that failed on the device. */
    void await(List<DeviceEvent> events) {
        waitList(events, false); // checks that they are ours
        KilnException failure = null;
        for (DeviceEvent d : events) {
            if (!(d instanceof ClEvent e)) continue;
            if (e.lazy()) {
                e.settle(); // clFinish of the compute queue, unless already known complete
                continue;
            }
            settleThrough(e.onCopyQueue ? pendingCopy : pendingCompute, e);
            e.settle();
            if (e.status < 0) {
                KilnException f = e.failure();
                failures.remove(e);
                if (failure == null) failure = f;
                else failure.addSuppressed(f);
            }
        }
        if (failure != null) throw failure;
    }

    /** Waits for everything issued on both queues and throws for the commands that failed and were not reported yet. */
    void finish() {
        RuntimeException queueFailure = null;
        for (cl_command_queue q : copy == null ? List.of(compute) : List.of(compute, copy)) {
            try {
                CL.clFinish(q);
            } catch (CLException e) {
                if (queueFailure == null) queueFailure = new KilnException("a command on " + runtime.device() + " failed: " + ClInfo.error(e), e);
            }
        }
        finishedCompute = issuedCompute;
        settleAll(pendingCompute);
        settleAll(pendingCopy);
        KilnException failure = null;
        for (ClEvent e : failures) {
            if (e.reported) continue;
            KilnException f = e.failure();
            if (failure == null) failure = f;
            else failure.addSuppressed(f);
        }
        failures.clear();
        if (failure != null) throw failure;
        if (queueFailure != null) throw queueFailure;
    }

    /** Number of commands whose native events are still held (not yet seen complete). */
    int pendingEvents() {
        return pendingCompute.size() + pendingCopy.size();
    }

    /**
     * For closing: waits for both queues and settles every command, forgetting failures not yet
     * reported; returns the first exception instead of throwing it.
     */
    RuntimeException drain() {
        RuntimeException failure = null;
        for (cl_command_queue q : copy == null ? List.of(compute) : List.of(compute, copy)) {
            try {
                CL.clFinish(q);
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        try {
            finishedCompute = issuedCompute;
            settleAll(pendingCompute);
            settleAll(pendingCopy);
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        }
        failures.clear();
        return failure;
    }

    /** For closing, last: releases both queues; returns the first exception instead of throwing it. */
    RuntimeException releaseQueues() {
        RuntimeException failure = null;
        for (cl_command_queue q : copy == null ? List.of(compute) : List.of(compute, copy)) {
            try {
                CL.clReleaseCommandQueue(q);
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            } finally {
                OpenClResources.released(OpenClResources.Kind.QUEUE);
            }
        }
        return failure;
    }
}

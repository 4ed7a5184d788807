package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.ir.KernelIR;
import io.kiln.opencl.OpenClQueues.ClEvent;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_event;
import org.jocl.cl_mem;

import java.util.ArrayDeque;

/**
 * The bounds-check error record ({@link io.kiln.frontend.BoundsChecks}) of one {@link OpenClSession}:
 * passed to a kernel with checks, read back without blocking right after each checked launch, and
 * looked at when the host waits anyway; the first violation is thrown by that wait.
 */
final class OpenClBoundsRecord {
    /** The launch of a kernel with bounds checks and the copy of its error record read back after it. */
    private record BoundsRead(KernelIR ir, ClEvent event, java.nio.ByteBuffer record) {}

    /** Zeros for the error record (never written, so that non-blocking writes may read it at any time). */
    private static final java.nio.ByteBuffer ZERO_RECORD = java.nio.ByteBuffer.allocateDirect(io.kiln.frontend.BoundsChecks.RECORD_INTS * 4);

    private final OpenClQueues queues;
    private final OpenClDeviceRuntime runtime;
    /** This session's error record ({@link io.kiln.frontend.BoundsChecks}), allocated on the first checked launch. */
    private cl_mem boundsRecord;
    /** Whether the record holds a violation already reported: zeroed before the next checked launch. */
    private boolean boundsRecordDirty;
    /** Checked launches whose record the host has not looked at yet, in launch order. */
    private final ArrayDeque<BoundsRead> boundsReads = new ArrayDeque<>();

    OpenClBoundsRecord(OpenClQueues queues) {
        this.queues = queues;
        this.runtime = queues.runtime;
    }

    /** The error record to pass to a checked launch, zeroed (on the compute queue, before it) when needed. */
    cl_mem record() {
        int bytes = io.kiln.frontend.BoundsChecks.RECORD_INTS * 4;
        if (boundsRecord == null) {
            try {
                boundsRecord = CL.clCreateBuffer(runtime.context(), CL.CL_MEM_READ_WRITE | CL.CL_MEM_COPY_HOST_PTR, bytes,
                        Pointer.to(new int[io.kiln.frontend.BoundsChecks.RECORD_INTS]), null);
            } catch (CLException e) {
                throw new KilnException("allocating the bounds-check record on " + runtime.device() + " failed: " + ClInfo.error(e), e);
            }
            OpenClResources.created(OpenClResources.Kind.MEM);
        } else if (boundsRecordDirty) {
            CL.clEnqueueWriteBuffer(queues.compute, boundsRecord, false, 0, bytes, Pointer.to(ZERO_RECORD), 0, null, null);
            boundsRecordDirty = false;
        }
        return boundsRecord;
    }

    /**
     * Tracks checked launch number {@code seq} together with a non-blocking read of the error record
     * enqueued right after it: the launch's event completes when the record is on the host, and the host
     * looks at it when it waits anyway ({@link #check()}), so checks add no blocking call per launch.
     * The read always has a native event (the launch itself only where {@code ev} is not {@code null}):
     * the run must read the record before it returns, even on the fast path without launch events.
     */
    ClEvent track(KernelIR ir, String what, cl_event ev, boolean evented) {
        java.nio.ByteBuffer host = java.nio.ByteBuffer.allocateDirect(io.kiln.frontend.BoundsChecks.RECORD_INTS * 4)
                .order(java.nio.ByteOrder.nativeOrder());
        cl_event read = evented ? new cl_event() : null;
        try {
            CL.clEnqueueReadBuffer(queues.compute, boundsRecord, false, 0, host.capacity(), Pointer.to(host), 0, null, read);
        } catch (CLException e) {
            if (ev != null) {
                OpenClQueues.waitQuietly(ev);
                OpenClQueues.releaseEvent(ev);
            }
            queues.finishCompute(null);
            throw new KilnException("reading the bounds-check record of " + ir.displayName() + " on " + runtime.device()
                    + " failed: " + ClInfo.error(e), e);
        }
        long seq = ++queues.issuedCompute; // the read's position: complete there means the launch and its record are
        ClEvent e;
        if (read != null) {
            OpenClResources.created(OpenClResources.Kind.EVENT);
            e = queues.new ClEvent(what, false, seq, ev == null ? read : ev, read);
            queues.pendingCompute.addLast(e);
        } else {
            if (ev != null) {
                OpenClQueues.waitQuietly(ev); // not reached: a launch event implies a read event (waits or timestamps)
                OpenClQueues.releaseEvent(ev);
            }
            e = queues.new ClEvent(what, false, seq, null, null);
        }
        e.boundsUnseen = true;
        boundsReads.addLast(new BoundsRead(ir, e, host));
        return e;
    }

    /**
     * Looks at the error records of the checked launches that have completed, in launch order, and throws
     * for the first that records a violation (the record stays set until zeroed, so that is the launch that
     * failed). Launches still running are looked at by a later wait.
     */
    void check() {
        while (!boundsReads.isEmpty()) {
            BoundsRead r = boundsReads.peekFirst();
            if (!r.event().seenComplete()) return; // not settled by this wait: a later one looks
            boundsReads.removeFirst();
            r.event().boundsUnseen = false;
            int[] record = new int[io.kiln.frontend.BoundsChecks.RECORD_INTS];
            r.record().asIntBuffer().get(record);
            RuntimeException failure = io.kiln.frontend.BoundsChecks.failure(r.ir(), record, runtime.device().id());
            if (failure != null) {
                // later launches read the same, already reported record. Their reads may still be running and
                // write into the direct buffers held here: forgetting those before the reads complete would
                // let the GC free memory the driver is about to write (a use-after-free outside the Java heap).
                try {
                    if (!boundsReads.isEmpty()) queues.finishCompute(null);
                } catch (RuntimeException alsoFailed) {
                    failure.addSuppressed(alsoFailed);
                }
                for (BoundsRead later : boundsReads) later.event().boundsUnseen = false;
                boundsReads.clear();
                boundsRecordDirty = true;
                throw failure;
            }
        }
    }

    /**
     * Frees the error record, if there is one, and forgets the launches not looked at, after waiting for
     * the compute queue when reads into their host buffers may still be running (only where draining the
     * session failed; the buffers must outlive the reads).
     */
    void release() {
        RuntimeException unfinished = null;
        if (!boundsReads.isEmpty()) {
            try {
                queues.finishCompute(null);
            } catch (RuntimeException e) {
                unfinished = e;
            }
        }
        for (BoundsRead r : boundsReads) r.event().boundsUnseen = false;
        boundsReads.clear();
        if (boundsRecord == null) return;
        try {
            CL.clReleaseMemObject(boundsRecord);
        } finally {
            boundsRecord = null;
            OpenClResources.released(OpenClResources.Kind.MEM);
        }
        if (unfinished != null) throw unfinished;
    }
}

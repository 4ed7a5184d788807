package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.ScalarKind;
import io.kiln.openclc.OpenClEmitter;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device-side state of one execution plan on one OpenCL device: a compute queue, a copy queue
 * beside it (created on the first off-heap copy), and one {@code cl_mem} per host array (found by
 * identity). Used by one thread at a time, like every {@link DeviceSession}.
 * <p><b>What runs where.</b> Both queues are in-order and profiled. Launches go on the compute queue.
 * Copies of {@link OffHeapArray}s go on the copy queue as non-blocking reads and writes, so they can
 * overlap kernels; their host memory must stay open and untouched until their event completes. Copies of
 * Java arrays are blocking (the garbage collector may move a heap array, so JOCL copies it
 * synchronously), go on the compute queue, and return {@link DeviceEvent#COMPLETE}.
 * <p><b>Ordering this session guarantees</b>, beyond the {@code after} events a caller passes:
 * <ul>
 *   <li>every command on the compute queue runs after every command issued before it there (so a
 *       launch with an empty {@code after} list still follows earlier launches and heap copies);</li>
 *   <li>per device buffer, reads after writes, and writes after both: a launch waits for pending
 *       off-heap copies of the arrays it reads or writes, and an off-heap copy to the device waits for
 *       earlier launches (and copies back) that use the same buffer, so it never overwrites data a kernel
 *       still reads. The direction follows each parameter's {@link io.kiln.ir.Access};</li>
 *   <li>nothing orders independent commands on the two queues: an off-heap copy of one array overlaps a
 *       kernel that does not use it, which is the point of the copy queue.</li>
 * </ul>
 * <p><b>Events.</b> Each asynchronous command returns an event wrapping its {@code cl_event}(s). The
 * native event is released as soon as the session sees the command complete (in {@link #await},
 * {@link #finish()}, {@link DeviceEvent#isComplete()}, or because a later command on the same in-order
 * queue completed); its status and profiling timestamps are kept, so the Java event stays valid until
 * the session closes. A command that failed on the device is reported, with the device's error name, by
 * the {@link #await} that waits for it, or else by the next {@link #finish()}.
 */
final class OpenClSession implements DeviceSession {
    /** Largest global size used for a {@code @Parallel} dimension; the grid-stride loop covers the rest. */
    static final long MAX_PARALLEL_SIZE = 1L << 30;

    /** Largest single copy command: a {@link java.nio.ByteBuffer} holds at most 2<sup>31</sup>-1 bytes. */
    static final long MAX_COPY_CHUNK = 1L << 30;

    /** The device copy of one host array, with the commands that last used it (for ordering). */
    private static final class Buffer {
        final cl_mem mem;
        /** Elements: an {@code int} for Java arrays, a {@code long} for off-heap arrays. */
        final long length;
        final ElementType element;
        /** Whether the host side is an {@link OffHeapArray}: its kernel length parameter is a {@code long}. */
        final boolean offHeap;
        /** The last command that wrote the device copy, and the last ones that read it on each queue. */
        ClEvent lastWrite, lastComputeRead, lastCopyRead;

        Buffer(cl_mem mem, long length, ElementType element, boolean offHeap) {
            this.mem = mem;
            this.length = length;
            this.element = element;
            this.offHeap = offHeap;
        }

        /** What a command that reads the buffer must wait for. */
        void readHazards(List<cl_event> into) {
            add(into, lastWrite, offHeap);
        }

        /** What a command that writes the buffer must wait for. */
        void writeHazards(List<cl_event> into) {
            add(into, lastWrite, offHeap);
            add(into, lastComputeRead, offHeap);
            add(into, lastCopyRead, offHeap);
        }

        void wrote(ClEvent e) {
            lastWrite = e;
            lastComputeRead = null;
            lastCopyRead = null;
        }

        void read(ClEvent e, boolean onCopyQueue) {
            if (onCopyQueue) lastCopyRead = e;
            else lastComputeRead = e;
        }

        /**
         * Adds {@code e}'s native event. A launch without one needs none when the waiting command is on
         * the compute queue too (Java arrays are copied there); off-heap copies run on the copy queue,
         * so for them it gets a marker.
         */
        private static void add(List<cl_event> into, ClEvent e, boolean fromCopyQueue) {
            if (e != null && fromCopyQueue && e.lazy()) e.materialize();
            cl_event native_ = e == null ? null : e.pendingLast();
            if (native_ != null && !into.contains(native_)) into.add(native_);
        }
    }

    /**
     * One enqueued command: its first and last {@code cl_event} (a copy over 1 GiB is several chunks in
     * order on one queue) until it is seen complete, then its status and, when the session records
     * them, its timestamps.
     * <p>A launch may also be enqueued <em>without</em> a native event (see {@link OpenClSession}): it is
     * then known only by its position {@code seq} on the in-order compute queue and is complete once
     * the session saw that position complete. Creating, querying and releasing an event costs about as
     * much on PoCL as the launch itself, so the session creates one only where somebody needs it.
     */
    final class ClEvent implements DeviceEvent {
        private final String what;
        private final boolean onCopyQueue;
        /** Position on the compute queue (1, 2, ...); 0 for a copy-queue command or an outside event. */
        private final long seq;
        /** The compute-queue position whose completion the native event proves (a marker proves more than its command). */
        private long proves;
        private cl_event first;
        private cl_event last;
        /** Pending (1), {@code CL_COMPLETE} (0) or a negative OpenCL error once settled. */
        private int status = 1;
        private long[] timestamps;
        private boolean reported;

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

        OpenClSession session() {
            return OpenClSession.this;
        }

        /**
         * A launch with bounds checks whose error record no wait has looked at yet: not complete for the
         * engine until then, so that the engine waits for it and the wait reports a violation.
         */
        private boolean boundsUnseen;

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

    /**
     * What a session keeps per kernel between launches: the last geometry and the NDRange derived from
     * it, and arrays reused for the argument values and the buffers touched, so that launching the same
     * kernel again allocates almost nothing.
     */
    private static final class LaunchState {
        final String what;
        final Object[] values;
        /** Per kernel argument, the type it is passed as ({@code null} for a buffer). */
        final ScalarKind[] kinds;
        final Buffer[] reads;
        final Buffer[] writes;
        long[] sizes;
        long[] local;
        long[][] range;
        /** Whether the kernel prints (takes the print buffer last): looked up once, not per launch. */
        final boolean prints;
        /** Whether the kernel has bounds checks (takes the error record): a scan of the IR, so once, not per launch. */
        final boolean checked;

        LaunchState(KernelIR ir, int argCount) {
            what = "running " + ir.displayName();
            prints = io.kiln.spi.PrintBuffer.prints(ir);
            checked = io.kiln.compiler.BoundsChecks.hasChecks(ir);
            values = new Object[argCount];
            kinds = new ScalarKind[argCount];
            int i = 0;
            for (Param p : ir.params()) {
                if (p instanceof Param.Scalar s) kinds[i++] = s.kind();
                else if (p instanceof Param.Array a) {
                    i++; // the buffer
                    kinds[i++] = a.array().isOffHeap() ? ScalarKind.LONG : ScalarKind.INT;
                }
            }
            reads = new Buffer[ir.params().size()];
            writes = new Buffer[ir.params().size()];
        }
    }

    private final OpenClDeviceRuntime runtime;
    private final cl_command_queue compute;
    /** Created on the first off-heap copy: sessions that copy only Java arrays never need it. */
    private cl_command_queue copy;
    private final IdentityHashMap<Object, Buffer> buffers = new IdentityHashMap<>();
    /** Commands not yet seen complete, per queue, in issue order (which, in an in-order queue, is completion order). */
    private final ArrayDeque<ClEvent> pendingCompute = new ArrayDeque<>();
    private final ArrayDeque<ClEvent> pendingCopy = new ArrayDeque<>();
    /** Commands that failed and were not yet reported. */
    private final List<ClEvent> failures = new ArrayList<>();
    /** Per kernel: what the last launch of it in this session derived, reused by the next. */
    private final IdentityHashMap<OpenClCompiledKernel, LaunchState> launches = new IdentityHashMap<>();
    /** The wait list being built for the command being enqueued (one at a time: sessions are single-threaded). */
    private final ArrayList<cl_event> scratch = new ArrayList<>();
    /** Commands issued on the compute queue, and the position up to which all of them are known complete. */
    private long issuedCompute;
    private long finishedCompute;
    /** Launches enqueued without a native event since the last one with. */
    private int lazyRun;
    /** Whether settled events read their profiling timestamps ({@link #recordTimestamps(boolean)}). */
    private boolean recordTimestamps;
    private boolean closed;

    OpenClSession(OpenClDeviceRuntime runtime) {
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

    private cl_command_queue copyQueue() {
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
    @Override
    public void recordTimestamps(boolean on) {
        this.recordTimestamps = on;
    }

    /** Whether events record timestamps. */
    public boolean recordsTimestamps() {
        return recordTimestamps;
    }

    @Override
    public boolean copiesData() {
        return true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenCL session on " + runtime.device().id() + " is closed");
        }
    }

    private static ElementType elementOf(Object array) {
        ElementType et = array == null ? null : ElementType.ofArrayClass(array.getClass());
        if (et == null) {
            throw new IllegalArgumentException("OpenCL sessions hold byte[], short[], char[], int[], long[], float[] or double[] arrays "
                    + "and off-heap arrays (FloatArray and the other io.kiln.OffHeapArray types), not "
                    + (array == null ? "null" : array.getClass().getTypeName()));
        }
        return et;
    }

    private static Pointer pointer(Object array) {
        return switch (array) {
            case float[] a -> Pointer.to(a);
            case int[] a -> Pointer.to(a);
            case double[] a -> Pointer.to(a);
            case long[] a -> Pointer.to(a);
            case byte[] a -> Pointer.to(a);
            case short[] a -> Pointer.to(a);
            case char[] a -> Pointer.to(a);
            default -> throw new IllegalArgumentException("not a supported array: " + array.getClass().getTypeName());
        };
    }

    // ------------------------------------------------------------ events

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
    private static boolean waitQuietly(cl_event e) {
        try {
            return CL.clWaitForEvents(1, new cl_event[] {e}) == CL.CL_SUCCESS;
        } catch (CLException ignored) {
            // CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST: the status says which error
            return false;
        }
    }

    private static void releaseEvent(cl_event e) {
        try {
            CL.clReleaseEvent(e);
        } finally {
            OpenClResources.released(OpenClResources.Kind.EVENT);
        }
    }

    /** Tracks a command's native event(s) (already counted as created) until complete. */
    private ClEvent track(String what, boolean onCopyQueue, cl_event first, cl_event last) {
        ClEvent e = new ClEvent(what, onCopyQueue, first, last);
        (onCopyQueue ? pendingCopy : pendingCompute).addLast(e);
        return e;
    }

    /**
     * Releases the native events of commands already complete at the front of both queues (cheap status
     * queries), so that a long-lived session holds native events only for running commands.
     */
    private void sweep() {
        while (!pendingCompute.isEmpty() && pendingCompute.peekFirst().done()) pendingCompute.removeFirst();
        while (!pendingCopy.isEmpty() && pendingCopy.peekFirst().done()) pendingCopy.removeFirst();
    }

    /**
     * Waits for everything issued on the compute queue ({@code clFinish}): how a launch without a native
     * event is awaited. A device-side failure of such a launch is seen only as far as the driver reports
     * it from {@code clFinish}.
     */
    private void finishCompute(ClEvent forWhom) {
        try {
            CL.clFinish(compute);
        } catch (CLException e) {
            throw new KilnException((forWhom == null ? "a command" : forWhom.what) + " on " + runtime.device() + " failed: "
                    + ClInfo.error(e), e);
        }
        computeDone();
    }

    /** Everything issued on the compute queue has completed (after a blocking command or clFinish there). */
    private void computeDone() {
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
    private List<cl_event> waitList(List<DeviceEvent> after, boolean forCopyQueue) {
        List<cl_event> list = scratch;
        list.clear();
        if (after == null) return list;
        for (DeviceEvent d : after) {
            if (d == null) throw new IllegalArgumentException("an event in the 'after' list is null");
            if (d == DeviceEvent.COMPLETE) continue;
            if (!(d instanceof ClEvent e) || e.session() != this) {
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

    private static cl_event[] array(List<cl_event> list) {
        return list.isEmpty() ? null : list.toArray(new cl_event[0]);
    }

    // ------------------------------------------------------------ copies

    @Override
    public DeviceEvent enqueueToDevice(Object data, List<DeviceEvent> after) {
        checkOpen();
        sweep(); // first: a sweep releases the native events of finished commands, which the wait list must not hold
        List<cl_event> wait = waitList(after, data instanceof OffHeapArray);
        if (data instanceof OffHeapArray off) {
            MemorySegment segment = off.segment(); // throws a clear IllegalStateException when closed
            Buffer b = deviceCopy(off, off.elementType(), off.length(), true);
            b.writeHazards(wait);
            ClEvent e = copyOffHeap(b, segment, true, off, wait);
            if (e == null) return DeviceEvent.COMPLETE;
            b.wrote(e);
            return e;
        }
        ElementType et = elementOf(data);
        int length = Array.getLength(data);
        Buffer b = deviceCopy(data, et, length, false);
        b.writeHazards(wait);
        if (length > 0) {
            try {
                CL.clEnqueueWriteBuffer(compute, b.mem, true, 0, (long) length * et.bytes(), pointer(data), wait.size(), array(wait), null);
            } catch (CLException e) {
                throw new KilnException("copying a " + et.javaName() + "[" + length + "] to " + runtime.device() + " failed: " + ClInfo.error(e), e);
            }
        }
        // blocking, after everything before it on the compute queue: all of that is complete now
        computeDone();
        b.wrote(null);
        return DeviceEvent.COMPLETE;
    }

    /** The device copy of {@code data}, allocated on first use and again when the length changed. */
    private Buffer deviceCopy(Object data, ElementType et, long length, boolean offHeap) {
        Buffer b = buffers.get(data);
        if (b == null || b.length != length) {
            if (b != null) {
                releaseBuffer(b); // OpenCL frees it once the commands that use it have finished
                buffers.remove(data);
            }
            b = allocate(et, length, offHeap);
            buffers.put(data, b);
        }
        return b;
    }

    /**
     * Enqueues a non-blocking copy between an off-heap array's segment and its device copy on the copy
     * queue, in chunks of at most {@link #MAX_COPY_CHUNK} bytes (JOCL takes the host side as a direct
     * buffer, which is limited to 2 GiB), each at its own device offset; the first chunk waits for
     * {@code wait}, the others follow it in order. Returns {@code null} for an empty array.
     */
    private ClEvent copyOffHeap(Buffer b, MemorySegment segment, boolean toDevice, OffHeapArray what, List<cl_event> wait) {
        long bytes = segment.byteSize();
        if (bytes == 0) return null;
        cl_command_queue q = copyQueue();
        cl_event first = null;
        cl_event last = null;
        String description = "copying " + what + (toDevice ? " to the device" : " back to the host");
        try {
            for (long off = 0; off < bytes; off += MAX_COPY_CHUNK) {
                long n = Math.min(MAX_COPY_CHUNK, bytes - off);
                Pointer host = Pointer.to(segment.asSlice(off, n).asByteBuffer());
                cl_event ev = new cl_event();
                int waits = off == 0 ? wait.size() : 0;
                cl_event[] list = off == 0 ? array(wait) : null;
                if (toDevice) {
                    CL.clEnqueueWriteBuffer(q, b.mem, false, off, n, host, waits, list, ev);
                } else {
                    CL.clEnqueueReadBuffer(q, b.mem, false, off, n, host, waits, list, ev);
                }
                OpenClResources.created(OpenClResources.Kind.EVENT);
                if (first == null) first = ev;
                else if (last != first) releaseEvent(last); // a middle chunk: the first and the last tell everything
                last = ev;
            }
        } catch (CLException e) {
            if (first != null) {
                // the chunks already enqueued use host memory that must outlive them
                CL.clFinish(q);
                releaseEvent(first);
                if (last != first) releaseEvent(last);
            }
            throw new KilnException(description + " on " + runtime.device() + " failed"
                    + (toDevice ? "" : " (a kernel before it may have failed)") + ": " + ClInfo.error(e), e);
        }
        return track(description, true, first, last);
    }

    private Buffer allocate(ElementType et, long length, boolean offHeap) {
        // OpenCL cannot allocate 0 bytes: an empty array gets one element, and the kernel is told length 0.
        long bytes = Math.max(1, length) * et.bytes();
        if (bytes > runtime.maxAllocation()) {
            throw new KilnException("a " + (offHeap ? offHeapName(et) : et.javaName()) + "[" + length + "] needs " + bytes
                    + " bytes, more than the largest single allocation " + runtime.device() + " allows (" + runtime.maxAllocation()
                    + " bytes): split the data or use another device");
        }
        cl_mem mem;
        try {
            mem = CL.clCreateBuffer(runtime.context(), CL.CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            throw new KilnException("allocating " + bytes + " bytes on " + runtime.device() + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.MEM);
        return new Buffer(mem, length, et, offHeap);
    }

    private static void releaseBuffer(Buffer b) {
        try {
            CL.clReleaseMemObject(b.mem);
        } finally {
            OpenClResources.released(OpenClResources.Kind.MEM);
        }
    }

    /** The device copy of an off-heap array that must already be there, with the same length. */
    private Buffer existingCopy(OffHeapArray data, long length) {
        Buffer b = buffers.get(data);
        if (b == null) {
            throw new IllegalStateException("a " + data + " has no copy on " + runtime.device().id()
                    + ": it was never copied there (call toDevice first)");
        }
        if (b.length != length) {
            throw new IllegalStateException("the device copy of " + data + " has " + b.length + " elements, the array " + length);
        }
        return b;
    }

    /** {@code FloatArray} for {@link ElementType#FLOAT}: the off-heap type's simple name. */
    static String offHeapName(ElementType et) {
        String n = et.javaName();
        return Character.toUpperCase(n.charAt(0)) + n.substring(1) + "Array";
    }

    @Override
    public DeviceEvent enqueueToHost(Object data, List<DeviceEvent> after) {
        checkOpen();
        sweep(); // first: a sweep releases the native events of finished commands, which the wait list must not hold
        List<cl_event> wait = waitList(after, data instanceof OffHeapArray);
        if (data instanceof OffHeapArray off) {
            MemorySegment segment = off.segment();
            Buffer b = existingCopy(off, off.length());
            if (segment.isReadOnly()) {
                throw new IllegalArgumentException(off + " wraps a read-only segment: its device copy cannot be copied back into it");
            }
            b.readHazards(wait);
            ClEvent e = copyOffHeap(b, segment, false, off, wait);
            if (e == null) return DeviceEvent.COMPLETE;
            b.read(e, true);
            return e;
        }
        ElementType et = elementOf(data);
        Buffer b = buffers.get(data);
        if (b == null) {
            throw new IllegalStateException("a " + et.javaName() + "[] has no copy on " + runtime.device().id()
                    + ": it was never copied there (call toDevice first)");
        }
        int length = Array.getLength(data);
        if (length != b.length) {
            throw new IllegalStateException("the device copy of a " + et.javaName() + "[] has " + b.length + " elements, the array "
                    + length);
        }
        b.readHazards(wait);
        if (length > 0) {
            try {
                CL.clEnqueueReadBuffer(compute, b.mem, true, 0, (long) length * et.bytes(), pointer(data), wait.size(), array(wait), null);
            } catch (CLException e) {
                throw new KilnException("copying a " + et.javaName() + "[" + length + "] back from " + runtime.device()
                        + " failed (a kernel before it may have failed): " + ClInfo.error(e), e);
            }
        }
        computeDone();
        return DeviceEvent.COMPLETE;
    }

    // ------------------------------------------------------------ launches

    @Override
    public DeviceEvent enqueueLaunch(CompiledKernel compiled, Object[] args, LaunchGeometry geometry, List<DeviceEvent> after) {
        checkOpen();
        if (!(compiled instanceof OpenClCompiledKernel k) || k.runtime() != runtime) {
            throw new IllegalArgumentException("kernel " + compiled + " was not built for " + runtime.device().id());
        }
        KernelIR ir = k.ir();
        LaunchState st = launches.get(k);
        if (st == null) launches.put(k, st = new LaunchState(ir, argumentCount(ir)));
        sweep(); // first: a sweep releases the native events of finished commands, which the wait list must not hold
        List<cl_event> wait = waitList(after, false);
        long[][] range = range(st, ir, geometry);
        // arguments as LaunchRules passed them: exactly boxed scalars, arrays of the parameter's type
        Object[] values = st.values;
        int v = 0, nReads = 0, nWrites = 0;
        boolean offHeapArgs = false;
        for (Param p : ir.params()) {
            Object arg = args[p.index()];
            switch (p) {
                case Param.Scalar s -> values[v++] = scalar(ir, s, arg);
                case Param.Array a -> {
                    Buffer b = arrayArgument(ir, a, arg);
                    offHeapArgs |= b.offHeap;
                    values[v++] = b.mem;
                    // the kernel ABI: (buffer, int length) for a Java array, (buffer, long length) for an off-heap array
                    values[v++] = b.offHeap ? (Object) b.length : (Object) (int) b.length;
                    if (a.access().writes()) {
                        b.writeHazards(wait);
                        st.writes[nWrites++] = b;
                    } else if (a.access().reads()) {
                        b.readHazards(wait);
                        st.reads[nReads++] = b;
                    }
                }
                case Param.Context c -> {
                }
            }
        }
        if (range == null) {
            return DeviceEvent.COMPLETE; // an empty iteration space: nothing to run
        }
        // A native event only where it is needed: for timestamps, to wait on the device for another
        // queue (an off-heap argument: its copies run on the copy queue), to report a failure of what it
        // waits for, and every 64th launch so that isComplete() can see progress without clFinish.
        // A checked launch is tracked by the read of its error record enqueued after it (trackChecked).
        boolean checked = st.checked;
        if (checked) values[v] = boundsRecord(); // the last kernel parameter, kiln_err
        boolean prints = st.prints;
        if (prints) values[checked ? v + 1 : v] = printBuffer(geometry.printing().bufferBytes()); // kiln_print, after kiln_err
        boolean evented = recordTimestamps || offHeapArgs || !wait.isEmpty() || lazyRun >= 63;
        // a checked launch's native event, where needed, is its record read's (trackChecked); the launch
        // itself keeps one only for its timestamps and for a failure of what it waits for
        boolean launchEvent = checked ? recordTimestamps || !wait.isEmpty() : evented;
        cl_event ev = launchEvent ? new cl_event() : null;
        synchronized (k.lock()) {
            cl_kernel kernel = k.kernel();
            try {
                Object[] set = k.argumentsSetBy(this);
                for (int i = 0; i < values.length; i++) {
                    Object x = values[i];
                    Object old = set[i];
                    if (old == x || (old != null && !(x instanceof cl_mem) && old.equals(x))) continue;
                    set[i] = null; // unknown until clSetKernelArg succeeded
                    setArg(kernel, i, x, st.kinds[i]);
                    set[i] = x;
                }
                CL.clEnqueueNDRangeKernel(compute, kernel, range[0].length, null, range[0], range[1], wait.size(), array(wait), ev);
            } catch (CLException e) {
                throw new KilnException("launching " + ir.displayName() + " on " + runtime.device() + " with global size "
                        + Arrays.toString(range[0]) + (range[1] == null ? "" : " and local size " + Arrays.toString(range[1]))
                        + " failed: " + ClInfo.error(e), e);
            }
        }
        long seq = ++issuedCompute;
        ClEvent e;
        if (launchEvent) OpenClResources.created(OpenClResources.Kind.EVENT);
        if (checked) {
            e = trackChecked(ir, st.what, ev, evented);
            if (evented) lazyRun = 0;
            else lazyRun++;
        } else if (evented) {
            e = new ClEvent(st.what, false, seq, ev, ev);
            pendingCompute.addLast(e);
            lazyRun = 0;
        } else {
            e = new ClEvent(st.what, false, seq, null, null);
            lazyRun++;
        }
        for (int i = 0; i < nReads; i++) st.reads[i].read(e, false);
        for (int i = 0; i < nWrites; i++) st.writes[i].wrote(e);
        if (prints) deliverPrints(ir, geometry.printing());
        return e;
    }

    /** Kernel arguments of {@code ir}: one per scalar, two per array (the buffer and its length). */
    static int argumentCount(KernelIR ir) {
        int n = 0;
        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar) n++;
            else if (p instanceof Param.Array) n += 2;
        }
        if (io.kiln.compiler.BoundsChecks.hasChecks(ir)) n++;
        return io.kiln.spi.PrintBuffer.prints(ir) ? n + 1 : n;
    }

    /** The NDRange for {@code geometry}, derived again only when it differs from the last launch's. */
    private long[][] range(LaunchState st, KernelIR ir, LaunchGeometry geometry) {
        long[] sizes = geometry.sizes();
        long[] local = geometry.local();
        if (st.sizes != null && Arrays.equals(st.sizes, sizes) && Arrays.equals(st.local, local)) return st.range;
        long[] s = sizes, l = local;
        if (!ir.reductions().isEmpty()) {
            long[][] adjusted = reductionShape(s, l, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
            s = adjusted[0];
            l = adjusted[1];
        }
        long[][] range = ndRange(ir.kind(), s, l, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
        st.sizes = sizes.clone();
        st.local = local == null ? null : local.clone();
        st.range = range;
        return range;
    }

    /**
     * The device copy passed for array parameter {@code a}. That the argument has the parameter's type
     * is a launch rule the plan checked ({@code LaunchRules}); what only the session knows is whether the
     * array has a device copy, and the copy's element type is checked again because a kernel that read a
     * {@code byte} buffer as {@code float}s would read past its end.
     */
    private Buffer arrayArgument(KernelIR ir, Param.Array a, Object arg) {
        Buffer b = buffers.get(arg);
        if (b == null) {
            if (a.array().isOffHeap() != (arg instanceof OffHeapArray)) {
                ElementType want = a.array().element();
                throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' was compiled for a "
                        + (a.array().isOffHeap() ? offHeapName(want) : want.javaName() + "[]") + ", the argument is "
                        + (arg == null ? "null" : "a " + arg.getClass().getSimpleName()) + ": pass the same kind of array the kernel method declares");
            }
            throw new IllegalStateException(ir.displayName() + ": the array passed as '" + a.name() + "' is not on "
                    + runtime.device().id() + " (call toDevice first)");
        }
        if (b.element != a.array().element() || b.offHeap != a.array().isOffHeap()) {
            ElementType want = a.array().element();
            if (b.offHeap != a.array().isOffHeap()) {
                throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' was compiled for a "
                        + (a.array().isOffHeap() ? offHeapName(want) : want.javaName() + "[]") + ", the argument is a "
                        + arg.getClass().getSimpleName() + ": pass the same kind of array the kernel method declares");
            }
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' is a "
                    + (a.array().isOffHeap() ? offHeapName(want) : want.javaName() + "[]") + ", the argument a "
                    + (b.offHeap ? offHeapName(b.element) : b.element.javaName() + "[]"));
        }
        return b;
    }

    /**
     * The value of a scalar kernel argument: the boxed value itself for {@code int}, {@code long},
     * {@code float} and {@code double} (the plan's launch rules pass exactly the parameter's boxed type),
     * an {@code Integer} for the types the kernel ABI widens to {@code int}. {@link #setArg} converts by
     * the parameter's kind, so a direct caller's {@code Integer} for a {@code float} is still passed as a
     * float, never as an int's bits.
     */
    private static Object scalar(KernelIR ir, Param.Scalar s, Object arg) {
        boolean fits = switch (s.kind()) {
            case BOOLEAN -> arg instanceof Boolean;
            case CHAR -> arg instanceof Character || arg instanceof Number;
            default -> arg instanceof Number;
        };
        if (!fits) {
            // the plan's launch rules refuse this with the task's name; this guards direct callers of the session
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + s.name() + "' is a "
                    + s.kind().name().toLowerCase(java.util.Locale.ROOT) + ", the argument is "
                    + (arg == null ? "null" : arg.getClass().getSimpleName() + " " + arg) + ": pass its boxed type");
        }
        return switch (s.kind()) {
            case INT, LONG, FLOAT, DOUBLE -> arg;
            case BOOLEAN -> Boolean.TRUE.equals(arg) ? 1 : 0;
            case CHAR -> arg instanceof Character c ? (int) c : arg;
            case BYTE, SHORT -> arg instanceof Number n ? n.intValue() : arg;
        };
    }

    private static void setArg(cl_kernel kernel, int index, Object value, ScalarKind kind) {
        if (value instanceof cl_mem m) {
            CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(m));
            return;
        }
        Number n = (Number) value; // scalar() let only numbers through
        switch (kind) {
            case LONG -> CL.clSetKernelArg(kernel, index, Sizeof.cl_long, Pointer.to(new long[] {n.longValue()}));
            case FLOAT -> CL.clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {n.floatValue()}));
            case DOUBLE -> CL.clSetKernelArg(kernel, index, Sizeof.cl_double, Pointer.to(new double[] {n.doubleValue()}));
            default -> CL.clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {n.intValue()}));
        }
    }

    /**
     * The launch shape of a {@code @Reduce} kernel: work-groups of a power of two up to
     * {@link OpenClEmitter#REDUCTION_GROUP} work-items along dimension 0 (the group combines its
     * partials in local memory), and dimension 0 capped so that each work-item accumulates several
     * iterations and few groups combine atomically.
     */
    static long[][] reductionShape(long[] sizes, long[] local, int computeUnits, long maxWorkGroupSize) {
        long[] s = sizes.clone();
        long[] l;
        if (local == null) {
            long g = 1;
            while (g * 2 <= Math.min(OpenClEmitter.REDUCTION_GROUP, maxWorkGroupSize)) g *= 2;
            l = new long[s.length];
            java.util.Arrays.fill(l, 1);
            l[0] = g;
        } else {
            long product = 1;
            for (long x : local) product *= x;
            if (product > OpenClEmitter.REDUCTION_GROUP) {
                throw new IllegalArgumentException("a @Reduce kernel runs in work-groups of at most " + OpenClEmitter.REDUCTION_GROUP
                        + " work-items; the requested local size " + java.util.Arrays.toString(local) + " has " + product);
            }
            l = local.clone();
        }
        long cap = l[0] * Math.max(1, computeUnits) * 16L;
        if (s.length > 0 && (s[0] < 0 || s[0] > cap)) s[0] = cap;
        return new long[][] {s, l};
    }

    /**
     * The NDRange of a launch: {@code {global, local}} ({@code local} may be {@code null}), or
     * {@code null} when there is nothing to run. For {@code @Parallel} kernels each dimension's size is
     * its trip count ({@code -1}: {@code computeUnits * 64} for dimension 0, 16 for the others), capped
     * at {@link #MAX_PARALLEL_SIZE} and rounded up to the local size; the kernel's grid-stride loops
     * make any size correct. Work-item kernels get their grid exactly.
     * <p>The launch rules every back end shares (1 to 3 dimensions, one positive local size per
     * dimension or loop, whole work-groups) were checked by the plan ({@code Grid}, {@code LaunchRules});
     * what is left here is this device's own limit, its largest work-group.
     */
    static long[][] ndRange(KernelKind kind, long[] sizes, long[] local, int computeUnits, long maxWorkGroupSize) {
        long[] global;
        switch (kind) {
            case SINGLE -> {
                return new long[][] {{1}, null};
            }
            case LOOP_PARALLEL -> {
                if (sizes == null || sizes.length == 0) return new long[][] {{1}, null};
                if (local == null) local = defaultParallelLocal(sizes.length, maxWorkGroupSize);
                global = new long[sizes.length];
                for (int d = 0; d < sizes.length; d++) {
                    long s = sizes[d];
                    if (s == 0) return null;
                    if (s < 0) s = d == 0 ? Math.max(1, computeUnits) * 64L : 16;
                    s = Math.min(s, MAX_PARALLEL_SIZE);
                    if (local != null) s = (s + local[d] - 1) / local[d] * local[d];
                    global[d] = s;
                }
            }
            case WORK_ITEM -> {
                global = sizes.clone();
                for (long g : global) {
                    if (g == 0) return null;
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        if (local != null) {
            long product = 1;
            for (long l : local) product *= l;
            if (product > maxWorkGroupSize) {
                throw new IllegalArgumentException("the work-group size " + Arrays.toString(local) + " has " + product
                        + " work-items; this device allows at most " + maxWorkGroupSize + " per group: choose a smaller local size");
            }
        }
        return new long[][] {global, local == null ? null : local.clone()};
    }

    /**
     * The work-group size of a {@code @Parallel} launch without one: 64 work-items, spread over the
     * dimensions with the innermost loop widest. A fixed size matters on PoCL, which compiles a kernel
     * again for every new work-group size it picks itself (about 0.1-0.2 s each); the grid-stride loops
     * make the rounded-up global size harmless.
     */
    static long[] defaultParallelLocal(int dims, long maxWorkGroupSize) {
        long[] local = switch (dims) {
            case 1 -> new long[] {64};
            case 2 -> new long[] {4, 16};
            default -> new long[] {2, 4, 8};
        };
        return maxWorkGroupSize >= 64 ? local : null;
    }

    // ------------------------------------------------------------ printf (io.kiln.spi.PrintBuffer)

    /** This session's print buffer, allocated on the first launch of a kernel that prints, and its size. */
    private cl_mem printBuffer;
    private int printBufferBytes;

    /** The print buffer of {@code bytes} to pass to a launch, its header reset on the compute queue before it. */
    private cl_mem printBuffer(int bytes) {
        if (printBuffer != null && printBufferBytes != bytes) releasePrintBuffer();
        if (printBuffer == null) {
            try {
                printBuffer = CL.clCreateBuffer(runtime.context(), CL.CL_MEM_READ_WRITE, bytes, null, null);
            } catch (CLException e) {
                throw new KilnException("allocating the print buffer of " + bytes + " bytes on " + runtime.device() + " failed: "
                        + ClInfo.error(e) + "; choose a smaller one with plan.withPrintBuffer(bytes)", e);
            }
            OpenClResources.created(OpenClResources.Kind.MEM);
            printBufferBytes = bytes;
        }
        int[] header = io.kiln.spi.PrintBuffer.header(bytes);
        CL.clEnqueueWriteBuffer(compute, printBuffer, true, 0, header.length * 4L, Pointer.to(header), 0, null, null);
        return printBuffer;
    }

    /**
     * Reads the print buffer back after the launch just enqueued (a blocking read on the in-order compute
     * queue: printing kernels are for debugging, and their output comes out in launch order) and hands
     * its records to the sink: the header first, then only the words the launch wrote.
     */
    private void deliverPrints(KernelIR ir, io.kiln.spi.Printing printing) {
        int[] header = new int[io.kiln.spi.PrintBuffer.HEADER_INTS];
        try {
            CL.clEnqueueReadBuffer(compute, printBuffer, true, 0, header.length * 4L, Pointer.to(header), 0, null, null);
            int used = Math.max(0, Math.min(header[io.kiln.spi.PrintBuffer.CURSOR], header[io.kiln.spi.PrintBuffer.CAPACITY]));
            int[] all = new int[header.length + used];
            System.arraycopy(header, 0, all, 0, header.length);
            if (used > 0) {
                int[] data = new int[used];
                CL.clEnqueueReadBuffer(compute, printBuffer, true, header.length * 4L, used * 4L, Pointer.to(data), 0, null, null);
                System.arraycopy(data, 0, all, header.length, used);
            }
            computeDone();
            io.kiln.spi.PrintBuffer.deliver(ir, all, printing);
        } catch (CLException e) {
            throw new KilnException("reading the printf output of " + ir.displayName() + " from " + runtime.device()
                    + " failed (the kernel may have failed): " + ClInfo.error(e), e);
        }
    }

    private void releasePrintBuffer() {
        if (printBuffer == null) return;
        try {
            CL.clReleaseMemObject(printBuffer);
        } finally {
            OpenClResources.released(OpenClResources.Kind.MEM);
            printBuffer = null;
        }
    }

    // ------------------------------------------------------------ bounds checks (engineer A2)

    /** The launch of a kernel with bounds checks and the copy of its error record read back after it. */
    private record BoundsRead(KernelIR ir, ClEvent event, java.nio.ByteBuffer record) {}

    /** Zeros for the error record (never written, so that non-blocking writes may read it at any time). */
    private static final java.nio.ByteBuffer ZERO_RECORD = java.nio.ByteBuffer.allocateDirect(io.kiln.compiler.BoundsChecks.RECORD_INTS * 4);

    /** This session's error record ({@link io.kiln.compiler.BoundsChecks}), allocated on the first checked launch. */
    private cl_mem boundsRecord;
    /** Whether the record holds a violation already reported: zeroed before the next checked launch. */
    private boolean boundsRecordDirty;
    /** Checked launches whose record the host has not looked at yet, in launch order. */
    private final ArrayDeque<BoundsRead> boundsReads = new ArrayDeque<>();

    /** The error record to pass to a checked launch, zeroed (on the compute queue, before it) when needed. */
    private cl_mem boundsRecord() {
        int bytes = io.kiln.compiler.BoundsChecks.RECORD_INTS * 4;
        if (boundsRecord == null) {
            try {
                boundsRecord = CL.clCreateBuffer(runtime.context(), CL.CL_MEM_READ_WRITE | CL.CL_MEM_COPY_HOST_PTR, bytes,
                        Pointer.to(new int[io.kiln.compiler.BoundsChecks.RECORD_INTS]), null);
            } catch (CLException e) {
                throw new KilnException("allocating the bounds-check record on " + runtime.device() + " failed: " + ClInfo.error(e), e);
            }
            OpenClResources.created(OpenClResources.Kind.MEM);
        } else if (boundsRecordDirty) {
            CL.clEnqueueWriteBuffer(compute, boundsRecord, false, 0, bytes, Pointer.to(ZERO_RECORD), 0, null, null);
            boundsRecordDirty = false;
        }
        return boundsRecord;
    }

    /**
     * Tracks checked launch number {@code seq} together with a non-blocking read of the error record
     * enqueued right after it: the launch's event completes when the record is on the host, and the host
     * looks at it when it waits anyway ({@link #checkBounds()}), so checks add no blocking call per launch.
     * The read always has a native event (the launch itself only where {@code ev} is not {@code null}):
     * the run must read the record before it returns, even on the fast path without launch events.
     */
    private ClEvent trackChecked(KernelIR ir, String what, cl_event ev, boolean evented) {
        java.nio.ByteBuffer host = java.nio.ByteBuffer.allocateDirect(io.kiln.compiler.BoundsChecks.RECORD_INTS * 4)
                .order(java.nio.ByteOrder.nativeOrder());
        cl_event read = evented ? new cl_event() : null;
        try {
            CL.clEnqueueReadBuffer(compute, boundsRecord, false, 0, host.capacity(), Pointer.to(host), 0, null, read);
        } catch (CLException e) {
            if (ev != null) {
                waitQuietly(ev);
                releaseEvent(ev);
            }
            finishCompute(null);
            throw new KilnException("reading the bounds-check record of " + ir.displayName() + " on " + runtime.device()
                    + " failed: " + ClInfo.error(e), e);
        }
        long seq = ++issuedCompute; // the read's position: complete there means the launch and its record are
        ClEvent e;
        if (read != null) {
            OpenClResources.created(OpenClResources.Kind.EVENT);
            e = new ClEvent(what, false, seq, ev == null ? read : ev, read);
            pendingCompute.addLast(e);
        } else {
            if (ev != null) {
                waitQuietly(ev); // not reached: a launch event implies a read event (waits or timestamps)
                releaseEvent(ev);
            }
            e = new ClEvent(what, false, seq, null, null);
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
    private void checkBounds() {
        while (!boundsReads.isEmpty()) {
            BoundsRead r = boundsReads.peekFirst();
            if (!r.event().seenComplete()) return; // not settled by this wait: a later one looks
            boundsReads.removeFirst();
            r.event().boundsUnseen = false;
            int[] record = new int[io.kiln.compiler.BoundsChecks.RECORD_INTS];
            r.record().asIntBuffer().get(record);
            RuntimeException failure = io.kiln.compiler.BoundsChecks.failure(r.ir(), record, runtime.device().id());
            if (failure != null) {
                // later launches read the same, already reported record
                for (BoundsRead later : boundsReads) later.event().boundsUnseen = false;
                boundsReads.clear();
                boundsRecordDirty = true;
                throw failure;
            }
        }
    }

    private void releaseBoundsRecord() {
        for (BoundsRead r : boundsReads) r.event().boundsUnseen = false;
        boundsReads.clear();
        if (boundsRecord == null) return;
        try {
            CL.clReleaseMemObject(boundsRecord);
        } finally {
            boundsRecord = null;
            OpenClResources.released(OpenClResources.Kind.MEM);
        }
    }

    // ------------------------------------------------------------ waiting and releasing

    @Override
    public void await(List<DeviceEvent> events) {
        checkOpen();
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
        checkBounds();
    }

    @Override
    public void finish() {
        checkOpen();
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
        checkBounds();
    }

    @Override
    public void release(Object array) {
        Buffer b = buffers.remove(array);
        if (b != null) releaseBuffer(b); // OpenCL frees it once the commands that use it have finished
    }

    /** Number of arrays with a device copy in this session. */
    int bufferCount() {
        return buffers.size();
    }

    /** Number of commands whose native events are still held (not yet seen complete). */
    int pendingEvents() {
        return pendingCompute.size() + pendingCopy.size();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
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
        for (Map.Entry<Object, Buffer> e : buffers.entrySet()) {
            try {
                releaseBuffer(e.getValue());
            } catch (RuntimeException ex) {
                if (failure == null) failure = ex;
            }
        }
        buffers.clear();
        launches.clear();
        try {
            releaseBoundsRecord();
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        }
        try {
            releasePrintBuffer();
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        }
        for (cl_command_queue q : copy == null ? List.of(compute) : List.of(compute, copy)) {
            try {
                CL.clReleaseCommandQueue(q);
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            } finally {
                OpenClResources.released(OpenClResources.Kind.QUEUE);
            }
        }
        if (failure != null) {
            throw new KilnException("releasing the OpenCL session on " + runtime.device() + " failed: " + failure.getMessage(), failure);
        }
    }
}

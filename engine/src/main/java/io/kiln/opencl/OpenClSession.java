package io.kiln.opencl;

import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
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
            add(into, lastWrite);
        }

        /** What a command that writes the buffer must wait for. */
        void writeHazards(List<cl_event> into) {
            add(into, lastWrite);
            add(into, lastComputeRead);
            add(into, lastCopyRead);
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

        private static void add(List<cl_event> into, ClEvent e) {
            cl_event native_ = e == null ? null : e.pendingLast();
            if (native_ != null && !into.contains(native_)) into.add(native_);
        }
    }

    /**
     * One enqueued command: its first and last {@code cl_event} (a copy over 1 GiB is several chunks in
     * order on one queue) until it is seen complete, then its status and timestamps.
     */
    final class ClEvent implements DeviceEvent {
        private final String what;
        private final boolean onCopyQueue;
        private cl_event first;
        private cl_event last;
        /** {@code CL_COMPLETE} (0) or a negative OpenCL error once settled. */
        private int status = 1;
        private long[] timestamps;
        private boolean reported;

        ClEvent(String what, boolean onCopyQueue, cl_event first, cl_event last) {
            this.what = what;
            this.onCopyQueue = onCopyQueue;
            this.first = first;
            this.last = last;
        }

        /** The native event later commands wait for, or {@code null} once complete. */
        cl_event pendingLast() {
            return last;
        }

        OpenClSession session() {
            return OpenClSession.this;
        }

        @Override
        public synchronized boolean isComplete() {
            if (last == null) return true;
            if (executionStatus(last) > CL.CL_COMPLETE && executionStatus(first) >= CL.CL_COMPLETE) return false;
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
         * Waits for the command, reads its status and profiling timestamps, and releases its native
         * event(s). Idempotent.
         */
        synchronized void settle() {
            if (last == null) return;
            try {
                waitQuietly(last);
                int s = executionStatus(first);
                if (s >= 0) s = executionStatus(last);
                status = Math.min(s, CL.CL_COMPLETE);
                if (status == CL.CL_COMPLETE) {
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
            if (status < 0) failures.add(this);
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
            return what + (last != null ? " (pending)" : status == 0 ? " (complete)" : " (failed: " + CL.stringFor_errorCode(status) + ")");
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

    /** Waits for {@code e}; a failed event's status is read afterwards. */
    private static void waitQuietly(cl_event e) {
        try {
            CL.clWaitForEvents(1, new cl_event[] {e});
        } catch (CLException ignored) {
            // CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST: the status says which error
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
        for (ArrayDeque<ClEvent> q : List.of(pendingCompute, pendingCopy)) {
            while (!q.isEmpty() && q.peekFirst().isComplete()) q.removeFirst();
        }
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

    /** The native events of {@code after} still pending, checked to belong to this session. */
    private List<cl_event> waitList(List<DeviceEvent> after) {
        List<cl_event> list = new ArrayList<>();
        if (after == null) return list;
        for (DeviceEvent d : after) {
            if (d == null) throw new IllegalArgumentException("an event in the 'after' list is null");
            if (d == DeviceEvent.COMPLETE) continue;
            if (!(d instanceof ClEvent e) || e.session() != this) {
                throw new IllegalArgumentException("the event " + d + " was not made by this OpenCL session on " + runtime.device().id()
                        + ": commands can wait only for events of their own session");
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
        List<cl_event> wait = waitList(after);
        sweep();
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
        settleAll(pendingCompute);
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
        List<cl_event> wait = waitList(after);
        sweep();
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
        settleAll(pendingCompute);
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
        if (args.length != ir.params().size()) {
            throw new IllegalArgumentException(ir.displayName() + " takes " + ir.params().size() + " arguments, " + args.length + " were given");
        }
        List<cl_event> wait = waitList(after);
        sweep();
        long[] sizes = geometry.sizes();
        long[] local = geometry.local();
        if (!ir.reductions().isEmpty()) {
            long[][] adjusted = reductionShape(sizes, local, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
            sizes = adjusted[0];
            local = adjusted[1];
        }
        long[][] range = ndRange(ir.kind(), sizes, local, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
        List<Object> values = new ArrayList<>();
        List<Buffer> reads = new ArrayList<>();
        List<Buffer> writes = new ArrayList<>();
        for (Param p : ir.params()) {
            Object arg = args[p.index()];
            switch (p) {
                case Param.Scalar s -> values.add(scalar(ir, s, arg));
                case Param.Array a -> {
                    Buffer b = arrayArgument(ir, a, arg);
                    values.add(b.mem);
                    // the kernel ABI: (buffer, int length) for a Java array, (buffer, long length) for an off-heap array
                    values.add(b.offHeap ? (Object) b.length : (Object) (int) b.length);
                    if (a.access().writes()) {
                        b.writeHazards(wait);
                        writes.add(b);
                    } else if (a.access().reads()) {
                        b.readHazards(wait);
                        reads.add(b);
                    }
                }
                case Param.Context c -> {
                    if (arg != null && !(arg instanceof KernelContext)) {
                        throw new IllegalArgumentException(ir.displayName() + ": parameter '" + c.name() + "' takes a KernelContext");
                    }
                }
            }
        }
        if (range == null) {
            return DeviceEvent.COMPLETE; // an empty iteration space: nothing to run
        }
        boolean checked = io.kiln.compiler.BoundsChecks.hasChecks(ir);
        if (checked) values.add(boundsRecord());
        cl_event ev = new cl_event();
        synchronized (k.lock()) {
            cl_kernel kernel = k.kernel();
            try {
                for (int i = 0; i < values.size(); i++) {
                    setArg(kernel, i, values.get(i));
                }
                CL.clEnqueueNDRangeKernel(compute, kernel, range[0].length, null, range[0], range[1], wait.size(), array(wait), ev);
            } catch (CLException e) {
                throw new KilnException("launching " + ir.displayName() + " on " + runtime.device() + " with global size "
                        + Arrays.toString(range[0]) + (range[1] == null ? "" : " and local size " + Arrays.toString(range[1]))
                        + " failed: " + ClInfo.error(e), e);
            }
        }
        OpenClResources.created(OpenClResources.Kind.EVENT);
        ClEvent e = checked ? trackChecked(ir, ev) : track("running " + ir.displayName(), false, ev, ev);
        for (Buffer b : reads) b.read(e, false);
        for (Buffer b : writes) b.wrote(e);
        return e;
    }

    /** The device copy passed for array parameter {@code a}, checked against what the kernel was compiled for. */
    private Buffer arrayArgument(KernelIR ir, Param.Array a, Object arg) {
        ElementType want = a.array().element();
        String wanted = a.array().isOffHeap() ? offHeapName(want) : want.javaName() + "[]";
        if (a.array().isOffHeap() != (arg instanceof OffHeapArray)) {
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' was compiled for a " + wanted
                    + ", the argument is " + (arg == null ? "null" : "a " + arg.getClass().getSimpleName())
                    + ": pass the same kind of array the kernel method declares");
        }
        if (arg instanceof OffHeapArray off) off.segment(); // a closed array: a clear IllegalStateException
        Buffer b = buffers.get(arg);
        if (b == null) {
            throw new IllegalStateException(ir.displayName() + ": the array passed as '" + a.name() + "' is not on "
                    + runtime.device().id() + " (call toDevice first)");
        }
        if (b.element != want) {
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' is a " + wanted
                    + ", the argument a " + (b.offHeap ? offHeapName(b.element) : b.element.javaName() + "[]"));
        }
        return b;
    }

    private static Object scalar(KernelIR ir, Param.Scalar s, Object arg) {
        try {
            return switch (s.kind()) {
                case BOOLEAN -> ((Boolean) arg) ? 1 : 0;
                case CHAR -> (int) (Character) arg;
                case BYTE, SHORT, INT -> ((Number) arg).intValue();
                case LONG -> ((Number) arg).longValue();
                case FLOAT -> ((Number) arg).floatValue();
                case DOUBLE -> ((Number) arg).doubleValue();
            };
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + s.name() + "' is a "
                    + s.kind().name().toLowerCase(java.util.Locale.ROOT) + ", the argument is "
                    + (arg == null ? "null" : arg.getClass().getSimpleName() + " " + arg));
        }
    }

    private static void setArg(cl_kernel kernel, int index, Object value) {
        switch (value) {
            case cl_mem m -> CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(m));
            case Integer i -> CL.clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {i}));
            case Long l -> CL.clSetKernelArg(kernel, index, Sizeof.cl_long, Pointer.to(new long[] {l}));
            case Float f -> CL.clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {f}));
            case Double d -> CL.clSetKernelArg(kernel, index, Sizeof.cl_double, Pointer.to(new double[] {d}));
            default -> throw new IllegalStateException("unexpected kernel argument " + value);
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
     */
    static long[][] ndRange(KernelKind kind, long[] sizes, long[] local, int computeUnits, long maxWorkGroupSize) {
        long[] global;
        switch (kind) {
            case SINGLE -> {
                return new long[][] {{1}, null};
            }
            case LOOP_PARALLEL -> {
                if (sizes == null || sizes.length == 0) return new long[][] {{1}, null};
                checkDims(sizes, local);
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
                if (sizes == null || sizes.length == 0) {
                    throw new IllegalArgumentException("a work-item kernel needs a grid of 1 to 3 dimensions");
                }
                checkDims(sizes, local);
                global = sizes.clone();
                for (int d = 0; d < global.length; d++) {
                    if (global[d] == 0) return null;
                    if (global[d] < 0) {
                        throw new IllegalArgumentException("global size " + global[d] + " in dimension " + d + " is negative");
                    }
                    if (local != null && global[d] % local[d] != 0) {
                        throw new IllegalArgumentException("the global size " + global[d] + " in dimension " + d
                                + " is not a multiple of the local size " + local[d] + ": OpenCL 1.2 requires whole work-groups. "
                                + "Round the grid up to " + ((global[d] + local[d] - 1) / local[d] * local[d])
                                + " and skip the extra work-items in the kernel (if (i >= n) return;)");
                    }
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        if (local != null) {
            long product = 1;
            for (long l : local) product *= l;
            if (product > maxWorkGroupSize) {
                throw new IllegalArgumentException("the work-group size " + Arrays.toString(local) + " has " + product
                        + " work-items; this device allows at most " + maxWorkGroupSize + " per group");
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

    private static void checkDims(long[] sizes, long[] local) {
        if (sizes.length > 3) {
            throw new IllegalArgumentException("OpenCL launches have 1 to 3 dimensions, this one has " + sizes.length);
        }
        if (local != null) {
            if (local.length != sizes.length) {
                throw new IllegalArgumentException("the local size has " + local.length + " dimension(s), the launch "
                        + sizes.length + ": give one local size per dimension");
            }
            for (int d = 0; d < local.length; d++) {
                if (local[d] <= 0) {
                    throw new IllegalArgumentException("local size " + local[d] + " in dimension " + d + " must be positive");
                }
            }
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
     * Tracks checked launch {@code ev} together with a non-blocking read of the error record enqueued right
     * after it: the launch's event completes when the record is on the host, and the host looks at it when it
     * waits anyway ({@link #checkBounds()}), so checks add no blocking call per launch.
     */
    private ClEvent trackChecked(KernelIR ir, cl_event ev) {
        java.nio.ByteBuffer host = java.nio.ByteBuffer.allocateDirect(io.kiln.compiler.BoundsChecks.RECORD_INTS * 4)
                .order(java.nio.ByteOrder.nativeOrder());
        cl_event read = new cl_event();
        try {
            CL.clEnqueueReadBuffer(compute, boundsRecord, false, 0, host.capacity(), Pointer.to(host), 0, null, read);
        } catch (CLException e) {
            waitQuietly(ev);
            releaseEvent(ev);
            throw new KilnException("reading the bounds-check record of " + ir.displayName() + " on " + runtime.device()
                    + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.EVENT);
        ClEvent e = track("running " + ir.displayName(), false, ev, read);
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
            if (!r.event().isComplete()) return;
            boundsReads.removeFirst();
            int[] record = new int[io.kiln.compiler.BoundsChecks.RECORD_INTS];
            r.record().asIntBuffer().get(record);
            io.kiln.KernelIndexOutOfBoundsException failure = io.kiln.compiler.BoundsChecks.failure(r.ir(), record, runtime.device().id());
            if (failure != null) {
                // later launches read the same, already reported record
                boundsReads.clear();
                boundsRecordDirty = true;
                throw failure;
            }
        }
    }

    private void releaseBoundsRecord() {
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
        waitList(events); // checks that they are ours
        KilnException failure = null;
        for (DeviceEvent d : events) {
            if (!(d instanceof ClEvent e)) continue;
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
        try {
            releaseBoundsRecord();
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

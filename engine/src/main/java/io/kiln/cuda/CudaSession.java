package io.kiln.cuda;

import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.KilnException;
import io.kiln.frontend.BoundsChecks;
import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.ptx.KernelSignature;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device side of one execution plan on a CUDA GPU: a compute stream, a copy stream beside it
 * (created on the first off-heap copy), and a device buffer per host array (found by identity).
 * <p><b>Java arrays</b> live on the garbage-collected heap, which DMA cannot read, so their copies go
 * through a page-locked staging buffer on the compute stream: {@code toDevice} returns once the data are
 * in the staging buffer (an event recorded after each upload tells when it may be overwritten), and
 * {@code toHost} waits. Both return {@link DeviceEvent#COMPLETE}.
 * <p><b>Off-heap arrays</b> are copied directly from their segment with {@code cuMemcpyHtoDAsync_v2} /
 * {@code cuMemcpyDtoHAsync_v2} on the copy stream; the copy is asynchronous (truly so when the memory
 * is pinned, see {@link CudaDevice#allocateHost}), and the host memory must stay open and untouched until
 * its event completes. Launches pass them as a {@code .u64} pointer and a {@code .s64} length.
 * <p><b>Ordering</b>: each command waits (with {@code cuStreamWaitEvent}, never blocking the host) for
 * its {@code after} events and, per device buffer, for the last command that wrote it (reads) or that
 * used it at all (writes), so a launch with no {@code after} still follows the copies of its arrays and an
 * off-heap upload never overwrites data a kernel still reads. Commands on one stream run in order.
 * <p><b>Events</b> are a pair of CUDA events recorded around the command; {@link DeviceEvent#timestamps()}
 * gives nanoseconds since the session opened (CUDA has no absolute device clock: {@code queued} equals
 * {@code start}). The CUDA events are destroyed as soon as the session sees the command complete.
 * <p><b>Bounds checks</b>: a kernel with checks ({@link BoundsChecks}) gets the device address of this
 * session's error record (32 bytes, allocated and zeroed on the first checked launch), and each checked
 * launch is followed on the compute stream by an asynchronous copy of the record into a page-locked
 * host record of its own. {@code await} and {@code finish} look at those copies in launch order and throw
 * a {@link KernelIndexOutOfBoundsException} for the first that records a violation, as OpenCL does.
 */
final class CudaSession implements DeviceSession {
    private final CudaDevice device;
    private final CudaDriver driver;
    private final MemorySegment stream;
    private MemorySegment copyStream;
    /** Recorded when the session opens: the zero of {@link DeviceEvent#timestamps()}. */
    private final MemorySegment origin;
    private final MemorySegment launchStart;
    private final MemorySegment launchEnd;
    private final Map<Object, Buffer> buffers = new IdentityHashMap<>();
    private final ArrayDeque<CudaEvent> pendingCompute = new ArrayDeque<>();
    private final ArrayDeque<CudaEvent> pendingCopy = new ArrayDeque<>();
    private final List<CudaEvent> failures = new ArrayList<>();
    private boolean launched;
    private boolean closed;
    /** The device error record of checked launches, 0 until the first one. */
    private long errorRecord;
    /** Page-locked zeros copied over the device record before the next checked launch after a violation. */
    private MemorySegment zeroRecord;
    /** Whether the device record holds a violation already reported. */
    private boolean errorRecordDirty;
    /** Checked launches whose host copy of the record has not been looked at, in launch order. */
    private final ArrayDeque<BoundsRead> boundsReads = new ArrayDeque<>();
    /** Page-locked host records free for the next checked launch (allocating pinned memory is slow). */
    private final ArrayDeque<MemorySegment> freeRecords = new ArrayDeque<>();

    /** A checked launch and the host record its error record is copied into after it. */
    private record BoundsRead(KernelIR ir, CudaEvent event, MemorySegment host) {}

    /** The device copy of one host array. */
    private static final class Buffer {
        final long bytes;
        final long length;
        final long device;
        /** Staging memory and its upload event, for Java arrays only ({@code null} for off-heap arrays). */
        final MemorySegment staging;
        final MemorySegment uploaded;
        final boolean offHeap;
        boolean uploadPending;
        CudaEvent lastWrite, lastComputeRead, lastCopyRead;

        Buffer(long bytes, long length, long device, MemorySegment staging, MemorySegment uploaded, boolean offHeap) {
            this.bytes = bytes;
            this.length = length;
            this.device = device;
            this.staging = staging;
            this.uploaded = uploaded;
            this.offHeap = offHeap;
        }

        void readHazards(List<CudaEvent> into) {
            add(into, lastWrite);
        }

        void writeHazards(List<CudaEvent> into) {
            add(into, lastWrite);
            add(into, lastComputeRead);
            add(into, lastCopyRead);
        }

        void wrote(CudaEvent e) {
            lastWrite = e;
            lastComputeRead = null;
            lastCopyRead = null;
        }

        void read(CudaEvent e, boolean onCopyStream) {
            if (onCopyStream) lastCopyRead = e;
            else lastComputeRead = e;
        }

        private static void add(List<CudaEvent> into, CudaEvent e) {
            if (e != null && e.end != null && !into.contains(e)) into.add(e);
        }
    }

    /** One command: CUDA events recorded before and after it, until it is seen complete. */
    final class CudaEvent implements DeviceEvent {
        private final String what;
        private final boolean onCopyStream;
        private MemorySegment start;
        private MemorySegment end;
        private long[] timestamps;
        private KilnException failure;
        private boolean reported;

        CudaEvent(String what, boolean onCopyStream, MemorySegment start, MemorySegment end) {
            this.what = what;
            this.onCopyStream = onCopyStream;
            this.start = start;
            this.end = end;
        }

        CudaSession session() {
            return CudaSession.this;
        }

        /**
         * A checked launch whose host record no wait has looked at yet: not complete for the engine until
         * then, so that the engine waits for it and the wait reports a violation.
         */
        private boolean boundsUnseen;

        @Override
        public boolean isComplete() {
            return done() && !boundsUnseen;
        }

        /** Whether the command has completed on the device, settling it if so (blind to an unseen record). */
        boolean done() {
            if (end == null) return true;
            device.makeCurrent();
            try {
                if (!driver.eventQuery(end)) return false;
            } catch (KilnException e) {
                // failed: settle records it
            }
            settle();
            return true;
        }

        @Override
        public long[] timestamps() {
            settle();
            return timestamps == null ? null : timestamps.clone();
        }

        /** Waits for the command, records its timing or failure, and destroys its CUDA events. Idempotent. */
        void settle() {
            if (end == null) return;
            device.makeCurrent();
            try {
                driver.eventSynchronize(end);
                long s = Math.round(driver.elapsedMillis(origin, start) * 1e6);
                long e = Math.round(driver.elapsedMillis(origin, end) * 1e6);
                timestamps = new long[] {s, s, e};
            } catch (KilnException e) {
                failure = new KilnException(what + " on " + device.device().id() + " failed on the device: " + e.getMessage(), e);
                failures.add(this);
            } finally {
                MemorySegment s = start, e = end;
                start = null;
                end = null;
                driver.eventDestroy(s);
                driver.eventDestroy(e);
            }
        }

        @Override
        public String toString() {
            return what + (end != null ? " (pending)" : failure == null ? " (complete)" : " (failed)");
        }
    }

    CudaSession(CudaDevice device) {
        this.device = device;
        this.driver = device.driver();
        this.stream = driver.streamCreate();
        this.launchStart = driver.eventCreate();
        this.launchEnd = driver.eventCreate();
        this.origin = driver.eventCreate();
        driver.eventRecord(origin, stream);
    }

    @Override
    public boolean copiesData() {
        return true;
    }

    private void open() {
        if (closed) throw new IllegalStateException("the CUDA session on " + device.device().id() + " is closed");
        device.makeCurrent();
    }

    private MemorySegment copyStream() {
        if (copyStream == null) copyStream = driver.streamCreate();
        return copyStream;
    }

    // ------------------------------------------------------------ events

    private List<CudaEvent> waitList(List<DeviceEvent> after) {
        List<CudaEvent> list = new ArrayList<>();
        if (after == null) return list;
        for (DeviceEvent d : after) {
            if (d == null) throw new IllegalArgumentException("an event in the 'after' list is null");
            if (d == DeviceEvent.COMPLETE) continue;
            if (!(d instanceof CudaEvent e) || e.session() != this) {
                throw new IllegalArgumentException("the event " + d + " was not made by this CUDA session on " + device.device().id()
                        + ": commands can wait only for events of their own session");
            }
            if (e.end != null && !list.contains(e)) list.add(e);
        }
        return list;
    }

    /** Makes {@code target} wait for {@code events} on the device (events of the same stream are already ordered). */
    private void waitOn(MemorySegment target, boolean targetIsCopy, List<CudaEvent> events) {
        for (CudaEvent e : events) {
            if (e.end != null && e.onCopyStream != targetIsCopy) driver.streamWaitEvent(target, e.end);
        }
    }

    /** Records the events around a command that {@code body} enqueues on {@code s}, and tracks them. */
    private CudaEvent record(String what, boolean onCopy, MemorySegment s, Runnable body) {
        MemorySegment start = driver.eventCreate();
        MemorySegment end;
        try {
            end = driver.eventCreate();
        } catch (RuntimeException e) {
            driver.eventDestroy(start);
            throw e;
        }
        try {
            driver.eventRecord(start, s);
            body.run();
            driver.eventRecord(end, s);
        } catch (RuntimeException e) {
            driver.streamSynchronize(s);
            driver.eventDestroy(start);
            driver.eventDestroy(end);
            throw e;
        }
        CudaEvent ev = new CudaEvent(what, onCopy, start, end);
        (onCopy ? pendingCopy : pendingCompute).addLast(ev);
        return ev;
    }

    private void sweep() {
        for (ArrayDeque<CudaEvent> q : List.of(pendingCompute, pendingCopy)) {
            while (!q.isEmpty() && q.peekFirst().done()) q.removeFirst();
        }
    }

    private static void settleAll(ArrayDeque<CudaEvent> q) {
        while (!q.isEmpty()) q.removeFirst().settle();
    }

    // ------------------------------------------------------------ buffers and copies

    private Buffer buffer(Object data) {
        Buffer b = buffers.get(data);
        long bytes = byteSize(data);
        if (b != null && b.bytes != bytes) {
            // the length changed: free the old copy once the work that uses it is done
            driver.streamSynchronize(stream);
            if (copyStream != null) driver.streamSynchronize(copyStream);
            buffers.remove(data);
            freeBuffer(b);
            b = null;
        }
        if (b == null) {
            boolean offHeap = data instanceof OffHeapArray;
            long length = offHeap ? ((OffHeapArray) data).length() : java.lang.reflect.Array.getLength(data);
            long dptr = driver.malloc(Math.max(1, bytes));
            MemorySegment staging = null;
            MemorySegment event = null;
            if (!offHeap) {
                try {
                    staging = driver.hostAlloc(Math.max(1, bytes));
                    event = driver.eventCreate();
                } catch (RuntimeException e) {
                    if (staging != null) driver.hostFree(staging);
                    driver.free(dptr);
                    throw e;
                }
            }
            b = new Buffer(bytes, length, dptr, staging, event, offHeap);
            buffers.put(data, b);
        }
        return b;
    }

    @Override
    public DeviceEvent enqueueToDevice(Object data, List<DeviceEvent> after) {
        open();
        List<CudaEvent> wait = waitList(after);
        sweep();
        if (data instanceof OffHeapArray off) {
            MemorySegment segment = off.segment(); // a closed array: a clear IllegalStateException
            Buffer b = buffer(off);
            if (b.bytes == 0) return DeviceEvent.COMPLETE;
            b.writeHazards(wait);
            MemorySegment cs = copyStream();
            waitOn(cs, true, wait);
            CudaEvent e = record("copying " + off + " to the device", true, cs,
                    () -> driver.copyToDeviceAsync(b.device, segment, b.bytes, cs));
            b.wrote(e);
            return e;
        }
        Buffer b = buffer(data);
        waitOn(stream, false, wait);
        if (b.uploadPending) {
            // the previous upload may still be reading the staging buffer
            driver.eventSynchronize(b.uploaded);
        }
        MemorySegment.copy(heapSegment(data), 0, b.staging, 0, b.bytes);
        if (b.bytes > 0) {
            driver.copyToDeviceAsync(b.device, b.staging, b.bytes, stream);
            driver.eventRecord(b.uploaded, stream);
            b.uploadPending = true;
        }
        return DeviceEvent.COMPLETE;
    }

    @Override
    public DeviceEvent enqueueToHost(Object data, List<DeviceEvent> after) {
        open();
        List<CudaEvent> wait = waitList(after);
        sweep();
        Buffer b = buffers.get(data);
        if (b == null) {
            throw new IllegalStateException("the array has no copy on " + device.device().id() + ": copy it there with toDevice first");
        }
        if (data instanceof OffHeapArray off) {
            MemorySegment segment = off.segment();
            if (segment.isReadOnly()) {
                throw new IllegalArgumentException(off + " wraps a read-only segment: its device copy cannot be copied back into it");
            }
            if (b.bytes == 0) return DeviceEvent.COMPLETE;
            b.readHazards(wait);
            MemorySegment cs = copyStream();
            waitOn(cs, true, wait);
            CudaEvent e = record("copying " + off + " back to the host", true, cs,
                    () -> driver.copyToHostAsync(segment, b.device, b.bytes, cs));
            b.read(e, true);
            return e;
        }
        waitOn(stream, false, wait);
        if (b.bytes > 0) driver.copyToHostAsync(b.staging, b.device, b.bytes, stream);
        driver.streamSynchronize(stream);
        settleAll(pendingCompute); // the stream is idle: everything before is complete
        b.uploadPending = false;
        MemorySegment.copy(b.staging, 0, heapSegment(data), 0, b.bytes);
        return DeviceEvent.COMPLETE;
    }

    // ------------------------------------------------------------ launches

    @Override
    public DeviceEvent enqueueLaunch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry, List<DeviceEvent> after) {
        open();
        if (!(kernel instanceof CudaKernel k) || k.device() != device) {
            throw new IllegalArgumentException("kernel " + kernel.ir().displayName() + " was not built for " + device.device().id());
        }
        List<CudaEvent> wait = waitList(after);
        sweep();
        KernelIR ir = k.ir();
        LaunchConfig config = LaunchConfig.of(ir, geometry, device.limits());
        long[] values;
        int[] sizes;
        List<Buffer> reads = new ArrayList<>();
        List<Buffer> writes = new ArrayList<>();
        if (hasOffHeapParams(ir)) {
            sizes = new int[k.signature().slots().size()];
            values = pack(ir, k.signature(), args, geometry.sizes(), sizes);
        } else {
            values = k.signature().pack(ir, args, array -> {
                Buffer b = buffers.get(array);
                if (b == null) {
                    throw new IllegalStateException("an array argument of " + ir.displayName() + " is not on " + device.device().id()
                            + ": copy it with toDevice first");
                }
                return b.device;
            }, geometry.sizes());
            sizes = null;
        }
        for (Param p : ir.params()) {
            if (p instanceof Param.Array a && buffers.get(args[a.index()]) instanceof Buffer b) {
                if (a.access().writes()) {
                    b.writeHazards(wait);
                    writes.add(b);
                } else if (a.access().reads()) {
                    b.readHazards(wait);
                    reads.add(b);
                }
            }
        }
        if (config == null) return DeviceEvent.COMPLETE;
        waitOn(stream, false, wait);
        KernelSignature.Slot errSlot = k.signature().errorRecordSlot();
        MemorySegment host = null;
        if (errSlot != null) {
            values[k.signature().slots().indexOf(errSlot)] = errorRecord(); // kiln_err, after the Java parameters
            host = freeRecords.isEmpty() ? driver.hostAlloc(RECORD_BYTES) : freeRecords.removeFirst();
        }
        KernelSignature.Slot printSlot = k.signature().printBufferSlot();
        if (printSlot != null) values[k.signature().slots().indexOf(printSlot)] = printBuffer(geometry.printing().bufferBytes());
        MemorySegment hostRecord = host;
        CudaEvent e;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = sizes == null ? CudaDriver.kernelParams(arena, k.signature(), values)
                    : CudaDriver.kernelParams(arena, sizes, values);
            driver.eventRecord(launchStart, stream);
            e = record("running " + ir.displayName(), false, stream, () -> {
                driver.launch(k.function(), config.grid(), config.block(), 0, stream, params);
                // inside the launch's events: the launch is complete for the engine once its record is on the host
                if (hostRecord != null) driver.copyToHostAsync(hostRecord, errorRecord, RECORD_BYTES, stream);
            });
            driver.eventRecord(launchEnd, stream);
            launched = true;
        } catch (RuntimeException failed) {
            if (hostRecord != null) freeRecords.addLast(hostRecord);
            throw failed;
        }
        if (hostRecord != null) {
            e.boundsUnseen = true;
            boundsReads.addLast(new BoundsRead(ir, e, hostRecord));
        }
        for (Buffer b : reads) b.read(e, false);
        for (Buffer b : writes) b.wrote(e);
        if (printSlot != null) deliverPrints(ir, geometry.printing());
        return e;
    }

    // ------------------------------------------------------------ printf (io.kiln.spi.PrintBuffer)

    /** The print buffer on the device and its size; a pinned host buffer for its header. */
    private long printBuffer;
    private int printBufferBytes;
    private MemorySegment printHeader;

    /** The print buffer of {@code bytes} for the next launch, its header reset on the stream before it. */
    private long printBuffer(int bytes) {
        int headerBytes = io.kiln.spi.PrintBuffer.HEADER_INTS * 4;
        if (printBuffer != 0 && printBufferBytes != bytes) {
            driver.streamSynchronize(stream);
            driver.free(printBuffer);
            printBuffer = 0;
        }
        if (printHeader == null) printHeader = driver.hostAlloc(headerBytes).reinterpret(headerBytes);
        if (printBuffer == 0) {
            printBuffer = driver.malloc(bytes);
            printBufferBytes = bytes;
        }
        driver.streamSynchronize(stream); // the pinned header may still be read by the previous reset
        int[] header = io.kiln.spi.PrintBuffer.header(bytes);
        MemorySegment.copy(header, 0, printHeader, java.lang.foreign.ValueLayout.JAVA_INT, 0, header.length);
        driver.copyToDeviceAsync(printBuffer, printHeader, headerBytes, stream);
        return printBuffer;
    }

    /**
     * Waits for the launch just issued and hands its printf records to the sink (printing kernels are for
     * debugging; their output comes out in launch order): the header first, then only the words written.
     */
    private void deliverPrints(KernelIR ir, io.kiln.spi.Printing printing) {
        int headerInts = io.kiln.spi.PrintBuffer.HEADER_INTS;
        driver.copyToHostAsync(printHeader, printBuffer, headerInts * 4L, stream);
        driver.streamSynchronize(stream);
        int[] header = printHeader.toArray(java.lang.foreign.ValueLayout.JAVA_INT);
        int used = Math.max(0, Math.min(header[io.kiln.spi.PrintBuffer.CURSOR], header[io.kiln.spi.PrintBuffer.CAPACITY]));
        int[] all = new int[headerInts + used];
        System.arraycopy(header, 0, all, 0, headerInts);
        if (used > 0) {
            MemorySegment data = driver.hostAlloc(used * 4L).reinterpret(used * 4L);
            try {
                driver.copyToHostAsync(data, printBuffer + headerInts * 4L, used * 4L, stream);
                driver.streamSynchronize(stream);
                MemorySegment.copy(data, java.lang.foreign.ValueLayout.JAVA_INT, 0, all, headerInts, used);
            } finally {
                driver.hostFree(data);
            }
        }
        io.kiln.spi.PrintBuffer.deliver(ir, all, printing);
    }

    /** Frees the print buffer and its host header (the streams are idle). */
    private void releasePrintBuffer() {
        if (printBuffer != 0) {
            driver.free(printBuffer);
            printBuffer = 0;
        }
        if (printHeader != null) {
            driver.hostFree(printHeader);
            printHeader = null;
        }
    }

    static boolean hasOffHeapParams(KernelIR ir) {
        for (Param p : ir.params()) {
            if (p instanceof Param.Array a && a.array().isOffHeap()) return true;
        }
        return false;
    }

    /**
     * Packs the arguments of a kernel with off-heap parameters per the kernel ABI: an off-heap array is
     * its device pointer ({@code .u64}) and its {@code long} length ({@code .s64}, 8 bytes whatever the
     * signature says), a Java array its pointer and {@code int} length. Fills {@code sizes} with each
     * parameter's byte size.
     */
    private long[] pack(KernelIR ir, KernelSignature sig, Object[] args, long[] gridSizes, int[] sizes) {
        // one argument per parameter, each of its parameter's type and open: the plan's launch rules (LaunchRules)
        long[] out = new long[sig.slots().size()];
        for (int i = 0; i < out.length; i++) {
            KernelSignature.Slot s = sig.slots().get(i);
            sizes[i] = s.type().bytes();
            switch (s.source()) {
                case GRID_SIZE -> out[i] = gridSizes != null && s.paramIndex() < gridSizes.length ? gridSizes[s.paramIndex()] : 1;
                case ARRAY_POINTER -> out[i] = arrayArgument(ir, (Param.Array) ir.params().get(s.paramIndex()), args[s.paramIndex()]).device;
                case ARRAY_LENGTH -> {
                    Param.Array a = (Param.Array) ir.params().get(s.paramIndex());
                    out[i] = arrayArgument(ir, a, args[s.paramIndex()]).length;
                    if (a.array().isOffHeap()) sizes[i] = 8;
                }
                case SCALAR -> out[i] = KernelSignature.scalarBits(ir, (Param.Scalar) ir.params().get(s.paramIndex()), args[s.paramIndex()]);
                case ERROR_RECORD, PRINT_BUFFER -> out[i] = 0; // set by enqueueLaunch, which owns the record and the buffer
            }
        }
        return out;
    }

    /**
     * The device copy passed for array parameter {@code a}. The storage and element checks stay here
     * although the plan's launch rules make them: a kernel reading a buffer as a wider element type would
     * read past its end, so direct callers of the session get them too.
     */
    private Buffer arrayArgument(KernelIR ir, Param.Array a, Object arg) {
        ElementType want = a.array().element();
        boolean offHeap = arg instanceof OffHeapArray;
        if (a.array().isOffHeap() != offHeap) {
            throw new IllegalArgumentException(ir.displayName() + ": argument " + a.index() + " ('" + a.name() + "') was compiled for "
                    + (a.array().isOffHeap() ? "an off-heap array" : "a " + want.javaName() + "[]") + ", but "
                    + (arg == null ? "null" : "a " + arg.getClass().getSimpleName()) + " was given: pass the kind the kernel declares");
        }
        ElementType got = offHeap ? ((OffHeapArray) arg).elementType() : ElementType.ofArrayClass(arg.getClass());
        if (got != want) {
            throw new IllegalArgumentException(ir.displayName() + ": argument " + a.index() + " ('" + a.name() + "') holds "
                    + want.javaName() + " elements, but a " + arg.getClass().getSimpleName() + " was given");
        }
        Buffer b = buffers.get(arg);
        if (b == null) {
            throw new IllegalStateException("an array argument of " + ir.displayName() + " is not on " + device.device().id()
                    + ": copy it with toDevice first");
        }
        return b;
    }

    /** Milliseconds the most recent launch took on the device (waits for it). */
    float lastLaunchMillis() {
        open();
        if (!launched) throw new IllegalStateException("nothing was launched in this session");
        driver.eventSynchronize(launchEnd);
        return driver.elapsedMillis(launchStart, launchEnd);
    }

    // ------------------------------------------------------------ waiting and releasing

    @Override
    public void await(List<DeviceEvent> events) {
        open();
        waitList(events);
        KilnException failure = null;
        for (DeviceEvent d : events) {
            if (!(d instanceof CudaEvent e)) continue;
            e.settle();
            if (e.failure != null) {
                e.reported = true;
                failures.remove(e);
                if (failure == null) failure = e.failure;
                else failure.addSuppressed(e.failure);
            }
        }
        if (failure != null) throw failure;
        checkBounds();
    }

    @Override
    public void finish() {
        open();
        KilnException streamFailure = null;
        for (MemorySegment s : copyStream == null ? List.of(stream) : List.of(stream, copyStream)) {
            try {
                driver.streamSynchronize(s);
            } catch (KilnException e) {
                if (streamFailure == null) {
                    streamFailure = new KilnException("a kernel or copy on " + device.device().id() + " failed: " + e.getMessage(), e);
                }
            }
        }
        settleAll(pendingCompute);
        settleAll(pendingCopy);
        for (Buffer b : buffers.values()) b.uploadPending = false;
        KilnException failure = null;
        for (CudaEvent e : failures) {
            if (e.reported) continue;
            if (failure == null) failure = e.failure;
            else failure.addSuppressed(e.failure);
        }
        failures.clear();
        if (failure != null) throw failure;
        if (streamFailure != null) throw streamFailure;
        checkBounds();
    }

    // ------------------------------------------------------------ bounds checks

    /** Bytes of the error record ({@link BoundsChecks#RECORD_INTS} ints). */
    static final int RECORD_BYTES = BoundsChecks.RECORD_INTS * 4;

    /**
     * The device address of the error record for the next checked launch: allocated and zeroed on the
     * first, zeroed again (on the compute stream, so before the launch) after a reported violation.
     */
    private long errorRecord() {
        if (errorRecord == 0) {
            zeroRecord = driver.hostAlloc(RECORD_BYTES);
            zeroRecord.reinterpret(RECORD_BYTES).fill((byte) 0);
            try {
                errorRecord = driver.malloc(RECORD_BYTES);
            } catch (RuntimeException e) {
                driver.hostFree(zeroRecord);
                zeroRecord = null;
                throw e;
            }
            errorRecordDirty = true;
        }
        if (errorRecordDirty) {
            driver.copyToDeviceAsync(errorRecord, zeroRecord, RECORD_BYTES, stream);
            errorRecordDirty = false;
        }
        return errorRecord;
    }

    /**
     * Looks at the host records of the checked launches whose events have completed, in launch order,
     * and throws for the first that records a violation: the device record stays set until zeroed, so
     * that is the launch that failed, and the later ones only read the same, already reported record.
     */
    private void checkBounds() {
        while (!boundsReads.isEmpty()) {
            BoundsRead r = boundsReads.peekFirst();
            // done() settles a launch that completed before the awaited one (one stream runs in order)
            if (!r.event().done()) return; // still running: a later wait looks
            boundsReads.removeFirst();
            r.event().boundsUnseen = false;
            int[] record = r.host().reinterpret(RECORD_BYTES).toArray(java.lang.foreign.ValueLayout.JAVA_INT);
            freeRecords.addLast(r.host());
            RuntimeException failure = BoundsChecks.failure(r.ir(), record, device.device().id());
            if (failure != null) {
                for (BoundsRead later : boundsReads) {
                    later.event().boundsUnseen = false;
                    freeRecords.addLast(later.host());
                }
                boundsReads.clear();
                errorRecordDirty = true;
                throw failure;
            }
        }
    }

    /** Frees the error record and the host records (the streams are idle). */
    private void releaseBoundsRecords() {
        for (BoundsRead r : boundsReads) {
            r.event().boundsUnseen = false;
            freeRecords.addLast(r.host());
        }
        boundsReads.clear();
        while (!freeRecords.isEmpty()) driver.hostFree(freeRecords.removeFirst());
        if (errorRecord != 0) {
            driver.free(errorRecord);
            errorRecord = 0;
        }
        if (zeroRecord != null) {
            driver.hostFree(zeroRecord);
            zeroRecord = null;
        }
    }

    @Override
    public void release(Object array) {
        open();
        Buffer b = buffers.remove(array);
        if (b == null) return;
        driver.streamSynchronize(stream);
        if (copyStream != null) driver.streamSynchronize(copyStream);
        freeBuffer(b);
    }

    private void freeBuffer(Buffer b) {
        driver.free(b.device);
        if (b.staging != null) driver.hostFree(b.staging);
        if (b.uploaded != null) driver.eventDestroy(b.uploaded);
    }

    /** Commands whose CUDA events are still held. */
    int pendingEvents() {
        return pendingCompute.size() + pendingCopy.size();
    }

    @Override
    public void close() {
        if (closed) return;
        device.makeCurrent();
        closed = true;
        RuntimeException first = null;
        for (MemorySegment s : copyStream == null ? List.of(stream) : List.of(stream, copyStream)) {
            try {
                driver.streamSynchronize(s);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        try {
            settleAll(pendingCompute);
            settleAll(pendingCopy);
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        failures.clear();
        for (Buffer b : buffers.values()) {
            try {
                freeBuffer(b);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        buffers.clear();
        try {
            releaseBoundsRecords();
            releasePrintBuffer();
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        try {
            driver.eventDestroy(launchStart);
            driver.eventDestroy(launchEnd);
            driver.eventDestroy(origin);
            driver.streamDestroy(stream);
            if (copyStream != null) driver.streamDestroy(copyStream);
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        if (first != null) throw first;
    }

    static long byteSize(Object array) {
        return switch (array) {
            case OffHeapArray a -> a.byteSize();
            case byte[] a -> a.length;
            case short[] a -> 2L * a.length;
            case char[] a -> 2L * a.length;
            case int[] a -> 4L * a.length;
            case float[] a -> 4L * a.length;
            case long[] a -> 8L * a.length;
            case double[] a -> 8L * a.length;
            case null, default -> throw new IllegalArgumentException("CUDA sessions hold primitive arrays and off-heap arrays "
                    + "(FloatArray and the other io.kiln.OffHeapArray types), not " + (array == null ? "null" : array.getClass().getName()));
        };
    }

    /** A heap segment over a primitive array ({@link MemorySegment#ofArray} is overloaded per element type). */
    private static MemorySegment heapSegment(Object array) {
        return switch (array) {
            case byte[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case char[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalArgumentException("not a primitive array: " + array.getClass().getName());
        };
    }
}

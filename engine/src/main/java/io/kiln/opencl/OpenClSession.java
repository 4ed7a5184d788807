package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.OffHeapArray;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.util.List;

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
 * <p><b>Parts.</b> This class is the {@link DeviceSession} the engine sees and delegates to parts that
 * each own one kind of state: {@link OpenClQueues} (the queues, the events of what was issued, waits
 * and failures), {@link OpenClMemory} (device buffers and copies), {@link OpenClLaunches} (NDRange,
 * arguments through {@link OpenClArguments}, the enqueue), {@link OpenClBoundsRecord} and
 * {@link OpenClPrintBuffer}. Building programs and caching kernels is the device runtime's
 * ({@link OpenClDeviceRuntime}, {@link OpenClCompiledKernel}), not a session's.
 */
final class OpenClSession implements DeviceSession {
    private final OpenClDeviceRuntime runtime;
    private final OpenClQueues queues;
    private final OpenClMemory memory;
    private final OpenClBoundsRecord bounds;
    private final OpenClPrintBuffer prints;
    private final OpenClLaunches launches;
    private boolean closed;

    OpenClSession(OpenClDeviceRuntime runtime) {
        this.runtime = runtime;
        this.queues = new OpenClQueues(runtime);
        this.memory = new OpenClMemory(queues);
        this.bounds = new OpenClBoundsRecord(queues);
        this.prints = new OpenClPrintBuffer(queues);
        this.launches = new OpenClLaunches(queues, memory, bounds, prints);
    }

    /** The queues and events of this session (for tests that make events of their own). */
    OpenClQueues queues() {
        return queues;
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
        queues.recordTimestamps(on);
    }

    /** Whether events record timestamps. */
    public boolean recordsTimestamps() {
        return queues.recordsTimestamps();
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

    @Override
    public DeviceEvent enqueueToDevice(Object data, List<DeviceEvent> after) {
        checkOpen();
        return memory.toDevice(data, after);
    }

    @Override
    public DeviceEvent enqueueToHost(Object data, List<DeviceEvent> after) {
        checkOpen();
        return memory.toHost(data, after);
    }

    @Override
    public DeviceEvent enqueueLaunch(CompiledKernel compiled, Object[] args, LaunchGeometry geometry, List<DeviceEvent> after) {
        checkOpen();
        return launches.launch(compiled, args, geometry, after);
    }

    @Override
    public void await(List<DeviceEvent> events) {
        checkOpen();
        queues.await(events);
        OpenClSignals.check(); // a kernel's first launch may have run the driver's compiler (see OpenClSignals)
        bounds.check();
    }

    @Override
    public void finish() {
        checkOpen();
        queues.finish();
        OpenClSignals.check();
        bounds.check();
    }

    @Override
    public void release(Object array) {
        memory.release(array);
    }

    /** Number of arrays with a device copy in this session. */
    int bufferCount() {
        return memory.bufferCount();
    }

    /** Number of commands whose native events are still held (not yet seen complete). */
    int pendingEvents() {
        return queues.pendingEvents();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        // every step runs even after one failed; the first failure is reported
        RuntimeException failure = queues.drain();
        failure = first(failure, memory.releaseAll());
        launches.clear();
        try {
            bounds.release();
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        try {
            prints.release();
        } catch (RuntimeException e) {
            failure = first(failure, e);
        }
        failure = first(failure, queues.releaseQueues());
        if (failure != null) {
            throw new KilnException("releasing the OpenCL session on " + runtime.device() + " failed: " + failure.getMessage(), failure);
        }
    }

    private static RuntimeException first(RuntimeException a, RuntimeException b) {
        return a != null ? a : b;
    }
}

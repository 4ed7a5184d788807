package io.kiln.spi;

import java.util.List;

/**
 * The device-side state of one execution plan: a compute queue (or stream), optionally a copy queue
 * beside it, and the device copies of the plan's data. Not used by more than one thread at a time.
 * <p>Data are identified by the host object itself (identity, never equality): a Java primitive array
 * or an {@link io.kiln.OffHeapArray}.
 * <p><b>Ordering.</b> Each {@code enqueue} method issues one command that starts only after every
 * event in {@code after} is complete, and returns the command's own event. Commands without a
 * dependence between them may overlap (a copy on the copy queue while a kernel runs). Copies of Java
 * heap arrays are blocking (a device can copy asynchronously only from memory that does not move);
 * they return {@link DeviceEvent#COMPLETE}. Copies of off-heap arrays are asynchronous where the back
 * end can make them so, the host memory must then stay untouched until the event completes.
 */
public interface DeviceSession extends AutoCloseable {

    /**
     * Whether the device has memory of its own. When {@code false} (the CPU back end) kernels work
     * on the host data directly, and the engine issues no transfers.
     */
    boolean copiesData();

    /**
     * Enqueues a copy of {@code data} to the device, allocating its device copy on first use (and again
     * when its length changed).
     */
    DeviceEvent enqueueToDevice(Object data, List<DeviceEvent> after);

    /** Enqueues a copy of the device copy of {@code data} back into it. */
    DeviceEvent enqueueToHost(Object data, List<DeviceEvent> after);

    /**
     * Enqueues a launch. {@code args} are the task's arguments in Java parameter order: boxed scalars,
     * host data (already on the device when {@link #copiesData()}) and a {@code KernelContext}.
     * A failed bounds check of the launch ({@link io.kiln.KernelIndexOutOfBoundsException}) is thrown by
     * the {@link #await} of its event, also when the event is already complete (the engine waits on
     * such launches' events whatever their state), or by {@link #finish}.
     */
    DeviceEvent enqueueLaunch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry, List<DeviceEvent> after);

    /** Waits for {@code events}, rethrowing a device-side failure of any of them. */
    void await(List<DeviceEvent> events);

    /** Copies {@code data} to the device; complete when this returns. */
    default void toDevice(Object data) {
        await(List.of(enqueueToDevice(data, List.of())));
    }

    /** Copies the device copy of {@code data} back into it; complete when this returns. */
    default void toHost(Object data) {
        await(List.of(enqueueToHost(data, List.of())));
    }

    /** Enqueues a launch after every command issued before it on the compute queue. */
    default void launch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry) {
        enqueueLaunch(kernel, args, geometry, List.of());
    }

    /** Waits until every command issued so far has completed, rethrowing a device-side failure. */
    void finish();

    /**
     * Whether the events of later commands record device timestamps ({@link DeviceEvent#timestamps()}).
     * Plans turn it on for {@code withProfiler()}; back ends without device clocks ignore it.
     */
    default void recordTimestamps(boolean on) {
    }

    /**
     * Asks the session to stop the commands in flight, from any thread (the only method that may be
     * called concurrently with the others). Returns whether the back end can stop them: the CPU back
     * end stops its loops at the next back-edge check and the waiting call then throws
     * {@link java.util.concurrent.CancellationException}; OpenCL and CUDA cannot stop a launched kernel, so they
     * return {@code false} and the engine marks the plan unusable instead.
     */
    default boolean cancel() {
        return false;
    }

    /** Releases the device copy of {@code data}, if any. */
    void release(Object data);

    /** Releases every device resource of the session. Idempotent. */
    @Override
    void close();
}

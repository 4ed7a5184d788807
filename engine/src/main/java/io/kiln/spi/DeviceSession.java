package io.kiln.spi;

/**
 * The device-side state of one execution plan: a command queue (or stream) and the device copies
 * of the plan's arrays. Commands run in the order issued. Not used by more than one thread at a time.
 * Arrays are identified by the host array object itself (identity, never equality).
 */
public interface DeviceSession extends AutoCloseable {

    /**
     * Whether the device has memory of its own. When {@code false} (the CPU back end) kernels work
     * on the host arrays directly, and the engine issues no transfers.
     */
    boolean copiesData();

    /** Copies {@code array} to the device, allocating its device copy on first use. */
    void toDevice(Object array);

    /** Copies the device copy of {@code array} back into it; complete when this returns. */
    void toHost(Object array);

    /**
     * Enqueues a launch. {@code args} are the task's arguments in Java parameter order: boxed scalars,
     * host arrays (already on the device when {@link #copiesData()}) and a {@code KernelContext}.
     */
    void launch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry);

    /** Waits until every command issued so far has completed, rethrowing a device-side failure. */
    void finish();

    /** Releases the device copy of {@code array}, if any. */
    void release(Object array);

    /** Releases every device resource of the session. Idempotent. */
    @Override
    void close();
}

package io.kiln.spi;

/**
 * What a device's back end can do beyond running plain kernels. The engine asks
 * {@link DeviceRuntime#capabilities()} before it builds or schedules anything that needs one, and
 * refuses (or falls back) instead of computing a wrong result or crashing a driver.
 */
public enum Capability {
    /** {@code @Reduce} parameters ({@link io.kiln.ir.KernelIR#reductions()}) are implemented. */
    REDUCTIONS,
    /** {@link io.kiln.ir.Instr.Atomic} is implemented ({@code KernelContext.atomicAdd} and friends). */
    ATOMICS,
    /**
     * {@link DeviceSession#enqueueToDevice}/{@link DeviceSession#enqueueToHost} of off-heap data may
     * return before the copy finished (an event that is not yet complete).
     */
    ASYNC_COPIES,
    /** {@link DeviceRuntime#allocateHost} returns page-locked memory. */
    PINNED_MEMORY,
    /**
     * The device has memory of its own: sessions copy data ({@link DeviceSession#copiesData()}). Without
     * it kernels work on host memory and the engine schedules no copies.
     */
    OWN_MEMORY
}

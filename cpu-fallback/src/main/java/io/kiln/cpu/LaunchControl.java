package io.kiln.cpu;

/**
 * The per-launch flag that generated code polls at loop back-edges (a {@code getfield} of
 * {@link #cancelled}, a volatile read: a plain load on x86 that C2 may not hoist out of the loop).
 * {@code CpuKernel} passes it to the generated methods as the element after the kernel's arguments
 * in {@code args}; {@link CpuSession#cancel()} sets it for every launch in flight.
 */
final class LaunchControl {
    /** Set once to ask the launch to stop; read by generated code (so package-private, not private). */
    volatile boolean cancelled;

    /** Asks the launch to stop at its next check. */
    void cancel() {
        cancelled = true;
    }
}

package io.kiln.spi;

import io.kiln.Device;
import io.kiln.ir.KernelIR;

/** One device of a back end. Shared by every plan in the process; must be thread-safe. */
public interface DeviceRuntime {

    /** The device's description. */
    Device device();

    /**
     * Compiles and builds a kernel for this device. Throws
     * {@link io.kiln.KernelCompilationException} when the back end cannot express the kernel and
     * {@link io.kiln.KilnException} carrying the device's build log when the device refuses it.
     * The engine caches the result per kernel and device.
     */
    CompiledKernel compile(KernelIR ir);

    /**
     * Whether this device's back end implements {@link io.kiln.ir.KernelIR#reductions()}. The engine
     * refuses to run a {@code @Reduce} kernel on a back end that does not, rather than compute a wrong
     * result.
     */
    default boolean supportsReductions() {
        return false;
    }

    /**
     * What this device's back end implements. The default is derived from what older back ends
     * declare: {@link Capability#REDUCTIONS} when {@link #supportsReductions()} says so,
     * {@link Capability#ATOMICS} (every back end in Kiln implements them), and
     * {@link Capability#OWN_MEMORY} for every back end but {@link io.kiln.Backend#CPU}. Back ends that
     * copy asynchronously or pin memory add {@link Capability#ASYNC_COPIES} and
     * {@link Capability#PINNED_MEMORY} by overriding this.
     */
    default java.util.Set<Capability> capabilities() {
        java.util.EnumSet<Capability> set = java.util.EnumSet.of(Capability.ATOMICS);
        if (supportsReductions()) set.add(Capability.REDUCTIONS);
        if (device().backend() != io.kiln.Backend.CPU) set.add(Capability.OWN_MEMORY);
        return java.util.Collections.unmodifiableSet(set);
    }

    /**
     * Allocates {@code bytes} of host memory, aligned to {@code alignment}, that this device copies
     * from and to fastest: page-locked memory where the device has memory of its own (CUDA
     * {@code cuMemHostAlloc}, OpenCL {@code CL_MEM_ALLOC_HOST_PTR}). The default is plain, zero-filled
     * off-heap memory, not pinned.
     */
    default HostAllocation allocateHost(long bytes, long alignment) {
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        try {
            return new HostAllocation(arena.allocate(bytes, alignment), false, arena::close);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Opens a session: the device-side state (buffers, queue) of one execution plan. */
    DeviceSession openSession();
}

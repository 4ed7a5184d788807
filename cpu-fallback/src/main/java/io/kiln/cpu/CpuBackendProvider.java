package io.kiln.cpu;

import io.kiln.Backend;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.DeviceRuntime;

import java.util.List;

/**
 * The cpu back end, registered with {@link java.util.ServiceLoader} on the module path
 * ({@code provides} in {@code io.kiln.cpu}) and on the class path
 * ({@code META-INF/services/io.kiln.spi.BackendProvider}). It offers one device, {@code cpu}, which
 * {@code Devices.auto()} picks where no GPU is found, and which {@code FallbackPolicy.CPU} falls back to.
 * Kernels become JVM bytecode (see {@link Target#JVM}) and run on all cores, directly on the
 * caller's arrays.
 */
public final class CpuBackendProvider implements BackendProvider {
    private static volatile CpuDeviceRuntime runtime;

    /** Called by {@link java.util.ServiceLoader}. */
    public CpuBackendProvider() {
    }

    @Override
    public Backend backend() {
        return Backend.CPU;
    }

    @Override
    public List<DeviceRuntime> devices() {
        return List.of(runtime());
    }

    /** The process-wide cpu device (one fork-join pool for every plan). */
    static CpuDeviceRuntime runtime() {
        CpuDeviceRuntime r = runtime;
        if (r == null) {
            synchronized (CpuBackendProvider.class) {
                r = runtime;
                if (r == null) runtime = r = new CpuDeviceRuntime(CpuDeviceRuntime.defaultParallelism());
            }
        }
        return r;
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    /** A disassembly of the generated JVM bytecode for {@link Target#JVM}; {@code null} for other targets. */
    @Override
    public String emit(KernelIR ir, Target target) {
        if (target != Target.JVM) return null;
        return JvmListing.of(ir, JvmEmitter.emit(ir));
    }
}

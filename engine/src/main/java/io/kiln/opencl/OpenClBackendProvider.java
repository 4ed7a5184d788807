package io.kiln.opencl;

import io.kiln.Backend;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.DeviceRuntime;

import java.util.List;

/** The OpenCL back end (placeholder until the runtime lands). */
public final class OpenClBackendProvider implements BackendProvider {
    @Override
    public Backend backend() {
        return Backend.OPENCL;
    }

    @Override
    public List<DeviceRuntime> devices() {
        return List.of();
    }

    @Override
    public String unavailableReason() {
        return "not implemented";
    }

    @Override
    public String emit(KernelIR ir, Target target) {
        return null;
    }
}

package io.kiln.cpu;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.KilnException;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;

import java.util.List;

/**
 * A test-only back end with one device, {@code broken:0}, whose driver refuses every kernel the way a
 * real OpenCL build failure does: with a build log. Registered for the cpu-fallback tests only.
 */
public final class BrokenBuildProvider implements BackendProvider {
    static final String DEVICE_ID = "broken:0";

    @Override
    public Backend backend() {
        return Backend.OPENCL;
    }

    @Override
    public List<DeviceRuntime> devices() {
        Device device = new Device(DEVICE_ID, Backend.OPENCL, DeviceType.OTHER, "driver that refuses every kernel", "test", 1, 1 << 20);
        return List.of(new DeviceRuntime() {
            @Override
            public Device device() {
                return device;
            }

            @Override
            public CompiledKernel compile(KernelIR ir) {
                throw new KilnException("building " + ir.displayName() + " for " + DEVICE_ID
                        + " failed; build log:\n<kernel>:3:5: error: use of undeclared identifier 'x'");
            }

            @Override
            public DeviceSession openSession() {
                throw new AssertionError("no kernel was built, so no session is needed");
            }
        });
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public String emit(KernelIR ir, Target target) {
        return null;
    }
}

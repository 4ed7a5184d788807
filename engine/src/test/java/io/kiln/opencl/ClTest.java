package io.kiln.opencl;

import io.kiln.ir.KernelIR;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

/** Shared helpers for tests that run kernels on the first OpenCL device. */
final class ClTest {
    private ClTest() {
    }

    /** The first OpenCL device, or the test is skipped with the back end's reason. */
    static OpenClDeviceRuntime device() {
        OpenClBackendProvider provider = new OpenClBackendProvider();
        List<DeviceRuntime> devices = provider.devices();
        if (devices.isEmpty() && "true".equals(System.getenv("CI"))) {
            org.junit.jupiter.api.Assertions.fail("CI=true but there is no OpenCL device: " + provider.unavailableReason()
                    + " (.ci/run installs PoCL; OpenCL tests must run in CI)");
        }
        Assumptions.assumeFalse(devices.isEmpty(), () -> "no OpenCL device: " + provider.unavailableReason());
        return (OpenClDeviceRuntime) devices.get(0);
    }

    /** Builds {@code ir}, copies every array argument in, runs one launch, copies every array back. */
    static void run(KernelIR ir, LaunchGeometry geometry, Object... args) {
        OpenClDeviceRuntime device = device();
        try (OpenClCompiledKernel k = (OpenClCompiledKernel) device.compile(ir);
             OpenClSession s = (OpenClSession) device.openSession()) {
            for (Object a : args) {
                if (a != null && a.getClass().isArray()) s.toDevice(a);
            }
            s.launch(k, args, geometry);
            s.finish();
            for (Object a : args) {
                if (a != null && a.getClass().isArray()) s.toHost(a);
            }
        }
    }

    /** Runs a work-item kernel over {@code n} work-items. */
    static void runGrid(KernelIR ir, long n, Object... args) {
        run(ir, new LaunchGeometry(new long[] {n}, null), args);
    }
}

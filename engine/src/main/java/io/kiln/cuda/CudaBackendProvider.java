package io.kiln.cuda;

import io.kiln.Backend;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.ptx.PtxEmitter;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.DeviceRuntime;

import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA back end: NVIDIA GPUs through the driver API alone. Kiln emits PTX and the driver
 * JIT-compiles it, so no CUDA toolkit is needed at run time. Where the driver is missing, or finds
 * no GPU of compute capability 7.5 or newer, the back end lists no device and
 * {@link #unavailableReason()} says why; nothing else is affected.
 * <p>The system property {@code kiln.cuda.library} names another driver library to load (a path or
 * a file name), for tests and unusual installations.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** The system property naming the driver library. */
    public static final String LIBRARY_PROPERTY = "kiln.cuda.library";

    private List<DeviceRuntime> devices;
    private String unavailable;

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    @Override
    public synchronized List<DeviceRuntime> devices() {
        if (devices == null) discover();
        return devices;
    }

    @Override
    public synchronized String unavailableReason() {
        if (devices == null) discover();
        return unavailable;
    }

    @Override
    public String emit(KernelIR ir, Target target) {
        return target == Target.PTX ? PtxEmitter.emit(ir) : null;
    }

    private void discover() {
        devices = List.of();
        String library = System.getProperty(LIBRARY_PROPERTY, CudaDriver.LIBRARY);
        CudaDriver driver;
        try {
            driver = CudaDriver.load(library);
        } catch (CudaDriver.UnavailableException e) {
            unavailable = "not available: " + e.getMessage();
            return;
        }
        try {
            int rc = driver.init();
            if (rc == CudaDriver.CUDA_ERROR_NO_DEVICE) {
                unavailable = "not available: the CUDA driver finds no GPU";
                return;
            }
            if (rc != 0) {
                unavailable = "not available: " + driver.failure(rc, "cuInit").getMessage();
                return;
            }
            int count = driver.deviceCount();
            List<DeviceRuntime> found = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (int ordinal = 0; ordinal < count; ordinal++) {
                int handle = driver.device(ordinal);
                int major = driver.attribute(handle, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
                int minor = driver.attribute(handle, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
                if (major * 10 + minor < 75) {
                    skipped.add(driver.deviceName(handle) + " (compute capability " + major + "." + minor + ")");
                    continue;
                }
                found.add(new CudaDevice(driver, found.size(), handle));
            }
            devices = List.copyOf(found);
            if (found.isEmpty()) {
                unavailable = "not available: no CUDA GPU of compute capability 7.5 or newer"
                        + (skipped.isEmpty() ? "" : "; found " + String.join(", ", skipped));
            }
        } catch (RuntimeException e) {
            devices = List.of();
            unavailable = "not available: " + e.getMessage();
        }
    }
}

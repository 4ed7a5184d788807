package io.kiln;

import java.util.List;
import java.util.Map;

/** The devices Kiln can run kernels on, as the {@link KilnRuntime#shared() shared runtime} sees them. */
public final class Devices {
    private Devices() {
    }

    /** Every available device: CUDA devices first, then OpenCL devices, then {@code cpu}. */
    public static List<Device> list() {
        return KilnRuntime.shared().devices();
    }

    /**
     * The device with id {@code cpu}, {@code opencl:N} or {@code cuda:N}, or {@code auto} for
     * {@link #auto()}.
     *
     * @throws IllegalArgumentException if there is no such device, listing those there are
     */
    public static Device get(String id) {
        return KilnRuntime.shared().device(id);
    }

    /**
     * The default device: the first CUDA device, else the first OpenCL GPU or accelerator, else
     * {@code cpu}. OpenCL CPU devices are chosen only when the CPU back end is not installed.
     */
    public static Device auto() {
        return KilnRuntime.shared().auto();
    }

    /** Back ends that found no device here, with the reason for each. */
    public static Map<Backend, String> unavailable() {
        return KilnRuntime.shared().unavailable();
    }
}

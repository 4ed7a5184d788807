package io.kiln;

import io.kiln.runtime.Backends;

import java.util.List;
import java.util.Map;

/** The devices Kiln can run kernels on. */
public final class Devices {
    private Devices() {
    }

    /** Every available device: CUDA devices first, then OpenCL devices, then {@code cpu}. */
    public static List<Device> list() {
        return Backends.get().devices();
    }

    /**
     * The device with id {@code cpu}, {@code opencl:N} or {@code cuda:N}, or {@code auto} for
     * {@link #auto()}.
     *
     * @throws IllegalArgumentException if there is no such device, listing those there are
     */
    public static Device get(String id) {
        if ("auto".equals(id)) return auto();
        return list().stream().filter(d -> d.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no device '" + id + "'; available: "
                        + list().stream().map(Device::id).toList() + (unavailable().isEmpty() ? "" : "; unavailable back ends: " + unavailable())));
    }

    /**
     * The default device: the first CUDA device, else the first OpenCL GPU or accelerator, else
     * {@code cpu}. OpenCL CPU devices are chosen only when the CPU back end is not installed.
     */
    public static Device auto() {
        return Backends.get().auto();
    }

    /** Back ends that found no device here, with the reason for each. */
    public static Map<Backend, String> unavailable() {
        return Backends.get().unavailable();
    }
}

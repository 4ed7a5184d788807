package io.kiln;

/**
 * A device that can run kernels. Obtain one from {@link Devices}; pass it to
 * {@link TaskGraph#plan(Device)} or {@link ExecutionPlan#withDevice(Device)}.
 *
 * @param id           stable id: {@code cpu}, {@code opencl:N} or {@code cuda:N}
 * @param backend      the back end that runs kernels on it
 * @param type         GPU, CPU or accelerator
 * @param name         the device's own name
 * @param vendor       the vendor or platform name
 * @param computeUnits compute units (OpenCL), multiprocessors (CUDA) or cores (CPU)
 * @param memoryBytes  global memory in bytes (for {@code cpu}, the JVM's maximum heap)
 */
public record Device(String id, Backend backend, DeviceType type, String name, String vendor,
                     int computeUnits, long memoryBytes) {
    @Override
    public String toString() {
        return id + " (" + name + ")";
    }
}

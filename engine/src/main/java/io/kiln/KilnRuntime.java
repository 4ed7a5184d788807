package io.kiln;

import io.kiln.runtime.RuntimeContext;

import java.util.List;
import java.util.Map;

/**
 * A Kiln runtime context: the back ends and devices found, the cache of built kernels, and what was
 * logged about fallbacks. {@link #shared()} is the one behind the simple API ({@link TaskGraph#plan()},
 * {@link Devices}); make your own with {@link #create()} to bound or release the kernel cache, for
 * instance when kernel classes come from class loaders that are thrown away:
 * <pre>{@code
 * try (KilnRuntime kiln = KilnRuntime.create(64)) {
 *     try (ExecutionPlan plan = graph.plan(kiln, kiln.device("opencl:0"))) {
 *         plan.run();
 *     }
 * }   // every kernel built in this runtime is released
 * }</pre>
 * The kernel cache keys kernels by method and device without holding the kernel's class or class
 * loader: a class that is no longer used is collectable once the plans that ran it are closed. The
 * cache keeps at most {@link #kernelLimit()} built kernels; the least recently used one beyond that is
 * released (when no open plan still holds it, else when the last one closes).
 */
public final class KilnRuntime implements AutoCloseable {
    private static final KilnRuntime SHARED = new KilnRuntime(RuntimeContext.defaultContext());

    private final RuntimeContext context;

    private KilnRuntime(RuntimeContext context) {
        this.context = context;
    }

    /** The process-wide runtime behind {@link TaskGraph#plan()} and {@link Devices}; it cannot be closed. */
    public static KilnRuntime shared() {
        return SHARED;
    }

    /** A new runtime over the back ends ServiceLoader finds, keeping up to 1024 built kernels. */
    public static KilnRuntime create() {
        return create(RuntimeContext.DEFAULT_KERNEL_LIMIT);
    }

    /**
     * A new runtime keeping at most {@code kernelLimit} built kernels.
     *
     * @throws IllegalArgumentException if {@code kernelLimit} is not positive
     */
    public static KilnRuntime create(int kernelLimit) {
        return new KilnRuntime(RuntimeContext.create(kernelLimit));
    }

    /** Wraps a context (the engine's own, for tests and embedding). */
    static KilnRuntime of(RuntimeContext context) {
        return new KilnRuntime(context);
    }

    /** Every available device: CUDA devices first, then OpenCL devices, then {@code cpu}. */
    public List<Device> devices() {
        return context.backends().devices();
    }

    /**
     * The device with id {@code cpu}, {@code opencl:N} or {@code cuda:N}, or {@code auto}.
     *
     * @throws IllegalArgumentException if there is no such device, listing those there are
     */
    public Device device(String id) {
        if (id == null) {
            throw new IllegalArgumentException("no device id given (null): pass one of " + devices().stream().map(Device::id).toList()
                    + " or \"auto\" (see Devices.list())");
        }
        if ("auto".equals(id)) return auto();
        // through runtime(id), which starts only the back end the id names (not OpenCL for cpu), and
        // without a stream: this is usually the process's first call into Kiln (docs/cpu-backend.md, "Early runs")
        io.kiln.spi.DeviceRuntime r = context.backends().runtime(id);
        if (r != null) return r.device();
        throw new IllegalArgumentException("no device '" + id + "'; available: "
                + devices().stream().map(Device::id).toList()
                + (unavailable().isEmpty() ? "" : "; unavailable back ends: " + unavailable()));
    }

    /** The default device, chosen as {@link Devices#auto()} describes. */
    public Device auto() {
        return context.backends().auto();
    }

    /** Back ends that found no device, with the reason for each. */
    public Map<Backend, String> unavailable() {
        return context.backends().unavailable();
    }

    /** The most built kernels this runtime keeps. */
    public int kernelLimit() {
        return context.kernels().limit();
    }

    /** How many built kernels this runtime holds now. */
    public int kernelCount() {
        return context.kernels().size();
    }

    /**
     * Caps the device memory that plans of this runtime may use on device {@code deviceId} (an id such
     * as {@code opencl:0}) at {@code bytes}: a plan whose data would not fit is refused with a
     * {@link KilnException} before the driver is asked, as it is when data exceeds what the device
     * reports ({@link Device#memoryBytes()}). Use it to share a device with other programs or to try a
     * plan against a smaller device. {@code bytes <= 0} removes the cap.
     *
     * @return this runtime
     */
    public KilnRuntime limitMemory(String deviceId, long bytes) {
        context.limitMemory(java.util.Objects.requireNonNull(deviceId, "deviceId"), bytes);
        return this;
    }

    /**
     * Whether plans of this runtime run the {@link Variant}s of kernels on the back ends they name
     * ({@code true} unless {@code -Dkiln.variants=false}), or every kernel's portable reference. Applies to
     * plans prepared afterwards (a plan prepares on its first run, and again after a device change).
     * Turn variants off in a runtime of your own to compare a variant with its reference:
     * <pre>{@code
     * try (KilnRuntime reference = KilnRuntime.create().useVariants(false)) { ... }
     * }</pre>
     *
     * @return this runtime
     */
    public KilnRuntime useVariants(boolean on) {
        context.setVariants(on);
        return this;
    }

    /** Whether plans of this runtime run kernels' {@link Variant}s; see {@link #useVariants(boolean)}. */
    public boolean usesVariants() {
        return context.variants();
    }

    /** The engine-side context (not part of the public API's contract). */
    RuntimeContext context() {
        return context;
    }

    /**
     * Releases every kernel this runtime built and refuses new plans; plans still open keep working and
     * release their kernels when closed. Idempotent.
     *
     * @throws UnsupportedOperationException for {@link #shared()}
     */
    @Override
    public void close() {
        context.close();
    }
}

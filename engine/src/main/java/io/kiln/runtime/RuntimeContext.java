package io.kiln.runtime;

import io.kiln.Device;
import io.kiln.ir.KernelIR;
import io.kiln.spi.BackendProvider;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Everything Kiln used to keep in process-wide statics: the back-end registry, the kernel cache and
 * the set of fallback reasons already logged. One default context backs the simple API
 * ({@code TaskGraph.plan()}, {@code Devices}); {@link io.kiln.KilnRuntime} makes others, each closed
 * on its own.
 */
public final class RuntimeContext implements AutoCloseable {
    /** Built kernels a context keeps unless told otherwise. */
    public static final int DEFAULT_KERNEL_LIMIT = 1024;

    private static volatile RuntimeContext defaultContext;

    private final Backends backends;
    private final KernelCache kernels;
    private final Set<String> fallbackLogged = ConcurrentHashMap.newKeySet();
    private final boolean isDefault;
    private final Map<String, Long> memoryLimits = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Whether plans prepared from now on run kernels' {@link io.kiln.Variant}s (see {@link Variants}). */
    private volatile boolean variants = Variants.enabledByDefault();

    private RuntimeContext(Backends backends, KernelCache kernels, boolean isDefault) {
        this.backends = backends;
        this.kernels = kernels;
        this.isDefault = isDefault;
    }

    /** A new context over the back ends {@link java.util.ServiceLoader} finds. */
    public static RuntimeContext create(int kernelLimit) {
        return new RuntimeContext(Backends.load(), new KernelCache(kernelLimit), false);
    }

    /**
     * A context over exactly {@code providers}, compiling kernels with {@code frontEnd}: for tests and
     * for embedding Kiln with back ends of one's own.
     */
    public static RuntimeContext create(List<BackendProvider> providers, Function<Method, KernelIR> frontEnd, int kernelLimit) {
        return new RuntimeContext(Backends.of(providers), new KernelCache(frontEnd, kernelLimit), false);
    }

    /** The process's default context, made on first use; closing it is refused. */
    public static RuntimeContext defaultContext() {
        RuntimeContext c = defaultContext;
        if (c == null) {
            synchronized (RuntimeContext.class) {
                c = defaultContext;
                if (c == null) {
                    defaultContext = c = new RuntimeContext(Backends.load(), new KernelCache(DEFAULT_KERNEL_LIMIT), true);
                }
            }
        }
        return c;
    }

    /** The back ends and their devices. */
    public Backends backends() {
        return backends;
    }

    /** The kernel cache. */
    public KernelCache kernels() {
        return kernels;
    }

    /** Whether {@code reason} is new (and should be logged); later calls with it return false. */
    boolean firstFallback(String reason) {
        return fallbackLogged.add(reason);
    }

    /**
     * Caps the device memory that plans of this context may use on device {@code deviceId} at
     * {@code bytes} (below what the device reports, never above): to share a device with other
     * programs, or to see how a plan behaves on a smaller device. {@code bytes <= 0} removes the cap.
     */
    public void limitMemory(String deviceId, long bytes) {
        if (bytes <= 0) memoryLimits.remove(deviceId);
        else memoryLimits.put(deviceId, bytes);
    }

    /**
     * The device memory plans may use on {@code device}: what it reports ({@link Device#memoryBytes()}),
     * or less where {@link #limitMemory} capped it; {@code 0} or less means unknown (no check).
     */
    public long memoryBudget(Device device) {
        Long cap = memoryLimits.get(device.id());
        long reported = device.memoryBytes();
        if (cap == null) return reported;
        return reported > 0 ? Math.min(cap, reported) : cap;
    }

    /** Whether plans prepared from now on run the {@link io.kiln.Variant}s of kernels. */
    public boolean variants() {
        return variants;
    }

    /** Turns {@link io.kiln.Variant}s on or off for plans prepared from now on. */
    public void setVariants(boolean on) {
        variants = on;
    }

    /** Throws if the context is closed. */
    public void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this Kiln runtime is closed: make plans with an open one (KilnRuntime.create())");
        }
    }

    /** Whether this is the default context. */
    public boolean isDefault() {
        return isDefault;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Releases every built kernel (kernels that open plans still hold are released when those plans
     * close) and refuses new plans. Idempotent.
     *
     * @throws UnsupportedOperationException for the default context, which lives as long as the process
     */
    @Override
    public void close() {
        if (isDefault) {
            throw new UnsupportedOperationException("the default Kiln runtime cannot be closed: it lives as long as the process. "
                    + "Make a runtime of your own with KilnRuntime.create() to release its kernels");
        }
        closed = true;
        kernels.close();
    }
}

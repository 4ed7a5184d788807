package io.kiln.runtime;

import io.kiln.compiler.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The kernels of one {@link RuntimeContext}: the IR of each kernel method (device independent) and
 * each kernel built per device. Kernels are specialised by parameter types only, so a new array
 * length never rebuilds.
 * <p><b>Keys and class unloading.</b> Entries are found through a {@link ClassValue} on the kernel's
 * declaring class (class identity), then by the method's name and descriptor within that class and the
 * device id. Nothing
 * here holds a kernel class, its {@code Method} or its class loader strongly: the per-class table lives
 * in the class itself, and the LRU list below holds only weak references to it. A kernel class loaded by
 * a throwaway class loader is therefore collectable once the plans that use it are closed.
 * <p><b>Bound.</b> At most {@code limit} built kernels are kept, least recently used evicted first.
 * An evicted kernel is closed at once if no plan holds it ({@link Lease}), else when the last plan that
 * holds it closes. Kernels whose class was collected are closed the next time the cache is touched.
 */
public final class KernelCache {

    /** A built kernel in use by one plan; {@link #close()} hands it back. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        /** The kernel. */
        public CompiledKernel kernel() {
            return entry.kernel;
        }

        @Override
        public void close() {
            synchronized (KernelCache.this) {
                if (closed) return;
                closed = true;
                entry.users--;
                if (entry.evicted && entry.users == 0) entry.closeKernel();
            }
        }
    }

    /** One built kernel. Holds its class's table only weakly, and its method as name and descriptor. */
    private static final class Entry {
        final CompiledKernel kernel;
        final WeakReference<PerClass> owner;
        final String method;
        final String deviceId;
        int users;
        boolean evicted;
        private boolean kernelClosed;

        Entry(CompiledKernel kernel, PerClass owner, String method, String deviceId) {
            this.kernel = kernel;
            this.owner = new WeakReference<>(owner);
            this.method = method;
            this.deviceId = deviceId;
        }

        boolean classGone() {
            return owner.get() == null;
        }

        void closeKernel() {
            if (kernelClosed) return;
            kernelClosed = true;
            try {
                kernel.close();
            } catch (RuntimeException ignored) {
                // A kernel that fails to release is gone either way; the cache must stay usable.
            }
        }
    }

    /** What the cache knows about one kernel class; stored in the class itself through a ClassValue. */
    private static final class PerClass {
        final ConcurrentHashMap<Method, KernelIR> ir = new ConcurrentHashMap<>();
        /**
         * Built kernels by method ({@link #key}: unique within the class, so together with the class
         * this is the method's identity) and device id. Guarded by the cache.
         */
        final Map<String, Map<String, Entry>> built = new HashMap<>();
    }

    private final ClassValue<PerClass> perClass = new ClassValue<>() {
        @Override
        protected PerClass computeValue(Class<?> type) {
            return new PerClass();
        }
    };
    private final Function<Method, KernelIR> frontEnd;
    private final int limit;
    /** Every live entry, least recently used first. Guarded by {@code this}. */
    private final LinkedHashMap<Entry, Boolean> lru = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    /**
     * A cache that compiles with {@code frontEnd} and keeps at most {@code limit} built kernels.
     *
     * @throws IllegalArgumentException if {@code limit} is not positive
     */
    public KernelCache(Function<Method, KernelIR> frontEnd, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("the kernel cache limit must be positive, got " + limit);
        }
        this.frontEnd = java.util.Objects.requireNonNull(frontEnd, "frontEnd");
        this.limit = limit;
    }

    /** A cache over the bytecode front end. */
    public KernelCache(int limit) {
        this(FrontEnd::compile, limit);
    }

    /** The IR of {@code method}, compiled on first use. */
    public KernelIR irOf(Method method) {
        PerClass pc = perClass.get(method.getDeclaringClass());
        KernelIR ir = pc.ir.get(method);
        if (ir == null) {
            ir = frontEnd.apply(method);
            KernelIR previous = pc.ir.putIfAbsent(method, ir);
            if (previous != null) ir = previous;
        }
        return ir;
    }

    /**
     * {@code method} built for {@code runtime}'s device (built on first use), held for the caller until
     * it closes the lease.
     */
    public Lease acquire(Method method, DeviceRuntime runtime) {
        return acquire(method, runtime, true);
    }

    /**
     * As {@link #acquire(Method, DeviceRuntime)}; without {@code boundsChecks} the kernel is built without
     * Java's bounds checks ({@code ExecutionPlan.withBoundsChecks(false)}), a separate entry of the cache.
     */
    public Lease acquire(Method method, DeviceRuntime runtime, boolean boundsChecks) {
        KernelIR ir = irOf(method);
        PerClass pc = perClass.get(method.getDeclaringClass());
        String deviceId = runtime.device().id();
        synchronized (this) {
            if (closed) throw new IllegalStateException("this Kiln runtime is closed: its kernels were released");
            String key = boundsChecks ? key(method) : key(method) + " unchecked";
            Entry e = pc.built.computeIfAbsent(key, k -> new HashMap<>()).get(deviceId);
            if (e == null) {
                // Built while holding the lock: two plans must not build the same kernel twice.
                e = new Entry(runtime.compile(boundsChecks ? ir : io.kiln.compiler.BoundsChecks.strip(ir)), pc, key, deviceId);
                pc.built.get(key).put(deviceId, e);
                lru.put(e, Boolean.TRUE);
                trim();
            } else {
                lru.get(e); // touch: most recently used
            }
            e.users++;
            return new Lease(e);
        }
    }

    /** A method's key within its class: name and descriptor. */
    private static String key(Method m) {
        return m.getName() + TaskSpec.descriptor(m);
    }

    /** Evicts entries whose class is gone, then the least recently used ones beyond the limit. */
    private void trim() {
        for (Iterator<Entry> it = lru.keySet().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.classGone()) {
                it.remove();
                evict(e);
            }
        }
        for (Iterator<Entry> it = lru.keySet().iterator(); lru.size() > limit && it.hasNext(); ) {
            Entry e = it.next();
            it.remove();
            evict(e);
        }
    }

    private void evict(Entry e) {
        e.evicted = true;
        PerClass pc = e.owner.get();
        if (pc != null) {
            Map<String, Entry> byDevice = pc.built.get(e.method);
            if (byDevice != null) {
                byDevice.remove(e.deviceId, e);
                if (byDevice.isEmpty()) pc.built.remove(e.method);
            }
        }
        if (e.users == 0) e.closeKernel();
    }

    /** Whether {@code method} is built for the device with {@code deviceId}. */
    public synchronized boolean contains(Method method, String deviceId) {
        Map<String, Entry> byDevice = perClass.get(method.getDeclaringClass()).built.get(key(method));
        return byDevice != null && byDevice.containsKey(deviceId);
    }

    /** Number of built kernels held. */
    public synchronized int size() {
        trim();
        return lru.size();
    }

    /** The most built kernels this cache keeps. */
    public int limit() {
        return limit;
    }

    /** Closes every built kernel no plan holds (the others when their plans close) and refuses new ones. */
    public synchronized void close() {
        closed = true;
        List<Entry> all = new ArrayList<>(lru.keySet());
        lru.clear();
        for (Entry e : all) evict(e);
    }

    // ---- the default runtime's cache, for code that has no context at hand ------------------------------------

    /** The IR of {@code method} in the default runtime. */
    public static KernelIR ir(Method method) {
        return RuntimeContext.defaultContext().kernels().irOf(method);
    }

    /**
     * {@code method} built for {@code runtime}'s device in the default runtime (not leased: the default
     * runtime lives as long as the process).
     */
    public static CompiledKernel built(Method method, DeviceRuntime runtime) {
        KernelCache cache = RuntimeContext.defaultContext().kernels();
        try (Lease lease = cache.acquire(method, runtime)) {
            return lease.kernel();
        }
    }

    /** Whether {@code method} has been built for the device with {@code deviceId} in the default runtime. */
    public static boolean isBuilt(Method method, String deviceId) {
        return RuntimeContext.defaultContext().kernels().contains(method, deviceId);
    }
}

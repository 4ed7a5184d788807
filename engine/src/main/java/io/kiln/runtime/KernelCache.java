package io.kiln.runtime;

import io.kiln.frontend.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.passes.RangeCheckElimination;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.HostKernel;

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

    /**
     * A built kernel in use by one plan; {@link #close()} hands it back. With bounds checks that the host
     * can prove for a launch ({@link RangeCheckElimination#assuming}), the lease holds that faster kernel
     * too and {@link #kernelFor} picks it whenever its facts hold for the launch's arguments; the kernel
     * with every check is then built only when a launch needs it.
     */
    public final class Lease implements AutoCloseable {
        private final Method method;
        private final String key;
        private final String deviceId;
        private final String implementation;
        private final java.util.function.Supplier<CompiledKernel> buildChecked;
        /** The kernel with the checks its own code does not prove; built on first need when {@link #assumed} exists. */
        private Entry entry;
        private final Entry assumedEntry;
        private final RangeCheckElimination.Assumed assumed;
        /**
         * For a work-item kernel with local arrays: what is compiled and how, to build it again for a launch's
         * work-group size ({@link RangeCheckElimination#assuming(KernelIR, long[])}); else {@code null}.
         */
        private KernelIR localIr;
        private java.util.function.Function<KernelIR, CompiledKernel> localBuild;
        /** Per work-group size: the kernel built for it and its host facts, or {@link #NO_LOCAL} when it proves nothing more. */
        private final Map<List<Long>, Object> byLocal = new HashMap<>();
        private boolean closed;

        private Lease(Method method, String key, String deviceId, String implementation, java.util.function.Supplier<CompiledKernel> buildChecked,
                      Entry entry, Entry assumedEntry, RangeCheckElimination.Assumed assumed) {
            this.method = method;
            this.key = key;
            this.deviceId = deviceId;
            this.implementation = implementation;
            this.buildChecked = buildChecked;
            this.entry = entry;
            this.assumedEntry = assumedEntry;
            this.assumed = assumed;
        }

        /** The kernel with every check its own code does not prove (built now if it was not yet). */
        public CompiledKernel kernel() {
            synchronized (KernelCache.this) {
                if (closed) throw new IllegalStateException("this kernel lease was closed");
                if (entry == null) entry = take(method, key, deviceId, implementation, buildChecked);
                return entry.kernel;
            }
        }

        /**
         * The kernel for a launch with {@code args} (the task's arguments in Java parameter order): the one
         * without the checks that host facts prove when they all hold for {@code args}, else {@link #kernel()}.
         */
        public CompiledKernel kernelFor(Object[] args) {
            if (assumedEntry != null && assumed.holds(args)) return assumedEntry.kernel;
            return kernel();
        }

        /**
         * As {@link #kernelFor(Object[])} for a launch with work-group size {@code local} ({@code null}: the
         * back end chooses): a work-item kernel with local arrays gets a build for that size, without the
         * checks of local-tile indices it proves ({@code localIdx() < local[0]}), when that removes more
         * checks; it is built on the first launch of each size and launched only with it.
         */
        public CompiledKernel kernelFor(Object[] args, long[] local) {
            if (local != null && localIr != null) {
                Object o;
                synchronized (KernelCache.this) {
                    if (closed) throw new IllegalStateException("this kernel lease was closed");
                    List<Long> size = java.util.Arrays.stream(local).boxed().toList();
                    o = byLocal.get(size);
                    if (o == null) {
                        o = buildForLocal(local);
                        byLocal.put(size, o);
                    }
                }
                if (o instanceof LocalBuild lb && lb.assumed().holds(args)) return lb.entry().kernel;
            }
            return kernelFor(args);
        }

        private Object buildForLocal(long[] local) {
            RangeCheckElimination.Assumed a = RangeCheckElimination.assuming(localIr, local);
            int before = RangeCheckElimination.checks(assumed != null ? assumed.ir() : localIr);
            if (a == null || RangeCheckElimination.checks(a.ir()) >= before) return NO_LOCAL;
            KernelIR ir = a.ir();
            Entry e = take(method, key + " local " + java.util.Arrays.toString(local) + " assuming " + a.facts(), deviceId, implementation,
                    new BuildOf(localBuild, ir, false));
            return new LocalBuild(a, e);
        }

        /** The kernel that launches run when the host facts hold: the faster one where there is one, else {@link #kernel()}. */
        public CompiledKernel preferred() {
            return assumedEntry != null ? assumedEntry.kernel : kernel();
        }

        /** What the kernel implements: {@link Variants.Choice#name()}. */
        public String implementation() {
            return implementation;
        }

        @Override
        public void close() {
            synchronized (KernelCache.this) {
                if (closed) return;
                closed = true;
                List<Entry> held = new ArrayList<>(java.util.Arrays.asList(entry, assumedEntry));
                for (Object o : byLocal.values()) {
                    if (o instanceof LocalBuild lb) held.add(lb.entry());
                }
                for (Entry e : held) {
                    if (e == null) continue;
                    e.users--;
                    if (e.evicted && e.users == 0) e.closeKernel();
                }
            }
        }
    }

    /** One built kernel. Holds its class's table only weakly, and its method as name and descriptor. */
    private static final class Entry {
        final CompiledKernel kernel;
        final WeakReference<PerClass> owner;
        final String method;
        final String deviceId;
        final String implementation;
        int users;
        boolean evicted;
        private boolean kernelClosed;

        Entry(CompiledKernel kernel, PerClass owner, String method, String deviceId, String implementation) {
            this.kernel = kernel;
            this.implementation = implementation;
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
        /** {@link RangeCheckElimination#assuming} of each kernel's IR; {@link #NONE} when it has no host facts. */
        final ConcurrentHashMap<Method, RangeCheckElimination.Assumed> assumed = new ConcurrentHashMap<>();
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
        this(new BytecodeFrontEnd(), limit);
    }

    // The classes below stand for lambdas: this code runs on every kernel's first build, in a JVM that
    // may run it interpreted, and each lambda site costs about 1 ms the first time it runs
    // (docs/cpu-backend.md, "Early runs").

    /** {@link FrontEnd#compile(Method)}. */
    private static final class BytecodeFrontEnd implements Function<Method, KernelIR> {
        @Override
        public KernelIR apply(Method method) {
            return FrontEnd.compile(method);
        }
    }

    /** Builds an IR for one runtime: compiled by it, or for a Java variant, a {@link HostKernel}. */
    private static final class Builder implements Function<KernelIR, CompiledKernel> {
        private final DeviceRuntime runtime;
        private final KernelIR reference;
        private final Method hostVariant;

        Builder(DeviceRuntime runtime, KernelIR reference, Method hostVariant) {
            this.runtime = runtime;
            this.reference = reference;
            this.hostVariant = hostVariant;
        }

        @Override
        public CompiledKernel apply(KernelIR ir) {
            return hostVariant != null ? new HostKernel(reference, hostVariant) : runtime.compile(ir);
        }
    }

    /** A deferred build of {@code ir} (without its bounds checks where {@code strip}). */
    private static final class BuildOf implements java.util.function.Supplier<CompiledKernel> {
        private final Function<KernelIR, CompiledKernel> build;
        private final KernelIR ir;
        private final boolean strip;

        BuildOf(Function<KernelIR, CompiledKernel> build, KernelIR ir, boolean strip) {
            this.build = build;
            this.ir = ir;
            this.strip = strip;
        }

        @Override
        public CompiledKernel get() {
            return build.apply(strip ? io.kiln.frontend.BoundsChecks.strip(ir) : ir);
        }
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

    /** A build of a lease's kernel for one work-group size, and the host facts it needs besides that size. */
    private record LocalBuild(RangeCheckElimination.Assumed assumed, Entry entry) {
    }

    /** Marks a work-group size for which the kernel proves nothing more than without it. */
    private static final Object NO_LOCAL = new Object();

    /** Marks a kernel without host facts in {@link PerClass#assumed} (which holds no nulls). */
    private static final RangeCheckElimination.Assumed NONE = new RangeCheckElimination.Assumed(null, List.of());

    /**
     * The kernel without the checks that host-checked facts prove, or {@code null} when there is none.
     * {@code -Dkiln.rangeCheckElimination=false} turns it off with the rest of the pass.
     */
    public RangeCheckElimination.Assumed assumedOf(Method method) {
        if ("false".equals(System.getProperty("kiln.rangeCheckElimination"))) return null;
        PerClass pc = perClass.get(method.getDeclaringClass());
        RangeCheckElimination.Assumed a = pc.assumed.get(method);
        if (a == null) {
            a = RangeCheckElimination.assuming(irOf(method));
            if (a == null) a = NONE;
            RangeCheckElimination.Assumed previous = pc.assumed.putIfAbsent(method, a);
            if (previous != null) a = previous;
        }
        return a == NONE ? null : a;
    }

    /**
     * {@code method} built for {@code runtime}'s device (built on first use), held for the caller until
     * it closes the lease.
     */
    public Lease acquire(Method method, DeviceRuntime runtime) {
        return acquire(Variants.reference(method), runtime, true);
    }

    /**
     * As {@link #acquire(Method, DeviceRuntime)}; without {@code boundsChecks} the kernel is built without
     * Java's bounds checks ({@code ExecutionPlan.withBoundsChecks(false)}), a separate entry of the cache.
     */
    public Lease acquire(Method method, DeviceRuntime runtime, boolean boundsChecks) {
        return acquire(Variants.reference(method), runtime, boundsChecks);
    }

    /**
     * The implementation {@code choice} of a kernel built for {@code runtime}'s device: the reference
     * or a variant compiled as a kernel, or a {@link HostKernel} for a Java variant. Cached under the
     * kernel's method, apart from its other implementations.
     */
    public Lease acquire(Variants.Choice choice, DeviceRuntime runtime) {
        return acquire(choice, runtime, true);
    }

    /**
     * As {@link #acquire(Variants.Choice, DeviceRuntime)}, with or without Java's bounds checks in what is
     * compiled (a Java variant runs as plain Java, which checks its own accesses).
     */
    public Lease acquire(Variants.Choice choice, DeviceRuntime runtime, boolean boundsChecks) {
        Method method = choice.kernel();
        KernelIR ir = irOf(method);
        boolean host = choice.isVariant() && choice.host();
        // what is compiled: the reference, or the variant written as a kernel
        Method compiled = choice.isVariant() && !host ? choice.method() : method;
        KernelIR compiledIr = compiled == method ? ir : irOf(compiled);
        java.util.function.Function<KernelIR, CompiledKernel> build = new Builder(runtime, ir, host ? choice.method() : null);
        RangeCheckElimination.Assumed assumed = boundsChecks && !host ? assumedOf(compiled) : null;
        String key = key(method) + choice.cacheSuffix();
        String deviceId = runtime.device().id();
        synchronized (this) {
            if (closed) throw new IllegalStateException("this Kiln runtime is closed: its kernels were released");
            if (!boundsChecks) {
                String unchecked = key + " unchecked";
                Entry e = take(method, unchecked, deviceId, choice.name(), new BuildOf(build, compiledIr, true));
                return new Lease(method, unchecked, deviceId, choice.name(), null, e, null, null);
            }
            java.util.function.Supplier<CompiledKernel> checked = new BuildOf(build, compiledIr, false);
            Lease lease;
            if (assumed == null) {
                lease = new Lease(method, key, deviceId, choice.name(), checked, take(method, key, deviceId, choice.name(), checked), null, null);
            } else {
                // the kernel most launches run; the one with every check is built when a launch's arguments need it
                Entry fast = take(method, key + " assuming " + assumed.facts(), deviceId, choice.name(), new BuildOf(build, assumed.ir(), false));
                lease = new Lease(method, key, deviceId, choice.name(), checked, null, fast, assumed);
            }
            if (!host && compiledIr.kind() == io.kiln.ir.KernelKind.WORK_ITEM && usesLocalArrays(compiledIr)
                    && !"false".equals(System.getProperty("kiln.rangeCheckElimination"))) {
                lease.localIr = compiledIr;
                lease.localBuild = build;
            }
            return lease;
        }
    }

    private static boolean usesLocalArrays(KernelIR ir) {
        for (io.kiln.ir.ArrayRef a : ir.arrays()) {
            if (a.space() == io.kiln.ir.AddressSpace.LOCAL) return true;
        }
        return false;
    }

    /** The entry of {@code method} under {@code key} for device {@code deviceId}, built with {@code build} if absent; one more user. */
    private Entry take(Method method, String key, String deviceId, String implementation, java.util.function.Supplier<CompiledKernel> build) {
        assert Thread.holdsLock(this);
        if (closed) throw new IllegalStateException("this Kiln runtime is closed: its kernels were released");
        PerClass pc = perClass.get(method.getDeclaringClass());
        String name = key;
        Map<String, Entry> byDevice = pc.built.get(name);
        if (byDevice == null) {
            byDevice = new HashMap<>();
            pc.built.put(name, byDevice);
        }
        Entry e = byDevice.get(deviceId);
        if (e == null) {
            // Built while holding the lock: two plans must not build the same kernel twice.
            e = new Entry(build.get(), pc, name, deviceId, implementation);
            byDevice.put(deviceId, e);
            lru.put(e, Boolean.TRUE);
            trim();
        } else {
            lru.get(e); // touch: most recently used
        }
        e.users++;
        return e;
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

    /**
     * Whether {@code method} (its reference implementation, not a variant; with bounds checks, in either
     * form) is built for the device with {@code deviceId}.
     */
    public synchronized boolean contains(Method method, String deviceId) {
        String key = key(method);
        for (Map.Entry<String, Map<String, Entry>> e : perClass.get(method.getDeclaringClass()).built.entrySet()) {
            boolean checked = e.getKey().equals(key) || e.getKey().startsWith(key + " assuming ");
            if (checked && e.getValue().containsKey(deviceId)) return true;
        }
        return false;
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
     * {@code method} built for {@code runtime}'s device in the default runtime, as plans launch it when
     * the host facts of its bounds checks hold ({@link Lease#preferred()}; not leased: the default runtime
     * lives as long as the process).
     */
    public static CompiledKernel built(Method method, DeviceRuntime runtime) {
        KernelCache cache = RuntimeContext.defaultContext().kernels();
        try (Lease lease = cache.acquire(method, runtime)) {
            return lease.preferred();
        }
    }

    /** Whether {@code method} has been built for the device with {@code deviceId} in the default runtime. */
    public static boolean isBuilt(Method method, String deviceId) {
        return RuntimeContext.defaultContext().kernels().contains(method, deviceId);
    }
}

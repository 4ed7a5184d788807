package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.FallbackPolicy;
import io.kiln.Grid;
import io.kiln.KernelCompilationException;
import io.kiln.KilnException;
import io.kiln.RunResult;
import io.kiln.Transfer;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.ParallelLoop;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Runs a {@link GraphSpec}: picks each task's device, builds kernels through the cache, keeps track
 * of where the current copy of every array is (host, or a set of devices) and copies only where a
 * copy is stale. Runs are serialised per plan; different plans may run concurrently.
 */
public final class PlanExecutor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("io.kiln");
    private static final Set<String> FALLBACK_LOGGED = ConcurrentHashMap.newKeySet();

    /** Where the current contents of one array are. */
    private static final class Residency {
        boolean hostValid = true;
        final Set<String> validOn = new HashSet<>();
    }

    private final GraphSpec spec;
    private Device defaultDevice;
    private final Map<String, Device> taskDevices = new HashMap<>();
    private final Map<String, Grid> grids = new HashMap<>();
    private boolean profiler;
    private FallbackPolicy fallback = FallbackPolicy.FAIL;

    private final Map<String, DeviceSession> sessions = new LinkedHashMap<>();
    private final Map<String, Prepared> prepared = new HashMap<>();
    private final IdentityHashMap<Object, Residency> residency = new IdentityHashMap<>();
    private boolean firstRunDone;
    private volatile boolean closed;

    public PlanExecutor(GraphSpec spec, Device device) {
        this.spec = spec;
        this.defaultDevice = device;
    }

    public synchronized void setDevice(Device device) {
        checkOpen();
        this.defaultDevice = device;
        prepared.clear();
    }

    public synchronized void setDevice(String taskId, Device device) {
        checkOpen();
        requireTask(taskId);
        taskDevices.put(taskId, device);
        prepared.remove(taskId);
    }

    public synchronized void setGrid(String taskId, Grid grid) {
        checkOpen();
        requireTask(taskId);
        grids.put(taskId, grid);
    }

    public synchronized void setProfiler(boolean on) {
        this.profiler = on;
    }

    public synchronized void setFallback(FallbackPolicy policy) {
        this.fallback = policy;
        prepared.clear();
    }

    public GraphSpec spec() {
        return spec;
    }

    private void requireTask(String taskId) {
        if (spec.tasks().stream().noneMatch(t -> t.id().equals(taskId))) {
            throw new IllegalArgumentException("graph '" + spec.name() + "' has no task '" + taskId + "'; its tasks are "
                    + spec.tasks().stream().map(TaskSpec::id).toList());
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the execution plan of graph '" + spec.name() + "' is closed");
        }
    }

    /** Runs every task once. */
    public synchronized RunResult run() {
        checkOpen();
        long start = System.nanoTime();
        List<RunResult.TaskRun> runs = new ArrayList<>();
        for (Map.Entry<Object, Transfer> e : spec.toDevice().entrySet()) {
            if (e.getValue() == Transfer.EVERY_RUN || !firstRunDone) {
                Residency r = state(e.getKey());
                r.hostValid = true;
                r.validOn.clear();
            }
        }
        for (TaskSpec task : spec.tasks()) {
            runs.add(runTask(task));
        }
        long transferBack = 0;
        for (Map.Entry<Object, Transfer> e : spec.toHost().entrySet()) {
            if (e.getValue() == Transfer.EVERY_RUN || (e.getValue() == Transfer.FIRST_RUN && !firstRunDone)) {
                long t0 = System.nanoTime();
                makeHostValid(e.getKey());
                transferBack += System.nanoTime() - t0;
            }
        }
        for (DeviceSession s : sessions.values()) {
            s.finish();
        }
        firstRunDone = true;
        return new RunResult(spec.name(), runs, transferBack, System.nanoTime() - start);
    }

    /** Copies the current contents of {@code arrays} to the host now (ON_DEMAND data). */
    public synchronized void transferToHost(Object... arrays) {
        checkOpen();
        for (Object a : arrays) {
            if (!spec.toHost().containsKey(a) && spec.tasks().stream().noneMatch(t -> containsIdentity(t.args(), a))) {
                throw new IllegalArgumentException("the array passed to transferToHost is not used by graph '" + spec.name() + "'");
            }
            makeHostValid(a);
        }
    }

    private static boolean containsIdentity(Object[] args, Object a) {
        for (Object o : args) {
            if (o == a) return true;
        }
        return false;
    }

    private Residency state(Object array) {
        return residency.computeIfAbsent(array, k -> new Residency());
    }

    private void makeHostValid(Object array) {
        Residency r = state(array);
        if (r.hostValid) return;
        for (String dev : r.validOn) {
            DeviceSession s = sessions.get(dev);
            if (s != null) {
                s.toHost(array);
                r.hostValid = true;
                return;
            }
        }
        throw new IllegalStateException("no valid copy of an array exists; this is a bug in Kiln");
    }

    /** What a task needs on every run, resolved on its first run. */
    private record Prepared(Device device, DeviceRuntime runtime, CompiledKernel kernel, KernelIR ir,
                            Residency[] arrays, boolean[] writes, String fallbackReason) {
    }

    private Prepared prepare(TaskSpec task) {
        Device device = taskDevices.getOrDefault(task.id(), defaultDevice);
        String fallbackReason = null;
        DeviceRuntime runtime = Backends.get().runtime(device.id());
        KernelIR ir = KernelCache.ir(task.method());
        checkArguments(task, ir);
        CompiledKernel kernel;
        if (runtime == null) {
            String why = "device " + device.id() + " is not available; available devices: "
                    + Backends.get().devices().stream().map(Device::id).toList();
            if (fallback != FallbackPolicy.CPU) throw new KilnException("task '" + task.id() + "': " + why);
            fallbackReason = why;
            runtime = cpuRuntime(why);
            device = runtime.device();
        }
        try {
            kernel = build(task, ir, runtime);
        } catch (KilnException e) {
            if (fallback != FallbackPolicy.CPU || runtime.device().backend() == Backend.CPU) throw e;
            fallbackReason = "building " + ir.displayName() + " for " + device.id() + " failed: " + e.getMessage();
            runtime = cpuRuntime(fallbackReason);
            device = runtime.device();
            kernel = build(task, ir, runtime);
        }
        if (fallbackReason != null && FALLBACK_LOGGED.add(ir.displayName() + "|" + fallbackReason)) {
            LOG.warning("Kiln runs " + ir.displayName() + " on the CPU back end: " + fallbackReason);
        }
        List<Param.Array> arrayParams = ir.arrayParams();
        Residency[] arrays = new Residency[arrayParams.size()];
        boolean[] writes = new boolean[arrayParams.size()];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = state(task.args()[arrayParams.get(i).index()]);
            writes[i] = arrayParams.get(i).access().writes();
        }
        return new Prepared(device, runtime, kernel, ir, arrays, writes, fallbackReason);
    }

    private static CompiledKernel build(TaskSpec task, KernelIR ir, DeviceRuntime runtime) {
        if (!ir.reductions().isEmpty() && !runtime.supportsReductions()) {
            throw new KernelCompilationException(ir.displayName() + " uses @Reduce, which the " + runtime.device().backend()
                    + " back end does not implement yet; run it on a device whose back end does");
        }
        return KernelCache.built(task.method(), runtime);
    }

    private RunResult.TaskRun runTask(TaskSpec task) {
        long compileNanos = 0;
        Prepared p = prepared.get(task.id());
        if (p == null) {
            long t0 = System.nanoTime();
            p = prepare(task);
            compileNanos = System.nanoTime() - t0;
            prepared.put(task.id(), p);
        }
        String deviceId = p.device().id();
        DeviceSession session = session(p.runtime());
        LaunchGeometry geometry = geometry(task, p.ir());
        boolean copies = session.copiesData();
        List<Param.Array> arrayParams = null;

        long transferNanos = 0;
        for (int i = 0; i < p.arrays().length; i++) {
            Residency r = p.arrays()[i];
            if (copies ? r.validOn.contains(deviceId) : r.hostValid) continue;
            if (arrayParams == null) arrayParams = p.ir().arrayParams();
            Object array = task.args()[arrayParams.get(i).index()];
            long s0 = System.nanoTime();
            makeHostValid(array);
            if (copies) {
                session.toDevice(array);
                r.validOn.add(deviceId);
            }
            transferNanos += System.nanoTime() - s0;
        }
        long k0 = System.nanoTime();
        session.launch(p.kernel(), task.args(), geometry);
        if (profiler) session.finish();
        long kernelNanos = System.nanoTime() - k0;
        for (int i = 0; i < p.arrays().length; i++) {
            if (!p.writes()[i]) continue;
            Residency r = p.arrays()[i];
            r.validOn.clear();
            if (copies) {
                r.validOn.add(deviceId);
                r.hostValid = false;
            } else {
                r.hostValid = true;
            }
        }
        return new RunResult.TaskRun(task.id(), p.device(), compileNanos, transferNanos, kernelNanos, p.fallbackReason());
    }

    private static DeviceRuntime cpuRuntime(String why) {
        DeviceRuntime cpu = Backends.get().runtime("cpu");
        if (cpu == null) {
            throw new KilnException(why + "; FallbackPolicy.CPU needs the CPU back end, which is not installed: "
                    + Backends.get().unavailable().get(Backend.CPU));
        }
        return cpu;
    }

    private DeviceSession session(DeviceRuntime runtime) {
        return sessions.computeIfAbsent(runtime.device().id(), k -> runtime.openSession());
    }

    private static void checkArguments(TaskSpec task, KernelIR ir) {
        if (task.args().length != ir.params().size()) {
            throw new IllegalArgumentException("task '" + task.id() + "': " + ir.displayName() + " takes " + ir.params().size()
                    + " arguments, " + task.args().length + " were given");
        }
    }

    private LaunchGeometry geometry(TaskSpec task, KernelIR ir) {
        Grid grid = grids.get(task.id());
        return switch (ir.kind()) {
            case WORK_ITEM -> {
                if (grid == null) {
                    throw new IllegalStateException("task '" + task.id() + "' runs the work-item kernel " + ir.displayName()
                            + ": give it a launch size with plan.withGrid(\"" + task.id() + "\", Grid.of(n))");
                }
                yield new LaunchGeometry(grid.globalSizes(), grid.localSizes());
            }
            case LOOP_PARALLEL -> {
                long[] sizes = new long[ir.parallelLoops().size()];
                for (ParallelLoop loop : ir.parallelLoops()) {
                    sizes[loop.dim()] = loop.tripCount() == null ? -1 : Math.max(0, loop.tripCount().evaluate(task.args()));
                }
                long[] local = grid == null ? null : grid.localSizes();
                if (local != null && local.length != sizes.length) {
                    throw new IllegalArgumentException("task '" + task.id() + "': the grid's local size has " + local.length
                            + " dimension(s) but the kernel has " + sizes.length + " @Parallel loop(s)");
                }
                yield new LaunchGeometry(sizes, local);
            }
            case SINGLE -> new LaunchGeometry(new long[] {1}, null);
        };
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        KilnException first = null;
        for (DeviceSession s : sessions.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                if (first == null) first = new KilnException("closing a device session failed", e);
            }
        }
        sessions.clear();
        residency.clear();
        prepared.clear();
        if (first != null) throw first;
    }

    public boolean isClosed() {
        return closed;
    }
}

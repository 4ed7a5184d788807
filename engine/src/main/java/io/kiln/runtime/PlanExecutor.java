package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.FallbackPolicy;
import io.kiln.Grid;
import io.kiln.KernelCompilationException;
import io.kiln.KilnException;
import io.kiln.OffHeapArray;
import io.kiln.RunResult;
import io.kiln.Schedule;
import io.kiln.Transfer;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.spi.Capability;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Runs a {@link GraphSpec}. On the first run (and after a device or fallback change) it prepares every
 * task (device, kernel, argument checks) and builds the plan's {@link Schedule}: a fixed list of steps
 * that every later run issues as it is, whatever data, scalars and grids are bound.
 * <p><b>Data slots.</b> Each distinct array of the graph (by identity) is a slot; {@link Bindings} put
 * another object of the same kind in a slot. Residency (is the host copy current, on which devices is a
 * current copy) is kept per object, not per slot, so binding an object that is already current on a
 * device copies nothing. The device copies of the last {@value #RESIDENT_PER_SLOT} objects bound to a
 * slot are kept; older ones are released (copied back first if a device held the only current copy).
 * <p><b>Events.</b> For each object and each place it lives (a device, or the host memory itself) the
 * executor remembers the last command that wrote it and the commands that read it since. A command waits
 * for the last writer of what it reads and, for what it writes, also for the readers since: events of the
 * same session are passed as {@code after}, events of another session are awaited on the host first. The
 * host itself waits only at the schedule's {@code wait} step (the copies of the run), at
 * {@link #transferToHost}, and before host-memory launches ({@code cpu}) touch data a copy uses.
 * <p><b>Host changes.</b> An array that is not {@code transferToDevice(EVERY_RUN)} belongs to the plan
 * once a run used it: a device with memory of its own keeps its copy and does not send it again, while
 * {@code cpu} works on the host array itself. So that a program means the same on every device, the
 * executor remembers a 64-bit hash of the host contents of each such array that a kernel reads (data
 * kernels only write cannot change what they compute) at the end of a run and compares
 * it at the start of the next; a difference throws, on every device alike, saying to declare the array
 * {@code EVERY_RUN} or to announce the change with {@link #hostChanged}. Read-only inputs are hashed
 * once per run (the hash at the start is reused at the end), arrays the run writes on the host again.
 * <p><b>Cancellation.</b> {@link #cancel} asks each session with work in flight to stop it. A back end
 * that can ({@code cpu}) ends the run with {@link CancellationException} and the plan stays usable; one
 * that cannot (OpenCL, CUDA: a launched kernel runs to its end) makes the plan unusable, because its
 * device state is no longer known: later runs throw saying why. {@link #close()} waits a bounded time
 * for a run in flight; a run that outlives it releases the plan's device resources itself when it ends.
 * <p>Runs are serialised per plan; different plans may run concurrently.
 * <p><b>Parts.</b> This class holds the plan's state and issues its runs (the per-run path stays here,
 * deriving nothing); what is built once or is a type of its own lives beside it: {@link PreparedTask}
 * (what a task needs on every run), {@link ScheduleBuilder} and {@link PlanStep} (the schedule),
 * {@link Residency}, {@link Touch} and {@link Issued} (where data is current, and the hazards that
 * order commands), {@link HostFingerprint} (the host-change check's hash), {@link MemoryBudget},
 * {@link RunState}, {@link RunFuture} and {@link RunCounters} (one run in flight), and
 * {@link ProfiledCommand} (a profiled run's timeline).
 */
public final class PlanExecutor implements AutoCloseable {
    /** How many objects per graph array keep their device copies when others are bound. */
    public static final int RESIDENT_PER_SLOT = 3;

    private static final Logger LOG = Logger.getLogger("io.kiln");
    private static final String HOST = Residency.HOST;
    /** Fires run timeouts; one daemon thread for the process. */
    private static final ScheduledExecutorService TIMER;

    static {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, new TimerThreads());
        t.setRemoveOnCancelPolicy(true);
        TIMER = t;
    }

    // Classes and loops instead of lambdas on the paths of a plan's first run (this class's initialisation,
    // preparing, the schedule, the first issue): each lambda site costs about 1 ms the first time a JVM runs
    // it (docs/cpu-backend.md, "Early runs").

    /** The daemon thread of {@link #TIMER}. */
    private static final class TimerThreads implements java.util.concurrent.ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread th = new Thread(r, "kiln-timeouts");
            th.setDaemon(true);
            return th;
        }
    }

    // ---- the graph -----------------------------------------------------------------------------------------

    private final RuntimeContext context;
    private final GraphSpec spec;
    /** The graph's own objects, one per slot. */
    private final Object[] slotKeys;
    private final IdentityHashMap<Object, Integer> slotOf = new IdentityHashMap<>();
    private final Transfer[] slotToDevice;
    private final Transfer[] slotToHost;
    /** The object bound to each slot now. */
    private final Object[] bound;
    /** The objects recently bound to each slot, newest first (including the current one). */
    private final List<ArrayDeque<Object>> recent = new ArrayList<>();
    /** Per task: its arguments as bound now (scalars as their exact boxed types once prepared). */
    private final Object[][] args;
    /** Per task, per Java parameter: the slot of an array argument, else -1. */
    private final int[][] argSlots;

    private Device defaultDevice;
    private final Map<String, Device> taskDevices = new HashMap<>();
    private final Map<String, Grid> grids = new HashMap<>();
    private boolean profiler;
    /** {@link io.kiln.ExecutionPlan#withBoundsChecks(boolean)}. */
    private boolean boundsChecks = true;
    /** {@link io.kiln.ExecutionPlan#withPrintBuffer(int)} and {@code withPrintOutput}. */
    private io.kiln.spi.Printing printing = io.kiln.spi.Printing.DEFAULT;
    private FallbackPolicy fallback = FallbackPolicy.FAIL;

    private final Map<String, DeviceSession> sessions = new LinkedHashMap<>();
    /** Place numbers (see {@link Residency}): the name of each, and the session of each device place. */
    private final List<String> placeNames = new ArrayList<>(List.of(HOST));
    private final List<DeviceSession> placeSessions = new ArrayList<>(java.util.Collections.singletonList(null));
    /** The residency of what is bound to each slot now, or {@code null} until looked up. */
    private Residency[] slotResidency;
    private final IdentityHashMap<Object, Residency> residency = new IdentityHashMap<>();
    private final List<Object> retired = new ArrayList<>();
    /** Per task, what it needs on every run; {@code null} until prepared. */
    private PreparedTask[] prepared;
    private PlanStep[] steps;
    private Schedule schedule;
    private boolean firstRunDone;
    /**
     * How often this plan derived what its runs then only issue: tasks prepared (devices, kernels,
     * argument checks), schedules built, and the per-binding state of a task ({@link PreparedTask#geometry},
     * the kernel it launches, the memory check). A test reads them to prove that runs of a built plan
     * derive nothing: they stay flat across runs and move only with bindings and options.
     */
    private long preparations, scheduleBuilds, bindingDerivations;
    /**
     * Whether the memory check ({@link #checkMemory}) must run again: the data bound or the tasks
     * prepared changed since it last passed. The budgets it passed under are in {@link #memoryBudgets}
     * (a changed limit checks again); nothing else between two runs can change what it computes.
     */
    private boolean memoryStale = true;
    private long[] memoryBudgets = new long[0];
    /** Whether an off-heap array was ever bound (only those can be closed under the plan: {@link #forgetClosed}). */
    private boolean offHeapSeen;
    /** The dependences of the command being issued; one command at a time (runs are serialised). */
    private final List<Issued> deps = new ArrayList<>(4);
    /** Per slot: whether host changes to its data are checked ({@link #hostChanged}). */
    private final boolean[] tracked;
    private boolean transferChecks = true;
    /** How long {@link #close()} waits for a run in flight. */
    private volatile Duration closeWait = Duration.ofSeconds(10);
    /** Guards {@link #closed} and {@link #current} against {@link #close()} and {@link #cancel}. */
    final Object closeLock = new Object();
    /** The run in flight, or {@code null}. */
    private volatile RunState current;
    /** Why the plan can no longer run, or {@code null}. */
    private volatile String unusable;
    private volatile boolean closed;

    public PlanExecutor(GraphSpec spec, Device device) {
        this(RuntimeContext.defaultContext(), spec, device);
    }

    public PlanExecutor(RuntimeContext context, GraphSpec spec, Device device) {
        context.checkOpen();
        this.context = context;
        this.spec = spec;
        this.defaultDevice = device;
        List<Object> keys = new ArrayList<>();
        List<TaskSpec> tasks = spec.tasks();
        args = new Object[tasks.size()][];
        argSlots = new int[tasks.size()][];
        for (int t = 0; t < tasks.size(); t++) {
            Object[] a = tasks.get(t).args();
            args[t] = a.clone();
            argSlots[t] = new int[a.length];
            for (int i = 0; i < a.length; i++) {
                argSlots[t][i] = isData(a[i]) ? slot(a[i], keys) : -1;
            }
        }
        for (Object o : spec.toDevice().keySet()) slot(o, keys);
        for (Object o : spec.toHost().keySet()) slot(o, keys);
        slotKeys = keys.toArray();
        bound = slotKeys.clone();
        slotToDevice = new Transfer[slotKeys.length];
        slotToHost = new Transfer[slotKeys.length];
        for (int s = 0; s < slotKeys.length; s++) {
            slotToDevice[s] = spec.toDevice().get(slotKeys[s]);
            slotToHost[s] = spec.toHost().get(slotKeys[s]);
            ArrayDeque<Object> d = new ArrayDeque<>();
            d.add(slotKeys[s]);
            recent.add(d);
        }
        grids.putAll(spec.grids());
        tracked = new boolean[slotKeys.length];
        for (Object o : slotKeys) offHeapSeen |= o instanceof OffHeapArray;
    }

    private int slot(Object o, List<Object> keys) {
        Integer s = slotOf.get(o);
        if (s == null) {
            slotOf.put(o, s = keys.size());
            keys.add(o);
        }
        return s;
    }

    static boolean isData(Object o) {
        return o instanceof OffHeapArray || (o != null && o.getClass().isArray() && o.getClass().getComponentType().isPrimitive());
    }

    // ---- options ---------------------------------------------------------------------------------------------

    public synchronized void setDevice(Device device) {
        checkOpen();
        this.defaultDevice = device;
        unprepare();
    }

    public synchronized void setDevice(String taskId, Device device) {
        checkOpen();
        requireTask(taskId);
        taskDevices.put(taskId, device);
        unprepare();
    }

    public synchronized void setGrid(String taskId, Grid grid) {
        checkOpen();
        int t = requireTask(taskId);
        grids.put(taskId, grid);
        if (prepared != null) prepared[t].geometry = null;
    }

    public synchronized void setProfiler(boolean on) {
        this.profiler = on;
        for (DeviceSession session : sessions.values()) session.recordTimestamps(on);
        schedule = null;
        steps = null;
    }

    /** Whether kernels are built with Java's bounds checks (on by default); the kernels are built again. */
    public synchronized void setBoundsChecks(boolean on) {
        checkOpen();
        if (boundsChecks == on) return;
        this.boundsChecks = on;
        unprepare();
    }

    /** The print buffer's size and sink of {@code printf} in the plan's kernels. */
    public synchronized io.kiln.spi.Printing printing() {
        return printing;
    }

    /** Sets where the kernels' {@code printf} output goes and how large its device buffer is. */
    public synchronized void setPrinting(io.kiln.spi.Printing printing) {
        checkOpen();
        this.printing = java.util.Objects.requireNonNull(printing, "printing");
        if (prepared != null) {
            for (PreparedTask p : prepared) p.geometry = null;
        }
    }

    public synchronized void setFallback(FallbackPolicy policy) {
        this.fallback = policy;
        unprepare();
    }

    /**
     * Turns the check for host changes to data the plan keeps on devices on or off (on by default); see
     * the class comment.
     */
    public synchronized void setTransferChecks(boolean on) {
        transferChecks = on;
        if (!on) {
            for (Residency r : residency.values()) r.hashed = false;
        }
    }

    /** How long {@link #close()} waits for a run in flight before it leaves the release to that run. */
    public void setCloseWait(Duration wait) {
        if (wait.isNegative()) throw new IllegalArgumentException("close wait " + wait + " is negative");
        closeWait = wait;
    }

    /**
     * How often the plan derived what its runs issue (see {@link #derivations()}): each count moves only
     * when bindings or options change, never because a plan ran again.
     *
     * @param preparations tasks prepared (device, kernel built or leased, arguments checked)
     * @param schedules    schedules built
     * @param bindings     per-binding derivations: a task's geometry, launch arguments and kernel, and the memory check
     */
    public record Derivations(long preparations, long schedules, long bindings) {
    }

    /** What the plan has derived so far; a test of the per-run cost reads it before and after runs. */
    public synchronized Derivations derivations() {
        return new Derivations(preparations, scheduleBuilds, bindingDerivations);
    }

    /** Why the plan cannot run any more, or {@code null} while it can. */
    public String unusableReason() {
        return unusable;
    }

    public GraphSpec spec() {
        return spec;
    }

    private int requireTask(String taskId) {
        List<TaskSpec> tasks = spec.tasks();
        for (int t = 0; t < tasks.size(); t++) {
            if (tasks.get(t).id().equals(taskId)) return t;
        }
        throw new IllegalArgumentException("graph '" + spec.name() + "' has no task '" + taskId + "'; its tasks are "
                + tasks.stream().map(TaskSpec::id).toList());
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the execution plan of graph '" + spec.name() + "' is closed");
        }
    }

    // ---- preparation ------------------------------------------------------------------------------------------


    private void unprepare() {
        if (prepared != null) {
            for (PreparedTask p : prepared) {
                if (p != null) p.lease.close();
            }
        }
        prepared = null;
        steps = null;
        schedule = null;
        memoryStale = true;
    }

    private void prepareAll() {
        if (prepared != null) return;
        PreparedTask[] ps = new PreparedTask[spec.tasks().size()];
        try {
            for (int t = 0; t < ps.length; t++) {
                long t0 = System.nanoTime();
                ps[t] = prepare(t);
                ps[t].compileNanos = System.nanoTime() - t0;
                preparations++;
            }
        } catch (RuntimeException | Error e) {
            for (PreparedTask p : ps) {
                if (p != null) p.lease.close();
            }
            throw e;
        }
        prepared = ps;
        // Checked: data some kernel reads that is not sent on every run. Data kernels only write (outputs)
        // cannot change what they compute, whatever the host does to it.
        Arrays.fill(tracked, false);
        for (PreparedTask p : ps) {
            for (int i = 0; i < p.arraySlots.length; i++) {
                int s = p.arraySlots[i];
                if (p.reads[i] && slotToDevice[s] != Transfer.EVERY_RUN) tracked[s] = true;
            }
        }
        buildSchedule();
    }

    private PreparedTask prepare(int t) {
        TaskSpec task = spec.tasks().get(t);
        Backends backends = context.backends();
        Device device = taskDevices.getOrDefault(task.id(), defaultDevice);
        String fallbackReason = null;
        DeviceRuntime runtime = backends.runtime(device.id());
        KernelIR ir = context.kernels().irOf(task.method());
        args[t] = LaunchRules.checkArguments(task.id(), ir, args[t]);
        if (runtime == null) {
            String why = "device " + device.id() + " is not available; available devices: "
                    + backends.devices().stream().map(Device::id).toList();
            if (fallback != FallbackPolicy.CPU) throw new KilnException("task '" + task.id() + "': " + why);
            fallbackReason = why;
            runtime = cpuRuntime(why);
            device = runtime.device();
        }
        KernelCache.Lease lease;
        Variants.Choice choice = null;
        try {
            choice = choose(task, runtime);
            lease = build(choice, ir, runtime);
        } catch (KilnException e) {
            if (fallback != FallbackPolicy.CPU || runtime.device().backend() == Backend.CPU) throw e;
            fallbackReason = "building " + ir.displayName() + " for " + device.id() + " failed: " + e.getMessage();
            runtime = cpuRuntime(fallbackReason);
            device = runtime.device();
            choice = choose(task, runtime);
            lease = build(choice, ir, runtime);
        }
        if (fallbackReason != null && context.firstFallback(ir.displayName() + "|" + fallbackReason)) {
            LOG.warning("Kiln runs " + ir.displayName() + " on the CPU back end: " + fallbackReason);
        }
        try {
            PreparedTask p = new PreparedTask(device, runtime, lease, ir, fallbackReason, session(runtime), argSlots[t]);
            p.placeIdx = placeIndex(p.place, p.session);
            p.choice = choice;
            p.launchIr = choice.ownGeometry() ? context.kernels().irOf(choice.method()) : null;
            return p;
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    /** The kernel's @Variant for this back end, if any (see Variants), else the kernel itself. */
    private Variants.Choice choose(TaskSpec task, DeviceRuntime runtime) {
        return Variants.choose(task.method(), runtime.device().backend(), context.variants());
    }

    private KernelCache.Lease build(Variants.Choice choice, KernelIR ir, DeviceRuntime runtime) {
        Set<Capability> caps = runtime.capabilities();
        if (!ir.reductions().isEmpty() && !caps.contains(Capability.REDUCTIONS)) {
            throw new KernelCompilationException(ir.displayName() + " uses @Reduce, which the " + runtime.device().backend()
                    + " back end does not implement yet; run it on a device whose back end does");
        }
        if (!caps.contains(Capability.ATOMICS) && usesAtomics(ir)) {
            throw new KernelCompilationException(ir.displayName() + " uses atomics, which the " + runtime.device().backend()
                    + " back end does not implement; run it on a device whose back end does");
        }
        // The reference's IR stays the one that transfers, ordering and argument checks are derived from.
        return context.kernels().acquire(choice, runtime, boundsChecks);
    }

    private static boolean usesAtomics(KernelIR ir) {
        for (var b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.Atomic) return true;
            }
        }
        return false;
    }

    private DeviceRuntime cpuRuntime(String why) {
        DeviceRuntime cpu = context.backends().runtime("cpu");
        if (cpu == null) {
            throw new KilnException(why + "; FallbackPolicy.CPU needs the CPU back end, which is not installed: "
                    + context.backends().unavailable().get(Backend.CPU));
        }
        return cpu;
    }

    private int placeIndex(String place, DeviceSession session) {
        int i = placeNames.indexOf(place);
        if (i >= 0) return i;
        if (placeNames.size() >= 64) {
            throw new KilnException("a plan can use at most 63 devices with memory of their own");
        }
        placeNames.add(place);
        placeSessions.add(session);
        return placeNames.size() - 1;
    }

    private DeviceSession session(DeviceRuntime runtime) {
        DeviceSession s = sessions.get(runtime.device().id());
        if (s == null) {
            s = runtime.openSession();
            s.recordTimestamps(profiler);
            sessions.put(runtime.device().id(), s);
        }
        return s;
    }

    // ---- the schedule -------------------------------------------------------------------------------------------


    /** The commands of the profiled run in progress; {@code null} when the profiler is off. */
    private List<ProfiledCommand> timeline;

    /** Builds the steps and their printed form ({@link ScheduleBuilder}). */
    private void buildSchedule() {
        scheduleBuilds++;
        ScheduleBuilder.Built b = ScheduleBuilder.build(spec, prepared, argSlots, slotToDevice, slotToHost, profiler);
        steps = b.steps();
        schedule = b.schedule();
    }

    /** A readable name for a slot: the kernel parameter it is first passed as. */
    private String slotName(int s) {
        return ScheduleBuilder.slotName(argSlots, prepared, s);
    }

    /** The first kernel parameter slot {@code s} is passed as (the plan is prepared). */
    private Param slotParam(int s) {
        for (int t = 0; t < argSlots.length; t++) {
            for (int i = 0; i < argSlots[t].length; i++) {
                if (argSlots[t][i] == s) return prepared[t].ir.params().get(i);
            }
        }
        throw new IllegalStateException("slot " + s + " is no task's argument");
    }

    private String slotTask(int s) {
        for (int t = 0; t < argSlots.length; t++) {
            for (int i = 0; i < argSlots[t].length; i++) {
                if (argSlots[t][i] == s) return spec.tasks().get(t).id();
            }
        }
        return "?";
    }

    /** The plan's schedule, preparing the plan (building its kernels) if it was not yet. */
    public synchronized Schedule schedule() {
        checkOpen();
        prepareAll();
        if (schedule == null) buildSchedule();
        return schedule;
    }

    // ---- bindings ---------------------------------------------------------------------------------------------

    /** Applies {@code b} (checked completely first: on failure nothing changes). */
    private void bind(Bindings b) {
        Object[] newBound = bound.clone();
        for (Bindings.Data d : b.data()) {
            Integer s = slotOf.get(d.graphData());
            if (s == null) {
                throw new IllegalArgumentException("Bindings.data: " + LaunchRules.describeData(d.graphData())
                        + " is not an array of graph '" + spec.name() + "': name the array the graph was built with");
            }
            Object key = slotKeys[s];
            if (d.data().getClass() != key.getClass()) {
                throw new IllegalArgumentException("Bindings.data: graph '" + spec.name() + "' has a " + LaunchRules.describeData(key)
                        + " there (" + slotName(s) + "), the new data is " + LaunchRules.describeData(d.data())
                        + ": bind data of the same type and element type (lengths may differ)");
            }
            newBound[s] = d.data();
        }
        Object[][] newArgs = new Object[args.length][];
        for (int t = 0; t < args.length; t++) {
            newArgs[t] = args[t].clone();
            for (int i = 0; i < newArgs[t].length; i++) {
                if (argSlots[t][i] >= 0) newArgs[t][i] = newBound[argSlots[t][i]];
            }
        }
        for (Bindings.Scalar sc : b.scalars()) {
            int t = requireTask(sc.taskId());
            KernelIR ir = prepared[t].ir;
            Param p = null;
            for (Param q : ir.params()) {
                if (sc.name() != null ? q.name().equals(sc.name()) : q.index() == sc.position()) p = q;
            }
            if (p == null) {
                throw new IllegalArgumentException("Bindings.scalar: " + ir.displayName() + " (task '" + sc.taskId() + "') has no parameter "
                        + (sc.name() != null ? "named '" + sc.name() + "'" : "at position " + sc.position()) + "; its parameters are "
                        + ir.params().stream().map(Param::name).toList() + unnamedHint(ir));
            }
            if (!(p instanceof Param.Scalar s)) {
                throw new IllegalArgumentException("Bindings.scalar: " + LaunchRules.param(p) + " of " + ir.displayName()
                        + " (task '" + sc.taskId() + "') is not a scalar: bind arrays with Bindings.data");
            }
            newArgs[t][s.index()] = LaunchRules.scalar(sc.taskId(), ir, s, sc.value());
        }
        for (Bindings.Data d : b.data()) {
            int s = slotOf.get(d.graphData());
            for (int t = 0; t < args.length; t++) {
                for (Param.Array a : prepared[t].ir.arrayParams()) {
                    if (argSlots[t][a.index()] == s) LaunchRules.checkArray(spec.tasks().get(t).id(), prepared[t].ir, a, d.data());
                }
            }
        }
        for (Bindings.TaskGrid g : b.grids()) requireTask(g.taskId());
        // Everything checked: apply.
        for (int s = 0; s < bound.length; s++) {
            Object now = newBound[s];
            if (now != bound[s]) {
                bound[s] = now;
                memoryStale = true;
                offHeapSeen |= now instanceof OffHeapArray;
                if (slotResidency != null) slotResidency[s] = null;
                ArrayDeque<Object> r = recent.get(s);
                r.removeIf(o -> o == now);
                r.addFirst(now);
                while (r.size() > RESIDENT_PER_SLOT) retired.add(r.removeLast());
            }
        }
        for (int t = 0; t < args.length; t++) {
            if (!Arrays.equals(newArgs[t], args[t])) {
                args[t] = newArgs[t];
                prepared[t].geometry = null;
            }
        }
        for (Bindings.TaskGrid g : b.grids()) {
            grids.put(g.taskId(), g.grid());
            prepared[requireTask(g.taskId())].geometry = null;
        }
    }

    // ---- running ----------------------------------------------------------------------------------------------

    /** Runs every task once with the current bindings. */
    public RunResult run() {
        return run(null, null, null);
    }

    /** Applies {@code bindings} (if not {@code null}), then runs every task once. */
    public RunResult run(Bindings bindings) {
        return run(bindings, null, null);
    }

    /**
     * Runs as {@link #run(Bindings)} does, on {@code pool}, and returns a future of the run. Cancelling
     * the future completes it at once (releasing threads waiting for it) and asks the devices to stop
     * ({@link #cancel}). With a {@code timeout}, a run that has not ended that long after it started
     * issuing its schedule (building kernels on the first run does not count) is cancelled the same way
     * and the future fails with a {@link KilnException} naming the task that was running.
     */
    public CompletableFuture<RunResult> submit(Bindings bindings, Duration timeout, Executor pool) {
        RunFuture f = new RunFuture(this);
        pool.execute(() -> {
            if (f.isDone()) return;
            try {
                f.complete(run(bindings, timeout, f));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }


    private RunResult run(Bindings bindings, Duration timeout, RunFuture future) {
        synchronized (this) {
            RunState r;
            synchronized (closeLock) {
                if (future != null && future.isDone()) throw new CancellationException("the run was cancelled before it started");
                checkOpen();
                checkUsable();
                r = new RunState(spec.tasks().size());
                current = r;
                if (future != null) future.state = r;
            }
            boolean ok = false;
            try {
                RunResult result = runSteps(bindings, r, timeout, future);
                ok = true;
                return result;
            } catch (RuntimeException | Error e) {
                if (r.cancelled == null) throw e;
                // stopped by the timeout: the same KilnException as the timer's, whichever thread completes the future first
                if (r.timedOut != null) throw new KilnException("graph '" + spec.name() + "': " + r.timedOut + STOPPED, e);
                CancellationException c = new CancellationException("graph '" + spec.name() + "': " + r.cancelled);
                if (!(e instanceof CancellationException)) c.initCause(e);
                throw c;
            } finally {
                end(r, ok);
            }
        }
    }

    private void end(RunState r, boolean ok) {
        if (r.timer != null) r.timer.cancel(false);
        if (!ok && r.issued) {
            // The run stopped part way: what it wrote is unspecified. The host copy becomes the truth
            // (every device copy is sent again) and the host-change check starts afresh.
            for (Residency x : residency.values()) {
                x.hashed = false;
                x.hostTouched = false;
                if (r.cancelled != null) {
                    x.hostValid = true;
                    x.validOn = 0;
                }
            }
        }
        boolean release;
        synchronized (closeLock) {
            current = null;
            release = closed;
        }
        try {
            if (release) releaseAll();
        } catch (RuntimeException e) {
            LOG.warning("Kiln: releasing the device resources of graph '" + spec.name() + "' after its last run failed: " + e);
        } finally {
            r.done.countDown();
        }
    }

    private RunResult runSteps(Bindings bindings, RunState rs, Duration timeout, RunFuture future) {
        long start = System.nanoTime();
        prepareAll();
        if (steps == null) buildSchedule();
        if (bindings != null) bind(bindings);
        PreparedTask[] ps = prepared;
        rs.prepared = ps;
        for (int t = 0; t < ps.length; t++) {
            PreparedTask p = ps[t];
            for (Param.Array a : p.offHeap) {
                LaunchRules.checkOpen(spec.tasks().get(t).id(), p.ir, (OffHeapArray) args[t][a.index()], a);
            }
            if (p.geometry == null) {
                String id = spec.tasks().get(t).id();
                // a variant with its own geometry: its grid method's grid, under the work-item rules of its own IR
                LaunchGeometry g = p.choice.ownGeometry() ? LaunchRules.geometry(id, p.launchIr, p.choice.grid(args[t]), null)
                        : LaunchRules.geometry(id, p.ir, grids.get(id), args[t]);
                p.geometry = new LaunchGeometry(g.sizes(), g.local(), printing);
                // the kernel's arguments, with a KernelContext first for a variant with its own geometry
                p.launchArgs = p.choice.launchArguments(args[t]);
                // the kernel without the checks that the host proves for these arguments, when it can
                p.kernel = p.lease.kernelFor(p.launchArgs, p.geometry.local());
                p.checked = io.kiln.frontend.BoundsChecks.hasChecks(p.kernel.ir());
                bindingDerivations++;
            }
        }
        if (offHeapSeen) forgetClosed();
        if (memoryStale || budgetsChanged()) checkMemory();
        long[] startHash = transferChecks ? checkHostUnchanged() : null;
        if (timeout != null) {
            rs.timer = TIMER.schedule(() -> timedOut(rs, timeout, future), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        rs.issued = true;
        timeline = profiler ? new ArrayList<>() : null;
        RunCounters c = new RunCounters(ps.length);
        List<Issued> waitFor = new ArrayList<>();
        long transferBack = 0;
        for (PlanStep step : steps) {
            if (rs.cancelled != null) throw new CancellationException(rs.cancelled);
            switch (step.kind()) {
                case HOST_CURRENT -> {
                    Residency r = res(step.slot());
                    r.hostValid = true;
                    r.validOn = 0;
                }
                case COPY_TO_DEVICE -> {
                    PreparedTask p = step.target();
                    Object data = bound[step.slot()];
                    Residency r = res(step.slot());
                    if ((r.validOn & 1L << p.placeIdx) != 0) {
                        c.elided++;
                        continue;
                    }
                    long s0 = System.nanoTime();
                    makeHostValid(data, r, c, null);
                    List<Issued> deps = this.deps;
                    deps.clear();
                    r.at(0).readDeps(deps);
                    r.at(p.placeIdx).writeDeps(deps);
                    Issued e = new Issued(p.session, p.session.enqueueToDevice(data, Issued.after(p.session, deps)));
                    if (timeline != null) timeline.add(new ProfiledCommand(Schedule.Kind.COPY_TO_DEVICE, slotName(step.slot()), p.device, e.event(), s0, System.nanoTime()));
                    r.at(0).read(e);
                    r.at(p.placeIdx).write(e);
                    r.validOn |= 1L << p.placeIdx;
                    waitFor.add(e);
                    c.toDevice++;
                    c.transferNanos[step.task()] += System.nanoTime() - s0;
                }
                case HOST_SYNC -> {
                    Object data = bound[step.slot()];
                    long s0 = System.nanoTime();
                    makeHostValid(data, res(step.slot()), c, null);
                    c.transferNanos[step.task()] += System.nanoTime() - s0;
                }
                case LAUNCH -> launch(step.task(), step.target(), c, rs, waitFor);
                case COPY_TO_HOST -> {
                    if (!step.everyRun() && firstRunDone) continue;
                    long t0 = System.nanoTime();
                    Object data = bound[step.slot()];
                    makeHostValid(data, res(step.slot()), c, waitFor);
                    transferBack += System.nanoTime() - t0;
                }
                case WAIT -> {
                    long t0 = System.nanoTime();
                    Issued.awaitAll(waitFor);
                    transferBack += System.nanoTime() - t0;
                }
                case RELEASE -> releaseRetired();
            }
        }
        if (rs.cancelled != null) throw new CancellationException(rs.cancelled);
        firstRunDone = true;
        if (transferChecks) rememberHost(startHash);
        List<RunResult.Command> commands = List.of();
        if (timeline != null) {
            // the launches nobody waited for (profiled, on devices with their own clocks), then their times;
            // awaited without asking first whether they are complete (a driver call each): a wait for a
            // complete event returns at once
            for (ProfiledCommand q : timeline) {
                if (q.kind() == Schedule.Kind.LAUNCH && q.event() != DeviceEvent.COMPLETE) {
                    ps[q.task()].session.await(List.of(q.event()));
                }
            }
            commands = ProfiledCommand.commands(timeline);
            for (int i = 0; i < timeline.size(); i++) {
                RunResult.Command cmd = commands.get(i);
                if (cmd.kind() == Schedule.Kind.LAUNCH && cmd.deviceClock()) c.kernelNanos[timeline.get(i).task()] = cmd.durationNanos();
            }
            timeline = null;
        }
        List<RunResult.TaskRun> runs = new ArrayList<>(ps.length);
        for (int t = 0; t < ps.length; t++) {
            PreparedTask p = ps[t];
            runs.add(new RunResult.TaskRun(spec.tasks().get(t).id(), p.device, p.compileNanos, c.transferNanos[t], c.kernelNanos[t],
                    p.fallbackReason, p.implementation()));
            p.compileNanos = 0;
        }
        return new RunResult(spec.name(), runs, transferBack, System.nanoTime() - start, c.toDevice, c.toHost, c.elided, commands);
    }


    /** The device of place {@code place} (a device with memory of its own). */
    private io.kiln.Device deviceAt(int place) {
        io.kiln.Device d = deviceAtOrNull(place);
        if (d == null) throw new IllegalStateException("no task runs on place " + place);
        return d;
    }

    /** The device of place {@code place}, or {@code null} when no task of the prepared plan runs there. */
    private io.kiln.Device deviceAtOrNull(int place) {
        for (PreparedTask p : prepared) {
            if (p.placeIdx == place) return p.device;
        }
        return null;
    }

    /** The schedule's name of bound data {@code data}. */
    private String nameOf(Object data) {
        for (int s = 0; s < bound.length; s++) {
            if (bound[s] == data) return slotName(s);
        }
        return String.valueOf(data);
    }

    // ---- host changes ------------------------------------------------------------------------------------------

    /**
     * Compares the host contents of every array the plan keeps on devices with the hash remembered at
     * the end of the last run; throws naming the first that changed. Returns the hashes computed, per
     * slot (meaningful where {@link #tracked}).
     */
    private long[] checkHostUnchanged() {
        long[] now = new long[slotKeys.length];
        for (int s = 0; s < slotKeys.length; s++) {
            if (!tracked[s]) continue;
            Residency r = res(s);
            if (!r.hashed) continue;
            now[s] = HostFingerprint.fingerprint(bound[s]);
            if (now[s] != r.hash) {
                Param param = slotParam(s);
                String var = LaunchRules.hasName(param) ? param.name() : "array";
                String name = LaunchRules.describeData(bound[s]) + " (" + LaunchRules.param(param) + " of task '" + slotTask(s) + "')";
                throw new IllegalStateException("graph '" + spec.name() + "': the host changed " + name + " after the last run, but the plan keeps"
                        + " that array on the device between runs (it is not transferToDevice(EVERY_RUN)): a device with memory of its own"
                        + " would ignore the change and cpu would see it. Say which you mean: declare it with"
                        + " transferToDevice(Transfer.EVERY_RUN, " + var + ") to send it on every run, or call"
                        + " plan.hostChanged(" + var + ") after changing it. (This check runs on every device;"
                        + " plan.withTransferChecks(false) turns it off.)");
            }
        }
        return now;
    }

    /** Remembers the host contents of the tracked arrays as this run leaves them. */
    private void rememberHost(long[] startHash) {
        for (int s = 0; s < slotKeys.length; s++) {
            if (!tracked[s]) continue;
            Residency r = res(s);
            if (!r.hashed || r.hostTouched) r.hash = HostFingerprint.fingerprint(bound[s]);
            else r.hash = startHash[s];
            r.hashed = true;
            r.hostTouched = false;
        }
    }

    /**
     * Tells the plan that the host changed {@code data} since the last run: the next run sends it to
     * each device again (and {@code cpu}, which uses the host array itself, reads it as it is). Each
     * object is itself (identity): an array of the graph or one bound in its place in recent runs.
     */
    public synchronized void hostChanged(Object... data) {
        checkOpen();
        for (Object a : data) {
            Residency r = residency.get(a);
            if (r == null) {
                if (slotOf.containsKey(a) || isRecent(a)) continue; // never used yet: nothing on a device
                throw new IllegalArgumentException("the array passed to hostChanged (" + LaunchRules.describeData(a)
                        + ") is not used by graph '" + spec.name() + "': pass an array the graph was built with or one bound to it");
            }
            r.hostValid = true;
            r.validOn = 0;
            r.hashed = false;
        }
    }


    // ---- device memory -----------------------------------------------------------------------------------------

    /**
     * Refuses a run whose data would not fit in the memory of a device it uses, before the driver is
     * asked (a failed allocation aborts the process on some drivers). Copies kept for data bound
     * earlier are released first when only they are in the way.
     */
    private void checkMemory() {
        bindingDerivations++;
        long[] budgets = new long[placeSessions.size()];
        for (int place = 1; place < placeSessions.size(); place++) {
            Device device = null;
            long need = 0;
            Set<Object> counted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (int t = 0; t < prepared.length; t++) {
                PreparedTask p = prepared[t];
                if (p.placeIdx != place) continue;
                device = p.device;
                for (Param.Array a : p.ir.arrayParams()) {
                    Object data = args[t][a.index()];
                    if (counted.add(data)) need += MemoryBudget.byteSize(data);
                }
            }
            if (device == null) continue;
            long budget = context.memoryBudget(device);
            budgets[place] = budget;
            if (budget <= 0) continue;
            if (need > budget) {
                throw MemoryBudget.refusal(spec, prepared, args, place, device, need, budget);
            }
            long kept = 0;
            for (ArrayDeque<Object> r : recent) {
                for (Object o : r) {
                    Residency x = residency.get(o);
                    if (!counted.contains(o) && x != null && (x.validOn & 1L << place) != 0) kept += MemoryBudget.byteSize(o);
                }
            }
            if (need + kept > budget) {
                for (ArrayDeque<Object> r : recent) {
                    for (java.util.Iterator<Object> it = r.iterator(); it.hasNext(); ) {
                        Object o = it.next();
                        if (counted.contains(o) || isBound(o)) continue;
                        it.remove();
                        retired.add(o);
                    }
                }
                releaseRetired();
            }
        }
        memoryBudgets = budgets;
        memoryStale = false;
    }

    /**
     * Whether the memory budget of a device of the plan changed since {@link #checkMemory} last passed
     * ({@code KilnRuntime.limitMemory}): one map lookup per device, so that a run with the same data
     * does not count its bytes again.
     */
    private boolean budgetsChanged() {
        if (memoryBudgets.length != placeSessions.size()) return true;
        for (int place = 1; place < memoryBudgets.length; place++) {
            Device device = deviceAtOrNull(place);
            if (device != null && context.memoryBudget(device) != memoryBudgets[place]) return true;
        }
        return false;
    }

    private boolean isBound(Object o) {
        for (Object b : bound) {
            if (b == o) return true;
        }
        return false;
    }


    // ---- cancellation ------------------------------------------------------------------------------------------

    /**
     * Cancels the run in flight, if any, saying {@code reason}. Returns whether the run will stop soon:
     * {@code false} when a device that cannot stop a launched kernel has one running, in which case the
     * plan is now unusable.
     */
    public boolean cancel(String reason) {
        RunState r = current;
        return r == null || cancel(r, reason);
    }

    boolean cancel(RunState r, String reason) {
        if (r.stop(reason, spec)) return true;
        unusable = reason + ", but " + r.unstoppable;
        LOG.warning("Kiln: graph '" + spec.name() + "': " + unusable);
        return false;
    }


    /** The end of a timeout's message when the run was stopped. */
    private static final String STOPPED = "; it was stopped, and the plan can run again (the contents of the data it writes are unspecified)";

    private void timedOut(RunState r, Duration timeout, RunFuture future) {
        if (r.done.getCount() == 0) return;
        String what = r.inFlight(spec);
        String reason = what + " ran longer than the plan's timeout of " + format(timeout);
        r.timedOut = reason;
        boolean stops = cancel(r, reason);
        KilnException e = new KilnException("graph '" + spec.name() + "': " + reason + (stops ? STOPPED : ", but " + r.unstoppable));
        if (future != null) future.completeExceptionally(e);
    }

    private static String format(Duration d) {
        long ms = d.toMillis();
        return ms < 10_000 ? ms + " ms" : d.toSeconds() + " s";
    }

    private void checkUsable() {
        String why = unusable;
        if (why != null) {
            throw new IllegalStateException("the execution plan of graph '" + spec.name() + "' is unusable: " + why);
        }
    }


    private void launch(int t, PreparedTask p, RunCounters c, RunState rs, List<Issued> waitFor) {
        Object[] a = p.launchArgs;
        List<Issued> deps = this.deps;
        deps.clear();
        for (int i = 0; i < p.arraySlots.length; i++) {
            Residency r = res(p.arraySlots[i]);
            Touch<Issued> at = r.at(p.placeIdx);
            if (p.writes[i]) at.writeDeps(deps);
            else at.readDeps(deps);
        }
        long k0 = System.nanoTime();
        io.kiln.spi.CompiledKernel kernel = p.kernel;
        boolean checked = p.checked;
        rs.launching = t;
        Issued e;
        try {
            e = new Issued(p.session, p.session.enqueueLaunch(kernel, a, p.geometry, Issued.after(p.session, deps)), checked);
            rs.launches[t] = e.event();
        } finally {
            rs.launching = -1;
        }
        if (profiler) {
            // A device with memory of its own reports the kernel's own times (read after the run), so the
            // host need not wait here and a profiled run keeps its copy/compute overlap; elsewhere (cpu) the
            // host's clock around the launch is the kernel's time.
            if (!p.session.copiesData()) p.session.await(List.of(e.event()));
            if (timeline != null) timeline.add(new ProfiledCommand(Schedule.Kind.LAUNCH, spec.tasks().get(t).id(), p.device, e.event(), k0, System.nanoTime(), t));
        }
        // a kernel with bounds checks: the run's final wait looks at its error record, so the run throws
        if (checked) waitFor.add(e);
        c.kernelNanos[t] += System.nanoTime() - k0;
        for (int i = 0; i < p.arraySlots.length; i++) {
            Residency r = res(p.arraySlots[i]);
            Touch<Issued> at = r.at(p.placeIdx);
            if (p.writes[i]) {
                at.write(e);
                r.validOn = 0;
                if (p.copies) {
                    r.validOn = 1L << p.placeIdx;
                    r.hostValid = false;
                } else {
                    r.hostValid = true;
                    r.hostTouched = true;
                }
            } else {
                at.read(e);
            }
        }
    }


    private Residency res(int slot) {
        if (slotResidency == null) slotResidency = new Residency[slotKeys.length];
        Residency r = slotResidency[slot];
        if (r == null) slotResidency[slot] = r = state(bound[slot]);
        return r;
    }

    private Residency state(Object data) {
        Residency r = residency.get(data);
        if (r == null) residency.put(data, r = new Residency());
        return r;
    }

    /**
     * Makes the host copy of {@code data} current: enqueues a copy from a device that holds it. The
     * copy's event goes to {@code waitFor} when given, else the host waits for it now.
     */
    private void makeHostValid(Object data, Residency r, RunCounters c, List<Issued> waitFor) {
        if (r.hostValid) {
            return;
        }
        for (int dev = 1; dev < placeSessions.size(); dev++) {
            if ((r.validOn & 1L << dev) == 0) continue;
            DeviceSession s = placeSessions.get(dev);
            List<Issued> deps = this.deps;
            deps.clear();
            r.at(dev).readDeps(deps);
            r.at(0).writeDeps(deps);
            long h0 = System.nanoTime();
            Issued e = new Issued(s, s.enqueueToHost(data, Issued.after(s, deps)));
            if (timeline != null) timeline.add(new ProfiledCommand(Schedule.Kind.COPY_TO_HOST, nameOf(data), deviceAt(dev), e.event(), h0, System.nanoTime()));
            r.at(dev).read(e);
            r.at(0).write(e);
            r.hostValid = true;
            r.hostTouched = true;
            if (c != null) c.toHost++;
            if (waitFor != null) waitFor.add(e);
            else s.await(List.of(e.event()));
            return;
        }
        throw new IllegalStateException("no valid copy of an array exists; this is a bug in Kiln");
    }

    /**
     * Forgets the off-heap arrays bound in earlier runs that their owners have closed since, releasing
     * their device copies without copying anything back (the host memory is gone). This is the
     * streaming pattern: allocate a batch, bind it, run, close it, and the next batch in its place;
     * without this, the plan would keep the closed batches among its recent bindings and fail the
     * next run when it sized or hashed them. An array bound now is not forgotten: the run refuses it
     * by name before this ({@link LaunchRules#checkOpen}).
     */
    private void forgetClosed() {
        for (int s = 0; s < recent.size(); s++) {
            Object now = bound[s];
            for (java.util.Iterator<Object> it = recent.get(s).iterator(); it.hasNext(); ) {
                Object o = it.next();
                if (o != now && o instanceof OffHeapArray a && a.isClosed()) {
                    it.remove();
                    forget(o);
                }
            }
        }
        for (java.util.Iterator<Object> it = retired.iterator(); it.hasNext(); ) {
            if (it.next() instanceof OffHeapArray a && a.isClosed() && forget(a)) it.remove();
        }
    }

    /** Waits for the device work on a closed array, releases its device copies and its residency; true. */
    private boolean forget(Object o) {
        Residency r = residency.remove(o);
        if (r != null) releaseDeviceCopies(o, r);
        return true;
    }

    /** Waits for the device work that writes {@code o}, then releases its copies on every device. */
    private void releaseDeviceCopies(Object o, Residency r) {
        List<Issued> pending = new ArrayList<>();
        for (Touch<Issued> t : r.touches) {
            if (t != null) t.writeDeps(pending);
        }
        Issued.awaitAll(pending);
        for (DeviceSession s : sessions.values()) {
            if (s.copiesData()) s.release(o);
        }
    }

    /** Releases the device copies of objects no longer among the recent bindings of any slot. */
    private void releaseRetired() {
        if (retired.isEmpty()) return;
        for (Object o : retired) {
            boolean stillUsed = false;
            for (ArrayDeque<Object> r : recent) {
                for (Object x : r) {
                    if (x == o) stillUsed = true;
                }
            }
            Residency r = residency.get(o);
            if (stillUsed || r == null) continue;
            if (o instanceof OffHeapArray a && a.isClosed()) {
                forget(o); // its owner closed it: nothing to copy back into
                continue;
            }
            makeHostValid(o, r, null, null);
            releaseDeviceCopies(o, r);
            residency.remove(o);
        }
        retired.clear();
    }

    /**
     * Copies the current contents of {@code data} to the host now. Each object is itself (identity):
     * an array of the graph, or one bound to it in recent runs ({@link Bindings}).
     */
    public synchronized void transferToHost(Object... data) {
        checkOpen();
        checkUsable();
        for (Object a : data) {
            Residency r = residency.get(a);
            if (r == null) {
                if (slotOf.containsKey(a) || isRecent(a)) continue; // never used on a device: the host copy is current
                throw new IllegalArgumentException("the array passed to transferToHost (" + LaunchRules.describeData(a)
                        + ") is not used by graph '" + spec.name() + "'");
            }
            makeHostValid(a, r, null, null);
            List<Issued> pending = new ArrayList<>();
            r.at(0).writeDeps(pending);
            Issued.awaitAll(pending);
            if (r.hashed && r.hostTouched) r.hash = HostFingerprint.fingerprint(a);
            r.hostTouched = false;
        }
    }

    private boolean isRecent(Object o) {
        for (ArrayDeque<Object> r : recent) {
            for (Object x : r) {
                if (x == o) return true;
            }
        }
        return false;
    }

    /**
     * Releases every device resource of the plan. A run in flight is waited for up to the close wait
     * ({@link #setCloseWait}, 10 s by default), then cancelled; if it still has not ended (a kernel that
     * its device cannot stop), this returns anyway, logs what is left, and that run releases the
     * resources itself when it ends. Idempotent.
     */
    @Override
    public void close() {
        RunState r;
        synchronized (closeLock) {
            if (closed) return;
            closed = true;
            r = current;
        }
        if (r == null) {
            synchronized (this) {
                releaseAll();
            }
            return;
        }
        // The run in flight releases everything when it ends (it sees closed).
        if (awaitQuietly(r.done, closeWait)) return;
        cancel(r, "the plan was closed while it ran");
        if (awaitQuietly(r.done, Duration.ofMillis(200))) return;
        LOG.warning("Kiln: closing the plan of graph '" + spec.name() + "' did not wait for " + r.inFlight(spec) + ", which is still running"
                + " after " + format(closeWait) + ": its device sessions (" + String.join(", ", sessions.keySet()) + ") and their memory"
                + " are released when it ends");
    }

    private static boolean awaitQuietly(CountDownLatch latch, Duration d) {
        try {
            return latch.await(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return latch.getCount() == 0;
        }
    }

    private void releaseAll() {
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
        slotResidency = null;
        unprepare();
        if (first != null) throw first;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * The hint for a kernel whose class was compiled without parameter names (javac without
     * {@code -parameters} or {@code -g}): Kiln then calls them {@code arg0, arg1, ...}.
     */
    static String unnamedHint(KernelIR ir) {
        for (Param q : ir.params()) {
            if (!q.name().equals("arg" + q.index())) return "";
        }
        return ir.params().isEmpty() ? "" : " (the class has no parameter names: compile it with javac -parameters or -g to use"
                + " the names of the source, or bind by position: Bindings.of().scalar(taskId, position, value), counting from 0)";
    }
}

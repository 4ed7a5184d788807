package io.kiln;

import io.kiln.runtime.TaskSpec;
import io.kiln.runtime.GraphSpec;
import io.kiln.runtime.PlanExecutor;

import java.util.HashMap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A graph of data transfers and kernel tasks. Build it once, then make an {@link ExecutionPlan} and
 * run that as often as needed:
 * <pre>{@code
 * TaskGraph graph = new TaskGraph("saxpy")
 *         .transferToDevice(Transfer.FIRST_RUN, x)
 *         .transferToDevice(Transfer.EVERY_RUN, y)
 *         .task("saxpy", Kernels::saxpy, 2f, x, y)
 *         .transferToHost(Transfer.EVERY_RUN, y);
 * try (ExecutionPlan plan = graph.plan()) {
 *     plan.run();
 * }
 * }</pre>
 * A graph is not thread-safe while being built; {@link #plan()} takes a snapshot, so later changes to
 * the graph do not affect existing plans.
 *
 * <p>The typed {@code task(id, kernel, a, b, ...)} overloads, one per kernel parameter count, are
 * generated at build time into the package-private superclass {@code TaskMethods} (engine/src/build/Arities.java).
 */
public final class TaskGraph extends TaskMethods {
    private final String name;
    private final List<TaskSpec> tasks = new ArrayList<>();
    private final Map<Object, Transfer> toDevice = new IdentityHashMap<>();
    private final Map<Object, Transfer> toHost = new IdentityHashMap<>();
    private final Set<String> ids = new java.util.HashSet<>();
    private final Map<String, Grid> grids = new HashMap<>();

    /** An empty graph; {@code name} appears in results and messages. */
    public TaskGraph(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** The graph's name. */
    public String name() {
        return name;
    }

    /**
     * Sets the launch size of task {@code taskId} where the graph is built (plans may still change it
     * with {@link ExecutionPlan#withGrid} or {@link Bindings#grid}):
     * {@code graph.task("blur", Filters::blur, ctx, img, out).withGrid("blur", Grid.of(w, h))}.
     *
     * @throws IllegalArgumentException if the graph has no task {@code taskId}
     */
    public TaskGraph withGrid(String taskId, Grid grid) {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(grid, "grid");
        if (!ids.contains(taskId)) {
            throw new IllegalArgumentException("task graph '" + name + "' has no task '" + taskId + "' (yet): add the task before its grid");
        }
        grids.put(taskId, grid);
        return this;
    }

    /**
     * Copies arrays to the device before the tasks that use them, on the first run only
     * ({@link Transfer#FIRST_RUN}) or on every run ({@link Transfer#EVERY_RUN}). Arrays that no
     * transfer names are copied when first needed and treated as {@link Transfer#FIRST_RUN}.
     */
    public TaskGraph transferToDevice(Transfer mode, Object... data) {
        Objects.requireNonNull(mode, "mode");
        if (mode == Transfer.ON_DEMAND) {
            throw new IllegalArgumentException("Transfer.ON_DEMAND applies only to transferToHost: "
                    + "use FIRST_RUN or EVERY_RUN for data going to the device");
        }
        for (Object o : checkArrays(data)) {
            toDevice.put(o, mode);
        }
        return this;
    }

    /**
     * Copies arrays back to the host after the tasks that write them: on the first run only, on every
     * run, or {@link Transfer#ON_DEMAND} when {@link ExecutionPlan#transferToHost(Object...)} asks.
     */
    public TaskGraph transferToHost(Transfer mode, Object... data) {
        Objects.requireNonNull(mode, "mode");
        for (Object o : checkArrays(data)) {
            toHost.put(o, mode);
        }
        return this;
    }

    /** Makes an execution plan on {@link Devices#auto()}, in the {@link KilnRuntime#shared() shared runtime}. */
    public ExecutionPlan plan() {
        return plan(Devices.auto());
    }

    /** Makes an execution plan whose tasks run on {@code device} unless told otherwise (shared runtime). */
    public ExecutionPlan plan(Device device) {
        return plan(KilnRuntime.shared(), device);
    }

    /**
     * Makes an execution plan in {@code runtime}: its kernels are built and cached there.
     *
     * @throws IllegalStateException if the graph has no tasks or {@code runtime} is closed
     */
    public ExecutionPlan plan(KilnRuntime runtime, Device device) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(device, "device");
        if (tasks.isEmpty()) {
            throw new IllegalStateException("task graph '" + name + "' has no tasks: add one with task(...)");
        }
        GraphSpec spec = new GraphSpec(name, List.copyOf(tasks), Collections.unmodifiableMap(new IdentityHashMap<>(toDevice)),
                Collections.unmodifiableMap(new IdentityHashMap<>(toHost)), Map.copyOf(grids));
        return new ExecutionPlan(new PlanExecutor(runtime.context(), spec, device));
    }

    @Override
    TaskGraph addTask(String id, Object kernel, Object[] args) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kernel, "kernel");
        if (!ids.add(id)) {
            throw new IllegalArgumentException("task graph '" + name + "' already has a task '" + id + "': task ids must be unique");
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                ids.remove(id);
                Class<?>[] types = TaskSpec.resolve(kernel).getParameterTypes();
                boolean context = i < types.length && types[i] == KernelContext.class;
                throw new IllegalArgumentException("task '" + id + "': argument " + i + " is null"
                        + (context ? ": pass new KernelContext() for a work-item kernel's context (each device fills in the ids)"
                                   : ": every argument must be an array or a value"));
            }
        }
        tasks.add(TaskSpec.of(id, kernel, args));
        return this;
    }

    private static List<Object> checkArrays(Object[] data) {
        List<Object> out = new ArrayList<>();
        for (Object o : data) {
            if (o == null) {
                throw new IllegalArgumentException("null passed as transfer data");
            }
            if (!(o instanceof OffHeapArray) && (!o.getClass().isArray() || !o.getClass().getComponentType().isPrimitive())) {
                throw new IllegalArgumentException("transfer data must be primitive arrays or off-heap arrays (FloatArray, ...), got "
                        + o.getClass().getTypeName());
            }
            out.add(o);
        }
        return out;
    }
}

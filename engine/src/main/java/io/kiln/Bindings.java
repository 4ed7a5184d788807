package io.kiln;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * New data, scalar values and grids for the next runs of a built {@link ExecutionPlan}, without
 * rebuilding kernels or the plan's schedule:
 * <pre>{@code
 * for (int k = 0; k < batches; k++) {
 *     plan.run(Bindings.of()
 *             .data(input, inputs[k % 3])      // the graph was built with `input`; bind another array to it
 *             .data(output, outputs[k % 3])
 *             .scalar("sort", "j", j)          // task id + the kernel's parameter name (or its position)
 *             .grid("sort", Grid.of(n)));
 * }
 * }</pre>
 * <b>Data</b> is named by the object the graph was built with, and replaced by an object of the same
 * kind: a Java array of the same component type, or an off-heap array of the same class; lengths may
 * differ. Residency is kept per object, so binding data that is already current on a device copies
 * nothing (the plan keeps the device copies of the last 3 objects bound to each graph array; an older
 * one is released, after being copied back if a device held its only current copy). <b>Scalars</b> are named by task id and the parameter's name as
 * the class file records it (compile with {@code -parameters}; otherwise {@code p0}, {@code p1}, ...),
 * or by the Java parameter position (0-based). A scalar value must be the parameter's boxed type, or a
 * narrower one where no information is lost: {@code Integer} for {@code long} and {@code double},
 * {@code Integer} for {@code float} when exactly representable, {@code Integer} for {@code byte},
 * {@code short} and {@code char} in range, {@code Float} for {@code double}. A {@code Long} for an
 * {@code int} or a {@code Double} for a {@code float} is refused, never truncated. <b>Grids</b> replace {@link ExecutionPlan#withGrid}.
 * <p>Bindings stay in effect for later runs until bound again ({@code data(input, input)} restores
 * the original). They are checked when the run starts: a mismatched type, an unknown task or parameter,
 * or a lossy scalar is an {@link IllegalArgumentException} and the plan keeps its previous bindings.
 * A {@code Bindings} object is a plain builder, not thread-safe; it may be reused for several runs.
 */
public final class Bindings {

    /** Bind {@code data} where the graph has {@code graphData}. */
    public record Data(Object graphData, Object data) {
    }

    /**
     * A scalar value for one parameter of one task: by {@code name}, or by {@code position} when
     * {@code name} is {@code null}.
     */
    public record Scalar(String taskId, String name, int position, Object value) {
    }

    /** The grid of one task. */
    public record TaskGrid(String taskId, Grid grid) {
    }

    private final List<Data> data = new ArrayList<>();
    private final List<Scalar> scalars = new ArrayList<>();
    private final List<TaskGrid> grids = new ArrayList<>();

    private Bindings() {
    }

    /** No bindings yet. */
    public static Bindings of() {
        return new Bindings();
    }

    /**
     * Binds {@code data} in place of {@code graphData}, the array (Java or off-heap) the graph was
     * built with.
     */
    public Bindings data(Object graphData, Object data) {
        this.data.add(new Data(Objects.requireNonNull(graphData, "graphData"), Objects.requireNonNull(data, "data")));
        return this;
    }

    /** Sets scalar parameter {@code parameter} (its Java name) of task {@code taskId}. */
    public Bindings scalar(String taskId, String parameter, Object value) {
        scalars.add(new Scalar(Objects.requireNonNull(taskId, "taskId"), Objects.requireNonNull(parameter, "parameter"), -1,
                Objects.requireNonNull(value, "value")));
        return this;
    }

    /** Sets the scalar parameter at Java parameter position {@code position} (0-based) of task {@code taskId}. */
    public Bindings scalar(String taskId, int position, Object value) {
        if (position < 0) throw new IllegalArgumentException("a parameter position cannot be negative: " + position);
        scalars.add(new Scalar(Objects.requireNonNull(taskId, "taskId"), null, position, Objects.requireNonNull(value, "value")));
        return this;
    }

    /** Sets the launch size of task {@code taskId} (as {@link ExecutionPlan#withGrid}). */
    public Bindings grid(String taskId, Grid grid) {
        grids.add(new TaskGrid(Objects.requireNonNull(taskId, "taskId"), Objects.requireNonNull(grid, "grid")));
        return this;
    }

    /** The data bindings, in the order given. */
    public List<Data> data() {
        return List.copyOf(data);
    }

    /** The scalar bindings, in the order given. */
    public List<Scalar> scalars() {
        return List.copyOf(scalars);
    }

    /** The grid bindings, in the order given. */
    public List<TaskGrid> grids() {
        return List.copyOf(grids);
    }
}

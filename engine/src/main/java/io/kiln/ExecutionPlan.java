package io.kiln;

import io.kiln.runtime.PlanExecutor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A task graph ready to run on devices. Running it again is cheap: kernels are built once per
 * device and data that is already on a device stays there. Close it to release device memory.
 * <p>Runs of one plan are serialised; plans may run concurrently from different threads.
 */
public final class ExecutionPlan implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService ASYNC = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kiln-plan-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private final PlanExecutor executor;

    ExecutionPlan(PlanExecutor executor) {
        this.executor = executor;
    }

    /**
     * Runs every task of the graph once by issuing the plan's {@link #schedule()}, and returns when the
     * host owns its data again: every copy of this run, to the host ({@code transferToHost} data) and to
     * devices (the host memory they read), has completed. Launches whose results stay on a device may
     * still be running; later commands that use their results wait for them, and a failure among them
     * is reported by the command that waits (at the latest by {@link #close()}).
     */
    public RunResult run() {
        return executor.run();
    }

    /**
     * Binds {@code bindings} (new data, scalar values, grids; they stay in effect for later runs), then
     * runs as {@link #run()} does. Kernels and the schedule are not rebuilt.
     *
     * @throws IllegalArgumentException if a binding does not fit the graph; then nothing is bound
     */
    public RunResult run(Bindings bindings) {
        return executor.run(java.util.Objects.requireNonNull(bindings, "bindings"));
    }

    /**
     * Runs the graph on a background thread, as {@link #run()}: the future completes when the copies of
     * the run have completed (the {@code transferToHost} data is on the host), not when every launch has;
     * runs stay serialised per plan. {@link #close()} waits for a run in flight.
     */
    public CompletableFuture<RunResult> runAsync() {
        return CompletableFuture.supplyAsync(executor::run, ASYNC);
    }

    /** As {@link #runAsync()}, with {@code bindings} applied first (on the background thread). */
    public CompletableFuture<RunResult> runAsync(Bindings bindings) {
        java.util.Objects.requireNonNull(bindings, "bindings");
        return CompletableFuture.supplyAsync(() -> executor.run(bindings), ASYNC);
    }

    /**
     * The schedule every run issues: copies, launches, copies back and the host's waits, with the events
     * that order them, one step per line when printed. Builds the plan's kernels if no run did yet.
     */
    public Schedule schedule() {
        return executor.schedule();
    }

    /** Runs every task on {@code device} unless a task has its own device. */
    public ExecutionPlan withDevice(Device device) {
        executor.setDevice(java.util.Objects.requireNonNull(device, "device"));
        return this;
    }

    /** Runs task {@code taskId} on {@code device}. */
    public ExecutionPlan withDevice(String taskId, Device device) {
        executor.setDevice(taskId, java.util.Objects.requireNonNull(device, "device"));
        return this;
    }

    /**
     * Waits for each task to finish before the next starts, so that {@link RunResult} reports exact
     * per-task kernel times. Without it a kernel's time counts only its launch.
     */
    public ExecutionPlan withProfiler() {
        executor.setProfiler(true);
        return this;
    }

    /**
     * Sets the launch size of task {@code taskId}: required for {@link KernelContext} kernels; for
     * {@code @Parallel} kernels only its local size is used, as the work-group size.
     */
    public ExecutionPlan withGrid(String taskId, Grid grid) {
        executor.setGrid(taskId, java.util.Objects.requireNonNull(grid, "grid"));
        return this;
    }

    /**
     * Whether kernels check every array index with Java's rules: on by default, on every device. An index
     * out of range then skips the access (nothing is read or written past an array) and the run throws
     * {@link KernelIndexOutOfBoundsException} naming the kernel, array, index, length and source line.
     * Checks that loop bounds and guards prove redundant are removed when the kernel is compiled, so they
     * usually cost little; {@code withBoundsChecks(false)} removes all of them, for measured hot paths:
     * an out-of-range access is then <b>undefined behaviour</b> (on OpenCL and CUDA it may read garbage,
     * corrupt other data or crash the process; the CPU device still throws Java's own exception).
     * Changing it builds the plan's kernels again on the next run.
     */
    public ExecutionPlan withBoundsChecks(boolean on) {
        executor.setBoundsChecks(on);
        return this;
    }

    /** What to do when a kernel cannot be built for its device; {@link FallbackPolicy#FAIL} by default. */
    public ExecutionPlan withFallback(FallbackPolicy policy) {
        executor.setFallback(java.util.Objects.requireNonNull(policy, "policy"));
        return this;
    }

    /**
     * Copies the current contents of the given arrays back to the host now and waits for them. Each
     * array is itself (identity), Java or off-heap: one the graph was built with, or one bound in its
     * place ({@link Bindings}) in recent runs.
     */
    public ExecutionPlan transferToHost(Object... data) {
        executor.transferToHost(data);
        return this;
    }

    /** Releases every device resource of the plan; waits for a run in flight. Idempotent. */
    @Override
    public void close() {
        executor.close();
    }
}

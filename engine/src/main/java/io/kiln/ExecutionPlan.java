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

    /** Runs every task of the graph once, in order, and waits for the results. */
    public RunResult run() {
        return executor.run();
    }

    /** Runs the graph on a background thread. {@link #close()} waits for a run in flight. */
    public CompletableFuture<RunResult> runAsync() {
        return CompletableFuture.supplyAsync(executor::run, ASYNC);
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

    /** What to do when a kernel cannot be built for its device; {@link FallbackPolicy#FAIL} by default. */
    public ExecutionPlan withFallback(FallbackPolicy policy) {
        executor.setFallback(java.util.Objects.requireNonNull(policy, "policy"));
        return this;
    }

    /** Copies the current contents of the given arrays back to the host now. */
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

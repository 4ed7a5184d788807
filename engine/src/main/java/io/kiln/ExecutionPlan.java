package io.kiln;

import io.kiln.runtime.PlanExecutor;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A task graph ready to run on devices. Running it again is cheap: kernels are built once per
 * device and data that is already on a device stays there. Close it to release device memory.
 * <p><b>Host changes are checked.</b> An array that is not {@code transferToDevice(EVERY_RUN)} stays on
 * the device between runs; a run throws if the host changed such an array since the last run, on every
 * device alike (on {@code cpu}, which uses the host arrays themselves, too), saying to declare it
 * {@code EVERY_RUN} or to call {@link #hostChanged}. The check hashes those arrays at run boundaries;
 * {@link #withTransferChecks withTransferChecks(false)} turns it off.
 * <p><b>Stopping.</b> {@code runAsync().cancel(true)} and {@link #withTimeout} stop a run on back ends
 * that can stop a kernel ({@code cpu}); on OpenCL and CUDA a launched kernel runs to its end, so the
 * waiting thread is released at once and the plan becomes unusable (later runs throw saying why).
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
    private volatile Duration timeout;

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
        Duration t = timeout;
        return t == null ? executor.run() : await(executor.submit(null, t, ASYNC));
    }

    /**
     * Binds {@code bindings} (new data, scalar values, grids; they stay in effect for later runs), then
     * runs as {@link #run()} does. Kernels and the schedule are not rebuilt.
     *
     * @throws IllegalArgumentException if a binding does not fit the graph; then nothing is bound
     */
    public RunResult run(Bindings bindings) {
        java.util.Objects.requireNonNull(bindings, "bindings");
        Duration t = timeout;
        return t == null ? executor.run(bindings) : await(executor.submit(bindings, t, ASYNC));
    }

    /** The result of a run on the background thread, its failure rethrown as it was. */
    private static RunResult await(CompletableFuture<RunResult> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new KilnException("interrupted while waiting for the run; it was cancelled", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new KilnException("the run failed", c);
        }
    }

    /**
     * Runs the graph on a background thread, as {@link #run()}: the future completes when the copies of
     * the run have completed (the {@code transferToHost} data is on the host), not when every launch has;
     * runs stay serialised per plan.
     * <p>{@code cancel} completes the future at once with a {@link CancellationException} and stops the
     * run: on {@code cpu} at the kernel's next loop back-edge, after which the plan can run again (the
     * contents of the data the run writes are then unspecified); on OpenCL and CUDA, which cannot stop a
     * launched kernel, the kernel runs to its end, the plan becomes unusable (a later {@code run}
     * throws saying why; close it and build another, the device stays usable) and a warning is logged.
     * With {@link #withTimeout} the future fails with a {@link KilnException} naming the task when the
     * run takes too long.
     */
    public CompletableFuture<RunResult> runAsync() {
        return executor.submit(null, timeout, ASYNC);
    }

    /** As {@link #runAsync()}, with {@code bindings} applied first (on the background thread). */
    public CompletableFuture<RunResult> runAsync(Bindings bindings) {
        java.util.Objects.requireNonNull(bindings, "bindings");
        return executor.submit(bindings, timeout, ASYNC);
    }

    /**
     * Ends every later run that takes longer than {@code timeout} with a {@link KilnException} naming
     * the task that was running, stopping it as {@code runAsync().cancel} does (on OpenCL and CUDA the
     * plan is then unusable). The time counts from when a run starts issuing its schedule: building the
     * kernels on the first run does not count. {@code null} removes the timeout.
     *
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public ExecutionPlan withTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("withTimeout(" + timeout + "): the timeout must be positive (or null for none)");
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * Turns the check for host changes to arrays the plan keeps on devices on or off (on by default).
     * With it off, a host change to such an array is seen by {@code cpu} and ignored by devices with
     * memory of their own, unless announced with {@link #hostChanged}.
     */
    public ExecutionPlan withTransferChecks(boolean on) {
        executor.setTransferChecks(on);
        return this;
    }

    /**
     * Tells the plan that the host changed these arrays since the last run (identity: arrays of the
     * graph or bound in their place): the next run sends them to the device again, and the host-change
     * check accepts the change. Use it for data that changes now and then; declare data that changes
     * before every run {@code transferToDevice(Transfer.EVERY_RUN, ...)} instead.
     *
     * @throws IllegalArgumentException if an array is not used by the graph
     */
    public ExecutionPlan hostChanged(Object... data) {
        executor.hostChanged(data);
        return this;
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
     * Profiles every later run: {@link RunResult#timeline()} lists each copy and launch with its times, and
     * {@link RunResult.TaskRun#kernelNanos()} is the kernel's own time. On devices with memory of their own
     * (OpenCL, CUDA) the times are the device's event timestamps, so the host does not wait between tasks
     * and copies still overlap kernels; on {@code cpu} the host's clock around each launch. Without it a
     * kernel's time on such devices counts only its launch, and the timeline is empty. It costs a native
     * event and three profiling queries per command.
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

    /**
     * The size of the buffer that holds a launch's {@code printf} output on the device (1 MiB by default),
     * for every task of the plan. A kernel's {@code System.out.printf} calls append records to it
     * (4 bytes for the call, 4 per {@code int}, {@code float}, {@code char}, {@code boolean}, 8 per
     * {@code long} and {@code double} argument, and as much for the work-item's position); what does not
     * fit is dropped and counted, and one line after the output says how many records were dropped.
     *
     * @param bytes 32 bytes to 1 GiB
     */
    public ExecutionPlan withPrintBuffer(int bytes) {
        executor.setPrinting(executor.printing().withBufferBytes(bytes));
        return this;
    }

    /** Prints the kernels' {@code printf} output to {@code out} instead of {@code System.out}. */
    public ExecutionPlan withPrintOutput(java.io.PrintStream out) {
        executor.setPrinting(executor.printing().withOutput(out));
        return this;
    }

    /**
     * Hands the text of each {@code printf} call of the kernels to {@code sink} instead of printing it
     * (in the order described in {@code docs/kernel-language.md}: by work-item, then program order);
     * for tests and loggers.
     */
    public ExecutionPlan withPrintOutput(java.util.function.Consumer<String> sink) {
        executor.setPrinting(executor.printing().withOutput(sink));
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

    /**
     * Releases every device resource of the plan. A run in flight is waited for up to 10 seconds, then
     * cancelled; if its kernel still runs (one that OpenCL or CUDA cannot stop), this returns anyway,
     * logs a warning saying what is still held, and the run releases it when the kernel ends. Never
     * blocks forever. Idempotent.
     */
    @Override
    public void close() {
        executor.close();
    }
}

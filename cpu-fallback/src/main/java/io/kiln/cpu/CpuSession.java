package io.kiln.cpu;

import io.kiln.KilnException;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.HostKernel;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.util.concurrent.ForkJoinTask;

/**
 * The cpu device's side of one execution plan. The cpu has no memory of its own: kernels run on the
 * host arrays themselves, so transfers are no-ops and {@link #copiesData()} is {@code false} (the
 * engine then issues none). A launch runs to completion before it returns, which keeps the order in
 * which commands were issued; {@link #finish()} has nothing left to wait for. {@link #cancel()} stops
 * a launch in flight from another thread.
 */
final class CpuSession implements DeviceSession {
    private final CpuDeviceRuntime runtime;
    private volatile boolean closed;
    /**
     * The control of the launch in flight, or {@code null}. A session is used by one thread at a time
     * (its plan's runs are serialised), so at most one launch is in flight; {@link #cancel()} comes from
     * any thread, hence volatile. A field, not a concurrent set: adding to and removing from one cost
     * more per launch than a tiny kernel's whole run.
     */
    private volatile LaunchControl inFlight;

    CpuSession(CpuDeviceRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public boolean copiesData() {
        return false;
    }

    @Override
    public void toDevice(Object array) {
        // The cpu works on the host array itself.
    }

    @Override
    public void toHost(Object array) {
        // The host array is the only copy.
    }

    @Override
    public void launch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry) {
        if (closed) {
            throw new IllegalStateException("this cpu session is closed: its execution plan was closed");
        }
        if (kernel instanceof HostKernel h) {
            launchHost(h, args);
            return;
        }
        if (!(kernel instanceof CpuKernel k)) {
            throw new IllegalArgumentException("the cpu device cannot launch " + kernel.getClass().getName()
                    + ": build kernels for it with its own DeviceRuntime.compile");
        }
        LaunchControl control = new LaunchControl();
        inFlight = control;
        try {
            k.launch(args, geometry, runtime.pool(), runtime.parallelism(), control);
        } finally {
            inFlight = null;
        }
    }

    /**
     * Runs a Java variant ({@link io.kiln.Variant}) on a thread of the device's pool, so that the
     * fork-join tasks it forks share the device's threads. It cannot be stopped mid-way.
     * <p>The hand-off costs a wake-up of a pool thread and one of the caller at the end: measured about
     * 20 µs per launch on the 2-core test machine (a variant of 60 µs of work over two threads took
     * 73 µs through the pool, 54 µs called on the caller with the common pool's thread; an empty task
     * 2.5 µs), which is the price of keeping a variant on the device's threads
     * ({@code -Dkiln.cpu.threads}). Spinning instead of parking the caller did not help: on two
     * cores the spinning caller takes a core from the variant's own tasks.
     */
    private void launchHost(HostKernel h, Object[] args) {
        try {
            runtime.pool().invoke(ForkJoinTask.adapt(() -> h.invoke(args)));
        } catch (KilnException | java.util.concurrent.CancellationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KilnException(h.name() + " (the cpu variant of " + h.ir().displayName() + ") failed: " + e, e);
        }
    }

    /**
     * Stops the launches in flight: their loops test the flag at back-edges (every loop header but
     * those of innermost counted loops, see {@code KernelAnalysis.cancelChecks}) and no further chunk
     * starts; the launching call then throws {@link java.util.concurrent.CancellationException}
     * naming the kernel. Launches issued afterwards run normally, so the session stays usable.
     *
     * @return {@code true}: the cpu device can always stop its work
     */
    @Override
    public boolean cancel() {
        LaunchControl c = inFlight;
        if (c != null) c.cancel();
        return true;
    }

    // Transitional: one in-order queue, so every command already runs after those issued before it.
    @Override
    public io.kiln.spi.DeviceEvent enqueueToDevice(Object data, java.util.List<io.kiln.spi.DeviceEvent> after) {
        toDevice(data);
        return io.kiln.spi.DeviceEvent.COMPLETE;
    }

    @Override
    public io.kiln.spi.DeviceEvent enqueueToHost(Object data, java.util.List<io.kiln.spi.DeviceEvent> after) {
        toHost(data);
        return io.kiln.spi.DeviceEvent.COMPLETE;
    }

    @Override
    public io.kiln.spi.DeviceEvent enqueueLaunch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry,
                                                   java.util.List<io.kiln.spi.DeviceEvent> after) {
        launch(kernel, args, geometry);
        return io.kiln.spi.DeviceEvent.COMPLETE;
    }

    @Override
    public void await(java.util.List<io.kiln.spi.DeviceEvent> events) {
        finish();
    }

    @Override
    public void finish() {
        // Launches complete before launch() returns and rethrow their failures there.
    }

    @Override
    public void release(Object array) {
        // Nothing was allocated.
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Whether {@link #close()} was called. */
    boolean isClosed() {
        return closed;
    }
}

package io.kiln.cpu;

import io.kiln.KilnException;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.HostKernel;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

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
     * Runs a Java variant ({@link io.kiln.Variant}) on the calling thread with the device's threads bound
     * to it ({@link io.kiln.CpuThreads#runOn}): its {@code CpuThreads} parts run on this thread and up to
     * {@code parallelism - 1} threads of the device's pool, as a generated kernel's chunks do
     * ({@link CpuKernel}). Cancelling stops parts from starting; the variant's call then throws
     * {@link java.util.concurrent.CancellationException}, rethrown here naming the variant.
     * <p>Why not on a pool thread: handing the whole variant to the pool and parking the caller cost a
     * wake-up of a pool thread and one of the caller at the end, 38 µs median for an empty task on the
     * 2-core test machine (a 1920x1080 bilinear plan took 217 µs, the variant called directly 169 µs).
     * Spinning instead of parking the caller did not help: on two cores the spinning caller took a core
     * from the variant's own tasks.
     */
    private void launchHost(HostKernel h, Object[] args) {
        LaunchControl control = new LaunchControl();
        inFlight = control;
        try {
            io.kiln.CpuThreads.runOn(runtime.pool(), runtime.parallelism(), () -> control.cancelled, () -> h.invoke(args));
        } catch (java.util.concurrent.CancellationException e) {
            if (!control.cancelled) throw e;                    // the variant's own, not the session's
            java.util.concurrent.CancellationException c = new java.util.concurrent.CancellationException(
                    "the cpu variant " + h.name() + " of " + h.ir().displayName() + " was cancelled on the cpu device "
                            + "(between its parts; arrays it writes may hold partial results)");
            c.initCause(e);
            throw c;
        } catch (KilnException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KilnException(h.name() + " (the cpu variant of " + h.ir().displayName() + ") failed: " + e, e);
        } finally {
            inFlight = null;
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

package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.ScalarKind;
import io.kiln.opencl.OpenClQueues.ClEvent;
import io.kiln.openclc.OpenClEmitter;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.LaunchGeometry;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * The launches of one {@link OpenClSession}: the NDRange of a launch, the arguments set on the kernel
 * (only those that changed since this session's last launch of it), the enqueue on the compute queue
 * and whether it gets a native event. A launch that nothing waits for on the device gets none and is
 * known only by its position on the in-order compute queue ({@link OpenClQueues.ClEvent}): creating,
 * querying and releasing an event costs about as much on PoCL as the launch itself. What a launch
 * derives once per kernel is kept in a {@code LaunchState}, so that launching the same kernel again
 * allocates almost nothing.
 */
final class OpenClLaunches {
    /** Largest global size used for a {@code @Parallel} dimension; the grid-stride loop covers the rest. */
    static final long MAX_PARALLEL_SIZE = 1L << 30;

    /**
     * What a session keeps per kernel between launches: the last geometry and the NDRange derived from
     * it, and arrays reused for the argument values and the buffers touched, so that launching the same
     * kernel again allocates almost nothing.
     */
    private static final class LaunchState {
        final String what;
        final Object[] values;
        /** Per kernel argument, the type it is passed as ({@code null} for a buffer). */
        final ScalarKind[] kinds;
        final OpenClBuffer[] reads;
        final OpenClBuffer[] writes;
        long[] sizes;
        long[] local;
        long[][] range;
        /** Whether the kernel prints (takes the print buffer last): looked up once, not per launch. */
        final boolean prints;
        /** Whether the kernel has bounds checks (takes the error record): a scan of the IR, so once, not per launch. */
        final boolean checked;

        LaunchState(KernelIR ir, int argCount) {
            what = "running " + ir.displayName();
            prints = io.kiln.spi.PrintBuffer.prints(ir);
            checked = io.kiln.frontend.BoundsChecks.hasChecks(ir);
            values = new Object[argCount];
            kinds = new ScalarKind[argCount];
            int i = 0;
            for (Param p : ir.params()) {
                if (p instanceof Param.Scalar s) kinds[i++] = s.kind();
                else if (p instanceof Param.Array a) {
                    i++; // the buffer
                    kinds[i++] = a.array().isOffHeap() ? ScalarKind.LONG : ScalarKind.INT;
                }
            }
            reads = new OpenClBuffer[ir.params().size()];
            writes = new OpenClBuffer[ir.params().size()];
        }
    }

    private final OpenClQueues queues;
    private final OpenClDeviceRuntime runtime;
    private final OpenClMemory memory;
    private final OpenClBoundsRecord bounds;
    private final OpenClPrintBuffer prints;
    /** Per kernel: what the last launch of it in this session derived, reused by the next. */
    private final IdentityHashMap<OpenClCompiledKernel, LaunchState> launches = new IdentityHashMap<>();
    /** Launches enqueued without a native event since the last one with. */
    private int lazyRun;

    OpenClLaunches(OpenClQueues queues, OpenClMemory memory, OpenClBoundsRecord bounds, OpenClPrintBuffer prints) {
        this.queues = queues;
        this.runtime = queues.runtime;
        this.memory = memory;
        this.bounds = bounds;
        this.prints = prints;
    }

    /** {@link OpenClSession#enqueueLaunch}: see there (and on {@link OpenClSession}) for the ordering and the events. */
    DeviceEvent launch(CompiledKernel compiled, Object[] args, LaunchGeometry geometry, List<DeviceEvent> after) {
        if (!(compiled instanceof OpenClCompiledKernel k) || k.runtime() != runtime) {
            throw new IllegalArgumentException("kernel " + compiled + " was not built for " + runtime.device().id());
        }
        KernelIR ir = k.ir();
        LaunchState st = launches.get(k);
        if (st == null) launches.put(k, st = new LaunchState(ir, OpenClArguments.count(ir)));
        queues.sweep(); // first: a sweep releases the native events of finished commands, which the wait list must not hold
        List<cl_event> wait = queues.waitList(after, false);
        long[][] range = range(st, ir, geometry);
        // arguments as LaunchRules passed them: exactly boxed scalars, arrays of the parameter's type
        Object[] values = st.values;
        int v = 0, nReads = 0, nWrites = 0;
        boolean offHeapArgs = false;
        for (Param p : ir.params()) {
            Object arg = args[p.index()];
            switch (p) {
                case Param.Scalar s -> values[v++] = OpenClArguments.scalar(ir, s, arg);
                case Param.Array a -> {
                    OpenClBuffer b = OpenClArguments.buffer(memory, runtime, ir, a, arg);
                    offHeapArgs |= b.offHeap;
                    values[v++] = b.mem;
                    // the kernel ABI: (buffer, int length) for a Java array, (buffer, long length) for an off-heap array
                    values[v++] = b.offHeap ? (Object) b.length : (Object) (int) b.length;
                    if (a.access().writes()) {
                        b.writeHazards(wait);
                        st.writes[nWrites++] = b;
                    } else if (a.access().reads()) {
                        b.readHazards(wait);
                        st.reads[nReads++] = b;
                    }
                }
                case Param.Context c -> {
                }
            }
        }
        if (range == null) {
            return DeviceEvent.COMPLETE; // an empty iteration space: nothing to run
        }
        // A native event only where it is needed: for timestamps, to wait on the device for another
        // queue (an off-heap argument: its copies run on the copy queue), to report a failure of what it
        // waits for, and every 64th launch so that isComplete() can see progress without clFinish.
        // A checked launch is tracked by the read of its error record enqueued after it (OpenClBoundsRecord.track).
        boolean checked = st.checked;
        if (checked) values[v] = bounds.record(); // the last kernel parameter, kiln_err
        boolean printing = st.prints;
        if (printing) values[checked ? v + 1 : v] = prints.buffer(geometry.printing().bufferBytes()); // kiln_print, after kiln_err
        boolean evented = queues.recordsTimestamps() || offHeapArgs || !wait.isEmpty() || lazyRun >= 63;
        // a checked launch's native event, where needed, is its record read's (OpenClBoundsRecord.track); the launch
        // itself keeps one only for its timestamps and for a failure of what it waits for
        boolean launchEvent = checked ? queues.recordsTimestamps() || !wait.isEmpty() : evented;
        cl_event ev = launchEvent ? new cl_event() : null;
        synchronized (k.lock()) {
            cl_kernel kernel = k.kernel();
            try {
                Object[] set = k.argumentsSetBy(this);
                for (int i = 0; i < values.length; i++) {
                    Object x = values[i];
                    Object old = set[i];
                    if (old == x || (old != null && !(x instanceof cl_mem) && old.equals(x))) continue;
                    set[i] = null; // unknown until clSetKernelArg succeeded
                    OpenClArguments.set(kernel, i, x, st.kinds[i]);
                    set[i] = x;
                }
                CL.clEnqueueNDRangeKernel(queues.compute, kernel, range[0].length, null, range[0], range[1], wait.size(), OpenClQueues.array(wait), ev);
            } catch (CLException e) {
                throw new KilnException("launching " + ir.displayName() + " on " + runtime.device() + " with global size "
                        + Arrays.toString(range[0]) + (range[1] == null ? "" : " and local size " + Arrays.toString(range[1]))
                        + " failed: " + ClInfo.error(e), e);
            }
        }
        long seq = ++queues.issuedCompute;
        ClEvent e;
        if (launchEvent) OpenClResources.created(OpenClResources.Kind.EVENT);
        if (checked) {
            e = bounds.track(ir, st.what, ev, evented);
            if (evented) lazyRun = 0;
            else lazyRun++;
        } else if (evented) {
            e = queues.new ClEvent(st.what, false, seq, ev, ev);
            queues.pendingCompute.addLast(e);
            lazyRun = 0;
        } else {
            e = queues.new ClEvent(st.what, false, seq, null, null);
            lazyRun++;
        }
        for (int i = 0; i < nReads; i++) st.reads[i].read(e, false);
        for (int i = 0; i < nWrites; i++) st.writes[i].wrote(e);
        if (printing) prints.deliver(ir, geometry.printing());
        return e;
    }

    /** The NDRange for {@code geometry}, derived again only when it differs from the last launch's. */
    private long[][] range(LaunchState st, KernelIR ir, LaunchGeometry geometry) {
        long[] sizes = geometry.sizes();
        long[] local = geometry.local();
        if (st.sizes != null && Arrays.equals(st.sizes, sizes) && Arrays.equals(st.local, local)) return st.range;
        long[] s = sizes, l = local;
        if (!ir.reductions().isEmpty()) {
            long[][] adjusted = reductionShape(s, l, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
            s = adjusted[0];
            l = adjusted[1];
        }
        long[][] range = ndRange(ir.kind(), s, l, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
        st.sizes = sizes.clone();
        st.local = local == null ? null : local.clone();
        st.range = range;
        return range;
    }

    /**
     * The launch shape of a {@code @Reduce} kernel: work-groups of a power of two up to
     * {@link OpenClEmitter#REDUCTION_GROUP} work-items along dimension 0 (the group combines its
     * partials in local memory), and dimension 0 capped so that each work-item accumulates several
     * iterations and few groups combine atomically.
     */
    static long[][] reductionShape(long[] sizes, long[] local, int computeUnits, long maxWorkGroupSize) {
        long[] s = sizes.clone();
        long[] l;
        if (local == null) {
            long g = 1;
            while (g * 2 <= Math.min(OpenClEmitter.REDUCTION_GROUP, maxWorkGroupSize)) g *= 2;
            l = new long[s.length];
            java.util.Arrays.fill(l, 1);
            l[0] = g;
        } else {
            long product = 1;
            for (long x : local) product *= x;
            if (product > OpenClEmitter.REDUCTION_GROUP) {
                throw new IllegalArgumentException("a @Reduce kernel runs in work-groups of at most " + OpenClEmitter.REDUCTION_GROUP
                        + " work-items; the requested local size " + java.util.Arrays.toString(local) + " has " + product);
            }
            l = local.clone();
        }
        long cap = l[0] * Math.max(1, computeUnits) * 16L;
        if (s.length > 0 && (s[0] < 0 || s[0] > cap)) s[0] = cap;
        return new long[][] {s, l};
    }

    /**
     * The NDRange of a launch: {@code {global, local}} ({@code local} may be {@code null}), or
     * {@code null} when there is nothing to run. For {@code @Parallel} kernels each dimension's size is
     * its trip count ({@code -1}: {@code computeUnits * 64} for dimension 0, 16 for the others), capped
     * at {@link #MAX_PARALLEL_SIZE} and rounded up to the local size; the kernel's grid-stride loops
     * make any size correct. Work-item kernels get their grid exactly.
     * <p>The launch rules every back end shares (1 to 3 dimensions, one positive local size per
     * dimension or loop, whole work-groups) were checked by the plan ({@code Grid}, {@code LaunchRules});
     * what is left here is this device's own limit, its largest work-group.
     */
    static long[][] ndRange(KernelKind kind, long[] sizes, long[] local, int computeUnits, long maxWorkGroupSize) {
        long[] global;
        switch (kind) {
            case SINGLE -> {
                return new long[][] {{1}, null};
            }
            case LOOP_PARALLEL -> {
                if (sizes == null || sizes.length == 0) return new long[][] {{1}, null};
                if (local == null) local = defaultParallelLocal(sizes.length, maxWorkGroupSize);
                global = new long[sizes.length];
                for (int d = 0; d < sizes.length; d++) {
                    long s = sizes[d];
                    if (s == 0) return null;
                    if (s < 0) s = d == 0 ? Math.max(1, computeUnits) * 64L : 16;
                    s = Math.min(s, MAX_PARALLEL_SIZE);
                    if (local != null) s = (s + local[d] - 1) / local[d] * local[d];
                    global[d] = s;
                }
            }
            case WORK_ITEM -> {
                global = sizes.clone();
                for (long g : global) {
                    if (g == 0) return null;
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        if (local != null) {
            long product = 1;
            for (long l : local) product *= l;
            if (product > maxWorkGroupSize) {
                throw new IllegalArgumentException("the work-group size " + Arrays.toString(local) + " has " + product
                        + " work-items; this device allows at most " + maxWorkGroupSize + " per group: choose a smaller local size");
            }
        }
        return new long[][] {global, local == null ? null : local.clone()};
    }

    /**
     * The work-group size of a {@code @Parallel} launch without one: 64 work-items, spread over the
     * dimensions with the innermost loop widest. A fixed size matters on PoCL, which compiles a kernel
     * again for every new work-group size it picks itself (about 0.1-0.2 s each); the grid-stride loops
     * make the rounded-up global size harmless.
     */
    static long[] defaultParallelLocal(int dims, long maxWorkGroupSize) {
        long[] local = switch (dims) {
            case 1 -> new long[] {64};
            case 2 -> new long[] {4, 16};
            default -> new long[] {2, 4, 8};
        };
        return maxWorkGroupSize >= 64 ? local : null;
    }

    /** For closing: forgets what the launches derived. */
    void clear() {
        launches.clear();
    }
}

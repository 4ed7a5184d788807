package io.kiln.opencl;

import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device-side state of one execution plan on one OpenCL device: an in-order command queue and
 * one {@code cl_mem} per host array (found by identity). Transfers are blocking; launches are
 * asynchronous until {@link #finish()}. Used by one thread at a time, like every
 * {@link DeviceSession}.
 */
final class OpenClSession implements DeviceSession {
    /** Largest global size used for a {@code @Parallel} dimension; the grid-stride loop covers the rest. */
    static final long MAX_PARALLEL_SIZE = 1L << 30;

    /** Largest single copy command: a {@link java.nio.ByteBuffer} holds at most 2<sup>31</sup>-1 bytes. */
    static final long MAX_COPY_CHUNK = 1L << 30;

    /**
     * The device copy of one host array.
     *
     * @param length  elements (an {@code int} for Java arrays, a {@code long} for off-heap arrays)
     * @param offHeap whether the host side is an {@link OffHeapArray}: its kernel length parameter is a {@code long}
     */
    private record Buffer(cl_mem mem, long length, ElementType element, boolean offHeap) {}

    private final OpenClDeviceRuntime runtime;
    private final cl_command_queue queue;
    private final IdentityHashMap<Object, Buffer> buffers = new IdentityHashMap<>();
    private boolean closed;

    @SuppressWarnings("deprecation")
    OpenClSession(OpenClDeviceRuntime runtime) {
        this.runtime = runtime;
        try {
            // clCreateCommandQueue is deprecated in OpenCL 2.0 but is the one call every 1.x and 2.x+ driver has.
            this.queue = CL.clCreateCommandQueue(runtime.context(), runtime.id(), 0, null);
        } catch (CLException e) {
            throw new KilnException("creating a command queue on " + runtime.device() + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.QUEUE);
    }

    @Override
    public boolean copiesData() {
        return true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this OpenCL session on " + runtime.device().id() + " is closed");
        }
    }

    private static ElementType elementOf(Object array) {
        ElementType et = array == null ? null : ElementType.ofArrayClass(array.getClass());
        if (et == null) {
            throw new IllegalArgumentException("OpenCL sessions hold byte[], short[], char[], int[], long[], float[] or double[] arrays "
                    + "and off-heap arrays (FloatArray and the other io.kiln.OffHeapArray types), not "
                    + (array == null ? "null" : array.getClass().getTypeName()));
        }
        return et;
    }

    private static Pointer pointer(Object array) {
        return switch (array) {
            case float[] a -> Pointer.to(a);
            case int[] a -> Pointer.to(a);
            case double[] a -> Pointer.to(a);
            case long[] a -> Pointer.to(a);
            case byte[] a -> Pointer.to(a);
            case short[] a -> Pointer.to(a);
            case char[] a -> Pointer.to(a);
            default -> throw new IllegalArgumentException("not a supported array: " + array.getClass().getTypeName());
        };
    }

    @Override
    public void toDevice(Object array) {
        checkOpen();
        if (array instanceof OffHeapArray off) {
            MemorySegment segment = off.segment(); // throws a clear IllegalStateException when closed
            Buffer b = deviceCopy(off, off.elementType(), off.length(), true);
            copyOffHeap(b, segment, true, off);
            return;
        }
        ElementType et = elementOf(array);
        int length = Array.getLength(array);
        Buffer b = deviceCopy(array, et, length, false);
        if (length > 0) {
            try {
                CL.clEnqueueWriteBuffer(queue, b.mem(), true, 0, (long) length * et.bytes(), pointer(array), 0, null, null);
            } catch (CLException e) {
                throw new KilnException("copying a " + et.javaName() + "[" + length + "] to " + runtime.device() + " failed: " + ClInfo.error(e), e);
            }
        }
    }

    /** The device copy of {@code data}, allocated on first use and again when the length changed. */
    private Buffer deviceCopy(Object data, ElementType et, long length, boolean offHeap) {
        Buffer b = buffers.get(data);
        if (b == null || b.length() != length) {
            if (b != null) {
                releaseBuffer(b);
                buffers.remove(data);
            }
            b = allocate(et, length, offHeap);
            buffers.put(data, b);
        }
        return b;
    }

    /**
     * Copies between an off-heap array's segment and its device copy in chunks of at most
     * {@link #MAX_COPY_CHUNK} bytes (JOCL takes the host side as a direct buffer, which is limited to
     * 2 GiB), each at its own device offset.
     */
    private void copyOffHeap(Buffer b, MemorySegment segment, boolean toDevice, OffHeapArray what) {
        long bytes = segment.byteSize();
        for (long off = 0; off < bytes; off += MAX_COPY_CHUNK) {
            long n = Math.min(MAX_COPY_CHUNK, bytes - off);
            Pointer host = Pointer.to(segment.asSlice(off, n).asByteBuffer());
            try {
                if (toDevice) {
                    CL.clEnqueueWriteBuffer(queue, b.mem(), true, off, n, host, 0, null, null);
                } else {
                    CL.clEnqueueReadBuffer(queue, b.mem(), true, off, n, host, 0, null, null);
                }
            } catch (CLException e) {
                throw new KilnException("copying " + what + (toDevice ? " to " : " back from ") + runtime.device() + " failed at byte "
                        + off + (toDevice ? "" : " (a kernel before it may have failed)") + ": " + ClInfo.error(e), e);
            }
        }
    }

    private Buffer allocate(ElementType et, long length, boolean offHeap) {
        // OpenCL cannot allocate 0 bytes: an empty array gets one element, and the kernel is told length 0.
        long bytes = Math.max(1, length) * et.bytes();
        if (bytes > runtime.maxAllocation()) {
            throw new KilnException("a " + (offHeap ? offHeapName(et) : et.javaName()) + "[" + length + "] needs " + bytes + " bytes, more than the largest single "
                    + "allocation " + runtime.device() + " allows (" + runtime.maxAllocation() + " bytes): split the data or use another device");
        }
        cl_mem mem;
        try {
            mem = CL.clCreateBuffer(runtime.context(), CL.CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            throw new KilnException("allocating " + bytes + " bytes on " + runtime.device() + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.MEM);
        return new Buffer(mem, length, et, offHeap);
    }

    private static void releaseBuffer(Buffer b) {
        try {
            CL.clReleaseMemObject(b.mem());
        } finally {
            OpenClResources.released(OpenClResources.Kind.MEM);
        }
    }

    /** The device copy of an off-heap array that must already be there, with the same length. */
    private Buffer existingCopy(OffHeapArray data, long length) {
        Buffer b = buffers.get(data);
        if (b == null) {
            throw new IllegalStateException("a " + data + " has no copy on " + runtime.device().id()
                    + ": it was never copied there (call toDevice first)");
        }
        if (b.length() != length) {
            throw new IllegalStateException("the device copy of " + data + " has " + b.length() + " elements, the array " + length);
        }
        return b;
    }

    /** {@code FloatArray} for {@link ElementType#FLOAT}: the off-heap type's simple name. */
    static String offHeapName(ElementType et) {
        String n = et.javaName();
        return Character.toUpperCase(n.charAt(0)) + n.substring(1) + "Array";
    }

    @Override
    public void toHost(Object array) {
        checkOpen();
        if (array instanceof OffHeapArray off) {
            MemorySegment segment = off.segment();
            Buffer b = existingCopy(off, off.length());
            if (segment.isReadOnly()) {
                throw new IllegalArgumentException(off + " wraps a read-only segment: its device copy cannot be copied back into it");
            }
            copyOffHeap(b, segment, false, off);
            return;
        }
        ElementType et = elementOf(array);
        Buffer b = buffers.get(array);
        if (b == null) {
            throw new IllegalStateException("a " + et.javaName() + "[] has no copy on " + runtime.device().id()
                    + ": it was never copied there (call toDevice first)");
        }
        int length = Array.getLength(array);
        if (length != b.length()) {
            throw new IllegalStateException("the device copy of a " + et.javaName() + "[] has " + b.length() + " elements, the array "
                    + length);
        }
        if (length > 0) {
            try {
                CL.clEnqueueReadBuffer(queue, b.mem(), true, 0, (long) length * et.bytes(), pointer(array), 0, null, null);
            } catch (CLException e) {
                throw new KilnException("copying a " + et.javaName() + "[" + length + "] back from " + runtime.device()
                        + " failed (a kernel before it may have failed): " + ClInfo.error(e), e);
            }
        }
    }

    @Override
    public void launch(CompiledKernel compiled, Object[] args, LaunchGeometry geometry) {
        checkOpen();
        if (!(compiled instanceof OpenClCompiledKernel k) || k.runtime() != runtime) {
            throw new IllegalArgumentException("kernel " + compiled + " was not built for " + runtime.device().id());
        }
        KernelIR ir = k.ir();
        if (args.length != ir.params().size()) {
            throw new IllegalArgumentException(ir.displayName() + " takes " + ir.params().size() + " arguments, " + args.length + " were given");
        }
        long[] sizes = geometry.sizes();
        long[] local = geometry.local();
        if (!ir.reductions().isEmpty()) {
            long[][] adjusted = reductionShape(sizes, local, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
            sizes = adjusted[0];
            local = adjusted[1];
        }
        long[][] range = ndRange(ir.kind(), sizes, local, runtime.device().computeUnits(), runtime.maxWorkGroupSize());
        if (range == null) {
            return; // an empty iteration space: nothing to run
        }
        List<Object> values = new ArrayList<>();
        for (Param p : ir.params()) {
            Object arg = args[p.index()];
            switch (p) {
                case Param.Scalar s -> values.add(scalar(ir, s, arg));
                case Param.Array a -> {
                    Buffer b = arrayArgument(ir, a, arg);
                    values.add(b.mem());
                    // the kernel ABI: (buffer, int length) for a Java array, (buffer, long length) for an off-heap array
                    values.add(b.offHeap() ? (Object) b.length() : (Object) (int) b.length());
                }
                case Param.Context c -> {
                    if (arg != null && !(arg instanceof KernelContext)) {
                        throw new IllegalArgumentException(ir.displayName() + ": parameter '" + c.name() + "' takes a KernelContext");
                    }
                }
            }
        }
        synchronized (k.lock()) {
            cl_kernel kernel = k.kernel();
            try {
                for (int i = 0; i < values.size(); i++) {
                    setArg(kernel, i, values.get(i));
                }
                CL.clEnqueueNDRangeKernel(queue, kernel, range[0].length, null, range[0], range[1], 0, null, null);
            } catch (CLException e) {
                throw new KilnException("launching " + ir.displayName() + " on " + runtime.device() + " with global size "
                        + Arrays.toString(range[0]) + (range[1] == null ? "" : " and local size " + Arrays.toString(range[1]))
                        + " failed: " + ClInfo.error(e), e);
            }
        }
    }

    /** The device copy passed for array parameter {@code a}, checked against what the kernel was compiled for. */
    private Buffer arrayArgument(KernelIR ir, Param.Array a, Object arg) {
        ElementType want = a.array().element();
        String wanted = a.array().isOffHeap() ? offHeapName(want) : want.javaName() + "[]";
        if (a.array().isOffHeap() != (arg instanceof OffHeapArray)) {
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' was compiled for a " + wanted
                    + ", the argument is " + (arg == null ? "null" : "a " + arg.getClass().getSimpleName())
                    + ": pass the same kind of array the kernel method declares");
        }
        if (arg instanceof OffHeapArray off) off.segment(); // a closed array: a clear IllegalStateException
        Buffer b = buffers.get(arg);
        if (b == null) {
            throw new IllegalStateException(ir.displayName() + ": the array passed as '" + a.name() + "' is not on "
                    + runtime.device().id() + " (call toDevice first)");
        }
        if (b.element() != want) {
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' is a " + wanted
                    + ", the argument a " + (b.offHeap() ? offHeapName(b.element()) : b.element().javaName() + "[]"));
        }
        return b;
    }

    private static Object scalar(KernelIR ir, Param.Scalar s, Object arg) {
        try {
            return switch (s.kind()) {
                case BOOLEAN -> ((Boolean) arg) ? 1 : 0;
                case CHAR -> (int) (Character) arg;
                case BYTE, SHORT, INT -> ((Number) arg).intValue();
                case LONG -> ((Number) arg).longValue();
                case FLOAT -> ((Number) arg).floatValue();
                case DOUBLE -> ((Number) arg).doubleValue();
            };
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + s.name() + "' is a "
                    + s.kind().name().toLowerCase(java.util.Locale.ROOT) + ", the argument is "
                    + (arg == null ? "null" : arg.getClass().getSimpleName() + " " + arg));
        }
    }

    private static void setArg(cl_kernel kernel, int index, Object value) {
        switch (value) {
            case cl_mem m -> CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(m));
            case Integer i -> CL.clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {i}));
            case Long l -> CL.clSetKernelArg(kernel, index, Sizeof.cl_long, Pointer.to(new long[] {l}));
            case Float f -> CL.clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {f}));
            case Double d -> CL.clSetKernelArg(kernel, index, Sizeof.cl_double, Pointer.to(new double[] {d}));
            default -> throw new IllegalStateException("unexpected kernel argument " + value);
        }
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
     */
    static long[][] ndRange(KernelKind kind, long[] sizes, long[] local, int computeUnits, long maxWorkGroupSize) {
        long[] global;
        switch (kind) {
            case SINGLE -> {
                return new long[][] {{1}, null};
            }
            case LOOP_PARALLEL -> {
                if (sizes == null || sizes.length == 0) return new long[][] {{1}, null};
                checkDims(sizes, local);
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
                if (sizes == null || sizes.length == 0) {
                    throw new IllegalArgumentException("a work-item kernel needs a grid of 1 to 3 dimensions");
                }
                checkDims(sizes, local);
                global = sizes.clone();
                for (int d = 0; d < global.length; d++) {
                    if (global[d] == 0) return null;
                    if (global[d] < 0) {
                        throw new IllegalArgumentException("global size " + global[d] + " in dimension " + d + " is negative");
                    }
                    if (local != null && global[d] % local[d] != 0) {
                        throw new IllegalArgumentException("the global size " + global[d] + " in dimension " + d
                                + " is not a multiple of the local size " + local[d] + ": OpenCL 1.2 requires whole work-groups. "
                                + "Round the grid up to " + ((global[d] + local[d] - 1) / local[d] * local[d])
                                + " and skip the extra work-items in the kernel (if (i >= n) return;)");
                    }
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        if (local != null) {
            long product = 1;
            for (long l : local) product *= l;
            if (product > maxWorkGroupSize) {
                throw new IllegalArgumentException("the work-group size " + Arrays.toString(local) + " has " + product
                        + " work-items; this device allows at most " + maxWorkGroupSize + " per group");
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

    private static void checkDims(long[] sizes, long[] local) {
        if (sizes.length > 3) {
            throw new IllegalArgumentException("OpenCL launches have 1 to 3 dimensions, this one has " + sizes.length);
        }
        if (local != null) {
            if (local.length != sizes.length) {
                throw new IllegalArgumentException("the local size has " + local.length + " dimension(s), the launch "
                        + sizes.length + ": give one local size per dimension");
            }
            for (int d = 0; d < local.length; d++) {
                if (local[d] <= 0) {
                    throw new IllegalArgumentException("local size " + local[d] + " in dimension " + d + " must be positive");
                }
            }
        }
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
        checkOpen();
        try {
            CL.clFinish(queue);
        } catch (CLException e) {
            throw new KilnException("a command on " + runtime.device() + " failed: " + ClInfo.error(e), e);
        }
    }

    @Override
    public void release(Object array) {
        Buffer b = buffers.remove(array);
        if (b != null) releaseBuffer(b);
    }

    /** Number of arrays with a device copy in this session. */
    int bufferCount() {
        return buffers.size();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RuntimeException failure = null;
        try {
            CL.clFinish(queue);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Map.Entry<Object, Buffer> e : buffers.entrySet()) {
            try {
                releaseBuffer(e.getValue());
            } catch (RuntimeException ex) {
                if (failure == null) failure = ex;
            }
        }
        buffers.clear();
        try {
            CL.clReleaseCommandQueue(queue);
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        } finally {
            OpenClResources.released(OpenClResources.Kind.QUEUE);
        }
        if (failure != null) {
            throw new KilnException("releasing the OpenCL session on " + runtime.device() + " failed: " + failure.getMessage(), failure);
        }
    }
}

package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.opencl.OpenClQueues.ClEvent;
import io.kiln.spi.DeviceEvent;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_event;
import org.jocl.cl_mem;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * The device memory of one {@link OpenClSession}: one {@link OpenClBuffer} per host array (found by
 * identity), allocated on the first copy and again when the array's length changed, and the copies
 * between host and device. Copies of off-heap arrays are non-blocking, in chunks, on the copy queue;
 * copies of Java arrays are blocking, on the compute queue ({@link OpenClSession} says why).
 */
final class OpenClMemory {
    /** Largest single copy command: a {@link java.nio.ByteBuffer} holds at most 2<sup>31</sup>-1 bytes. */
    static final long MAX_COPY_CHUNK = 1L << 30;

    private final OpenClQueues queues;
    private final OpenClDeviceRuntime runtime;
    private final IdentityHashMap<Object, OpenClBuffer> buffers = new IdentityHashMap<>();

    OpenClMemory(OpenClQueues queues) {
        this.queues = queues;
        this.runtime = queues.runtime;
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

    /** {@link OpenClSession#enqueueToDevice}: see there (and on {@link OpenClSession}) for what runs where. */
    DeviceEvent toDevice(Object data, List<DeviceEvent> after) {
        queues.sweep(); // first: a sweep releases the native events of finished commands, which the wait list must not hold
        List<cl_event> wait = queues.waitList(after, data instanceof OffHeapArray);
        if (data instanceof OffHeapArray off) {
            MemorySegment segment = off.segment(); // throws a clear IllegalStateException when closed
            OpenClBuffer b = deviceCopy(off, off.elementType(), off.length(), true);
            b.writeHazards(wait);
            ClEvent e = copyOffHeap(b, segment, true, off, wait);
            if (e == null) return DeviceEvent.COMPLETE;
            b.wrote(e);
            return e;
        }
        ElementType et = elementOf(data);
        int length = Array.getLength(data);
        OpenClBuffer b = deviceCopy(data, et, length, false);
        b.writeHazards(wait);
        if (length > 0) {
            try {
                CL.clEnqueueWriteBuffer(queues.compute, b.mem, true, 0, (long) length * et.bytes(), pointer(data), wait.size(), OpenClQueues.array(wait), null);
            } catch (CLException e) {
                throw new KilnException("copying a " + et.javaName() + "[" + length + "] to " + runtime.device() + " failed: " + ClInfo.error(e), e);
            }
        }
        // blocking, after everything before it on the compute queue: all of that is complete now
        queues.computeDone();
        b.wrote(null);
        return DeviceEvent.COMPLETE;
    }

    /** The device copy of {@code data}, allocated on first use and again when the length changed. */
    private OpenClBuffer deviceCopy(Object data, ElementType et, long length, boolean offHeap) {
        OpenClBuffer b = buffers.get(data);
        if (b == null || b.length != length) {
            if (b != null) {
                releaseBuffer(b); // OpenCL frees it once the commands that use it have finished
                buffers.remove(data);
            }
            b = allocate(et, length, offHeap);
            buffers.put(data, b);
        }
        return b;
    }

    /**
     * Enqueues a non-blocking copy between an off-heap array's segment and its device copy on the copy
     * queue, in chunks of at most {@link #MAX_COPY_CHUNK} bytes (JOCL takes the host side as a direct
     * buffer, which is limited to 2 GiB), each at its own device offset; the first chunk waits for
     * {@code wait}, the others follow it in order. Returns {@code null} for an empty array.
     */
    private ClEvent copyOffHeap(OpenClBuffer b, MemorySegment segment, boolean toDevice, OffHeapArray what, List<cl_event> wait) {
        long bytes = segment.byteSize();
        if (bytes == 0) return null;
        cl_command_queue q = queues.copyQueue();
        cl_event first = null;
        cl_event last = null;
        String description = "copying " + what + (toDevice ? " to the device" : " back to the host");
        try {
            for (long off = 0; off < bytes; off += MAX_COPY_CHUNK) {
                long n = Math.min(MAX_COPY_CHUNK, bytes - off);
                Pointer host = Pointer.to(segment.asSlice(off, n).asByteBuffer());
                cl_event ev = new cl_event();
                int waits = off == 0 ? wait.size() : 0;
                cl_event[] list = off == 0 ? OpenClQueues.array(wait) : null;
                if (toDevice) {
                    CL.clEnqueueWriteBuffer(q, b.mem, false, off, n, host, waits, list, ev);
                } else {
                    CL.clEnqueueReadBuffer(q, b.mem, false, off, n, host, waits, list, ev);
                }
                OpenClResources.created(OpenClResources.Kind.EVENT);
                if (first == null) first = ev;
                else if (last != first) OpenClQueues.releaseEvent(last); // a middle chunk: the first and the last tell everything
                last = ev;
            }
        } catch (CLException e) {
            if (first != null) {
                // the chunks already enqueued use host memory that must outlive them
                CL.clFinish(q);
                OpenClQueues.releaseEvent(first);
                if (last != first) OpenClQueues.releaseEvent(last);
            }
            throw new KilnException(description + " on " + runtime.device() + " failed"
                    + (toDevice ? "" : " (a kernel before it may have failed)") + ": " + ClInfo.error(e), e);
        }
        return queues.track(description, true, first, last);
    }

    private OpenClBuffer allocate(ElementType et, long length, boolean offHeap) {
        // OpenCL cannot allocate 0 bytes: an empty array gets one element, and the kernel is told length 0.
        long bytes = Math.max(1, length) * et.bytes();
        if (bytes > runtime.maxAllocation()) {
            throw new KilnException("a " + (offHeap ? offHeapName(et) : et.javaName()) + "[" + length + "] needs " + bytes
                    + " bytes, more than the largest single allocation " + runtime.device() + " allows (" + runtime.maxAllocation()
                    + " bytes): split the data or use another device");
        }
        cl_mem mem;
        try {
            mem = CL.clCreateBuffer(runtime.context(), CL.CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            throw new KilnException("allocating " + bytes + " bytes on " + runtime.device() + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.MEM);
        return new OpenClBuffer(mem, length, et, offHeap);
    }

    private static void releaseBuffer(OpenClBuffer b) {
        try {
            CL.clReleaseMemObject(b.mem);
        } finally {
            OpenClResources.released(OpenClResources.Kind.MEM);
        }
    }

    /** The device copy of an off-heap array that must already be there, with the same length. */
    private OpenClBuffer existingCopy(OffHeapArray data, long length) {
        OpenClBuffer b = buffers.get(data);
        if (b == null) {
            throw new IllegalStateException("a " + data + " has no copy on " + runtime.device().id()
                    + ": it was never copied there (call toDevice first)");
        }
        if (b.length != length) {
            throw new IllegalStateException("the device copy of " + data + " has " + b.length + " elements, the array " + length);
        }
        return b;
    }

    /** {@code FloatArray} for {@link ElementType#FLOAT}: the off-heap type's simple name. */
    static String offHeapName(ElementType et) {
        String n = et.javaName();
        return Character.toUpperCase(n.charAt(0)) + n.substring(1) + "Array";
    }

    /** {@link OpenClSession#enqueueToHost}: see there (and on {@link OpenClSession}) for what runs where. */
    DeviceEvent toHost(Object data, List<DeviceEvent> after) {
        queues.sweep(); // first: a sweep releases the native events of finished commands, which the wait list must not hold
        List<cl_event> wait = queues.waitList(after, data instanceof OffHeapArray);
        if (data instanceof OffHeapArray off) {
            MemorySegment segment = off.segment();
            OpenClBuffer b = existingCopy(off, off.length());
            if (segment.isReadOnly()) {
                throw new IllegalArgumentException(off + " wraps a read-only segment: its device copy cannot be copied back into it");
            }
            b.readHazards(wait);
            ClEvent e = copyOffHeap(b, segment, false, off, wait);
            if (e == null) return DeviceEvent.COMPLETE;
            b.read(e, true);
            return e;
        }
        ElementType et = elementOf(data);
        OpenClBuffer b = buffers.get(data);
        if (b == null) {
            throw new IllegalStateException("a " + et.javaName() + "[] has no copy on " + runtime.device().id()
                    + ": it was never copied there (call toDevice first)");
        }
        int length = Array.getLength(data);
        if (length != b.length) {
            throw new IllegalStateException("the device copy of a " + et.javaName() + "[] has " + b.length + " elements, the array "
                    + length);
        }
        b.readHazards(wait);
        if (length > 0) {
            try {
                CL.clEnqueueReadBuffer(queues.compute, b.mem, true, 0, (long) length * et.bytes(), pointer(data), wait.size(), OpenClQueues.array(wait), null);
            } catch (CLException e) {
                throw new KilnException("copying a " + et.javaName() + "[" + length + "] back from " + runtime.device()
                        + " failed (a kernel before it may have failed): " + ClInfo.error(e), e);
            }
        }
        queues.computeDone();
        return DeviceEvent.COMPLETE;
    }

    /** The device copy of {@code array}, or {@code null} when it has none. */
    OpenClBuffer get(Object array) {
        return buffers.get(array);
    }

    /** Frees the device copy of {@code array}, if it has one. */
    void release(Object array) {
        OpenClBuffer b = buffers.remove(array);
        if (b != null) releaseBuffer(b); // OpenCL frees it once the commands that use it have finished
    }

    /** Number of arrays with a device copy. */
    int bufferCount() {
        return buffers.size();
    }

    /** For closing: frees every device copy; returns the first exception instead of throwing it. */
    RuntimeException releaseAll() {
        RuntimeException failure = null;
        for (OpenClBuffer b : buffers.values()) {
            try {
                releaseBuffer(b);
            } catch (RuntimeException ex) {
                if (failure == null) failure = ex;
            }
        }
        buffers.clear();
        return failure;
    }
}

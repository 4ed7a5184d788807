package io.kiln.opencl;

import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.opencl.OpenClQueues.ClEvent;
import org.jocl.cl_event;
import org.jocl.cl_mem;

import java.util.List;

/** The device copy of one host array, with the commands that last used it (for ordering): {@link OpenClMemory}'s unit. */
final class OpenClBuffer {
    final cl_mem mem;
    /** Elements: an {@code int} for Java arrays, a {@code long} for off-heap arrays. */
    final long length;
    final ElementType element;
    /** Whether the host side is an {@link OffHeapArray}: its kernel length parameter is a {@code long}. */
    final boolean offHeap;
    /** The last command that wrote the device copy, and the last ones that read it on each queue. */
    ClEvent lastWrite, lastComputeRead, lastCopyRead;

    OpenClBuffer(cl_mem mem, long length, ElementType element, boolean offHeap) {
        this.mem = mem;
        this.length = length;
        this.element = element;
        this.offHeap = offHeap;
    }

    /** What a command that reads the buffer must wait for. */
    void readHazards(List<cl_event> into) {
        add(into, lastWrite, offHeap);
    }

    /** What a command that writes the buffer must wait for. */
    void writeHazards(List<cl_event> into) {
        add(into, lastWrite, offHeap);
        add(into, lastComputeRead, offHeap);
        add(into, lastCopyRead, offHeap);
    }

    void wrote(ClEvent e) {
        lastWrite = e;
        lastComputeRead = null;
        lastCopyRead = null;
    }

    void read(ClEvent e, boolean onCopyQueue) {
        if (onCopyQueue) lastCopyRead = e;
        else lastComputeRead = e;
    }

    /**
     * Adds {@code e}'s native event. A launch without one needs none when the waiting command is on
     * the compute queue too (Java arrays are copied there); off-heap copies run on the copy queue,
     * so for them it gets a marker.
     */
    private static void add(List<cl_event> into, ClEvent e, boolean fromCopyQueue) {
        if (e != null && fromCopyQueue && e.lazy()) e.materialize();
        cl_event native_ = e == null ? null : e.pendingLast();
        if (native_ != null && !into.contains(native_)) into.add(native_);
    }
}

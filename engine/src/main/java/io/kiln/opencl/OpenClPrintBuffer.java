package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.ir.KernelIR;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * The print buffer ({@link io.kiln.spi.PrintBuffer}) of one {@link OpenClSession}: passed last to a
 * kernel that prints, its header reset before each such launch and its records read back and
 * delivered after it.
 */
final class OpenClPrintBuffer {
    private final OpenClQueues queues;
    private final OpenClDeviceRuntime runtime;
    /** This session's print buffer, allocated on the first launch of a kernel that prints, and its size. */
    private cl_mem printBuffer;
    private int printBufferBytes;

    OpenClPrintBuffer(OpenClQueues queues) {
        this.queues = queues;
        this.runtime = queues.runtime;
    }

    /** The print buffer of {@code bytes} to pass to a launch, its header reset on the compute queue before it. */
    cl_mem buffer(int bytes) {
        if (printBuffer != null && printBufferBytes != bytes) release();
        if (printBuffer == null) {
            try {
                printBuffer = CL.clCreateBuffer(runtime.context(), CL.CL_MEM_READ_WRITE, bytes, null, null);
            } catch (CLException e) {
                throw new KilnException("allocating the print buffer of " + bytes + " bytes on " + runtime.device() + " failed: "
                        + ClInfo.error(e) + "; choose a smaller one with plan.withPrintBuffer(bytes)", e);
            }
            OpenClResources.created(OpenClResources.Kind.MEM);
            printBufferBytes = bytes;
        }
        int[] header = io.kiln.spi.PrintBuffer.header(bytes);
        CL.clEnqueueWriteBuffer(queues.compute, printBuffer, true, 0, header.length * 4L, Pointer.to(header), 0, null, null);
        return printBuffer;
    }

    /**
     * Reads the print buffer back after the launch just enqueued (a blocking read on the in-order compute
     * queue: printing kernels are for debugging, and their output comes out in launch order) and hands
     * its records to the sink: the header first, then only the words the launch wrote.
     */
    void deliver(KernelIR ir, io.kiln.spi.Printing printing) {
        int[] header = new int[io.kiln.spi.PrintBuffer.HEADER_INTS];
        try {
            CL.clEnqueueReadBuffer(queues.compute, printBuffer, true, 0, header.length * 4L, Pointer.to(header), 0, null, null);
            int used = Math.max(0, Math.min(header[io.kiln.spi.PrintBuffer.CURSOR], header[io.kiln.spi.PrintBuffer.CAPACITY]));
            int[] all = new int[header.length + used];
            System.arraycopy(header, 0, all, 0, header.length);
            if (used > 0) {
                int[] data = new int[used];
                CL.clEnqueueReadBuffer(queues.compute, printBuffer, true, header.length * 4L, used * 4L, Pointer.to(data), 0, null, null);
                System.arraycopy(data, 0, all, header.length, used);
            }
            queues.computeDone();
            io.kiln.spi.PrintBuffer.deliver(ir, all, printing);
        } catch (CLException e) {
            throw new KilnException("reading the printf output of " + ir.displayName() + " from " + runtime.device()
                    + " failed (the kernel may have failed): " + ClInfo.error(e), e);
        }
    }

    /** Frees the print buffer, if there is one. */
    void release() {
        if (printBuffer == null) return;
        try {
            CL.clReleaseMemObject(printBuffer);
        } finally {
            OpenClResources.released(OpenClResources.Kind.MEM);
            printBuffer = null;
        }
    }
}

package io.kiln.opencl;

import io.kiln.ir.KernelIR;
import io.kiln.spi.CompiledKernel;
import org.jocl.CL;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * A kernel built for one OpenCL device. The {@code cl_kernel} is shared by every session on the
 * device; because {@code clSetKernelArg} changes the kernel object itself, sessions set arguments
 * and enqueue while holding {@link #lock()}. It also remembers which session set the arguments last
 * and to what ({@link #argumentsSetBy}), so that a session launching the same kernel again sets only
 * the arguments that changed: on PoCL each {@code clSetKernelArg} costs about a microsecond.
 */
final class OpenClCompiledKernel implements CompiledKernel {
    private final OpenClDeviceRuntime runtime;
    private final KernelIR ir;
    private final String source;
    private final cl_program program;
    private final cl_kernel kernel;
    private final Object lock = new Object();
    private boolean closed;
    /** The session whose arguments the kernel object holds, and those arguments; guarded by {@link #lock}. */
    private Object argumentsOwner;
    private Object[] arguments;

    OpenClCompiledKernel(OpenClDeviceRuntime runtime, KernelIR ir, String source, cl_program program, cl_kernel kernel) {
        this.runtime = runtime;
        this.ir = ir;
        this.source = source;
        this.program = program;
        this.kernel = kernel;
    }

    @Override
    public KernelIR ir() {
        return ir;
    }

    @Override
    public String source() {
        return source;
    }

    OpenClDeviceRuntime runtime() {
        return runtime;
    }

    /** Guards argument setting plus enqueue, and {@link #close()}. */
    Object lock() {
        return lock;
    }

    /** The kernel object; call with {@link #lock()} held. */
    cl_kernel kernel() {
        if (closed) {
            throw new IllegalStateException("the OpenCL kernel of " + ir.displayName() + " on " + runtime.device().id() + " was closed");
        }
        return kernel;
    }

    /**
     * The values last set on the kernel object, by argument index, when {@code session} set them; else
     * a fresh array of {@code null}s (unknown), now owned by {@code session}. The caller updates it as it
     * sets arguments. Call with {@link #lock()} held.
     */
    Object[] argumentsSetBy(Object session) {
        if (argumentsOwner != session || arguments == null) {
            argumentsOwner = session;
            arguments = new Object[OpenClArguments.count(ir)];
        }
        return arguments;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            argumentsOwner = null;
            arguments = null;
            try {
                CL.clReleaseKernel(kernel);
            } finally {
                OpenClResources.released(OpenClResources.Kind.KERNEL);
                try {
                    CL.clReleaseProgram(program);
                } finally {
                    OpenClResources.released(OpenClResources.Kind.PROGRAM);
                }
            }
        }
    }

    @Override
    public String toString() {
        return ir.displayName() + " on " + runtime.device().id();
    }
}

package io.kiln.opencl;

import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.ir.ScalarKind;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * The OpenCL kernel ABI on the host side: how many arguments a kernel takes, the device buffer passed
 * for an array parameter, the value passed for a scalar, and {@code clSetKernelArg} by the parameter's
 * kind. The emitter's side of the same ABI is {@link io.kiln.openclc.OpenClEmitter}'s parameter list.
 */
final class OpenClArguments {
    private OpenClArguments() {
    }

    /** Kernel arguments of {@code ir}: one per scalar, two per array (the buffer and its length). */
    static int count(KernelIR ir) {
        int n = 0;
        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar) n++;
            else if (p instanceof Param.Array) n += 2;
        }
        if (io.kiln.frontend.BoundsChecks.hasChecks(ir)) n++;
        return io.kiln.spi.PrintBuffer.prints(ir) ? n + 1 : n;
    }

    /**
     * The device copy passed for array parameter {@code a}. That the argument has the parameter's type
     * is a launch rule the plan checked ({@code LaunchRules}); what only the session knows is whether the
     * array has a device copy, and the copy's element type is checked again because a kernel that read a
     * {@code byte} buffer as {@code float}s would read past its end.
     */
    static OpenClBuffer buffer(OpenClMemory memory, OpenClDeviceRuntime runtime, KernelIR ir, Param.Array a, Object arg) {
        OpenClBuffer b = memory.get(arg);
        if (b == null) {
            if (a.array().isOffHeap() != (arg instanceof OffHeapArray)) {
                ElementType want = a.array().element();
                throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' was compiled for a "
                        + (a.array().isOffHeap() ? OpenClMemory.offHeapName(want) : want.javaName() + "[]") + ", the argument is "
                        + (arg == null ? "null" : "a " + arg.getClass().getSimpleName()) + ": pass the same kind of array the kernel method declares");
            }
            throw new IllegalStateException(ir.displayName() + ": the array passed as '" + a.name() + "' is not on "
                    + runtime.device().id() + " (call toDevice first)");
        }
        if (b.element != a.array().element() || b.offHeap != a.array().isOffHeap()) {
            ElementType want = a.array().element();
            if (b.offHeap != a.array().isOffHeap()) {
                throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' was compiled for a "
                        + (a.array().isOffHeap() ? OpenClMemory.offHeapName(want) : want.javaName() + "[]") + ", the argument is a "
                        + arg.getClass().getSimpleName() + ": pass the same kind of array the kernel method declares");
            }
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + a.name() + "' is a "
                    + (a.array().isOffHeap() ? OpenClMemory.offHeapName(want) : want.javaName() + "[]") + ", the argument a "
                    + (b.offHeap ? OpenClMemory.offHeapName(b.element) : b.element.javaName() + "[]"));
        }
        return b;
    }

    /**
     * The value of a scalar kernel argument: the boxed value itself for {@code int}, {@code long},
     * {@code float} and {@code double} (the plan's launch rules pass exactly the parameter's boxed type),
     * an {@code Integer} for the types the kernel ABI widens to {@code int}. {@link #set} converts by
     * the parameter's kind, so a direct caller's {@code Integer} for a {@code float} is still passed as a
     * float, never as an int's bits.
     */
    static Object scalar(KernelIR ir, Param.Scalar s, Object arg) {
        boolean fits = switch (s.kind()) {
            case BOOLEAN -> arg instanceof Boolean;
            case CHAR -> arg instanceof Character || arg instanceof Number;
            default -> arg instanceof Number;
        };
        if (!fits) {
            // the plan's launch rules refuse this with the task's name; this guards direct callers of the session
            throw new IllegalArgumentException(ir.displayName() + ": parameter '" + s.name() + "' is a "
                    + s.kind().name().toLowerCase(java.util.Locale.ROOT) + ", the argument is "
                    + (arg == null ? "null" : arg.getClass().getSimpleName() + " " + arg) + ": pass its boxed type");
        }
        return switch (s.kind()) {
            case INT, LONG, FLOAT, DOUBLE -> arg;
            case BOOLEAN -> Boolean.TRUE.equals(arg) ? 1 : 0;
            case CHAR -> arg instanceof Character c ? (int) c : arg;
            case BYTE, SHORT -> arg instanceof Number n ? n.intValue() : arg;
        };
    }

    static void set(cl_kernel kernel, int index, Object value, ScalarKind kind) {
        if (value instanceof cl_mem m) {
            CL.clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(m));
            return;
        }
        Number n = (Number) value; // scalar() let only numbers through
        switch (kind) {
            case LONG -> CL.clSetKernelArg(kernel, index, Sizeof.cl_long, Pointer.to(new long[] {n.longValue()}));
            case FLOAT -> CL.clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {n.floatValue()}));
            case DOUBLE -> CL.clSetKernelArg(kernel, index, Sizeof.cl_double, Pointer.to(new double[] {n.doubleValue()}));
            default -> CL.clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {n.intValue()}));
        }
    }
}

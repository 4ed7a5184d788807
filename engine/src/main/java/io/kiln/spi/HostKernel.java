package io.kiln.spi;

import io.kiln.KilnException;
import io.kiln.ir.KernelIR;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.Objects;

/**
 * A kernel implemented by a plain Java method that runs on the host data itself: a
 * {@link io.kiln.Variant} of a kernel for a back end without memory of its own ({@code cpu}). The
 * engine builds it in place of {@link DeviceRuntime#compile}; the back end's session calls
 * {@link #invoke} with the task's arguments.
 */
public final class HostKernel implements CompiledKernel {
    private final KernelIR ir;
    private final Method method;
    private final MethodHandle spread;

    /**
     * A host kernel for {@code method}, standing in for the kernel whose IR is {@code ir}.
     *
     * @throws KilnException if {@code method} cannot be called from the engine (its package is not open)
     */
    public HostKernel(KernelIR ir, Method method) {
        this.ir = Objects.requireNonNull(ir, "ir");
        this.method = Objects.requireNonNull(method, "method");
        MethodHandle mh;
        try {
            method.setAccessible(true);
            mh = MethodHandles.lookup().unreflect(method);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new KilnException("cannot call the variant " + name() + ": make it public, or open its package to"
                    + " io.kiln.engine in module-info.java (opens " + method.getDeclaringClass().getPackageName() + " to io.kiln.engine)", e);
        }
        int n = method.getParameterCount();
        // One spread call, no reflection per launch: (Object[]) -> void.
        this.spread = mh.asType(MethodType.genericMethodType(n).changeReturnType(void.class))
                .asSpreader(Object[].class, n);
    }

    /** The Java method that runs. */
    public Method method() {
        return method;
    }

    /** {@code Owner.method}, as {@link KernelIR#displayName()} names kernels. */
    public String name() {
        return method.getDeclaringClass().getSimpleName() + "." + method.getName();
    }

    /**
     * Runs the method on {@code args} (the task's arguments in parameter order, scalars boxed). An
     * exception the method throws propagates unchanged.
     */
    public void invoke(Object[] args) {
        try {
            spread.invokeExact(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new KilnException("the variant " + name() + " threw " + t, t);
        }
    }

    /** The reference kernel's IR (the variant has no IR of its own). */
    @Override
    public KernelIR ir() {
        return ir;
    }

    @Override
    public String source() {
        return "Java method " + method.getDeclaringClass().getName() + "." + method.getName()
                + ", the cpu variant of " + ir.displayName();
    }

    @Override
    public void close() {
        // Nothing was built.
    }
}

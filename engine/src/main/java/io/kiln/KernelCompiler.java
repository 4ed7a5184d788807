package io.kiln;

import io.kiln.frontend.FrontEnd;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import io.kiln.runtime.Backends;
import io.kiln.spi.BackendProvider;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

/** Shows the code Kiln generates for a kernel, without running it. */
public final class KernelCompiler {
    private KernelCompiler() {
    }

    /**
     * The code generated for the static method {@code method} of {@code owner}.
     *
     * @throws KernelCompilationException if the kernel cannot be compiled
     * @throws IllegalArgumentException   if there is no such static method, or several with that name
     */
    public static String emit(Class<?> owner, String method, Target target) {
        return emit(owner, method, target, null);
    }

    /** As {@link #emit(Class, String, Target)}, with the IR after each pass sent to {@code passes} (or {@code null}). */
    public static String emit(Class<?> owner, String method, Target target, java.util.function.Consumer<String> passes) {
        List<Method> found = Arrays.stream(owner.getDeclaredMethods())
                .filter(m -> m.getName().equals(method) && Modifier.isStatic(m.getModifiers()) && !m.isSynthetic())
                .toList();
        if (found.isEmpty()) {
            throw new IllegalArgumentException(owner.getName() + " has no static method '" + method + "'");
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException(owner.getName() + " has " + found.size() + " static methods named '" + method
                    + "': use emit(Method, Target) to pick one");
        }
        return emit(found.get(0), target, true, passes);
    }

    /** The code generated for the static method {@code method}, with Java's bounds checks (the default). */
    public static String emit(Method method, Target target) {
        return emit(method, target, true);
    }

    /**
     * The code generated for the static method {@code method}; without {@code boundsChecks}, the code a
     * plan builds after {@link ExecutionPlan#withBoundsChecks(boolean) withBoundsChecks(false)}: no check,
     * no error-record parameter.
     */
    public static String emit(Method method, Target target, boolean boundsChecks) {
        return emit(method, target, boundsChecks, null);
    }

    /**
     * As {@link #emit(Method, Target, boolean)}, also sending the kernel's IR as the front end made it
     * and after each pass of the pipeline to {@code passes} (what {@code kiln compile --passes} prints),
     * each headed {@code == Owner.method before passes ==} or {@code == Owner.method after PASS ==}.
     */
    public static String emit(Method method, Target target, boolean boundsChecks, java.util.function.Consumer<String> passes) {
        KernelIR ir = FrontEnd.compile(method, passes);
        // the same strip the plan's kernel cache applies, so that this shows what the plan runs
        if (!boundsChecks) ir = io.kiln.frontend.BoundsChecks.strip(ir);
        if (target == Target.IR) {
            return IrPrinter.print(ir);
        }
        for (BackendProvider p : Backends.get().providers()) {
            String code = p.emit(ir, target);
            if (code != null) return code;
        }
        throw new UnsupportedOperationException("no installed back end generates " + target);
    }
}

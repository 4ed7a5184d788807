package io.kiln;

import io.kiln.frontend.FrontEnd;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import io.kiln.runtime.Backends;
import io.kiln.spi.BackendProvider;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;

/** Shows the code Kiln generates for a kernel, without running it. */
public final class KernelCompiler {
    private KernelCompiler() {
    }

    /**
     * The code generated for the static method {@code method} of {@code owner}: its name, or for an
     * overloaded one its name and parameter types as Java writes them ({@code "scale(float, float[])"},
     * simple or fully qualified type names).
     *
     * @throws KernelCompilationException if the kernel cannot be compiled
     * @throws IllegalArgumentException   if there is no such static method, or several match (the message lists them)
     */
    public static String emit(Class<?> owner, String method, Target target) {
        return emit(owner, method, target, null);
    }

    /** As {@link #emit(Class, String, Target)}, with the IR after each pass sent to {@code passes} (or {@code null}). */
    public static String emit(Class<?> owner, String method, Target target, java.util.function.Consumer<String> passes) {
        // "name" or "name(type, ...)", the types as Java writes them (float[], int) or fully qualified
        int paren = method.indexOf('(');
        String name = paren < 0 ? method : method.substring(0, paren).strip();
        String wanted = paren < 0 ? null : signature(method.substring(paren));
        List<Method> named = new java.util.ArrayList<>();
        List<Method> found = new java.util.ArrayList<>();
        for (Method m : owner.getDeclaredMethods()) {
            if (!m.getName().equals(name) || !Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) continue;
            named.add(m);
            if (wanted == null || wanted.equals(signature(m, false)) || wanted.equals(signature(m, true))) found.add(m);
        }
        if (named.isEmpty()) {
            throw new IllegalArgumentException(owner.getName() + " has no static method '" + name + "'");
        }
        if (found.size() != 1) {
            List<String> overloads = new java.util.ArrayList<>();
            for (Method m : named) overloads.add(name + signature(m, false));
            java.util.Collections.sort(overloads);
            throw new IllegalArgumentException(owner.getName() + (found.isEmpty()
                    ? " has no static method " + name + wanted + "; its methods named '" + name + "': "
                    : " has " + found.size() + " static methods named '" + name + "': ") + String.join(", ", overloads)
                    + ": name one with its parameter types, as '" + overloads.get(0) + "' (or pass the Method to emit(Method, Target))");
        }
        return emit(found.get(0), target, true, passes);
    }

    /** {@code (float[], int)}: a method's parameter types as Java source writes them, simple or fully qualified names. */
    private static String signature(Method m, boolean qualified) {
        StringBuilder sb = new StringBuilder("(");
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(qualified ? types[i].getTypeName() : types[i].getSimpleName());
        }
        return sb.append(')').toString();
    }

    /** A written parameter list, {@code "( float[] ,int)"}, in {@link #signature(Method, boolean)}'s spacing. */
    private static String signature(String written) {
        String inner = written.strip();
        if (!inner.endsWith(")")) throw new IllegalArgumentException("method '" + written + "' lacks its closing ')': write name(type, ...)");
        inner = inner.substring(1, inner.length() - 1).strip();
        if (inner.isEmpty()) return "()";
        StringBuilder sb = new StringBuilder("(");
        String[] parts = inner.split(",");
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(parts[i].replace(" ", ""));
        }
        return sb.append(')').toString();
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

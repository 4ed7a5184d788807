package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.KernelCompilationException;
import io.kiln.Variant;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * Chooses the implementation of a kernel for a back end: the {@link Variant} the kernel names for it,
 * else the kernel itself (the portable reference). Pure: reads only the kernel's annotations.
 */
public final class Variants {
    /** The system property that turns variants off in the shared runtime ({@code -Dkiln.variants=false}). */
    public static final String PROPERTY = "kiln.variants";

    private Variants() {
    }

    /**
     * One implementation of a kernel.
     *
     * @param kernel the kernel as written in the task (the reference)
     * @param method the method that runs: {@code kernel} itself, or its variant
     * @param host   whether {@code method} is a plain Java method run on the host (a {@code cpu} variant)
     *               rather than a Kiln kernel to compile
     */
    public record Choice(Method kernel, Method method, boolean host) {

        /** Whether this is a variant rather than the reference. */
        public boolean isVariant() {
            return !method.equals(kernel);
        }

        /** {@code Owner.method} of what runs, with {@code " (variant)"} for a variant. */
        public String name() {
            String n = method.getDeclaringClass().getSimpleName() + "." + method.getName();
            return isVariant() ? n + " (" + (host ? "Java " : "") + "variant)" : n;
        }

        /** Distinguishes the choices of one kernel in the kernel cache. */
        String cacheSuffix() {
            return isVariant() ? "|" + method.getDeclaringClass().getName() + "." + method.getName() : "";
        }
    }

    /** The reference itself. */
    public static Choice reference(Method kernel) {
        return new Choice(kernel, kernel, false);
    }

    /** Whether variants are on by default: unless {@code -Dkiln.variants=false}. */
    public static boolean enabledByDefault() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").strip());
    }

    /**
     * The implementation of {@code kernel} for {@code backend}: its variant for that back end, if it
     * names one and {@code enabled}, else the reference.
     *
     * @throws KernelCompilationException if the variant named is missing, not static, or has other
     *                                    parameter types than the kernel
     */
    public static Choice choose(Method kernel, Backend backend, boolean enabled) {
        if (!enabled) return reference(kernel);
        // Most kernels carry no annotation at all. getAnnotationsByType would still read @Variant's own
        // meta-annotations (@Repeatable, @Target...) and make proxies for them: 20-30 ms in a fresh JVM,
        // on every first build (docs/cpu-backend.md, "Early runs").
        if (kernel.getDeclaredAnnotations().length == 0) return reference(kernel);
        Variant found = null;
        for (Variant v : kernel.getAnnotationsByType(Variant.class)) {
            if (v.backend() != backend) continue;
            if (found != null) {
                throw new KernelCompilationException(where(kernel) + " names two variants for " + backend + ": keep one @Variant per back end");
            }
            found = v;
        }
        if (found == null) return reference(kernel);
        String name = found.method().isEmpty() ? kernel.getName() : found.method();
        Method m;
        try {
            m = found.in().getDeclaredMethod(name, kernel.getParameterTypes());
        } catch (NoSuchMethodException e) {
            throw new KernelCompilationException(where(kernel) + ": its @Variant for " + backend + " names " + found.in().getName() + "." + name
                    + " with parameters " + Arrays.toString(kernel.getParameterTypes()) + ", which does not exist: declare it with exactly"
                    + " the kernel's parameter types", e);
        }
        if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != void.class) {
            throw new KernelCompilationException(where(kernel) + ": its @Variant for " + backend + ", " + found.in().getName() + "." + name
                    + ", must be a static void method like the kernel");
        }
        return new Choice(kernel, m, backend == Backend.CPU);
    }

    private static String where(Method kernel) {
        return kernel.getDeclaringClass().getName() + "." + kernel.getName();
    }
}

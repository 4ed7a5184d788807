package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Grid;
import io.kiln.KernelCompilationException;
import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.Variant;

import java.lang.reflect.InvocationTargetException;
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
     * @param grid   the variant's grid method ({@link Variant#grid()}), or {@code null} when what runs has
     *               the kernel's parameters and grid
     */
    public record Choice(Method kernel, Method method, boolean host, Method grid) {

        /** An implementation with the kernel's parameters and grid. */
        public Choice(Method kernel, Method method, boolean host) {
            this(kernel, method, host, null);
        }

        /** Whether this is a variant rather than the reference. */
        public boolean isVariant() {
            return !method.equals(kernel);
        }

        /**
         * Whether what runs is a work-item kernel with a geometry of its own: it takes a
         * {@link KernelContext} before the kernel's parameters, and {@link #grid(Object[])} gives its grid.
         */
        public boolean ownGeometry() {
            return grid != null;
        }

        /** {@code Owner.method} of what runs, with {@code " (variant)"} for a variant. */
        public String name() {
            String n = method.getDeclaringClass().getSimpleName() + "." + method.getName();
            return isVariant() ? n + " (" + (host ? "Java " : "") + "variant)" : n;
        }

        /**
         * The grid of a launch with the kernel's arguments {@code args}, from the variant's grid method.
         *
         * @throws KilnException if the grid method throws or returns {@code null}
         */
        public Grid grid(Object[] args) {
            Object g;
            try {
                g = grid.invoke(null, args);
            } catch (InvocationTargetException e) {
                throw new KilnException(gridName() + ", the grid method of the variant " + name() + ", threw " + e.getCause()
                        + ": it must return a Grid for every argument the kernel accepts", e.getCause());
            } catch (IllegalAccessException e) {
                throw new KilnException(gridName() + " is not accessible to Kiln: make it public or open its package to io.kiln.engine", e);
            }
            if (g == null) {
                throw new KilnException(gridName() + ", the grid method of the variant " + name() + ", returned null: return a Grid");
            }
            return (Grid) g;
        }

        /**
         * The arguments that the compiled implementation takes for the kernel's arguments {@code args}:
         * {@code args} itself, or with a {@link KernelContext} before them ({@link #ownGeometry()}).
         */
        public Object[] launchArguments(Object[] args) {
            if (grid == null) return args;
            Object[] out = new Object[args.length + 1];
            out[0] = CONTEXT;
            System.arraycopy(args, 0, out, 1, args.length);
            return out;
        }

        private String gridName() {
            return grid.getDeclaringClass().getName() + "." + grid.getName();
        }

        /** Distinguishes the choices of one kernel in the kernel cache. */
        String cacheSuffix() {
            return isVariant() ? "|" + method.getDeclaringClass().getName() + "." + method.getName() : "";
        }
    }

    /** The context passed to variants with their own geometry; on devices it carries no data. */
    private static final KernelContext CONTEXT = new KernelContext();

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
        boolean own = !found.grid().isEmpty();
        if (own && backend == Backend.CPU) {
            throw new KernelCompilationException(where(kernel) + ": its @Variant for CPU names a grid method, " + found.grid()
                    + ", but a cpu variant is a plain Java method without a grid: remove grid = \"" + found.grid() + "\"");
        }
        Class<?>[] params = kernel.getParameterTypes();
        Class<?>[] variantParams = params;
        if (own) {
            variantParams = new Class<?>[params.length + 1];
            variantParams[0] = KernelContext.class;
            System.arraycopy(params, 0, variantParams, 1, params.length);
        }
        Method m;
        try {
            m = found.in().getDeclaredMethod(name, variantParams);
        } catch (NoSuchMethodException e) {
            throw new KernelCompilationException(where(kernel) + ": its @Variant for " + backend + " names " + found.in().getName() + "." + name
                    + " with parameters " + Arrays.toString(variantParams) + ", which does not exist: declare it with exactly"
                    + (own ? " a KernelContext followed by the kernel's parameter types (it has a grid method)" : " the kernel's parameter types"), e);
        }
        if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != void.class) {
            throw new KernelCompilationException(where(kernel) + ": its @Variant for " + backend + ", " + found.in().getName() + "." + name
                    + ", must be a static void method like the kernel");
        }
        Method grid = null;
        if (own) {
            try {
                grid = found.in().getDeclaredMethod(found.grid(), params);
            } catch (NoSuchMethodException e) {
                throw new KernelCompilationException(where(kernel) + ": its @Variant for " + backend + " names the grid method "
                        + found.in().getName() + "." + found.grid() + " with parameters " + Arrays.toString(params)
                        + ", which does not exist: declare it static, returning a Grid, with exactly the kernel's parameter types", e);
            }
            if (!Modifier.isStatic(grid.getModifiers()) || grid.getReturnType() != Grid.class) {
                throw new KernelCompilationException(where(kernel) + ": the grid method " + found.in().getName() + "." + found.grid()
                        + " of its @Variant for " + backend + " must be static and return a Grid");
            }
            try {
                grid.setAccessible(true);
            } catch (RuntimeException e) {
                throw new KernelCompilationException("cannot call the grid method " + found.in().getName() + "." + found.grid()
                        + " of the @Variant of " + where(kernel) + ": make it public, or open its package to io.kiln.engine in"
                        + " module-info.java (opens " + found.in().getPackageName() + " to io.kiln.engine)", e);
            }
        }
        return new Choice(kernel, m, backend == Backend.CPU, grid);
    }

    private static String where(Method kernel) {
        return kernel.getDeclaringClass().getName() + "." + kernel.getName();
    }
}

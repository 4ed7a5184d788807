package io.kiln.conformance;

import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.TaskGraph;
import io.kiln.runtime.TaskSpec;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * One conformance kernel: the method reference, how to make its arguments, at which shapes to run it
 * and, for work-item kernels, the launch grid. Immutable; the modifiers return copies. The factories
 * {@code k}, one per parameter count, are generated ({@link KernelCaseArities}).
 */
final class KernelCase extends KernelCaseArities {
    private final Object kernel;
    private final Method method;
    private final List<Arg<?>> args;
    private final int dims;
    private final Function<Shape, Grid> grid;
    private final List<Shape> shapes;

    private KernelCase(Object kernel, Method method, List<Arg<?>> args, int dims, Function<Shape, Grid> grid, List<Shape> shapes) {
        this.kernel = kernel;
        this.method = method;
        this.args = args;
        this.dims = dims;
        this.grid = grid;
        this.shapes = shapes;
    }

    /** A case running {@code kernel} (a {@code KernelMethod.OfN}) with {@code args}: what each typed {@code k} returns. */
    static KernelCase create(Object kernel, Arg<?>... args) {
        return new KernelCase(kernel, TaskSpec.resolve(kernel), List.of(args), 1, null, null);
    }

    /** This case for a kernel whose arrays have 2 or 3 dimensions (runs at {@link Shape#standard} of that rank). */
    KernelCase dims(int d) {
        return new KernelCase(kernel, method, args, d, grid, shapes);
    }

    /** This case as a work-item kernel launched on {@code grid(shape)}. */
    KernelCase grid(Function<Shape, Grid> g) {
        if (args.isEmpty() || args.get(0).kind != Arg.Kind.CONTEXT) {
            throw new IllegalArgumentException(name() + ": a work-item kernel takes the KernelContext first");
        }
        return new KernelCase(kernel, method, args, dims, g, shapes);
    }

    /** This case run at exactly these shapes instead of the standard ones. */
    KernelCase shapes(Shape... s) {
        return new KernelCase(kernel, method, args, dims, grid, List.of(s));
    }

    /** {@code SimpleClass.method}, without a {@code Test} suffix. */
    String name() {
        return method.getDeclaringClass().getSimpleName().replaceFirst("Test$", "") + "." + method.getName();
    }

    Method method() {
        return method;
    }

    List<Arg<?>> args() {
        return args;
    }

    Function<Shape, Grid> grid() {
        return grid;
    }

    List<Shape> shapes(Random r) {
        return shapes != null ? shapes : Shape.standard(dims, r);
    }

    /** The shapes on the PTX interpreter device: {@link #shapes(Random)} capped by {@link Shape#forInterpreter}. */
    List<Shape> interpreterShapes(Random r) {
        return Shape.forInterpreter(dims, shapes(r), shapes != null);
    }

    /** Makes the arguments of one run. */
    Object[] makeArgs(Random r, Shape shape) {
        long cross = 1;
        for (Arg<?> arg : args) {
            if (arg.kind == Arg.Kind.IN || arg.kind == Arg.Kind.INOUT) {
                long next = cross * Math.max(1, arg.gen.edgeCount());
                if (next > Arg.MAX_CROSS) break;
                cross = next;
            }
        }
        int[] layout = {1, (int) cross};
        Object[] a = new Object[args.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = args.get(i).make(r, shape, layout);
        }
        return a;
    }

    /** Runs the kernel as plain Java: once, or once per work-item of the grid. */
    void runJava(Object[] a, Shape shape) {
        if (grid == null) {
            invokeKernel(kernel, a);
            return;
        }
        Grid g = grid.apply(shape);
        int sx = (int) g.global(0);
        int sy = g.dimensions() > 1 ? (int) g.global(1) : 1;
        int sz = g.dimensions() > 2 ? (int) g.global(2) : 1;
        KernelContext ctx = (KernelContext) a[0];
        for (int z = 0; z < sz; z++) {
            for (int y = 0; y < sy; y++) {
                for (int x = 0; x < sx; x++) {
                    ctx.setGlobalId(x, y, z, sx, sy, sz);
                    invokeKernel(kernel, a);
                }
            }
        }
    }

    /** Adds the kernel as task {@code id} of {@code graph}. */
    TaskGraph addTask(TaskGraph graph, String id, Object[] a) {
        return addKernelTask(graph, id, kernel, a);
    }

    @Override
    public String toString() {
        return name();
    }
}

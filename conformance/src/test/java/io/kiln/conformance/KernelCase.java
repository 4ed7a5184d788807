package io.kiln.conformance;

import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.KernelMethod;
import io.kiln.TaskGraph;
import io.kiln.runtime.TaskSpec;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * One conformance kernel: the method reference, how to make its arguments, at which shapes to run it
 * and, for work-item kernels, the launch grid. Immutable; the modifiers return copies.
 */
final class KernelCase {
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

    private static KernelCase create(Object kernel, Arg<?>... args) {
        return new KernelCase(kernel, TaskSpec.resolve(kernel), List.of(args), 1, null, null);
    }

    /** A case running a 1-parameter kernel. */
    static <A> KernelCase k(KernelMethod.Of1<A> kernel, Arg<A> a) {
        return create(kernel, a);
    }

    /** A case running a 2-parameter kernel. */
    static <A, B> KernelCase k(KernelMethod.Of2<A, B> kernel, Arg<A> a, Arg<B> b) {
        return create(kernel, a, b);
    }

    /** A case running a 3-parameter kernel. */
    static <A, B, C> KernelCase k(KernelMethod.Of3<A, B, C> kernel, Arg<A> a, Arg<B> b, Arg<C> c) {
        return create(kernel, a, b, c);
    }

    /** A case running a 4-parameter kernel. */
    static <A, B, C, D> KernelCase k(KernelMethod.Of4<A, B, C, D> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d) {
        return create(kernel, a, b, c, d);
    }

    /** A case running a 5-parameter kernel. */
    static <A, B, C, D, E> KernelCase k(KernelMethod.Of5<A, B, C, D, E> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e) {
        return create(kernel, a, b, c, d, e);
    }

    /** A case running a 6-parameter kernel. */
    static <A, B, C, D, E, F> KernelCase k(KernelMethod.Of6<A, B, C, D, E, F> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f) {
        return create(kernel, a, b, c, d, e, f);
    }

    /** A case running a 7-parameter kernel. */
    static <A, B, C, D, E, F, G> KernelCase k(KernelMethod.Of7<A, B, C, D, E, F, G> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g) {
        return create(kernel, a, b, c, d, e, f, g);
    }

    /** A case running a 8-parameter kernel. */
    static <A, B, C, D, E, F, G, H> KernelCase k(KernelMethod.Of8<A, B, C, D, E, F, G, H> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h) {
        return create(kernel, a, b, c, d, e, f, g, h);
    }

    /** A case running a 9-parameter kernel. */
    static <A, B, C, D, E, F, G, H, I> KernelCase k(KernelMethod.Of9<A, B, C, D, E, F, G, H, I> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h, Arg<I> i) {
        return create(kernel, a, b, c, d, e, f, g, h, i);
    }

    /** A case running a 10-parameter kernel. */
    static <A, B, C, D, E, F, G, H, I, J> KernelCase k(KernelMethod.Of10<A, B, C, D, E, F, G, H, I, J> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h, Arg<I> i, Arg<J> j) {
        return create(kernel, a, b, c, d, e, f, g, h, i, j);
    }

    /** A case running a 11-parameter kernel. */
    static <A, B, C, D, E, F, G, H, I, J, K> KernelCase k(KernelMethod.Of11<A, B, C, D, E, F, G, H, I, J, K> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h, Arg<I> i, Arg<J> j, Arg<K> k) {
        return create(kernel, a, b, c, d, e, f, g, h, i, j, k);
    }

    /** A case running a 12-parameter kernel. */
    static <A, B, C, D, E, F, G, H, I, J, K, L> KernelCase k(KernelMethod.Of12<A, B, C, D, E, F, G, H, I, J, K, L> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h, Arg<I> i, Arg<J> j, Arg<K> k, Arg<L> l) {
        return create(kernel, a, b, c, d, e, f, g, h, i, j, k, l);
    }

    /** A case running a 13-parameter kernel. */
    static <A, B, C, D, E, F, G, H, I, J, K, L, M> KernelCase k(KernelMethod.Of13<A, B, C, D, E, F, G, H, I, J, K, L, M> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h, Arg<I> i, Arg<J> j, Arg<K> k, Arg<L> l, Arg<M> m) {
        return create(kernel, a, b, c, d, e, f, g, h, i, j, k, l, m);
    }

    /** A case running a 14-parameter kernel. */
    static <A, B, C, D, E, F, G, H, I, J, K, L, M, N> KernelCase k(KernelMethod.Of14<A, B, C, D, E, F, G, H, I, J, K, L, M, N> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h, Arg<I> i, Arg<J> j, Arg<K> k, Arg<L> l, Arg<M> m, Arg<N> n) {
        return create(kernel, a, b, c, d, e, f, g, h, i, j, k, l, m, n);
    }

    /** A case running a 15-parameter kernel. */
    static <A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> KernelCase k(KernelMethod.Of15<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> kernel, Arg<A> a, Arg<B> b, Arg<C> c, Arg<D> d, Arg<E> e, Arg<F> f, Arg<G> g, Arg<H> h, Arg<I> i, Arg<J> j, Arg<K> k, Arg<L> l, Arg<M> m, Arg<N> n, Arg<O> o) {
        return create(kernel, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o);
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
            invoke(a);
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
                    invoke(a);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void invoke(Object[] a) {
        switch (a.length) {
            case 1 -> ((KernelMethod.Of1<Object>) kernel).run(a[0]);
            case 2 -> ((KernelMethod.Of2<Object, Object>) kernel).run(a[0], a[1]);
            case 3 -> ((KernelMethod.Of3<Object, Object, Object>) kernel).run(a[0], a[1], a[2]);
            case 4 -> ((KernelMethod.Of4<Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3]);
            case 5 -> ((KernelMethod.Of5<Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4]);
            case 6 -> ((KernelMethod.Of6<Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5]);
            case 7 -> ((KernelMethod.Of7<Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
            case 8 -> ((KernelMethod.Of8<Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            case 9 -> ((KernelMethod.Of9<Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
            case 10 -> ((KernelMethod.Of10<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
            case 11 -> ((KernelMethod.Of11<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
            case 12 -> ((KernelMethod.Of12<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
            case 13 -> ((KernelMethod.Of13<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
            case 14 -> ((KernelMethod.Of14<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
            case 15 -> ((KernelMethod.Of15<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel).run(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
            default -> throw new IllegalStateException("arity " + a.length);
        }
    }

    /** Adds the kernel as task {@code id} of {@code graph}. */
    @SuppressWarnings("unchecked")
    TaskGraph addTask(TaskGraph graph, String id, Object[] a) {
        return switch (a.length) {
            case 1 -> graph.task(id, (KernelMethod.Of1<Object>) kernel, a[0]);
            case 2 -> graph.task(id, (KernelMethod.Of2<Object, Object>) kernel, a[0], a[1]);
            case 3 -> graph.task(id, (KernelMethod.Of3<Object, Object, Object>) kernel, a[0], a[1], a[2]);
            case 4 -> graph.task(id, (KernelMethod.Of4<Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3]);
            case 5 -> graph.task(id, (KernelMethod.Of5<Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4]);
            case 6 -> graph.task(id, (KernelMethod.Of6<Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5]);
            case 7 -> graph.task(id, (KernelMethod.Of7<Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
            case 8 -> graph.task(id, (KernelMethod.Of8<Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            case 9 -> graph.task(id, (KernelMethod.Of9<Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
            case 10 -> graph.task(id, (KernelMethod.Of10<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
            case 11 -> graph.task(id, (KernelMethod.Of11<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
            case 12 -> graph.task(id, (KernelMethod.Of12<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
            case 13 -> graph.task(id, (KernelMethod.Of13<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
            case 14 -> graph.task(id, (KernelMethod.Of14<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
            case 15 -> graph.task(id, (KernelMethod.Of15<Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object, Object>) kernel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
            default -> throw new IllegalStateException("arity " + a.length);
        };
    }

    @Override
    public String toString() {
        return name();
    }
}

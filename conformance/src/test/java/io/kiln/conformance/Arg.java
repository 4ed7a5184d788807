package io.kiln.conformance;

import io.kiln.KernelContext;

import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * How the harness makes one kernel argument for a run of a given {@link Shape}.
 *
 * @param <T> the parameter's type (boxed for scalars), so that {@link KernelCase} type-checks the
 *            arguments against the kernel method, as {@code TaskGraph.task} does
 */
final class Arg<T> {
    enum Kind { IN, INOUT, OUT, SCALAR, VALUE, CONTEXT }

    /** The edge-value cross product covers at most this many leading elements; strides start again beyond. */
    static final int MAX_CROSS = 60_000;

    final Kind kind;
    final Gen<?> gen;
    final ToIntFunction<Shape> value;
    final Check check;

    private Arg(Kind kind, Gen<?> gen, ToIntFunction<Shape> value, Check check) {
        this.kind = kind;
        this.gen = gen;
        this.value = value;
        this.check = check;
    }

    /** An input array of {@code shape.total()} elements. */
    static <T> Arg<T> in(Gen<T> gen) {
        return new Arg<>(Kind.IN, gen, Shape::total, Check.EXACT);
    }

    /** An input array of {@code length(shape)} elements. */
    static <T> Arg<T> in(Gen<T> gen, ToIntFunction<Shape> length) {
        return new Arg<>(Kind.IN, gen, length, Check.EXACT);
    }

    /** An array the kernel reads and writes, compared bit for bit. */
    static <T> Arg<T> inout(Gen<T> gen) {
        return new Arg<>(Kind.INOUT, gen, Shape::total, Check.EXACT);
    }

    /** An array the kernel reads and writes, of {@code length(shape)} elements. */
    static <T> Arg<T> inout(Gen<T> gen, ToIntFunction<Shape> length) {
        return new Arg<>(Kind.INOUT, gen, length, Check.EXACT);
    }

    /** An output array (initially random), compared bit for bit. */
    static <T> Arg<T> out(Gen<T> gen) {
        return new Arg<>(Kind.OUT, gen, Shape::total, Check.EXACT);
    }

    /** An output array of {@code length(shape)} elements. */
    static <T> Arg<T> out(Gen<T> gen, ToIntFunction<Shape> length) {
        return new Arg<>(Kind.OUT, gen, length, Check.EXACT);
    }

    /** An output array compared within the ulp bound of {@code function}. */
    static <T> Arg<T> out(Gen<T> gen, String function) {
        return new Arg<>(Kind.OUT, gen, Shape::total, Check.ulp(function));
    }

    /** A scalar drawn from {@code gen} (an edge value one time in three). */
    @SuppressWarnings("unchecked")
    static <T> Arg<T> scalar(Gen<?> gen) {
        return (Arg<T>) new Arg<>(Kind.SCALAR, gen, null, Check.EXACT);
    }

    /** An int computed from the shape: {@code Shape::total}, {@code Shape::x}, ... */
    static Arg<Integer> size(ToIntFunction<Shape> f) {
        return new Arg<>(Kind.VALUE, null, f, Check.EXACT);
    }

    /** {@code shape.total()} as an int argument. */
    static Arg<Integer> n() {
        return size(Shape::total);
    }

    /** The {@link KernelContext} of a work-item kernel. */
    static Arg<KernelContext> ctx() {
        return new Arg<>(Kind.CONTEXT, null, null, Check.EXACT);
    }

    boolean isArray() {
        return kind == Kind.IN || kind == Kind.INOUT || kind == Kind.OUT;
    }

    /**
     * Makes the argument. {@code layout} is {stride, cross}: the edge-value stride of this input (updated
     * for the next one) and the length of the common prefix where the inputs' edge values are crossed.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Object make(Random r, Shape shape, int[] layout) {
        return switch (kind) {
            case IN, INOUT -> {
                Object a = ((Gen) gen).fill(value.applyAsInt(shape), layout[0], layout[1], r);
                long next = (long) layout[0] * Math.max(1, gen.edgeCount());
                layout[0] = next > MAX_CROSS ? 1 : (int) next;
                yield a;
            }
            case OUT -> gen.garbage(value.applyAsInt(shape), r);
            case SCALAR -> gen.scalar(r);
            case VALUE -> value.applyAsInt(shape);
            case CONTEXT -> new KernelContext();
        };
    }

    /** A copy for the Java reference run (arrays cloned, scalars shared, a fresh context). */
    static Object copy(Object o) {
        return switch (o) {
            case float[] a -> a.clone();
            case double[] a -> a.clone();
            case int[] a -> a.clone();
            case long[] a -> a.clone();
            case short[] a -> a.clone();
            case byte[] a -> a.clone();
            case char[] a -> a.clone();
            case KernelContext c -> new KernelContext();
            default -> o;
        };
    }
}

package io.kiln;

import java.io.Serializable;

/**
 * Typed references to kernel methods, one interface per parameter count, so that
 * {@code graph.task("saxpy", Kernels::saxpy, 2f, x, y)} type-checks its arguments against the
 * kernel's parameters and unboxes primitives. Pass a method reference to a {@code static} method;
 * Kiln reads the method's bytecode, it never calls the reference.
 */
public final class KernelMethod {
    private KernelMethod() {
    }

    /** A kernel with 1 parameter. */
    @FunctionalInterface
    public interface Of1<A> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a);
    }

    /** A kernel with 2 parameters. */
    @FunctionalInterface
    public interface Of2<A, B> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b);
    }

    /** A kernel with 3 parameters. */
    @FunctionalInterface
    public interface Of3<A, B, C> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c);
    }

    /** A kernel with 4 parameters. */
    @FunctionalInterface
    public interface Of4<A, B, C, D> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d);
    }

    /** A kernel with 5 parameters. */
    @FunctionalInterface
    public interface Of5<A, B, C, D, E> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e);
    }

    /** A kernel with 6 parameters. */
    @FunctionalInterface
    public interface Of6<A, B, C, D, E, F> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f);
    }

    /** A kernel with 7 parameters. */
    @FunctionalInterface
    public interface Of7<A, B, C, D, E, F, G> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g);
    }

    /** A kernel with 8 parameters. */
    @FunctionalInterface
    public interface Of8<A, B, C, D, E, F, G, H> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h);
    }

    /** A kernel with 9 parameters. */
    @FunctionalInterface
    public interface Of9<A, B, C, D, E, F, G, H, I> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h, I i);
    }

    /** A kernel with 10 parameters. */
    @FunctionalInterface
    public interface Of10<A, B, C, D, E, F, G, H, I, J> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);
    }

    /** A kernel with 11 parameters. */
    @FunctionalInterface
    public interface Of11<A, B, C, D, E, F, G, H, I, J, K> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k);
    }

    /** A kernel with 12 parameters. */
    @FunctionalInterface
    public interface Of12<A, B, C, D, E, F, G, H, I, J, K, L> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l);
    }

    /** A kernel with 13 parameters. */
    @FunctionalInterface
    public interface Of13<A, B, C, D, E, F, G, H, I, J, K, L, M> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m);
    }

    /** A kernel with 14 parameters. */
    @FunctionalInterface
    public interface Of14<A, B, C, D, E, F, G, H, I, J, K, L, M, N> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n);
    }

    /** A kernel with 15 parameters. */
    @FunctionalInterface
    public interface Of15<A, B, C, D, E, F, G, H, I, J, K, L, M, N, O> extends Serializable {
        /** The kernel body (Kiln never calls this; it compiles the referenced method). */
        void run(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l, M m, N n, O o);
    }
}

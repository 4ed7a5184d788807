package io.kiln.ir;

/** A kernel parameter, in Java declaration order ({@code index} is the Java parameter position). */
public sealed interface Param {
    /** Position in the Java method's parameter list. */
    int index();

    /** The Java parameter name where the class file records it, else {@code p<index>}. */
    String name();

    /** A scalar parameter, arriving in {@code var}. */
    record Scalar(int index, String name, ScalarKind kind, Var var) implements Param {}

    /** An array parameter in global memory and how the kernel uses it. */
    record Array(int index, String name, ArrayRef array, Access access) implements Param {}

    /** The {@code KernelContext} parameter of a work-item kernel (no data is passed for it). */
    record Context(int index, String name) implements Param {}
}

package io.kiln.ir;

/** Where an array lives. */
public enum AddressSpace {
    /** Device global memory: kernel array parameters. */
    GLOBAL,
    /** Work-group local (shared) memory: {@code ctx.localFloats(n)} and friends. */
    LOCAL,
    /** Per-work-item private memory: {@code new float[CONSTANT]} inside a kernel. */
    PRIVATE,
    /** Read-only constant tables: {@code static final} arrays read by a kernel. */
    CONSTANT
}

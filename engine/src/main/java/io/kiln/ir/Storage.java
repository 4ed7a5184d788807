package io.kiln.ir;

/**
 * How a global (parameter) array is held on the host, which fixes how kernels index it and what
 * {@link Instr.ArrayLength} yields.
 */
public enum Storage {
    /**
     * A Java primitive array ({@code float[]}): {@code int} length, {@link Type#I32} indices. On the
     * CPU back end kernels read the Java array itself.
     */
    HEAP,
    /**
     * An {@link io.kiln.OffHeapArray} ({@code FloatArray}): {@code long} length, indices of
     * {@link Type#I32} or {@link Type#I64} (an {@code int} index is widened, never wrapped). On the CPU
     * back end kernels read its {@link java.lang.foreign.MemorySegment}.
     */
    OFF_HEAP
}

package io.kiln.ir;

/** How a kernel's iteration space is defined. */
public enum KernelKind {
    /** {@code @Parallel} loops define the iteration space. */
    LOOP_PARALLEL,
    /** A {@code KernelContext} kernel: the launch grid defines the work-items. */
    WORK_ITEM,
    /** Neither: the method runs once, as a single work-item. */
    SINGLE
}

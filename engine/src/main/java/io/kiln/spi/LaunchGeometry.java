package io.kiln.spi;

/**
 * What the engine knows about a launch's size, and where its {@code printf} output goes.
 *
 * @param sizes    for {@link io.kiln.ir.KernelKind#WORK_ITEM} kernels the grid's global sizes; for
 *                 {@link io.kiln.ir.KernelKind#LOOP_PARALLEL} kernels each parallel loop's trip count
 *                 ({@code -1} where unknown on the host: the back end picks a size, the strided loop stays
 *                 correct); for {@link io.kiln.ir.KernelKind#SINGLE} kernels {@code {1}}
 * @param local    the requested work-group size, or {@code null} to let the back end choose
 * @param printing the print buffer's size and the sink of a kernel that prints ({@link PrintBuffer})
 */
public record LaunchGeometry(long[] sizes, long[] local, Printing printing) {

    public LaunchGeometry {
        if (printing == null) printing = Printing.DEFAULT;
    }

    /** A launch whose {@code printf} output goes to {@code System.out} through a buffer of the default size. */
    public LaunchGeometry(long[] sizes, long[] local) {
        this(sizes, local, Printing.DEFAULT);
    }
}

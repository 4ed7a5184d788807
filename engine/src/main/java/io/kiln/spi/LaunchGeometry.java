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

    /**
     * The one rule for a given work-group size, kept by every back end alike (OpenCL 1.2's): it must
     * divide the global size in every dimension, because launches run whole work-groups. The message
     * says how to round the grid up, and, for a kernel with barriers, to guard the work instead of
     * leaving early (an early {@code return} would skip a barrier the rest of the group waits at).
     *
     * @param who      how the message names the launch, e.g. {@code task 'blur': Blur.blur}
     * @param global   the global sizes
     * @param local    the local sizes (as many as {@code global}, or fewer: the rest are 1)
     * @param barriers whether the kernel has barriers
     * @throws IllegalArgumentException naming the first dimension that is not whole
     */
    public static void requireWholeGroups(String who, long[] global, long[] local, boolean barriers) {
        for (int d = 0; d < local.length && d < global.length; d++) {
            if (local[d] > 0 && global[d] % local[d] != 0) {
                throw new IllegalArgumentException(who + ": the global size " + global[d] + " in dimension " + d
                        + " is not a multiple of the local size " + local[d] + ": launches run whole work-groups. "
                        + roundUpAdvice(global[d], local[d], global.length, barriers));
            }
        }
    }

    private static String roundUpAdvice(long n, long local, int dimensions, boolean barriers) {
        String fix = "Round the grid up to " + io.kiln.Grid.roundUp(n, local) + " (Grid.roundUp(" + n + ", " + local + ")"
                + (dimensions == 1 ? "; Grid.covering(n, " + local + ") makes the whole grid" : "") + ")";
        if (barriers) {
            return fix + ", and let the extra work-items skip the work but still reach every barrier: guard each part of the work,"
                    + " if (i < n) { ... }, rather than leaving early with return, since the kernel has barriers";
        }
        return fix + ", and skip the extra work-items in the kernel (if (i >= n) return;)";
    }
}

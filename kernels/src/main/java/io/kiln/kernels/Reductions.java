package io.kiln.kernels;

import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.Reduce;

/**
 * Reductions over {@code float} data. The {@code @Reduce} kernels combine into element 0 of their
 * output, whose initial value takes part ({@code total[0] = 0} first for a plain sum); the
 * work-group kernel shows the tree reduction they compile to on GPUs.
 */
public final class Reductions {
    private Reductions() {
    }

    /** Work-items per group of {@link #groupSums}. */
    public static final int GROUP = 256;

    /**
     * {@code total[0] += x[0] + x[1] + ...}. Floating-point addition is not associative: devices add
     * in a tree, so the result differs from a sequential Java loop by rounding only; the error bound is
     * that of pairwise summation, {@code ~ log2(n) * ulp} of the magnitudes summed.
     */
    public static void sum(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i];
        }
    }

    /** {@code min[0] = Math.min(min[0], x[i])} over all {@code i}: exact (NaN wins, -0.0 below +0.0). */
    public static void min(float[] x, @Reduce float[] min) {
        for (@Parallel int i = 0; i < x.length; i++) {
            min[0] = Math.min(min[0], x[i]);
        }
    }

    /** {@code max[0] = Math.max(max[0], x[i])} over all {@code i}: exact. */
    public static void max(float[] x, @Reduce float[] max) {
        for (@Parallel int i = 0; i < x.length; i++) {
            max[0] = Math.max(max[0], x[i]);
        }
    }

    /** {@code total[0] += x[i]} over all {@code i}, with Java's wrap-around: exact on every device. */
    public static void sumInts(int[] x, @Reduce int[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i];
        }
    }

    /**
     * The sum of each group of {@link #GROUP} consecutive elements, by a tree in local memory:
     * {@code groupSums[g]} gets the sum of {@code x[g * GROUP ..]}, added pairwise (element
     * {@code l} with {@code l + s} for {@code s = 128, 64, ..., 1}); elements past the end count as 0.
     * Launch with {@code Grid.of(groups * GROUP).local(GROUP)}.
     */
    public static void groupSums(KernelContext ctx, float[] x, float[] groupSums) {
        float[] tile = ctx.localFloats(GROUP);
        int lid = ctx.localIdx();
        int i = ctx.globalIdx();
        tile[lid] = i < x.length ? x[i] : 0f;
        ctx.barrier();
        for (int s = GROUP / 2; s > 0; s >>= 1) {
            if (lid < s) {
                tile[lid] = tile[lid] + tile[lid + s];
            }
            ctx.barrier();
        }
        if (lid == 0) {
            groupSums[ctx.groupIdx()] = tile[0];
        }
    }
}

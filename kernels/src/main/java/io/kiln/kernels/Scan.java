package io.kiln.kernels;

import io.kiln.KernelContext;

/**
 * Exclusive prefix sums of {@code int} data ({@code out[i] = in[0] + ... + in[i - 1]}, with Java's
 * wrap-around, so exact on every device), in three tasks:
 * <ol>
 * <li>{@link #scanGroups}: each group of {@link #GROUP} elements scans itself in local memory and
 *     writes its total;</li>
 * <li>{@link #scanTotals}: one work-item turns the group totals into group offsets;</li>
 * <li>{@link #addOffsets}: each element adds its group's offset.</li>
 * </ol>
 * Launch the first and last with {@code Grid.of(groups * GROUP).local(GROUP)}, where
 * {@code groups = ceil(n / GROUP)} and {@code totals.length == groups}.
 */
public final class Scan {
    private Scan() {
    }

    /** Work-items per group. */
    public static final int GROUP = 256;

    /** Work-efficient (up-sweep, down-sweep) exclusive scan of each group; {@code totals[g]} gets its sum. */
    public static void scanGroups(KernelContext ctx, int[] in, int[] out, int[] totals) {
        int[] t = ctx.localInts(GROUP);
        int lid = ctx.localIdx();
        int i = ctx.globalIdx();
        t[lid] = i < in.length ? in[i] : 0;
        ctx.barrier();
        for (int d = 1; d < GROUP; d <<= 1) {
            int k = (lid + 1) * 2 * d - 1;
            if (k < GROUP) {
                t[k] += t[k - d];
            }
            ctx.barrier();
        }
        if (lid == 0) {
            totals[ctx.groupIdx()] = t[GROUP - 1];
            t[GROUP - 1] = 0;
        }
        ctx.barrier();
        for (int d = GROUP / 2; d >= 1; d >>= 1) {
            int k = (lid + 1) * 2 * d - 1;
            if (k < GROUP) {
                int left = t[k - d];
                t[k - d] = t[k];
                t[k] += left;
            }
            ctx.barrier();
        }
        if (i < in.length) {
            out[i] = t[lid];
        }
    }

    /** Replaces each group total by the sum of the totals before it (a sequential exclusive scan). */
    public static void scanTotals(int[] totals) {
        int running = 0;
        for (int g = 0; g < totals.length; g++) {
            int t = totals[g];
            totals[g] = running;
            running += t;
        }
    }

    /** Adds each group's offset to its elements. */
    public static void addOffsets(KernelContext ctx, int[] out, int[] offsets) {
        int i = ctx.globalIdx();
        if (i < out.length) {
            out[i] += offsets[ctx.groupIdx()];
        }
    }
}

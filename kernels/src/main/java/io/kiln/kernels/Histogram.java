package io.kiln.kernels;

import io.kiln.KernelContext;

/**
 * 256-bin histograms of byte data (bytes read as unsigned 0..255), exact on every device. Launch
 * either kernel with {@code Grid.of(n rounded up to a multiple of 256).local(256)} and {@code bins}
 * zeroed (or holding counts to add to).
 */
public final class Histogram {
    private Histogram() {
    }

    /** Work-items per group. */
    public static final int GROUP = 256;

    /** Every work-item adds its byte to the global bins with one atomic. */
    public static void global256(KernelContext ctx, byte[] data, int[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) {
            ctx.atomicAdd(bins, data[i] & 0xFF, 1);
        }
    }

    /**
     * Each group counts into 256 local bins with local atomics, then adds them to the global bins:
     * one global atomic per bin and group instead of one per byte.
     */
    public static void local256(KernelContext ctx, byte[] data, int[] bins) {
        int[] local = ctx.localInts(256);
        int lid = ctx.localIdx();
        local[lid] = 0;
        ctx.barrier();
        int i = ctx.globalIdx();
        if (i < data.length) {
            ctx.atomicAdd(local, data[i] & 0xFF, 1);
        }
        ctx.barrier();
        int count = local[lid];
        if (count != 0) {
            ctx.atomicAdd(bins, lid, count);
        }
    }
}

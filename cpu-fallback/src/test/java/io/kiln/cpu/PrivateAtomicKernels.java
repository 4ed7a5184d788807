package io.kiln.cpu;

import io.kiln.IntArray;
import io.kiln.KernelContext;
import io.kiln.LongArray;

/**
 * Work-item kernels with global atomics for {@link AtomicPrivatisationTest}: histograms whose atomics the
 * cpu device may accumulate in per-thread copies ({@link AtomicPrivatisation}), and kernels it must not
 * privatise (they read the bins, use an atomic's result, or mix operations on one array).
 */
public final class PrivateAtomicKernels {
    private PrivateAtomicKernels() {
    }

    /** One count per element, in bin {@code |data[i]| mod bins.length}. */
    public static void countInts(KernelContext ctx, int[] data, int[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(bins, (data[i] & 0x7fffffff) % bins.length, 1);
    }

    /** Wrapping sums of the values per bin. */
    public static void sumInts(KernelContext ctx, int[] data, int[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(bins, (data[i] >>> 7) % bins.length, data[i]);
    }

    /** Wrapping sums of long values per bin. */
    public static void sumLongs(KernelContext ctx, long[] data, long[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(bins, (int) ((data[i] >>> 9) % bins.length), data[i]);
    }

    /** The smallest value per bin. */
    public static void minInts(KernelContext ctx, int[] data, int[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicMin(bins, (data[i] >>> 3) % bins.length, data[i]);
    }

    /** The largest value per bin (longs). */
    public static void maxLongs(KernelContext ctx, long[] data, long[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicMax(bins, (int) ((data[i] >>> 5) % bins.length), data[i]);
    }

    /** {@link #countInts} into an off-heap {@code IntArray} (a {@code long} index). */
    public static void countOffHeap(KernelContext ctx, int[] data, IntArray bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(bins, (data[i] & 0x7fffffff) % bins.length(), 1);
    }

    /** {@link #maxLongs} into an off-heap {@code LongArray}. */
    public static void maxOffHeap(KernelContext ctx, long[] data, LongArray bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicMax(bins, (data[i] >>> 5) % bins.length(), data[i]);
    }

    /** Counts with the value itself as the bin: an out-of-range value fails the bounds check. */
    public static void countUnchecked(KernelContext ctx, int[] data, int[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(bins, data[i], 1);
    }

    /** Counts, then reads its bin: the kernel reads the bins, so they must stay real atomics. */
    public static void countAndRead(KernelContext ctx, int[] data, int[] bins, int[] seen) {
        int i = ctx.globalIdx();
        if (i < data.length) {
            int b = (data[i] & 0x7fffffff) % bins.length;
            ctx.atomicAdd(bins, b, 1);
            seen[i] = bins[b] > 0 ? 1 : 0;
        }
    }

    /** Counts into {@code bins} and reads {@code view}: privatising is wrong when both are one array. */
    public static void countAndReadOther(KernelContext ctx, int[] data, int[] bins, int[] view, int[] seen) {
        int i = ctx.globalIdx();
        if (i < data.length) {
            int b = (data[i] & 0x7fffffff) % bins.length;
            ctx.atomicAdd(bins, b, 1);
            seen[i] = view[b] > 0 ? 1 : 0;
        }
    }

    /** Takes tickets: each item keeps the old count of its bin, so the atomics' results are used. */
    public static void tickets(KernelContext ctx, int[] data, int[] bins, int[] ticket) {
        int i = ctx.globalIdx();
        if (i < data.length) ticket[i] = ctx.atomicAdd(bins, (data[i] & 0x7fffffff) % bins.length, 1);
    }

    /** Two operations on one array: order-dependent, never privatised. */
    public static void addAndMax(KernelContext ctx, int[] data, int[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) {
            ctx.atomicAdd(bins, 0, data[i]);
            ctx.atomicMax(bins, 0, data[i]);
        }
    }

    /** Float sums depend on the order: never privatised. */
    public static void sumFloats(KernelContext ctx, float[] data, float[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(bins, i % bins.length, data[i]);
    }

    /** Counts per work-group in local memory, then merges with global atomics (a {@code groups} kernel). */
    public static void countLocal(KernelContext ctx, int[] data, int[] bins) {
        int[] h = ctx.localInts(64);
        int l = ctx.localIdx();
        int size = ctx.localSizeX();
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(h, data[i] & 63, 1);
        ctx.barrier();
        for (int b = l; b < 64; b += size) {
            if (h[b] != 0) ctx.atomicAdd(bins, (b * 7) % bins.length, h[b]);
        }
    }

    /** Counts for as long as {@code rounds} says (for cancellation). */
    public static void countForever(KernelContext ctx, int[] rounds, int[] bins) {
        int i = ctx.globalIdx();
        for (int k = 0; k < rounds[0]; k += 0) {
            ctx.atomicAdd(bins, (i + k) % bins.length, 1);
            if (rounds[1] != 0) k++;
        }
    }
}

package io.kiln.cpu;

import io.kiln.KernelContext;

/** Work-item kernels that cooperate within work-groups: barriers, local memory, atomics. */
public final class GroupKernels {
    private GroupKernels() {
    }

    /** Tile edge of {@link #transpose} and {@link #sgemm}. */
    public static final int TILE = 16;

    /** {@code sums[group]} = the group's elements added pairwise in a tree (any group size up to 256). */
    public static void groupSum(KernelContext ctx, float[] x, float[] sums) {
        float[] s = ctx.localFloats(256);
        int l = ctx.localIdx();
        int n = ctx.localSizeX();
        s[l] = x[ctx.globalIdx()];
        ctx.barrier();
        for (int stride = 1; stride < n; stride *= 2) {
            if (l % (2 * stride) == 0 && l + stride < n) s[l] += s[l + stride];
            ctx.barrier();
        }
        if (l == 0) sums[ctx.groupIdx()] = s[0];
    }

    /** A 256-bin histogram of {@code data}, one global atomic per element. */
    public static void histogram(KernelContext ctx, byte[] data, int[] hist) {
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(hist, data[i] & 255, 1);
    }

    /** A 256-bin histogram per group in local memory (local atomics), merged with global atomics. */
    public static void histogramLocal(KernelContext ctx, byte[] data, int[] hist) {
        int[] h = ctx.localInts(256);
        int l = ctx.localIdx();
        int size = ctx.localSizeX();
        for (int b = l; b < 256; b += size) h[b] = 0;
        ctx.barrier();
        int i = ctx.globalIdx();
        if (i < data.length) ctx.atomicAdd(h, data[i] & 255, 1);
        ctx.barrier();
        for (int b = l; b < 256; b += size) {
            if (h[b] != 0) ctx.atomicAdd(hist, b, h[b]);
        }
    }

    /**
     * Exclusive prefix sum of each group's part of {@code in} (Hillis-Steele, double-buffered in local
     * memory; groups of at most 256), and each group's total in {@code totals[group]}.
     */
    public static void scan(KernelContext ctx, int[] in, int[] out, int[] totals, int n) {
        int[] buf = ctx.localInts(512);
        int l = ctx.localIdx();
        int size = ctx.localSizeX();
        int i = ctx.globalIdx();
        int x = i < n ? in[i] : 0;
        int src = 0;
        buf[l] = x;
        ctx.barrier();
        // 'off' is declared outside the loop: javac would give its slot to a later local (such as
        // 'inclusive', an id-dependent value), and the front end's barrier check would then see the
        // loop's trip count as id-dependent.
        int off = 1;
        while (off < size) {
            int v = buf[src + l];
            if (l >= off) v += buf[src + l - off];
            src = 256 - src;
            buf[src + l] = v;
            ctx.barrier();
            off *= 2;
        }
        int inclusive = buf[src + l];
        if (i < n) out[i] = inclusive - x;
        if (l == size - 1) totals[ctx.groupIdx()] = inclusive;
    }

    /** {@code out[i] += offsets[group of i]}. */
    public static void addOffsets(KernelContext ctx, int[] out, int[] offsets, int n) {
        int i = ctx.globalIdx();
        if (i < n) out[i] += offsets[ctx.groupIdx()];
    }

    /** {@code out = in}ᵀ for a {@code rows x cols} row-major {@code in}, through a padded local tile. */
    public static void transpose(KernelContext ctx, float[] in, float[] out, int rows, int cols) {
        float[] tile = ctx.localFloats(TILE * (TILE + 1));
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int x = ctx.groupIdx() * TILE + lx;
        int y = ctx.groupIdy() * TILE + ly;
        if (x < cols && y < rows) tile[ly * (TILE + 1) + lx] = in[y * cols + x];
        ctx.barrier();
        int ox = ctx.groupIdy() * TILE + lx;
        int oy = ctx.groupIdx() * TILE + ly;
        if (ox < rows && oy < cols) out[oy * rows + ox] = tile[lx * (TILE + 1) + ly];
    }

    /** {@code c (n x m) = a (n x k) * b (k x m)}, row-major, tiled through local memory (16 x 16 groups). */
    public static void sgemm(KernelContext ctx, float[] a, float[] b, float[] c, int n, int m, int k) {
        float[] as = ctx.localFloats(TILE * TILE);
        float[] bs = ctx.localFloats(TILE * TILE);
        int tx = ctx.localIdx();
        int ty = ctx.localIdy();
        int col = ctx.globalIdx();
        int row = ctx.globalIdy();
        float acc = 0f;
        for (int t = 0; t < k; t += TILE) {
            as[ty * TILE + tx] = row < n && t + tx < k ? a[row * k + t + tx] : 0f;
            bs[ty * TILE + tx] = col < m && t + ty < k ? b[(t + ty) * m + col] : 0f;
            ctx.barrier();
            for (int q = 0; q < TILE; q++) acc += as[ty * TILE + q] * bs[q * TILE + tx];
            ctx.barrier();
        }
        if (row < n && col < m) c[row * m + col] = acc;
    }

    /** Private arrays and scalars survive a barrier per work-item; local memory is shared. */
    /**
     * Adds to local memory it never initialised: on {@code cpu} every group's local arrays start at
     * zero, so {@code out[i] = i + 1} and {@code wide[i]} is what its mirror item added, whatever other groups
     * of the same chunk left there. With a barrier between the update and the read.
     */
    public static void localStartsAtZero(KernelContext ctx, int[] out, long[] wide) {
        int[] h = ctx.localInts(64);
        long[] w = ctx.localLongs(64);
        int l = ctx.localIdx();
        int i = ctx.globalIdx();
        h[l] += i + 1;
        w[63 - l] += (long) i << 33;
        ctx.barrier();
        out[i] = h[l];
        wide[i] = w[l];
    }

    /** As {@link #localStartsAtZero}, without a barrier (the {@code groups} method without passes). */
    public static void localStartsAtZeroNoBarrier(KernelContext ctx, float[] out) {
        float[] h = ctx.localFloats(64);
        int l = ctx.localIdx();
        h[l] += ctx.globalIdx() + 1;
        out[ctx.globalIdx()] = h[l];
    }

    public static void privateAcrossBarrier(KernelContext ctx, int[] out) {
        int[] p = new int[4];
        int l = ctx.localIdx();
        for (int q = 0; q < 4; q++) p[q] = l * 10 + q;
        long wide = 1L << 40 | l;
        double d = l * 0.5;
        int[] shared = ctx.localInts(64);
        shared[l] = l;
        ctx.barrier();
        int size = ctx.localSizeX();
        out[ctx.globalIdx()] = p[0] + p[1] + p[2] + p[3] + 1000 * shared[size - 1 - l] + (int) (wide >>> 40) * 100_000
                + (int) (d * 2) * 1_000_000;
    }

    /**
     * Every work-item updates the same elements: {@code cells[0] += 1} (old values in {@code addOld}),
     * {@code cells[1] = min}, {@code cells[2] = max}, {@code cells[3]} exchanged with the item's id (old
     * values in {@code xOld}), {@code cells[4]} incremented by a compare-and-set loop (the value each
     * item replaced in {@code casOld}), {@code cells[5] += v}.
     */
    public static void intAtomics(KernelContext ctx, int[] v, int[] cells, int[] addOld, int[] xOld, int[] casOld) {
        int i = ctx.globalIdx();
        int x = v[i];
        addOld[i] = ctx.atomicAdd(cells, 0, 1);
        ctx.atomicMin(cells, 1, x);
        ctx.atomicMax(cells, 2, x);
        xOld[i] = ctx.atomicExchange(cells, 3, i);
        int cur = 0;
        while (true) {
            int w = ctx.atomicCompareAndSet(cells, 4, cur, cur + 1);
            if (w == cur) break;
            cur = w;
        }
        casOld[i] = cur;
        ctx.atomicAdd(cells, 5, x);
    }

    /** {@link #intAtomics} on longs. */
    public static void longAtomics(KernelContext ctx, long[] v, long[] cells, long[] addOld, long[] xOld, long[] casOld) {
        int i = ctx.globalIdx();
        long x = v[i];
        addOld[i] = ctx.atomicAdd(cells, 0, 1L);
        ctx.atomicMin(cells, 1, x);
        ctx.atomicMax(cells, 2, x);
        xOld[i] = ctx.atomicExchange(cells, 3, (long) i);
        long cur = 0;
        while (true) {
            long w = ctx.atomicCompareAndSet(cells, 4, cur, cur + 1);
            if (w == cur) break;
            cur = w;
        }
        casOld[i] = cur;
        ctx.atomicAdd(cells, 5, x);
    }

    /** {@link #intAtomics} on floats ({@code cells[5]} unused: a float sum depends on the order). */
    public static void floatAtomics(KernelContext ctx, float[] v, float[] cells, float[] addOld, float[] xOld, float[] casOld) {
        int i = ctx.globalIdx();
        float x = v[i];
        addOld[i] = ctx.atomicAdd(cells, 0, 1f);
        ctx.atomicMin(cells, 1, x);
        ctx.atomicMax(cells, 2, x);
        xOld[i] = ctx.atomicExchange(cells, 3, (float) i);
        float cur = 0f;
        while (true) {
            float w = ctx.atomicCompareAndSet(cells, 4, cur, cur + 1f);
            if (w == cur) break;
            cur = w;
        }
        casOld[i] = cur;
    }

    /** {@code olds[i] = atomicCompareAndSet(a, i, expected[i], values[i])}: float CAS compares bits. */
    public static void floatCompareAndSet(KernelContext ctx, float[] a, float[] expected, float[] values, float[] olds) {
        int i = ctx.globalIdx();
        olds[i] = ctx.atomicCompareAndSet(a, i, expected[i], values[i]);
    }

    /**
     * Each atomic on a one-item group's local arrays: {@code iv}, {@code lv}, {@code fv} hold per item an
     * initial value and an operand; the old values and the final element go to the outputs.
     */
    public static void localAtomics(KernelContext ctx, int[] iv, long[] lv, float[] fv, int[] io, long[] lo, float[] fo) {
        int i = ctx.globalIdx();
        int[] li = ctx.localInts(1);
        long[] ll = ctx.localLongs(1);
        float[] lf = ctx.localFloats(1);
        int xi = iv[2 * i + 1];
        long xl = lv[2 * i + 1];
        float xf = fv[2 * i + 1];
        li[0] = iv[2 * i];
        io[7 * i] = ctx.atomicAdd(li, 0, xi);
        io[7 * i + 1] = ctx.atomicMin(li, 0, xi - 3);
        io[7 * i + 2] = ctx.atomicMax(li, 0, xi + 5);
        io[7 * i + 3] = ctx.atomicExchange(li, 0, xi * 3);
        io[7 * i + 4] = ctx.atomicCompareAndSet(li, 0, xi * 3, 17);
        io[7 * i + 5] = ctx.atomicCompareAndSet(li, 0, xi, 19);
        io[7 * i + 6] = li[0];
        ll[0] = lv[2 * i];
        lo[7 * i] = ctx.atomicAdd(ll, 0, xl);
        lo[7 * i + 1] = ctx.atomicMin(ll, 0, xl - 3);
        lo[7 * i + 2] = ctx.atomicMax(ll, 0, xl + 5);
        lo[7 * i + 3] = ctx.atomicExchange(ll, 0, xl * 3);
        lo[7 * i + 4] = ctx.atomicCompareAndSet(ll, 0, xl * 3, 17L);
        lo[7 * i + 5] = ctx.atomicCompareAndSet(ll, 0, xl, 19L);
        lo[7 * i + 6] = ll[0];
        lf[0] = fv[2 * i];
        fo[7 * i] = ctx.atomicAdd(lf, 0, xf);
        fo[7 * i + 1] = ctx.atomicMin(lf, 0, xf);
        fo[7 * i + 2] = ctx.atomicMax(lf, 0, -xf);
        fo[7 * i + 3] = ctx.atomicExchange(lf, 0, xf * 3f);
        fo[7 * i + 4] = ctx.atomicCompareAndSet(lf, 0, xf * 3f, 17f);
        fo[7 * i + 5] = ctx.atomicCompareAndSet(lf, 0, xf, 19f);
        fo[7 * i + 6] = lf[0];
    }
}

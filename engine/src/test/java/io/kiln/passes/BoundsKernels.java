package io.kiln.passes;

import io.kiln.FloatArray;
import io.kiln.KernelContext;
import io.kiln.Parallel;

/** Kernels for the bounds-check tests: some index out of range on purpose, some provably in range. */
public final class BoundsKernels {
    private BoundsKernels() {
    }

    /** Reads in[i + offset]: out of range for offset > 0 at the end, for offset < 0 at the start. */
    public static void shiftedCopy(float[] in, float[] out, int offset) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = in[i + offset];
        }
    }

    /** Writes out[i + offset]. */
    public static void shiftedStore(float[] in, float[] out, int offset) {
        for (@Parallel int i = 0; i < in.length; i++) {
            out[i + offset] = in[i];
        }
    }

    /** The unguarded work-item kernel, launched on a grid rounded up past its array. */
    public static void unguardedScale(KernelContext ctx, float[] x) {
        int i = ctx.globalIdx();
        x[i] = x[i] * 2f;
    }

    /** A private array indexed by data. */
    public static void privateIndex(int[] idx, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int[] t = new int[4];
            t[0] = 1;
            t[1] = 2;
            t[2] = 3;
            t[3] = 4;
            out[i] = t[idx[i]];
        }
    }

    /** A local array indexed by data, with a barrier (so that the convergence of record-and-skip matters). */
    public static void localIndex(KernelContext ctx, int[] idx, int[] out) {
        int[] tile = ctx.localInts(64);
        int l = ctx.localIdx();
        tile[l] = l;
        ctx.barrier();
        out[ctx.globalIdx()] = tile[idx[ctx.globalIdx()]];
    }

    /** An atomic at a data index. */
    public static void atomicAt(KernelContext ctx, int[] idx, int[] counts) {
        ctx.atomicAdd(counts, idx[ctx.globalIdx()], 1);
    }

    /** Off-heap: reads in.get(i + offset). */
    public static void offHeapShifted(FloatArray in, FloatArray out, long offset) {
        for (@Parallel long i = 0; i < out.length(); i++) {
            out.set(i, in.get(i + offset));
        }
    }

    // ---- provably in range: every check goes -------------------------------------------------------

    public static void scale(float[] x, float a) {
        for (@Parallel int i = 0; i < x.length; i++) {
            x[i] = a * x[i];
        }
    }

    public static void counted(int[] x) {
        for (@Parallel int i = 0; i < 1; i++) {
            for (int k = 0; k < x.length; k++) {
                x[k] = x[k] + k;
            }
        }
    }

    public static void guarded(KernelContext ctx, float[] x) {
        int i = ctx.globalIdx();
        if (i < x.length) {
            x[i] = x[i] + 1f;
        }
    }

    public static void privateConstant(float[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float[] t = new float[3];
            t[0] = x[i];
            t[2] = t[0] * 2f;
            for (int k = 0; k < t.length; k++) {
                t[k] += 1f;
            }
            x[i] = t[2] + t[1];
        }
    }

    public static void offHeapScale(FloatArray x, float a) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            x.set(i, a * x.get(i));
        }
    }

    /** A 3-point stencil: in[i - 1] with i >= 1, in[i + 1] under i < in.length - 1; out[i] stays checked. */
    public static void stencil(float[] in, float[] out) {
        for (@Parallel int i = 1; i < in.length - 1; i++) {
            out[i] = (in[i - 1] + in[i] + in[i + 1]) * (1f / 3f);
        }
    }

    /** A work-item kernel guarded by a scalar: proven given n <= x.length on the host. */
    public static void scalarGuard(KernelContext ctx, float[] x, int n) {
        int i = ctx.globalIdx();
        if (i < n) {
            x[i] = x[i] * 2f;
        }
    }

    /** A masked index into a local array of 256: x & 0xFF is in [0, 255]. */
    public static void maskedLocal(KernelContext ctx, int[] data, int[] bins) {
        int[] local = ctx.localInts(256);
        int i = ctx.globalIdx();
        if (i < data.length) {
            ctx.atomicAdd(local, data[i] & 0xFF, 1);
        }
        ctx.barrier();
        bins[i] = local[i & 0xFF];
    }

    // ---- must stay checked -------------------------------------------------------------------------

    /** i + 2 under i < x.length - 1: one past the end for the last i. */
    public static void tooFarAhead(float[] x) {
        for (@Parallel int i = 0; i < x.length - 1; i++) {
            x[i] = x[i + 2];
        }
    }

    /** i - 1 for i from 0: -1 for the first i. */
    public static void behindFromZero(float[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            x[i] = x[i - 1];
        }
    }

    /** x & 0x1FF into a private array of 256. */
    public static void maskTooWide(int[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int[] t = new int[256];
            t[x[i] & 0x1FF] = 1;
            x[i] = t[0];
        }
    }

    /** x[i] where i < y.length says nothing about x. */
    public static void otherArray(float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = x[i];
        }
    }

    /** i is changed between the test and the access. */
    public static void changedIndex(int[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int j = i;
            if (x[j] > 0) j = j + 1;
            x[j] = 0;
        }
    }

    /** The counter can be negative. */
    public static void fromNegative(int[] x, int start) {
        for (@Parallel int i = 0; i < 1; i++) {
            for (int k = start; k < x.length; k++) {
                x[k] = 1;
            }
        }
    }
}

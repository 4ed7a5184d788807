package io.kiln.cpu;

import io.kiln.FloatArray;
import io.kiln.KernelContext;
import io.kiln.Parallel;

/** Kernels that index out of bounds for some arguments; each also runs as plain Java for the reference. */
public final class BoundsKernels {
    private BoundsKernels() {
    }

    /** Reads {@code in[i + k]}: just past for {@code k = 1}, far past for large k, negative for {@code k < 0}. */
    public static void shiftedRead(float[] in, float[] out, int k) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = in[i + k];
        }
    }

    /** Writes {@code out[i + k]}. */
    public static void shiftedWrite(int[] out, int n, int k) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i + k] = i + 1;
        }
    }

    /** {@code out[i] = in[idx[i]]}: the host decides which index is bad. */
    public static void gather(int[] idx, float[] in, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = in[idx[i]];
        }
    }

    /** The most common mistake: an unguarded work-item kernel on a grid rounded up past its arrays. */
    public static void unguardedCopy(KernelContext c, float[] in, float[] out) {
        int i = c.globalIdx();
        out[i] = in[i] * 2f;
    }

    /** A private array indexed by data. */
    public static void privateArray(int[] idx, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int[] t = new int[4];
            t[idx[i]] = i;
            out[i] = t[0] + t[3];
        }
    }

    /** A local array written one past its end by the last work-item of each group when {@code k = 1}. */
    public static void localArray(KernelContext c, int[] out, int k) {
        int[] l = c.localInts(16);
        l[c.localIdx() + k] = c.globalIdx();
        c.barrier();
        out[c.globalIdx()] = l[c.localIdx()];
    }

    /** Off-heap: reads {@code in.get(i + k)}. */
    public static void offHeapShiftedRead(FloatArray in, FloatArray out, long k) {
        for (@Parallel long i = 0; i < out.length(); i++) {
            out.set(i, in.get(i + k));
        }
    }
}

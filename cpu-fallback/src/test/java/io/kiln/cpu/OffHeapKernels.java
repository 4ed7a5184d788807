package io.kiln.cpu;

import io.kiln.ByteArray;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelContext;
import io.kiln.LongArray;
import io.kiln.Parallel;
import io.kiln.Reduce;
import io.kiln.ShortArray;

/** Kernels on off-heap arrays for the end-to-end tests: each also runs as plain Java for the reference. */
public final class OffHeapKernels {
    private OffHeapKernels() {
    }

    /** The saxpy: a long loop over {@code y.length()}. */
    public static void saxpy(float a, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** The int form: {@code x.get(i)} is {@code i2l} + {@code get(J)F}. */
    public static void saxpyInt(float a, FloatArray x, FloatArray y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** Java arrays and off-heap arrays in one kernel. */
    public static void mixed(float a, float[] x, FloatArray y, FloatArray out, float[] heapOut) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float v = a * x[i] - y.get(i);
            out.set(i, v);
            heapOut[i] = v * 0.5f + (float) Math.sqrt(Math.abs(y.get(i)));
        }
    }

    /** Every element type: narrow values are truncated on store as Java does. */
    public static void widths(ByteArray b, ShortArray s, IntArray n, LongArray l, DoubleArray d) {
        for (@Parallel long i = 0; i < b.length(); i++) {
            b.set(i, (byte) (b.get(i) * 3 + 100));
            s.set(i, (short) (s.get(i) * -7 + 30000));
            n.set(i, n.get(i) * 31 + (int) i);
            l.set(i, l.get(i) * 1_000_003L - i);
            d.set(i, d.get(i) / 3.0 + l.get(i));
        }
    }

    /** A 2-D loop nest over a row-major off-heap matrix. */
    public static void rowSums(int rows, int cols, FloatArray m, FloatArray sums) {
        for (@Parallel int r = 0; r < rows; r++) {
            float s = 0;
            for (int c = 0; c < cols; c++) {
                s += m.get((long) r * cols + c);
            }
            sums.set(r, s);
        }
    }

    /** {@code @Reduce} into element 0 of off-heap arrays. */
    public static void sumAndMax(IntArray x, @Reduce LongArray total, @Reduce DoubleArray max) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            total.set(0, total.get(0) + x.get(i));
            max.set(0, Math.max(max.get(0), (double) x.get(i)));
        }
    }

    /** Atomics on an off-heap histogram from a work-item kernel. */
    public static void histogram(KernelContext ctx, IntArray keys, IntArray hist, FloatArray weights) {
        int i = ctx.globalIdx();
        int k = keys.get(i) & 15;
        ctx.atomicAdd(hist, k, 1);
        ctx.atomicMax(weights, k, (float) keys.get(i));
    }

    /** Bytes beyond 2^31: {@code b[i] = (byte) (i * 31 + 7)}. */
    public static void fillBytes(ByteArray b) {
        for (@Parallel long i = 0; i < b.length(); i++) {
            b.set(i, (byte) (i * 31 + 7));
        }
    }
}

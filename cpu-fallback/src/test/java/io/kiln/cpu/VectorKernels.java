package io.kiln.cpu;

import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.LongArray;
import io.kiln.Parallel;

/**
 * Kernels for {@link VectorLoopTest}: elementwise loops the cpu back end runs as Vector API loops,
 * and a few it must keep scalar. Each also runs as plain Java for the reference.
 */
public final class VectorKernels {
    private VectorKernels() {
    }

    /** Saxpy on Java arrays. */
    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /** Saxpy on off-heap arrays, a long loop. */
    public static void saxpyOffHeap(float a, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** Every float operation the vector loop has, to one output each (heap). */
    public static void floatOps(float a, float[] x, float[] y, float[] sum, float[] min, float[] max, float[] misc) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float u = x[i];
            float v = y[i];
            sum[i] = (u - v) * a + u / v;
            min[i] = Math.min(u, v);
            max[i] = Math.max(u, v);
            misc[i] = Math.fma(u, v, -a) + Math.abs(v) - (float) Math.sqrt(u);
        }
    }

    /** The same on off-heap arrays of doubles, with an inclusive int loop over a given last index. */
    public static void doubleOps(double a, DoubleArray x, DoubleArray y, DoubleArray sum, DoubleArray min, DoubleArray max,
                                 DoubleArray misc, int last) {
        for (@Parallel int i = 0; i <= last; i++) {
            double u = x.get(i);
            double v = y.get(i);
            sum.set(i, (u - v) * a + u / v);
            min.set(i, Math.min(u, v));
            max.set(i, Math.max(u, v));
            misc.set(i, Math.fma(u, v, -a) + Math.abs(v) - Math.sqrt(u));
        }
    }

    /** Int arithmetic, bitwise operators, shifts by lane-varying counts, min and max; heap in, off-heap out. */
    public static void intOps(int s, int[] x, int[] y, IntArray out, int[] out2) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int u = x[i];
            int v = y[i];
            out.set(i, (u * v + s) ^ (u << v) | (u >> s) & (v >>> u));
            out2[i] = -u - Math.min(u, v) * 3 + Math.max(u, v);
        }
    }

    /** Long arithmetic, shifts by a loop-invariant count, min and max. */
    public static void longOps(int s, LongArray x, long[] y, long[] out) {
        for (@Parallel int i = 0; i < y.length; i++) {
            long u = x.get(i);
            long v = y[i];
            out[i] = (u * v - 7) ^ (u << s) | (v >> s) & (u >>> (s + 3)) + Math.min(u, v) - Math.max(-u, v);
        }
    }

    /** int to float: an exact conversion of the same width. */
    public static void convert(int[] n, float[] f) {
        for (@Parallel int i = 0; i < n.length; i++) {
            f[i] = n[i] * 0.5f + f[i];
        }
    }

    /** long to double on off-heap arrays. */
    public static void convertLong(LongArray l, DoubleArray d) {
        for (@Parallel long i = 0; i < l.length(); i++) {
            d.set(i, l.get(i) + d.get(i) * 0.25);
        }
    }

    /** A fill with a loop-invariant value, and a constant store: broadcast vectors. */
    public static void fill(float v, FloatArray y, int[] z) {
        for (@Parallel int i = 0; i < z.length; i++) {
            y.set(i, v * 2f);
            z[i] = 7;
        }
    }

    /** Stores of 32- and 64-bit values: two lane counts, stays scalar. */
    public static void mixedWidths(FloatArray y, double[] z) {
        for (@Parallel int i = 0; i < z.length; i++) {
            y.set(i, 2f);
            z[i] = 1.5;
        }
    }

    /** A copy: the vector loop keeps every bit, NaN payloads included. */
    public static void copy(FloatArray x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = x.get(i);
        }
    }

    /** Reads x over y's range: throws when x is shorter, as Java does, after the same writes. */
    public static void shorterInput(float[] x, FloatArray y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, x[i] * 2f);
        }
    }

    /** Integer division: no lanewise equivalent that throws on zero, stays scalar. */
    public static void intDivision(int[] x, int[] y, int[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = x[i] / y[i];
        }
    }

    /** A branch in the body: stays scalar. */
    public static void branch(float[] x, float[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            if (x[i] > 0) {
                out[i] = x[i];
            } else {
                out[i] = -x[i] * 2;
            }
        }
    }

    /** The loop index as a value: stays scalar. */
    public static void indexValue(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = out[i] + i;
        }
    }

    /** A neighbour access: stays scalar. */
    public static void neighbour(float[] x, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = x[i + 1] - x[i];
        }
    }
}

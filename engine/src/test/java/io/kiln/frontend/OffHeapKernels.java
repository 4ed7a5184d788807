package io.kiln.frontend;

import io.kiln.ByteArray;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelContext;
import io.kiln.LongArray;
import io.kiln.OffHeapArray;
import io.kiln.Parallel;
import io.kiln.Reduce;
import io.kiln.ShortArray;

/**
 * Kernels over off-heap arrays ({@code FloatArray} and friends), shared by the front-end, PTX and
 * OpenCL tests. The first group compiles; the {@code bad*} kernels are refused, each for one reason.
 */
public final class OffHeapKernels {
    private OffHeapKernels() {
    }

    // ---- kernels that compile -------------------------------------------------------------------

    /** The README's saxpy with a long loop variable. */
    public static void saxpy(float a, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** An int loop variable with an int bound: {@code x.get(i)} is {@code i2l} then {@code get(J)}. */
    public static void saxpyInt(int n, float a, FloatArray x, FloatArray y) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** Java arrays and off-heap arrays in one kernel; an int loop bounded by {@code (int) b.length()}. */
    public static void mixed(float[] a, FloatArray b, float[] c, DoubleArray d) {
        for (@Parallel int i = 0; i < (int) b.length(); i++) {
            float p = a[i] * b.get(i);
            c[i] = p - a[i];
            d.set(i, d.get(i) + p);
        }
    }

    /** Every element type, narrow stores keeping the low bits, and a long scalar bound with a start of 1. */
    public static void allTypes(long n, ByteArray b, ShortArray s, IntArray in, LongArray l, DoubleArray d, LongArray out) {
        for (@Parallel long i = 1; i < n; i++) {
            b.set(i, (byte) (b.get(i) * 3 + 1));
            s.set(i, (short) (s.get(i) * 5 - 7));
            in.set(i, in.get(i) ^ (int) l.get(i - 1));
            long mix = b.get(i) + 31L * s.get(i) + 961L * in.get(i) + l.get(i) * 7;
            out.set(i, mix + (long) d.get(i));
            d.set(i, d.get(i) / 3);
        }
    }

    private static float tripled(FloatArray x, long i) {
        return x.get(i) * 3;
    }

    private static FloatArray same(FloatArray x) {
        return x;
    }

    private static long size(OffHeapArray x) {
        return x.length();
    }

    /** Off-heap arrays passed to and returned from inlined helpers, also as an {@code OffHeapArray}. */
    public static void helpers(FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < size(y); i++) {
            FloatArray target = same(y);
            target.set(i, tripled(x, size(x) - 1 - i));
        }
    }

    /** A {@code @Reduce} float sum over an off-heap input. */
    public static void sum(FloatArray x, @Reduce FloatArray total) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            total.set(0, total.get(0) + x.get(i));
        }
    }

    /** A {@code @Reduce} maximum, with an int loop variable. */
    public static void max(int n, DoubleArray x, @Reduce DoubleArray best) {
        for (@Parallel int i = 0; i < n; i++) {
            best.set(0, Math.max(best.get(0), x.get(i)));
        }
    }

    /** A {@code @Reduce} int sum into an off-heap total, from a Java array. */
    public static void sumInts(int[] x, @Reduce IntArray total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total.set(0, total.get(0) + x[i]);
        }
    }

    /** Two nested long loops over a row-major matrix (transpose). */
    public static void transpose(long rows, long cols, FloatArray in, FloatArray out) {
        for (@Parallel long r = 0; r < rows; r++) {
            for (@Parallel long c = 0; c < cols; c++) {
                out.set(c * rows + r, in.get(r * cols + c));
            }
        }
    }

    /** Atomics of {@code KernelContext} on off-heap arrays, with int and long indices. */
    public static void atomics(KernelContext ctx, IntArray data, IntArray bins, FloatArray fmax, LongArray total, DoubleArray dmin) {
        int i = ctx.globalIdx();
        if (i < data.length()) {
            int v = data.get(i);
            ctx.atomicAdd(bins, v & 15, 1);
            ctx.atomicMax(fmax, 0, (float) v * 0.25f);
            ctx.atomicAdd(total, 0L, (long) v);
            ctx.atomicMin(dmin, 0, v / 7.0);
        }
    }

    /** A work-item kernel writing a long-indexed off-heap array. */
    public static void iota(KernelContext ctx, LongArray out) {
        long i = ctx.globalIdx();
        if (i < out.length()) out.set(i, i * i - 3);
    }

    // ---- kernels that are refused ----------------------------------------------------------------

    static FloatArray stash;

    public static void badFill(FloatArray x) {
        x.fill(0f);
    }

    public static void badSegment(FloatArray x, float[] out) {
        out[0] = x.segment().byteSize();
    }

    public static void badCopy(FloatArray x, FloatArray y) {
        x.copyFrom(y);
    }

    public static void badClose(IntArray x) {
        x.close();
    }

    public static void badToString(FloatArray x, int[] out) {
        out[0] = x.toString().length();
    }

    public static void badNullCheck(FloatArray x) {
        if (x != null) x.set(0, 1f);
    }

    public static void badField(FloatArray x) {
        stash = x;
    }

    public static void badArrayOfThem(FloatArray x, FloatArray y) {
        FloatArray[] both = {x, y};
        both[0].set(0, 1f);
    }

    public static void badAsObject(FloatArray x, int[] out) {
        Object o = x;
        out[0] = o.hashCode();
    }

    public static void badBaseType(OffHeapArray x) {
    }

    public static void badIntLoopLongBound(FloatArray x) {
        for (@Parallel int i = 0; i < x.length(); i++) {
            x.set(i, 0f);
        }
    }

    public static void badSelect(boolean first, FloatArray x, FloatArray y) {
        FloatArray z = first ? x : y;
        z.set(0, 1f);
    }

    public static void badStoreOutsideLoop(FloatArray x) {
        x.set(0, 2f);
        for (@Parallel long i = 0; i < x.length(); i++) {
            x.set(i, 1f);
        }
    }

    public static void badReduceIndex(FloatArray x, @Reduce FloatArray total) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            total.set(1, total.get(1) + x.get(i));
        }
    }

    public static void badReduceType(FloatArray x, @Reduce ShortArray total) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            total.set(0, (short) (total.get(0) + 1));
        }
    }

    public static void badLongLoopStep(FloatArray x) {
        for (@Parallel long i = 0; i < x.length(); i += 2) {
            x.set(i, 1f);
        }
    }
}

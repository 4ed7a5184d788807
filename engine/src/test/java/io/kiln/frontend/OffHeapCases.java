package io.kiln.frontend;

import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelContext;
import io.kiln.LongArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

import static io.kiln.frontend.OffHeapArgs.bytes;
import static io.kiln.frontend.OffHeapArgs.doubles;
import static io.kiln.frontend.OffHeapArgs.floats;
import static io.kiln.frontend.OffHeapArgs.ints;
import static io.kiln.frontend.OffHeapArgs.longs;
import static io.kiln.frontend.OffHeapArgs.shorts;

/**
 * The {@link OffHeapKernels} that compile, with arguments for a size {@code n}: the PTX and OpenCL
 * end-to-end tests run each at every size in {@link #SIZES} (0, 1, a prime, more than one work-group)
 * and compare with the JVM.
 */
public final class OffHeapCases {
    private OffHeapCases() {
    }

    /** A kernel and its arguments for size {@code n}; {@code workItems} launches a grid of n. */
    public record Case(String method, BiFunction<Random, Integer, Object[]> args, boolean workItems) {
    }

    public static final int[] SIZES = {0, 1, 97, 1500};

    public static List<Case> all() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("saxpy", (r, n) -> new Object[] {1.5f, floats(r, n), floats(r, n)}, false));
        c.add(new Case("saxpyInt", (r, n) -> new Object[] {n, -0.5f, floats(r, n), floats(r, n)}, false));
        c.add(new Case("mixed", (r, n) -> new Object[] {OffHeapArgs.javaFloats(r, n), floats(r, n), new float[n], doubles(r, n)}, false));
        c.add(new Case("allTypes", (r, n) -> new Object[] {(long) n, bytes(r, n), shorts(r, n), ints(r, n), longs(r, n), doubles(r, n),
                LongArray.allocate(n)}, false));
        c.add(new Case("helpers", (r, n) -> new Object[] {floats(r, n), FloatArray.allocate(n)}, false));
        c.add(new Case("sum", (r, n) -> new Object[] {OffHeapArgs.wholeFloats(r, n), FloatArray.of(0.5f)}, false));
        c.add(new Case("max", (r, n) -> new Object[] {n, doubles(r, n), io.kiln.DoubleArray.of(Double.NEGATIVE_INFINITY)}, false));
        c.add(new Case("sumInts", (r, n) -> {
            int[] x = new int[n];
            for (int i = 0; i < n; i++) x[i] = r.nextInt();
            return new Object[] {x, IntArray.of(7)};
        }, false));
        c.add(new Case("transpose", (r, n) -> {
            long rows = Math.max(0, n / 37);
            long cols = n == 0 ? 0 : Math.max(1, n / Math.max(1, rows == 0 ? 1 : rows));
            return new Object[] {rows, cols, floats(r, rows * cols), FloatArray.allocate(rows * cols)};
        }, false));
        c.add(new Case("atomics", (r, n) -> {
            FloatArray fmax = FloatArray.of(Float.NEGATIVE_INFINITY);
            io.kiln.DoubleArray dmin = io.kiln.DoubleArray.of(Double.POSITIVE_INFINITY);
            return new Object[] {new KernelContext(), ints(r, n), IntArray.allocate(16), fmax, LongArray.allocate(1), dmin};
        }, true));
        c.add(new Case("iota", (r, n) -> new Object[] {new KernelContext(), LongArray.allocate(n)}, true));
        return c;
    }

}

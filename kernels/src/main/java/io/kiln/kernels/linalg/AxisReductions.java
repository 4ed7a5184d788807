package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.Parallel;
import io.kiln.Variant;

/**
 * Reductions along one axis of a row-major {@code rows x cols} tensor, as portable Kiln kernels: axis 1
 * reduces each row (one output per row), axis 0 each column (one output per column). One work-item per
 * output; on {@code cpu} the variants ({@link CpuAxisReductions}) read axis-0 reductions row by row
 * instead of down the columns, in the same order per output, so they are bit for bit the reference.
 * The off-heap forms ({@link FloatArray} in, {@link FloatArray} or {@link IntArray} out) are the same
 * kernels over {@code long} element offsets, bit for bit the Java-array results.
 * <p><b>Precision.</b> Sums, means and variances accumulate in {@code double} in order of increasing
 * index and round to float once: {@code |y - y64| <= ulp(y64) + n * 2^-53 * sum |x|} for the sum and mean
 * (for the variance, the same with {@code sum (x - mean)^2}), where {@code y64} is the exact value; in
 * practice within one float ulp. Min, max and argmax are exact.
 * <p><b>Special values.</b> NaN propagates to sum, mean, variance, min and max (NumPy's rule), and
 * argmax returns the index of the first NaN; otherwise argmax returns the first index of the largest
 * value (ties: the first). Infinities follow IEEE arithmetic (a sum of {@code +Inf} and {@code -Inf} is
 * NaN, the variance of a line with an infinity is NaN). An empty line gives sum 0, mean and variance
 * NaN, min {@code +Inf}, max {@code -Inf} and argmax -1.
 */
public final class AxisReductions {
    private AxisReductions() {
    }

    /**
     * {@code y[o] = op(line o)}: for axis 1, line o is row o ({@code y} has {@code rows} elements); for axis
     * 0, column o ({@code y} has {@code cols}).
     *
     * @param op   the {@link Reduction#code()}
     * @param axis 0 (down the columns) or 1 (along the rows)
     */
    @Variant(backend = Backend.CPU, in = CpuAxisReductions.class)
    public static void reduce(int op, float[] x, float[] y, int rows, int cols, int axis) {
        int outs = axis == 0 ? cols : rows, len = axis == 0 ? rows : cols, step = axis == 0 ? cols : 1;
        for (@Parallel int o = 0; o < outs; o++) {
            y[o] = line(op, x, axis == 0 ? o : o * cols, step, len);
        }
    }

    /**
     * {@code y[o]} = the index (along the axis) of the largest element of line o, the first on ties and
     * the first NaN if there is one; lines as in {@link #reduce}.
     */
    @Variant(backend = Backend.CPU, in = CpuAxisReductions.class)
    public static void argmax(float[] x, int[] y, int rows, int cols, int axis) {
        int outs = axis == 0 ? cols : rows, len = axis == 0 ? rows : cols, step = axis == 0 ? cols : 1;
        for (@Parallel int o = 0; o < outs; o++) {
            y[o] = argmaxLine(x, axis == 0 ? o : o * cols, step, len);
        }
    }

    /** The argmax of {@code x[base + p * step]}, {@code p < len}; -1 for an empty line (a helper: kernels inline it). */
    static int argmaxLine(float[] x, int base, int step, int len) {
        int best = len > 0 ? 0 : -1;
        float max = len > 0 ? x[base] : 0f;
        for (int p = 1; p < len; p++) {
            float v = x[base + p * step];
            if (better(v, max)) {
                max = v;
                best = p;
            }
        }
        return best;
    }

    /** Whether {@code v} replaces {@code max} in argmax: larger, or the first NaN; nothing replaces a NaN. */
    static boolean better(float v, float max) {
        return max == max && (v > max || v != v);
    }

    /** Reduction {@code op} of {@code x[base + p * step]}, {@code p < len} (a helper: kernels inline it). */
    static float line(int op, float[] x, int base, int step, int len) {
        if (op == 3 || op == 4) {
            float m = op == 3 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            for (int p = 0; p < len; p++) {
                float v = x[base + p * step];
                m = op == 3 ? Math.min(m, v) : Math.max(m, v);
            }
            return m;
        }
        double sum = 0d;
        for (int p = 0; p < len; p++) {
            sum += x[base + p * step];
        }
        if (op == 0) return (float) sum;
        double mean = sum / len;
        if (op == 1) return (float) mean;
        double sq = 0d;
        for (int p = 0; p < len; p++) {
            double d = x[base + p * step] - mean;
            sq += d * d;
        }
        return (float) (sq / len);
    }

    /** {@link #reduce(int, float[], float[], int, int, int)} on off-heap arrays, bit for bit its results. */
    public static void reduce(int op, FloatArray x, FloatArray y, int rows, int cols, int axis) {
        int outs = axis == 0 ? cols : rows, len = axis == 0 ? rows : cols, step = axis == 0 ? cols : 1;
        for (@Parallel int o = 0; o < outs; o++) {
            y.set(o, line(op, x, axis == 0 ? o : (long) o * cols, step, len));
        }
    }

    /** {@link #argmax(float[], int[], int, int, int)} on off-heap arrays. */
    public static void argmax(FloatArray x, IntArray y, int rows, int cols, int axis) {
        int outs = axis == 0 ? cols : rows, len = axis == 0 ? rows : cols, step = axis == 0 ? cols : 1;
        for (@Parallel int o = 0; o < outs; o++) {
            y.set(o, argmaxLine(x, axis == 0 ? o : (long) o * cols, step, len));
        }
    }

    /** {@link #argmaxLine(float[], int, int, int)} over {@code x.get(base + p * step)}. */
    static int argmaxLine(FloatArray x, long base, int step, int len) {
        int best = len > 0 ? 0 : -1;
        float max = len > 0 ? x.get(base) : 0f;
        for (int p = 1; p < len; p++) {
            float v = x.get(base + (long) p * step);
            if (better(v, max)) {
                max = v;
                best = p;
            }
        }
        return best;
    }

    /** {@link #line(int, float[], int, int, int)} over {@code x.get(base + p * step)}: the same operations in the same order. */
    static float line(int op, FloatArray x, long base, int step, int len) {
        if (op == 3 || op == 4) {
            float m = op == 3 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            for (int p = 0; p < len; p++) {
                float v = x.get(base + (long) p * step);
                m = op == 3 ? Math.min(m, v) : Math.max(m, v);
            }
            return m;
        }
        double sum = 0d;
        for (int p = 0; p < len; p++) {
            sum += x.get(base + (long) p * step);
        }
        if (op == 0) return (float) sum;
        double mean = sum / len;
        if (op == 1) return (float) mean;
        double sq = 0d;
        for (int p = 0; p < len; p++) {
            double d = x.get(base + (long) p * step) - mean;
            sq += d * d;
        }
        return (float) (sq / len);
    }
}

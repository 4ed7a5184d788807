package io.kiln.kernels.tabular;

import java.util.Arrays;
import java.util.Objects;

/**
 * Exact quantiles, as NumPy's default {@code numpy.quantile(x, q)} ({@code method="linear"},
 * Hyndman and Fan's type 7) computes them in float64: with the {@code n} non-missing values sorted
 * ascending, {@code h = (n - 1) * q}, {@code i = floor(h)}, {@code g = h - i}, {@code a = x[i]},
 * {@code b = x[min(i + 1, n - 1)]}, and the result is {@code a + (b - a) * g} when {@code g < 0.5},
 * else {@code b - (b - a) * (1 - g)} (NumPy's {@code _lerp}): bit for bit NumPy's result on finite
 * values, up to the sign of a zero. Where NumPy returns NaN because an infinity enters the
 * interpolation although the result is one of the values ({@code a == b}, or {@code g == 0}), this
 * returns that value. NaN values are missing and skipped; the quantile of no values is NaN. Computed
 * on the host (a sort of the values, {@code O(n log n)}).
 */
public final class Quantiles {
    private Quantiles() {
    }

    /** The quantiles {@code q} (each in {@code [0, 1]}) of the non-NaN {@code values}. */
    public static double[] of(float[] values, double... q) {
        Objects.requireNonNull(values, "values");
        double[] v = new double[values.length];
        int n = 0;
        for (float x : values) {
            if (x == x) v[n++] = x;
        }
        return sortedQuantiles(v, n, q);
    }

    /** The quantiles {@code q} (each in {@code [0, 1]}) of the non-NaN {@code values}. */
    public static double[] of(double[] values, double... q) {
        Objects.requireNonNull(values, "values");
        double[] v = new double[values.length];
        int n = 0;
        for (double x : values) {
            if (x == x) v[n++] = x;
        }
        return sortedQuantiles(v, n, q);
    }

    /** Sorts the first {@code n} elements of {@code v} (in place) and returns their quantiles. */
    static double[] sortedQuantiles(double[] v, int n, double... q) {
        Objects.requireNonNull(q, "q");
        for (double p : q) checkProbability(p);
        Arrays.sort(v, 0, n);
        double[] out = new double[q.length];
        for (int j = 0; j < q.length; j++) out[j] = ofSorted(v, n, q[j]);
        return out;
    }

    /**
     * The quantile {@code q} of the first {@code n} elements of {@code sorted}, which are ascending and
     * free of NaN.
     */
    public static double ofSorted(double[] sorted, int n, double q) {
        checkProbability(q);
        if (n < 0 || n > sorted.length) {
            throw new IllegalArgumentException("n must be in [0, " + sorted.length + "], got " + n);
        }
        if (n == 0) return Double.NaN;
        double h = (n - 1) * q;
        int i;
        double g;
        if (h >= n - 1) {
            i = n - 1;
            g = 0;
        } else {
            i = (int) Math.floor(h);
            g = h - i;
        }
        double a = sorted[i];
        double b = sorted[Math.min(i + 1, n - 1)];
        if (a == b || g == 0) return a;
        double d = b - a;
        return g < 0.5 ? a + d * g : b - d * (1 - g);
    }

    private static void checkProbability(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("a quantile must be in [0, 1], got " + q + " (for the 90th percentile pass 0.9)");
        }
    }
}

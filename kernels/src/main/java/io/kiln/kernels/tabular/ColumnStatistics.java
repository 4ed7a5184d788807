package io.kiln.kernels.tabular;

/**
 * The moments of one column's non-missing values: their count, mean, {@code m2 = sum((x - mean)^2)},
 * minimum and maximum. Two summaries of disjoint data merge into the summary of their union
 * ({@link #merge}, the pairwise formula of Chan, Golub and LeVeque), which is how chunks of one
 * batch, successive batches and separately fitted partitions combine.
 *
 * <p>An empty column (count 0) has NaN mean, m2, min and max, and so NaN variance. Infinite values
 * are values, not missing: they set min or max, the mean becomes infinite (NaN if both signs occur)
 * and m2 becomes NaN.
 *
 * @param count the number of non-missing values
 * @param mean  their mean
 * @param m2    the sum of squared deviations from the mean
 * @param min   the smallest value ({@code Math.min} order: -0.0 below +0.0)
 * @param max   the largest value
 */
public record ColumnStatistics(long count, double mean, double m2, double min, double max) {

    /** The summary of no values. */
    public static final ColumnStatistics EMPTY = new ColumnStatistics(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** Checks the count and normalises the empty summary to {@link #EMPTY}'s values. */
    public ColumnStatistics {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (count == 0) {
            mean = m2 = min = max = Double.NaN;
        }
    }

    /** The summary of {@code values} (NaN being missing), computed sequentially: for tests and small data. */
    public static ColumnStatistics of(double... values) {
        long n = 0;
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (v == v) {
                n++;
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (n == 0) return EMPTY;
        double mean = sum / n;
        double m2 = 0;
        for (double v : values) {
            if (v == v) m2 += (v - mean) * (v - mean);
        }
        return new ColumnStatistics(n, mean, m2, min, max);
    }

    /**
     * The summary of the union of the data summarised by {@code this} and {@code other}. Merging is
     * commutative up to rounding; merging in a fixed order gives the same bits every time.
     */
    public ColumnStatistics merge(ColumnStatistics other) {
        if (other.count == 0) return this;
        if (count == 0) return other;
        long n = count + other.count;
        double delta = other.mean - mean;
        double mergedMean = mean + delta * ((double) other.count / n);
        double mergedM2 = m2 + other.m2 + delta * delta * ((double) count * other.count / n);
        return new ColumnStatistics(n, mergedMean, mergedM2, Math.min(min, other.min), Math.max(max, other.max));
    }

    /** The population variance {@code m2 / count} (NumPy's {@code var}, ddof 0); NaN when empty. */
    public double variance() {
        return count == 0 ? Double.NaN : m2 / count;
    }

    /** The sample variance {@code m2 / (count - 1)} (ddof 1); NaN for fewer than two values. */
    public double sampleVariance() {
        return count < 2 ? Double.NaN : m2 / (count - 1);
    }

    /** The population standard deviation, {@code sqrt(variance())}. */
    public double standardDeviation() {
        return Math.sqrt(variance());
    }
}

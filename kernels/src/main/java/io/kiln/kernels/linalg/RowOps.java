package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.Variant;

/**
 * Row-wise (last-axis) operations on a row-major {@code rows x cols} matrix of {@code float}s, as
 * portable Kiln kernels: softmax, log-softmax, layer normalisation and RMS normalisation. One work-item
 * per row. On {@code cpu} the engine runs their variants in {@link CpuRowOps} (rows over the pool, each
 * row with the Vector API).
 * <p><b>Precision and stability.</b> Every row is reduced in {@code double} (the maximum is exact; sums
 * in order of increasing column in these references), and each output is rounded to {@code float} once,
 * so results are within one float ulp of the same formula evaluated in float64, for huge and tiny
 * magnitudes alike: softmax subtracts the row maximum before {@code exp}, layer norm uses two passes
 * (mean, then squared deviations). The cpu variants of log-softmax, layer norm and RMS norm sum in
 * another order (vector lanes; layer norm in one shifted pass where that loses nothing): the same bound.
 * The cpu softmax runs in float lanes with its own {@code exp}, 2.2x faster than double lanes, within 7
 * float ulps of float64 (derived in docs/library-linalg.md). The price of the references is double
 * arithmetic, which consumer GPUs run far slower than float.
 * <p><b>Special values.</b> A NaN anywhere in a row makes the whole output row NaN. An infinite input
 * makes the row NaN too ({@code Inf - Inf}), except in RMS norm, where the other elements of the
 * row become 0 and the infinite one NaN ({@code Inf * 0}). A softmax row of all {@code -Inf} is NaN
 * (as in PyTorch).
 */
public final class RowOps {
    private RowOps() {
    }

    /**
     * {@code y[r, j] = exp(x[r, j] - max_r) / sum_j exp(x[r, j] - max_r)}.
     *
     * @param x    the input, at least {@code rows * cols} elements
     * @param y    the output (may be {@code x})
     * @param rows rows
     * @param cols columns (the softmax axis)
     */
    @Variant(backend = Backend.CPU, in = CpuRowOps.class)
    public static void softmax(float[] x, float[] y, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            softmaxRow(x, y, r * cols, cols);
        }
    }

    /**
     * {@code y[r, j] = x[r, j] - max_r - log(sum_j exp(x[r, j] - max_r))}; arguments as {@link #softmax}.
     */
    @Variant(backend = Backend.CPU, in = CpuRowOps.class)
    public static void logSoftmax(float[] x, float[] y, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            logSoftmaxRow(x, y, r * cols, cols);
        }
    }

    /**
     * Layer normalisation of each row with affine weights:
     * {@code y[r, j] = (x[r, j] - mean_r) / sqrt(var_r + eps) * gamma[j] + beta[j]}, with the biased
     * variance (divided by {@code cols}), as PyTorch's {@code layer_norm}.
     *
     * @param gamma the scale per column, {@code cols} elements (all ones for none)
     * @param beta  the shift per column, {@code cols} elements (all zeros for none)
     * @param eps   added to the variance
     */
    @Variant(backend = Backend.CPU, in = CpuRowOps.class)
    public static void layerNorm(float[] x, float[] gamma, float[] beta, float[] y, int rows, int cols, float eps) {
        for (@Parallel int r = 0; r < rows; r++) {
            layerNormRow(x, gamma, beta, y, r * cols, cols, eps);
        }
    }

    /**
     * RMS normalisation of each row: {@code y[r, j] = x[r, j] / sqrt(mean_j(x[r, j]^2) + eps) * gamma[j]}.
     *
     * @param gamma the scale per column, {@code cols} elements (all ones for none)
     * @param eps   added to the mean square
     */
    @Variant(backend = Backend.CPU, in = CpuRowOps.class)
    public static void rmsNorm(float[] x, float[] gamma, float[] y, int rows, int cols, float eps) {
        for (@Parallel int r = 0; r < rows; r++) {
            rmsNormRow(x, gamma, y, r * cols, cols, eps);
        }
    }

    /** Softmax of the row at {@code o} (a helper: kernels inline it, the plain cpu path calls it). */
    static void softmaxRow(float[] x, float[] y, int o, int cols) {
        float max = rowMax(x, o, cols);
        double sum = expSum(x, o, cols, max);
        double inv = 1d / sum;
        for (int j = 0; j < cols; j++) {
            y[o + j] = (float) (Math.exp((double) x[o + j] - max) * inv);
        }
    }

    /** Log-softmax of the row at {@code o}. */
    static void logSoftmaxRow(float[] x, float[] y, int o, int cols) {
        float max = rowMax(x, o, cols);
        double sum = expSum(x, o, cols, max);
        double log = Math.log(sum);
        for (int j = 0; j < cols; j++) {
            y[o + j] = (float) ((double) x[o + j] - max - log);  // not x - (max + log): that rounds log to max's ulp
        }
    }

    /** Layer norm of the row at {@code o}. */
    static void layerNormRow(float[] x, float[] gamma, float[] beta, float[] y, int o, int cols, float eps) {
        double sum = 0d;
        for (int j = 0; j < cols; j++) {
            sum += x[o + j];
        }
        double mean = sum / cols;
        double sq = 0d;
        for (int j = 0; j < cols; j++) {
            double d = x[o + j] - mean;
            sq += d * d;
        }
        double inv = 1d / Math.sqrt(sq / cols + eps);
        for (int j = 0; j < cols; j++) {
            y[o + j] = (float) ((x[o + j] - mean) * inv * gamma[j] + beta[j]);
        }
    }

    /** RMS norm of the row at {@code o}. */
    static void rmsNormRow(float[] x, float[] gamma, float[] y, int o, int cols, float eps) {
        double sq = 0d;
        for (int j = 0; j < cols; j++) {
            double v = x[o + j];
            sq += v * v;
        }
        double inv = 1d / Math.sqrt(sq / cols + eps);
        for (int j = 0; j < cols; j++) {
            y[o + j] = (float) (x[o + j] * inv * gamma[j]);
        }
    }

    /** The largest of {@code x[o, o + cols)}, NaN if any is NaN (a helper: kernels inline it). */
    private static float rowMax(float[] x, int o, int cols) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, x[o + j]);
        }
        return max;
    }

    /** {@code sum_j exp(x[o + j] - max)} in double, in order of increasing j. */
    private static double expSum(float[] x, int o, int cols, float max) {
        double sum = 0d;
        for (int j = 0; j < cols; j++) {
            sum += Math.exp((double) x[o + j] - max);
        }
        return sum;
    }

    // ---- off-heap forms: the same kernels over FloatArray rows (long offsets), bit for bit the references ----

    /** {@link #softmax(float[], float[], int, int)} on off-heap matrices (the portable kernel on every device). */
    public static void softmax(FloatArray x, FloatArray y, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            long o = (long) r * cols;
            float max = rowMax(x, o, cols);
            double inv = 1d / expSum(x, o, cols, max);
            for (int j = 0; j < cols; j++) {
                y.set(o + j, (float) (Math.exp((double) x.get(o + j) - max) * inv));
            }
        }
    }

    /** {@link #logSoftmax(float[], float[], int, int)} on off-heap matrices. */
    public static void logSoftmax(FloatArray x, FloatArray y, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            long o = (long) r * cols;
            float max = rowMax(x, o, cols);
            double log = Math.log(expSum(x, o, cols, max));
            for (int j = 0; j < cols; j++) {
                y.set(o + j, (float) ((double) x.get(o + j) - max - log));
            }
        }
    }

    /** {@link #layerNorm(float[], float[], float[], float[], int, int, float)} on off-heap matrices (weights stay Java arrays). */
    public static void layerNorm(FloatArray x, float[] gamma, float[] beta, FloatArray y, int rows, int cols, float eps) {
        for (@Parallel int r = 0; r < rows; r++) {
            long o = (long) r * cols;
            double sum = 0d;
            for (int j = 0; j < cols; j++) {
                sum += x.get(o + j);
            }
            double mean = sum / cols;
            double sq = 0d;
            for (int j = 0; j < cols; j++) {
                double d = x.get(o + j) - mean;
                sq += d * d;
            }
            double inv = 1d / Math.sqrt(sq / cols + eps);
            for (int j = 0; j < cols; j++) {
                y.set(o + j, (float) ((x.get(o + j) - mean) * inv * gamma[j] + beta[j]));
            }
        }
    }

    /** {@link #rmsNorm(float[], float[], float[], int, int, float)} on off-heap matrices. */
    public static void rmsNorm(FloatArray x, float[] gamma, FloatArray y, int rows, int cols, float eps) {
        for (@Parallel int r = 0; r < rows; r++) {
            long o = (long) r * cols;
            double sq = 0d;
            for (int j = 0; j < cols; j++) {
                double v = x.get(o + j);
                sq += v * v;
            }
            double inv = 1d / Math.sqrt(sq / cols + eps);
            for (int j = 0; j < cols; j++) {
                y.set(o + j, (float) (x.get(o + j) * inv * gamma[j]));
            }
        }
    }

    private static float rowMax(FloatArray x, long o, int cols) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < cols; j++) {
            max = Math.max(max, x.get(o + j));
        }
        return max;
    }

    private static double expSum(FloatArray x, long o, int cols, float max) {
        double sum = 0d;
        for (int j = 0; j < cols; j++) {
            sum += Math.exp((double) x.get(o + j) - max);
        }
        return sum;
    }
}

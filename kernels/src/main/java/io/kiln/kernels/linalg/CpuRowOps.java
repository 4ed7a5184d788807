package io.kiln.kernels.linalg;

/**
 * The {@code cpu} variants of {@link RowOps}: rows split over the caller's fork-join pool in contiguous
 * parts (a few per thread), each row computed by {@link VectorRowOps} when {@code jdk.incubator.vector}
 * is resolved ({@link CpuGemm#vectorized()}), else by the reference's own per-row code as plain Java
 * (then bit for bit the reference). Vectorised: softmax in float lanes with its own {@code exp}, within
 * 7 float ulps of float64; log-softmax and layer norm in double lanes, RMS norm's output in float lanes
 * with an error-free product, within one float ulp of float64 (see {@link RowOps}).
 */
public final class CpuRowOps {
    /** Rows per task: about 16 K elements. */
    private static long grain(int cols) {
        return Math.max(1, (1 << 14) / Math.max(1, cols));
    }

    private CpuRowOps() {
    }

    /**
     * {@link RowOps#softmax} on all cores.
     *
     * @throws IllegalArgumentException if an array is shorter than {@code rows * cols}
     */
    public static void softmax(float[] x, float[] y, int rows, int cols) {
        check("softmax", x.length, y.length, rows, cols);
        boolean vector = CpuGemm.vectorized();
        CpuRanges.run(rows, grain(cols), (r0, r1) -> {
            if (vector) VectorRowOps.softmaxRows(x, y, (int) r0, (int) r1, cols);
            else for (int r = (int) r0; r < r1; r++) RowOps.softmaxRow(x, y, r * cols, cols);
        });
    }

    /**
     * {@link RowOps#logSoftmax} on all cores.
     *
     * @throws IllegalArgumentException if an array is shorter than {@code rows * cols}
     */
    public static void logSoftmax(float[] x, float[] y, int rows, int cols) {
        check("logSoftmax", x.length, y.length, rows, cols);
        boolean vector = CpuGemm.vectorized();
        CpuRanges.run(rows, grain(cols), (r0, r1) -> {
            for (int r = (int) r0; r < r1; r++) {
                if (vector) VectorRowOps.logSoftmaxRow(x, y, r * cols, cols);
                else RowOps.logSoftmaxRow(x, y, r * cols, cols);
            }
        });
    }

    /**
     * {@link RowOps#layerNorm} on all cores.
     *
     * @throws IllegalArgumentException if an array is too short
     */
    public static void layerNorm(float[] x, float[] gamma, float[] beta, float[] y, int rows, int cols, float eps) {
        check("layerNorm", x.length, y.length, rows, cols);
        if (gamma.length < cols || beta.length < cols) {
            throw new IllegalArgumentException("layerNorm: gamma and beta need " + cols + " elements, they have " + gamma.length + " and " + beta.length);
        }
        boolean vector = CpuGemm.vectorized();
        CpuRanges.run(rows, grain(cols), (r0, r1) -> {
            if (vector) {
                double[] g = VectorRowOps.widen(gamma, cols), b = VectorRowOps.widen(beta, cols);
                VectorRowOps.normRows(x, g, b, y, (int) r0, (int) r1, cols, eps);
            } else {
                for (int r = (int) r0; r < r1; r++) RowOps.layerNormRow(x, gamma, beta, y, r * cols, cols, eps);
            }
        });
    }

    /**
     * {@link RowOps#rmsNorm} on all cores.
     *
     * @throws IllegalArgumentException if an array is too short
     */
    public static void rmsNorm(float[] x, float[] gamma, float[] y, int rows, int cols, float eps) {
        check("rmsNorm", x.length, y.length, rows, cols);
        if (gamma.length < cols) throw new IllegalArgumentException("rmsNorm: gamma needs " + cols + " elements, it has " + gamma.length);
        boolean vector = CpuGemm.vectorized();
        CpuRanges.run(rows, grain(cols), (r0, r1) -> {
            if (vector) {
                VectorRowOps.rmsRows(x, gamma, y, (int) r0, (int) r1, cols, eps);
            } else {
                for (int r = (int) r0; r < r1; r++) RowOps.rmsNormRow(x, gamma, y, r * cols, cols, eps);
            }
        });
    }

    private static void check(String op, int x, int y, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException(op + ": rows and cols must not be negative, got " + rows + " x " + cols);
        long need = (long) rows * cols;
        if (x < need || y < need) {
            throw new IllegalArgumentException(op + ": a " + rows + " x " + cols + " matrix needs " + need + " elements; x has " + x + ", y has " + y);
        }
    }
}

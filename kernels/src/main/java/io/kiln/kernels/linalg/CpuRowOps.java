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
     * Above this many bytes of input and output together a tensor streams from memory, and layer norm
     * keeps {@code gamma} and {@code beta} as floats (widened per vector) instead of widened arrays of
     * doubles: the same results, 8 KiB less L1 per 1024 columns. Measured on a 2-core Zen 4 VM (32 KiB L1,
     * 32 MiB L3), 16384 x 1024 floats: about 7% faster (docs/library-linalg.md); but on rows that stay in
     * L1 the widening per vector costs 1.3x (0.43 against 0.56 ns per element on one thread), and in L2
     * and L3 the two are within 5-10%. The size of the last-level
     * cache (Linux's {@code /sys/devices/system/cpu/cpu0/cache}; 32 MiB where that cannot be read), or
     * {@code -Dkiln.cpu.streamingBytes=N}. Read on layer norm's first use (a holder class), not by
     * the other operations.
     */
    static long streamingBytes() {
        return Streaming.BYTES;
    }

    private static final class Streaming {
        static final long BYTES = lastLevelCache();
    }

    private static long lastLevelCache() {
        Long forced = Long.getLong("kiln.cpu.streamingBytes");
        if (forced != null && forced >= 0) return forced;
        long largest = 0;
        for (int i = 0; i < 8; i++) {
            java.nio.file.Path dir = java.nio.file.Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i);
            try {
                String size = java.nio.file.Files.readString(dir.resolve("size")).trim();
                long scale = 1;
                char unit = size.isEmpty() ? ' ' : Character.toUpperCase(size.charAt(size.length() - 1));
                if (unit == 'K') scale = 1L << 10;
                else if (unit == 'M') scale = 1L << 20;
                else if (unit == 'G') scale = 1L << 30;
                String digits = scale == 1 ? size : size.substring(0, size.length() - 1);
                largest = Math.max(largest, Long.parseLong(digits) * scale);
            } catch (java.io.IOException | RuntimeException e) {
                break;                                      // no such level (or not Linux): use what was found
            }
        }
        return largest > 0 ? largest : 32L << 20;
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
        boolean streams = vector && 8L * rows * cols > streamingBytes();
        CpuRanges.run(rows, grain(cols), (r0, r1) -> {
            if (vector && streams) {
                VectorRowOps.normRows(x, null, null, gamma, beta, y, (int) r0, (int) r1, cols, eps);
            } else if (vector) {
                double[] g = VectorRowOps.widen(gamma, cols), b = VectorRowOps.widen(beta, cols);
                VectorRowOps.normRows(x, g, b, null, null, y, (int) r0, (int) r1, cols, eps);
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

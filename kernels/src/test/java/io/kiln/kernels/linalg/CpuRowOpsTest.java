package io.kiln.kernels.linalg;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link CpuRowOps} called directly (its Vector API rows, {@link VectorRowOps}) against float64
 * ({@link RowOpsTest#reference}), within the documented bounds: softmax
 * {@link VectorRowOps#SOFTMAX_ULPS} float ulps (plus the smallest subnormal), the others one ulp; NaN exactly where float64 has NaN. Shapes cover rows of length
 * 1, primes below and above a vector, and 8191 (a layer-norm row that takes the second pass); rows hold
 * random values at scales 1e-30 to 1e30, spreads up to 300 (exponentials that underflow to subnormals
 * and to 0), -Inf among finite values, -3e38 next to 3e38 (x - max overflows), NaN, +Inf, all -Inf,
 * constant rows, a far outlier in the first column, rows whose maximum is a zero of either sign and rows
 * of large values whose sum overflows. A sweep puts every 4097th float of [-110, 0]
 * through the softmax's exponential.
 */
class CpuRowOpsTest {
    private static final long SEED = 20_261_201L;
    private static final int[][] SHAPES = {{9, 1}, {10, 2}, {11, 13}, {12, 17}, {9, 31}, {17, 1024}, {9, 1031}, {3, 8191}, {29, 64}};

    @BeforeEach
    void vectorApi() {
        Assumptions.assumeTrue(CpuGemm.vectorized(), "jdk.incubator.vector is not resolved (run with --add-modules"
                + " jdk.incubator.vector, as the build's kiln.test.argLine does): CpuRowOps runs the references, tested by RowOpsTest");
    }

    /** Row {@code r} of the edge-case matrix; {@code rows >= 14} covers every kind. */
    private static void fillRow(SplittableRandom rnd, float[] x, int r, int cols) {
        int o = r * cols;
        int kind = r % 14;
        double scale = switch (kind) {
            case 1 -> 1e30;
            case 2 -> 1e-30;
            case 3 -> 30;
            case 8 -> 300;
            default -> 1;
        };
        for (int j = 0; j < cols; j++) x[o + j] = (float) (rnd.nextDouble(-1, 1) * scale);
        int j = rnd.nextInt(cols);
        switch (kind) {
            case 3 -> {
                // Tiny values and a signed zero among large ones (RMS norm's float pass then falls back).
                x[o + j] = 1e-35f;
                x[o + (j + 1) % cols] = -0f;
                x[o + (j + 2) % cols] = -1e-42f;
            }
            case 4 -> java.util.Arrays.fill(x, o, o + cols, 7.25f);
            case 5 -> x[o + j] = Float.NaN;
            case 6 -> x[o + j] = Float.POSITIVE_INFINITY;
            case 7 -> java.util.Arrays.fill(x, o, o + cols, Float.NEGATIVE_INFINITY);
            case 9 -> x[o + j] = Float.NEGATIVE_INFINITY;
            case 10 -> {
                x[o] = 3e38f;
                x[o + j] = -3e38f;
            }
            case 11 -> {
                java.util.Arrays.fill(x, o, o + cols, 1e4f);
                x[o] = -1e6f;
            }
            case 12 -> {
                // Maximum zero, -0 before +0 (the softmax takes the next row's maximum by compare and blend).
                for (int i = 0; i < cols; i++) x[o + i] = -Math.abs(x[o + i]);
                x[o + j] = -0f;
                x[o + (j + 1) % cols] = 0f;
            }
            // Large finite values whose sum overflows (the softmax then takes the next row's maximum again).
            case 13 -> {
                for (int i = 0; i < cols; i++) x[o + i] = (float) (3e38 * rnd.nextDouble(0.5, 1));
            }
            default -> {
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"softmax", "logSoftmax", "layerNorm", "rmsNorm"})
    void rowsAreWithinTheDocumentedBoundOfFloat64(String op) {
        SplittableRandom rnd = new SplittableRandom(SEED + op.hashCode());
        System.out.println("[cpu-rowops] " + op + " seed " + (SEED + op.hashCode()));
        int ulps = op.equals("softmax") ? VectorRowOps.SOFTMAX_ULPS : 1;
        double worst = 0;
        for (int[] s : SHAPES) {
            int rows = s[0], cols = s[1];
            float[] x = new float[rows * cols], y = new float[rows * cols];
            for (int r = 0; r < rows; r++) fillRow(rnd, x, r, cols);
            float[] gamma = new float[cols], beta = new float[cols];
            for (int j = 0; j < cols; j++) {
                gamma[j] = (float) rnd.nextDouble(0.5, 2);
                beta[j] = (float) rnd.nextDouble(-1, 1);
            }
            switch (op) {
                case "softmax" -> CpuRowOps.softmax(x, y, rows, cols);
                case "logSoftmax" -> CpuRowOps.logSoftmax(x, y, rows, cols);
                case "layerNorm" -> CpuRowOps.layerNorm(x, gamma, beta, y, rows, cols, 1e-5f);
                default -> CpuRowOps.rmsNorm(x, gamma, y, rows, cols, 1e-5f);
            }
            double[] ref = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                RowOpsTest.reference(op, x, gamma, beta, 1e-5f, ref, r * cols, cols);
                worst = Math.max(worst, check(op + " " + rows + "x" + cols, x, y, ref, r * cols, cols, ulps));
            }
        }
        System.out.printf("[cpu-rowops] %s: worst error %.2f float ulps (bound %d)%n", op, worst, ulps);
    }

    @org.junit.jupiter.api.Test
    void softmaxExponentialOverItsRange() {
        // Rows of 0 (the maximum) and 16 arguments d: y = e^d / (1 + sum e^d); every 4097th float of [-110, 0].
        int cols = 17, lo = Float.floatToRawIntBits(-0f), hi = Float.floatToRawIntBits(-110f);
        int count = (int) (((hi & 0xffffffffL) - (lo & 0xffffffffL)) / 4097 / 16);
        float[] x = new float[count * cols], y = new float[x.length];
        long bits = lo & 0xffffffffL;
        for (int r = 0; r < count; r++) {
            for (int j = 1; j < cols; j++, bits += 4097) x[r * cols + j] = Float.intBitsToFloat((int) bits);
        }
        CpuRowOps.softmax(x, y, count, cols);
        double[] ref = new double[x.length];
        double worst = 0;
        for (int r = 0; r < count; r++) {
            RowOpsTest.reference("softmax", x, null, null, 0, ref, r * cols, cols);
            worst = Math.max(worst, check("softmax sweep", x, y, ref, r * cols, cols, VectorRowOps.SOFTMAX_ULPS));
        }
        System.out.printf("[cpu-rowops] exp sweep: %d arguments, worst %.2f float ulps%n", count * 16, worst);
        assertTrue(count > 10_000, "the sweep covers the range");
    }

    /**
     * Each row's statistic is taken in the loop that writes the row before it, so the result must not
     * depend on where the rows are cut into parts (pools of 1 and 3 threads) nor on x and y being one
     * array: all three runs give the same bits, and the separate run is within the bound of float64.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"softmax", "layerNorm", "rmsNorm"})
    void rowsAreTheSameInPlaceAndOnAnySplit(String op) throws Exception {
        long seed = SEED + 7 + op.hashCode();
        SplittableRandom rnd = new SplittableRandom(seed);
        System.out.println("[cpu-rowops] in place / split " + op + " seed " + seed);
        for (int[] s : new int[][] {{1, 1}, {2, 5}, {41, 17}, {67, 1031}, {29, 16}}) {
            int rows = s[0], cols = s[1];
            float[] x = new float[rows * cols];
            for (int r = 0; r < rows; r++) fillRow(rnd, x, r, cols);
            float[] gamma = new float[cols], beta = new float[cols];
            for (int j = 0; j < cols; j++) {
                gamma[j] = (float) rnd.nextDouble(0.5, 2);
                beta[j] = (float) rnd.nextDouble(-1, 1);
            }
            float[] one = new float[x.length], three = new float[x.length], same = x.clone();
            for (int threads : new int[] {1, 3}) {
                float[] y = threads == 1 ? one : three;
                java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
                try {
                    pool.submit(() -> run(op, x, gamma, beta, y, rows, cols)).get();
                    if (threads == 3) pool.submit(() -> run(op, same, gamma, beta, same, rows, cols)).get();
                } finally {
                    pool.shutdown();
                }
            }
            double[] ref = new double[x.length];
            for (int r = 0; r < rows; r++) {
                RowOpsTest.reference(op, x, gamma, beta, 1e-5f, ref, r * cols, cols);
                check(op + " " + rows + "x" + cols, x, one, ref, r * cols, cols, op.equals("softmax") ? VectorRowOps.SOFTMAX_ULPS : 1);
            }
            for (int i = 0; i < x.length; i++) {
                int b = Float.floatToRawIntBits(one[i]);
                if (b != Float.floatToRawIntBits(three[i]) || b != Float.floatToRawIntBits(same[i])) {
                    fail(op + " " + rows + "x" + cols + ": y[" + i + "] = " + one[i] + " on one thread, " + three[i]
                            + " on three, " + same[i] + " in place");
                }
            }
        }
    }

    /**
     * Layer norm's two forms of the affine weights ({@link CpuRowOps#streamingBytes()}: widened arrays of
     * doubles, or floats widened per vector for tensors that stream from memory) give the same bits, on
     * the rows of {@link #fillRow} (scales 1e-30 to 1e30, NaN, infinities, constant rows, outliers), with
     * zero weights and {@code -0} offsets among them. (The double form is checked against float64 above;
     * not here, because a zero offset exposes the one case where neither is float64's result: a row of
     * +-3e38 among O(1) values, whose O(1) part of the mean every order of summation loses differently.)
     */
    @org.junit.jupiter.api.Test
    void layerNormWeightsAsFloatsGiveTheSameBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(CpuGemm.vectorized(), "jdk.incubator.vector is not resolved: no vector rows to compare");
        long seed = SEED + 11;
        SplittableRandom rnd = new SplittableRandom(seed);
        System.out.println("[cpu-rowops] layer norm float weights seed " + seed + ", streaming above " + CpuRowOps.streamingBytes() + " bytes");
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {41, 17}, {67, 1031}, {29, 16}, {5, 4096}}) {
            int rows = s[0], cols = s[1];
            float[] x = new float[rows * cols];
            for (int r = 0; r < rows; r++) fillRow(rnd, x, r, cols);
            float[] gamma = new float[cols], beta = new float[cols];
            for (int j = 0; j < cols; j++) {
                gamma[j] = j % 97 == 5 ? 0f : (float) rnd.nextDouble(-3, 3);
                beta[j] = j % 89 == 3 ? -0f : (float) rnd.nextDouble(-1, 1);
            }
            float[] wide = new float[x.length], narrow = new float[x.length];
            VectorRowOps.normRows(x, VectorRowOps.widen(gamma, cols), VectorRowOps.widen(beta, cols), null, null, wide, 0, rows, cols, 1e-5f);
            VectorRowOps.normRows(x, null, null, gamma, beta, narrow, 0, rows, cols, 1e-5f);
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToRawIntBits(wide[i]) != Float.floatToRawIntBits(narrow[i])) {
                    fail("layer norm " + rows + "x" + cols + ": y[" + i + "] = " + wide[i] + " with double weights, " + narrow[i] + " with float weights");
                }
            }
        }
    }

    private static void run(String op, float[] x, float[] gamma, float[] beta, float[] y, int rows, int cols) {
        switch (op) {
            case "softmax" -> CpuRowOps.softmax(x, y, rows, cols);
            case "layerNorm" -> CpuRowOps.layerNorm(x, gamma, beta, y, rows, cols, 1e-5f);
            default -> CpuRowOps.rmsNorm(x, gamma, y, rows, cols, 1e-5f);
        }
    }

    /** Checks one row against float64 within {@code ulps}; returns the worst error in ulps (finite values). */
    private static double check(String what, float[] x, float[] y, double[] ref, int o, int cols, int ulps) {
        double worst = 0;
        for (int j = 0; j < cols; j++) {
            double e = ref[o + j];
            float v = y[o + j];
            if (Double.isNaN(e) || Float.isNaN(v)) {
                if (Double.isNaN(e) != Float.isNaN(v)) fail(what + ": y[" + (o + j) + "] = " + v + ", float64 gives " + e);
                continue;
            }
            if (Double.isInfinite(e)) {
                if (v != e) fail(what + ": y[" + (o + j) + "] = " + v + ", float64 gives " + e);
                continue;
            }
            double err = Math.abs(v - e);
            double ulp = Math.ulp((float) e);
            if (!(err <= ulps * ulp + Float.MIN_VALUE || v == (float) e)) {
                fail(what + ": y[" + (o + j) + "] = " + v + ", float64 gives " + e + " (x = " + x[o + j] + "): "
                        + err / ulp + " ulps, bound " + ulps);
            }
            if (Double.isFinite(ulp)) worst = Math.max(worst, Math.max(0, err - Float.MIN_VALUE) / ulp);   // not where float64 overflows float
        }
        return worst;
    }
}

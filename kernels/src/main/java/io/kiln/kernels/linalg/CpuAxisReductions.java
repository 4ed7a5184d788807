package io.kiln.kernels.linalg;

/**
 * The {@code cpu} variants of {@link AxisReductions}: axis-1 reductions run the reference's per-row code
 * over the pool; axis-0 reductions keep a block of per-column partial results and add row after row into
 * it (contiguous reads, which C2 vectorises, instead of the reference's walk down each column at a stride
 * of {@code cols}). Each output sees the same operations in the same order as in the reference, so the
 * results are bit for bit the same.
 */
public final class CpuAxisReductions {
    /** Columns per task of an axis-0 reduction (its partial results stay in L1). */
    private static final int BLOCK = 1024;

    private CpuAxisReductions() {
    }

    /**
     * {@link AxisReductions#reduce}, bit for bit.
     *
     * @throws IllegalArgumentException if the axis, op or an array length is wrong
     */
    public static void reduce(int op, float[] x, float[] y, int rows, int cols, int axis) {
        check(op, x.length, y.length, rows, cols, axis);
        if (axis == 1) {
            CpuRanges.run(rows, Math.max(1, (1 << 14) / Math.max(1, cols)), (r0, r1) -> {
                for (int r = (int) r0; r < r1; r++) y[r] = AxisReductions.line(op, x, r * cols, 1, cols);
            });
            return;
        }
        CpuRanges.run(cols, BLOCK, (c0, c1) -> columns(op, x, y, rows, cols, (int) c0, (int) c1));
    }

    /** Outputs {@code [c0, c1)} of an axis-0 reduction. */
    private static void columns(int op, float[] x, float[] y, int rows, int cols, int c0, int c1) {
        int w = c1 - c0;
        if (op == 3 || op == 4) {
            float[] m = new float[w];
            java.util.Arrays.fill(m, op == 3 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY);
            for (int r = 0; r < rows; r++) {
                int o = r * cols + c0;
                if (op == 3) {
                    for (int j = 0; j < w; j++) m[j] = Math.min(m[j], x[o + j]);
                } else {
                    for (int j = 0; j < w; j++) m[j] = Math.max(m[j], x[o + j]);
                }
            }
            System.arraycopy(m, 0, y, c0, w);
            return;
        }
        double[] sum = new double[w];
        for (int r = 0; r < rows; r++) {
            int o = r * cols + c0;
            for (int j = 0; j < w; j++) sum[j] += x[o + j];
        }
        if (op == 0) {
            for (int j = 0; j < w; j++) y[c0 + j] = (float) sum[j];
            return;
        }
        for (int j = 0; j < w; j++) sum[j] /= rows;                                 // the means
        if (op == 1) {
            for (int j = 0; j < w; j++) y[c0 + j] = (float) sum[j];
            return;
        }
        double[] sq = new double[w];
        for (int r = 0; r < rows; r++) {
            int o = r * cols + c0;
            for (int j = 0; j < w; j++) {
                double d = x[o + j] - sum[j];
                sq[j] += d * d;
            }
        }
        for (int j = 0; j < w; j++) y[c0 + j] = (float) (sq[j] / rows);
    }

    /**
     * {@link AxisReductions#argmax}, bit for bit.
     *
     * @throws IllegalArgumentException if the axis or an array length is wrong
     */
    public static void argmax(float[] x, int[] y, int rows, int cols, int axis) {
        check(0, x.length, y.length, rows, cols, axis);
        if (axis == 1 || rows == 0) {
            CpuRanges.run(axis == 1 ? rows : cols, 64, (o0, o1) -> {
                for (int o = (int) o0; o < o1; o++) {
                    y[o] = axis == 1 ? AxisReductions.argmaxLine(x, o * cols, 1, cols) : -1;
                }
            });
            return;
        }
        CpuRanges.run(cols, BLOCK, (c0, c1) -> {
            int w = (int) (c1 - c0);
            float[] max = new float[w];
            int[] best = new int[w];
            System.arraycopy(x, (int) c0, max, 0, w);
            for (int r = 1; r < rows; r++) {
                int o = r * cols + (int) c0;
                for (int j = 0; j < w; j++) {
                    float v = x[o + j];
                    if (AxisReductions.better(v, max[j])) {
                        max[j] = v;
                        best[j] = r;
                    }
                }
            }
            System.arraycopy(best, 0, y, (int) c0, w);
        });
    }

    static void check(int op, long xLength, long yLength, int rows, int cols, int axis) {
        if (axis != 0 && axis != 1) throw new IllegalArgumentException("reduce: axis must be 0 (down the columns) or 1 (along the rows), got " + axis);
        if (op < 0 || op >= Reduction.values().length) throw new IllegalArgumentException("reduce: " + op + " is not a Reduction code");
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("reduce: rows and cols must not be negative, got " + rows + " x " + cols);
        long n = (long) rows * cols;
        int outs = axis == 0 ? cols : rows;
        if (xLength < n || yLength < outs) {
            throw new IllegalArgumentException("reduce: a " + rows + " x " + cols + " tensor needs " + n + " elements in x and " + outs
                    + " in y (axis " + axis + "); they have " + xLength + " and " + yLength);
        }
    }
}

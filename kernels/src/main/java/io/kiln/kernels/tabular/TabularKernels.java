package io.kiln.kernels.tabular;

import io.kiln.Backend;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.Parallel;
import io.kiln.Variant;

/**
 * The Kiln kernels behind the tabular operations, for use in one's own {@link io.kiln.TaskGraph}s.
 * Most code should call the host classes ({@link TableStatistics}, {@link Preprocessor},
 * {@link TabularOps}), which validate sizes and then run these.
 *
 * <p>Batches are column-major ({@link FloatColumns}, {@link DoubleColumns}): column {@code c} of a
 * batch of {@code rows} rows is {@code data[c * rows .. (c + 1) * rows)}. A missing mask has the same
 * layout; a nonzero byte marks a missing value, and NaN is always missing as well. The kernels do not
 * check sizes: on devices an index out of range is undefined (the {@code cpu} device throws).
 *
 * <p>On {@code cpu} the engine runs the transform kernels' {@link Variant}s in {@link CpuTabular}: the
 * same tiles and loops as plain Java on all cores, bit for bit the same results.
 */
public final class TabularKernels {
    private TabularKernels() {
    }

    /** Numbers written per chunk by the moment kernels: count, mean, M2, min, max. */
    public static final int PARTIAL = 5;

    /**
     * Per-chunk moments of each column of a float32 batch, NaN being missing. Chunk {@code k} of
     * column {@code c} covers rows {@code [k * chunkRows, min(rows, (k + 1) * chunkRows))}; its five
     * numbers go to {@code partials[(c * chunks + k) * 5 ..]}: the count of non-missing values, their
     * mean, {@code M2 = sum((x - mean)^2)} (two passes over the chunk, all in float64), min and max
     * (+Inf and -Inf for a chunk without values). {@code chunks} is {@code ceil(rows / chunkRows)}.
     * Every operation is a correctly rounded IEEE operation, so every device writes the same bits.
     */
    public static void momentsF32(float[] data, int rows, int columns, int chunkRows, int chunks, double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    float v = data[i];
                    if (v == v) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                // A second pass around the chunk's own mean: the chunk is still in cache, and the
                // result is more accurate than Welford's update, without a division per element.
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    float v = data[i];
                    if (v == v) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** {@link #momentsF32} where a value is missing when its {@code missing} byte is nonzero or it is NaN. */
    public static void momentsF32Masked(float[] data, byte[] missing, int rows, int columns, int chunkRows, int chunks,
                                        double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    float v = data[i];
                    if (v == v && missing[i] == 0) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    float v = data[i];
                    if (v == v && missing[i] == 0) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** {@link #momentsF32} for a float64 batch. */
    public static void momentsF64(double[] data, int rows, int columns, int chunkRows, int chunks, double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    double v = data[i];
                    if (v == v) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    double v = data[i];
                    if (v == v) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** {@link #momentsF64} with a missing mask, as {@link #momentsF32Masked}. */
    public static void momentsF64Masked(double[] data, byte[] missing, int rows, int columns, int chunkRows, int chunks,
                                        double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    double v = data[i];
                    if (v == v && missing[i] == 0) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    double v = data[i];
                    if (v == v && missing[i] == 0) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** Rows per tile of the transform kernels: one work-item transforms one tile of one column. */
    public static final int TILE_ROWS = 4096;

    /**
     * The fused impute, scale and clip of every column in one launch, NaN being missing:
     * {@code v = isNaN(x) ? fill[c] : x; y = (v - center[c]) / scale[c]; out = min(max(y, lo[c]), hi[c])}
     * in float32 ({@code Math.max/min}: a NaN stays NaN). Work is cut in tiles of {@link #TILE_ROWS}
     * rows of one column, {@code tilesPerColumn = max(1, ceil(rows / TILE_ROWS))}. {@code out} may be
     * {@code data}: the first loop leaves a missing value NaN, so the second still finds it; in place a
     * value that the scaling itself turns into NaN (an infinite value scaled by infinite fitted
     * statistics) is also given the fill.
     */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF32(float[] data, int rows, int columns, int tilesPerColumn, float[] fill, float[] center,
            float[] scale, float[] lo, float[] hi, float[] out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            float m = center[c];
            float s = scale[c];
            float l = lo[c];
            float h = hi[c];
            float filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
            }
            for (int i = start; i < end; i++) {
                if (data[i] != data[i]) {
                    out[i] = filled;
                }
            }
        }
    }

    /** {@link #transformF32} where a value is missing when its {@code missing} byte is nonzero or it is NaN. */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF32Masked(float[] data, byte[] missing, int rows, int columns, int tilesPerColumn, float[] fill, float[] center,
            float[] scale, float[] lo, float[] hi, float[] out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            float m = center[c];
            float s = scale[c];
            float l = lo[c];
            float h = hi[c];
            float filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
            }
            for (int i = start; i < end; i++) {
                if (missing[i] != 0 || data[i] != data[i]) {
                    out[i] = filled;
                }
            }
        }
    }

    /** {@link #transformF32} in float64. */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF64(double[] data, int rows, int columns, int tilesPerColumn, double[] fill, double[] center,
            double[] scale, double[] lo, double[] hi, double[] out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            double m = center[c];
            double s = scale[c];
            double l = lo[c];
            double h = hi[c];
            double filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
            }
            for (int i = start; i < end; i++) {
                if (data[i] != data[i]) {
                    out[i] = filled;
                }
            }
        }
    }

    /** {@link #transformF64} with a missing mask, as {@link #transformF32Masked}. */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF64Masked(double[] data, byte[] missing, int rows, int columns, int tilesPerColumn, double[] fill, double[] center,
            double[] scale, double[] lo, double[] hi, double[] out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            double m = center[c];
            double s = scale[c];
            double l = lo[c];
            double h = hi[c];
            double filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
            }
            for (int i = start; i < end; i++) {
                if (missing[i] != 0 || data[i] != data[i]) {
                    out[i] = filled;
                }
            }
        }
    }

    // ---- off-heap twins: the kernels above on FloatArray / DoubleArray batches, line for line --------------

    /** {@link #momentsF32} on an off-heap batch ({@link FloatColumns#wrap(FloatArray, int, int)}): the same operations, the same bits. */
    public static void momentsF32OffHeap(FloatArray data, int rows, int columns, int chunkRows, int chunks, double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    float v = data.get(i);
                    if (v == v) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                // A second pass around the chunk's own mean: the chunk is still in cache, and the
                // result is more accurate than Welford's update, without a division per element.
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    float v = data.get(i);
                    if (v == v) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** {@link #momentsF32Masked} on an off-heap batch ({@link FloatColumns#wrap(FloatArray, int, int)}): the same operations, the same bits. */
    public static void momentsF32MaskedOffHeap(FloatArray data, byte[] missing, int rows, int columns, int chunkRows, int chunks,
                                        double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    float v = data.get(i);
                    if (v == v && missing[i] == 0) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    float v = data.get(i);
                    if (v == v && missing[i] == 0) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** {@link #momentsF64} on an off-heap batch ({@link DoubleColumns#wrap(DoubleArray, int, int)}): the same operations, the same bits. */
    public static void momentsF64OffHeap(DoubleArray data, int rows, int columns, int chunkRows, int chunks, double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    double v = data.get(i);
                    if (v == v) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    double v = data.get(i);
                    if (v == v) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** {@link #momentsF64Masked} on an off-heap batch ({@link DoubleColumns#wrap(DoubleArray, int, int)}): the same operations, the same bits. */
    public static void momentsF64MaskedOffHeap(DoubleArray data, byte[] missing, int rows, int columns, int chunkRows, int chunks,
                                        double[] partials) {
        for (@Parallel int c = 0; c < columns; c++) {
            for (@Parallel int k = 0; k < chunks; k++) {
                int start = c * rows + k * chunkRows;
                int end = c * rows + Math.min(rows, k * chunkRows + chunkRows);
                double count = 0;
                double sum = 0;
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (int i = start; i < end; i++) {
                    double v = data.get(i);
                    if (v == v && missing[i] == 0) {
                        count += 1;
                        sum += v;
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
                double mean = count > 0 ? sum / count : 0;
                double m2 = 0;
                for (int i = start; i < end; i++) {
                    double v = data.get(i);
                    if (v == v && missing[i] == 0) {
                        double d = v - mean;
                        m2 += d * d;
                    }
                }
                int p = (c * chunks + k) * PARTIAL;
                partials[p] = count;
                partials[p + 1] = mean;
                partials[p + 2] = m2;
                partials[p + 3] = min;
                partials[p + 4] = max;
            }
        }
    }

    /** {@link #transformF32} on an off-heap batch ({@link FloatColumns#wrap(FloatArray, int, int)}): the same operations, the same bits. */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF32OffHeap(FloatArray data, int rows, int columns, int tilesPerColumn, float[] fill, float[] center,
            float[] scale, float[] lo, float[] hi, FloatArray out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            float m = center[c];
            float s = scale[c];
            float l = lo[c];
            float h = hi[c];
            float filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out.set(i, Math.min(Math.max((data.get(i) - m) / s, l), h));
            }
            for (int i = start; i < end; i++) {
                if (data.get(i) != data.get(i)) {
                    out.set(i, filled);
                }
            }
        }
    }

    /** {@link #transformF32Masked} on an off-heap batch ({@link FloatColumns#wrap(FloatArray, int, int)}): the same operations, the same bits. */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF32MaskedOffHeap(FloatArray data, byte[] missing, int rows, int columns, int tilesPerColumn, float[] fill, float[] center,
            float[] scale, float[] lo, float[] hi, FloatArray out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            float m = center[c];
            float s = scale[c];
            float l = lo[c];
            float h = hi[c];
            float filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out.set(i, Math.min(Math.max((data.get(i) - m) / s, l), h));
            }
            for (int i = start; i < end; i++) {
                if (missing[i] != 0 || data.get(i) != data.get(i)) {
                    out.set(i, filled);
                }
            }
        }
    }

    /** {@link #transformF64} on an off-heap batch ({@link DoubleColumns#wrap(DoubleArray, int, int)}): the same operations, the same bits. */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF64OffHeap(DoubleArray data, int rows, int columns, int tilesPerColumn, double[] fill, double[] center,
            double[] scale, double[] lo, double[] hi, DoubleArray out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            double m = center[c];
            double s = scale[c];
            double l = lo[c];
            double h = hi[c];
            double filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out.set(i, Math.min(Math.max((data.get(i) - m) / s, l), h));
            }
            for (int i = start; i < end; i++) {
                if (data.get(i) != data.get(i)) {
                    out.set(i, filled);
                }
            }
        }
    }

    /** {@link #transformF64Masked} on an off-heap batch ({@link DoubleColumns#wrap(DoubleArray, int, int)}): the same operations, the same bits. */
    @Variant(backend = Backend.CPU, in = CpuTabular.class)
    public static void transformF64MaskedOffHeap(DoubleArray data, byte[] missing, int rows, int columns, int tilesPerColumn, double[] fill, double[] center,
            double[] scale, double[] lo, double[] hi, DoubleArray out) {
        for (@Parallel int t = 0; t < columns * tilesPerColumn; t++) {
            int c = t / tilesPerColumn;
            int b = t - c * tilesPerColumn;
            double m = center[c];
            double s = scale[c];
            double l = lo[c];
            double h = hi[c];
            double filled = Math.min(Math.max((fill[c] - m) / s, l), h);
            int start = c * rows + b * TILE_ROWS;
            int end = c * rows + Math.min(rows, b * TILE_ROWS + TILE_ROWS);
            // Two loops over the tile (still in cache for the second): the first has no select, so the
            // JIT vectorises it; a missing value comes out NaN there and is overwritten by the second.
            for (int i = start; i < end; i++) {
                out.set(i, Math.min(Math.max((data.get(i) - m) / s, l), h));
            }
            for (int i = start; i < end; i++) {
                if (missing[i] != 0 || data.get(i) != data.get(i)) {
                    out.set(i, filled);
                }
            }
        }
    }

    /** {@code out[i] = min(max(x[i], lo), hi)}; NaN stays NaN. {@code out} may be {@code x}. */
    public static void clipF32(float[] x, float lo, float hi, float[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = Math.min(Math.max(x[i], lo), hi);
        }
    }

    /** {@link #clipF32} in float64. */
    public static void clipF64(double[] x, double lo, double hi, double[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = Math.min(Math.max(x[i], lo), hi);
        }
    }

    /** {@code out[i] = (float) Math.log1p(x[i])}: -1 gives -Inf, below -1 NaN. {@code out} may be {@code x}. */
    public static void log1pF32(float[] x, float[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = (float) Math.log1p(x[i]);
        }
    }

    /** {@code out[i] = Math.log1p(x[i])}. */
    public static void log1pF64(double[] x, double[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = Math.log1p(x[i]);
        }
    }

    /**
     * {@code out[i]} = the number of {@code edges} that are {@code <= x[i]} (NumPy's
     * {@code searchsorted(edges, x, side="right")}), in {@code [0, edges.length]}; NaN gets its own
     * bucket, {@code edges.length + 1}. {@code edges} must be ascending and free of NaN.
     */
    public static void bucketizeF32(float[] x, float[] edges, int[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float v = x[i];
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (edges[mid] <= v) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            out[i] = v != v ? edges.length + 1 : lo;
        }
    }

    /** {@link #bucketizeF32} in float64. */
    public static void bucketizeF64(double[] x, double[] edges, int[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            double v = x[i];
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (edges[mid] <= v) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            out[i] = v != v ? edges.length + 1 : lo;
        }
    }

    /**
     * One-hot encoding, column-major: {@code out[k * codes.length + r] = codes[r] == k ? 1 : 0} for
     * {@code k < categories}; a code outside {@code [0, categories)} gives a row of zeros.
     */
    public static void oneHot(int[] codes, int categories, float[] out) {
        for (@Parallel int k = 0; k < categories; k++) {
            for (@Parallel int r = 0; r < codes.length; r++) {
                out[k * codes.length + r] = codes[r] == k ? 1f : 0f;
            }
        }
    }

    /**
     * Hashed buckets: {@code out[i] = (fmix32(codes[i] ^ seed) >>> 1) % buckets}, where {@code fmix32}
     * is MurmurHash3's 32-bit finaliser. {@code buckets} must be positive.
     */
    public static void hashBuckets(int[] codes, int buckets, int seed, int[] out) {
        for (@Parallel int i = 0; i < codes.length; i++) {
            out[i] = (fmix32(codes[i] ^ seed) >>> 1) % buckets;
        }
    }

    // ---- off-heap twins of the elementwise operations (long indices: any length) ------------------------------

    /** {@link #clipF32} on off-heap arrays. */
    public static void clipF32OffHeap(FloatArray x, float lo, float hi, FloatArray out) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            out.set(i, Math.min(Math.max(x.get(i), lo), hi));
        }
    }

    /** {@link #clipF64} on off-heap arrays. */
    public static void clipF64OffHeap(DoubleArray x, double lo, double hi, DoubleArray out) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            out.set(i, Math.min(Math.max(x.get(i), lo), hi));
        }
    }

    /** {@link #log1pF32} on off-heap arrays. */
    public static void log1pF32OffHeap(FloatArray x, FloatArray out) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            out.set(i, (float) Math.log1p(x.get(i)));
        }
    }

    /** {@link #log1pF64} on off-heap arrays. */
    public static void log1pF64OffHeap(DoubleArray x, DoubleArray out) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            out.set(i, Math.log1p(x.get(i)));
        }
    }

    /** {@link #bucketizeF32} on off-heap arrays. */
    public static void bucketizeF32OffHeap(FloatArray x, float[] edges, IntArray out) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            float v = x.get(i);
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (edges[mid] <= v) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            out.set(i, v != v ? edges.length + 1 : lo);
        }
    }

    /** {@link #bucketizeF64} on off-heap arrays. */
    public static void bucketizeF64OffHeap(DoubleArray x, double[] edges, IntArray out) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            double v = x.get(i);
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (edges[mid] <= v) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            out.set(i, v != v ? edges.length + 1 : lo);
        }
    }

    /** {@link #oneHot} on off-heap arrays: column {@code k} of {@code out} is {@code [k * n, (k + 1) * n)}, {@code n = codes.length()}. */
    public static void oneHotOffHeap(IntArray codes, int categories, FloatArray out) {
        for (@Parallel int k = 0; k < categories; k++) {
            for (@Parallel long r = 0; r < codes.length(); r++) {
                out.set(k * codes.length() + r, codes.get(r) == k ? 1f : 0f);
            }
        }
    }

    /** {@link #hashBuckets} on off-heap arrays. */
    public static void hashBucketsOffHeap(IntArray codes, int buckets, int seed, IntArray out) {
        for (@Parallel long i = 0; i < codes.length(); i++) {
            out.set(i, (fmix32(codes.get(i) ^ seed) >>> 1) % buckets);
        }
    }


    /** MurmurHash3's finaliser: every input bit affects every output bit. */
    static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}

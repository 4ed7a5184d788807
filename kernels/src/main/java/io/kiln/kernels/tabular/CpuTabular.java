package io.kiln.kernels.tabular;

import io.kiln.CpuThreads;

/**
 * The {@code cpu} variants ({@link io.kiln.Variant}) of the fused transform kernels of
 * {@link TabularKernels}: the same tiles, computing the same floats and doubles bit for bit (in place
 * too), on all cores: parts of {@link CpuThreads#forRange} (the calling thread and the cpu device's
 * pool when the engine runs a variant, the pool the caller runs in when called directly). The portable kernels, translated by the
 * cpu back end, run at about a quarter of the memory bandwidth.
 * <p>With {@code jdk.incubator.vector} resolved ({@link #vectorized()}) a tile is one vector pass
 * ({@link VectorTabular}: the value, then the fill blended in where it is missing); without it, the
 * kernel's two loops as plain Java (C2 vectorises the first, the second, with its conditional store, runs
 * scalar: about 0.4 of the 0.7 ns per value on one thread here).
 */
public final class CpuTabular {
    /** Tiles per part: 32 tiles of 4096 rows, 512 KiB in and out, about 50-100 us. */
    private static final int GRAIN_TILES = 32;

    private static final boolean VECTOR = vectorAvailable();

    private CpuTabular() {
    }

    private static boolean vectorAvailable() {
        if ("false".equalsIgnoreCase(System.getProperty("kiln.vector", "true"))) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            // Loaded only now: without the module, the class cannot link.
            return VectorTabular.usable();
        } catch (LinkageError e) {
            return false;
        }
    }

    /**
     * Whether the tiles run with the Vector API ({@code jdk.incubator.vector} resolved, at least 4 float
     * lanes, not {@code -Dkiln.vector=false}) in one pass, or as the kernel's two plain loops.
     */
    public static boolean vectorized() {
        return VECTOR;
    }

    /** {@link TabularKernels#transformF32} (same arguments, same floats). */
    public static void transformF32(float[] data, int rows, int columns, int tilesPerColumn, float[] fill, float[] center,
                                    float[] scale, float[] lo, float[] hi, float[] out) {
        transformF32(VECTOR, data, null, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /** {@link TabularKernels#transformF32Masked} (same arguments, same floats). */
    public static void transformF32Masked(float[] data, byte[] missing, int rows, int columns, int tilesPerColumn, float[] fill,
                                          float[] center, float[] scale, float[] lo, float[] hi, float[] out) {
        transformF32(VECTOR, data, missing, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /** The float32 transform, masked if {@code missing} is not null, with the Vector API ({@code vector}) or plain loops. */
    static void transformF32(boolean vector, float[] data, byte[] missing, int rows, int columns, int tilesPerColumn, float[] fill,
                             float[] center, float[] scale, float[] lo, float[] hi, float[] out) {
        CpuThreads.forRange(columns * tilesPerColumn, GRAIN_TILES, (from, to) -> {
            for (int t = from; t < to; t++) tileF32(vector, data, missing, rows, tilesPerColumn, fill, center, scale, lo, hi, out, t);
        });
    }

    /** {@link TabularKernels#transformF64} (same arguments, same doubles). */
    public static void transformF64(double[] data, int rows, int columns, int tilesPerColumn, double[] fill, double[] center,
                                    double[] scale, double[] lo, double[] hi, double[] out) {
        transformF64(VECTOR, data, null, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /** {@link TabularKernels#transformF64Masked} (same arguments, same doubles). */
    public static void transformF64Masked(double[] data, byte[] missing, int rows, int columns, int tilesPerColumn, double[] fill,
                                          double[] center, double[] scale, double[] lo, double[] hi, double[] out) {
        transformF64(VECTOR, data, missing, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /** The float64 transform, masked if {@code missing} is not null, with the Vector API ({@code vector}) or plain loops. */
    static void transformF64(boolean vector, double[] data, byte[] missing, int rows, int columns, int tilesPerColumn, double[] fill,
                             double[] center, double[] scale, double[] lo, double[] hi, double[] out) {
        CpuThreads.forRange(columns * tilesPerColumn, GRAIN_TILES, (from, to) -> {
            for (int t = from; t < to; t++) tileF64(vector, data, missing, rows, tilesPerColumn, fill, center, scale, lo, hi, out, t);
        });
    }

    /** One work-item of the float32 kernels: tile {@code t}, its two loops as the kernel has them ({@code missing} may be null). */
    private static void tileF32(boolean vector, float[] data, byte[] missing, int rows, int tilesPerColumn, float[] fill,
                                float[] center, float[] scale, float[] lo, float[] hi, float[] out, int t) {
        int c = t / tilesPerColumn;
        int b = t - c * tilesPerColumn;
        float m = center[c], s = scale[c], l = lo[c], h = hi[c];
        float filled = Math.min(Math.max((fill[c] - m) / s, l), h);
        int start = c * rows + b * TabularKernels.TILE_ROWS;
        int end = c * rows + Math.min(rows, b * TabularKernels.TILE_ROWS + TabularKernels.TILE_ROWS);
        if (vector) {
            VectorTabular.tileF32(data, missing, out, start, end, m, s, l, h, filled);
            return;
        }
        for (int i = start; i < end; i++) {
            out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
        }
        if (missing == null) {
            for (int i = start; i < end; i++) {
                if (data[i] != data[i]) out[i] = filled;
            }
        } else {
            for (int i = start; i < end; i++) {
                if (missing[i] != 0 || data[i] != data[i]) out[i] = filled;
            }
        }
    }

    /** {@link #tileF32} in float64. */
    private static void tileF64(boolean vector, double[] data, byte[] missing, int rows, int tilesPerColumn, double[] fill,
                                double[] center, double[] scale, double[] lo, double[] hi, double[] out, int t) {
        int c = t / tilesPerColumn;
        int b = t - c * tilesPerColumn;
        double m = center[c], s = scale[c], l = lo[c], h = hi[c];
        double filled = Math.min(Math.max((fill[c] - m) / s, l), h);
        int start = c * rows + b * TabularKernels.TILE_ROWS;
        int end = c * rows + Math.min(rows, b * TabularKernels.TILE_ROWS + TabularKernels.TILE_ROWS);
        if (vector) {
            VectorTabular.tileF64(data, missing, out, start, end, m, s, l, h, filled);
            return;
        }
        for (int i = start; i < end; i++) {
            out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
        }
        if (missing == null) {
            for (int i = start; i < end; i++) {
                if (data[i] != data[i]) out[i] = filled;
            }
        } else {
            for (int i = start; i < end; i++) {
                if (missing[i] != 0 || data[i] != data[i]) out[i] = filled;
            }
        }
    }
}

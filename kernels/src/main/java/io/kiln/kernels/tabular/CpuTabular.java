package io.kiln.kernels.tabular;

import io.kiln.CpuThreads;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;

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
        spanF32(vector, data, missing, out, start, end, m, s, l, h, filled);
    }

    /** Elements {@code [start, end)} of a tile whose column has these parameters: the kernel's two loops. */
    private static void spanF32(boolean vector, float[] data, byte[] missing, float[] out, int start, int end, float m, float s,
                                float l, float h, float filled) {
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
        spanF64(vector, data, missing, out, start, end, m, s, l, h, filled);
    }

    /** Elements {@code [start, end)} of a tile whose column has these parameters: the kernel's two loops. */
    private static void spanF64(boolean vector, double[] data, byte[] missing, double[] out, int start, int end, double m, double s,
                                double l, double h, double filled) {
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

    // ---- off-heap batches: the Vector API on the memory itself, or the plain loops on heap buffers ---------

    /** {@link TabularKernels#transformF32OffHeap} (same arguments, same floats). */
    public static void transformF32OffHeap(FloatArray data, int rows, int columns, int tilesPerColumn, float[] fill, float[] center,
                                           float[] scale, float[] lo, float[] hi, FloatArray out) {
        transformF32OffHeap(VECTOR, data, null, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /** {@link TabularKernels#transformF32MaskedOffHeap} (same arguments, same floats). */
    public static void transformF32MaskedOffHeap(FloatArray data, byte[] missing, int rows, int columns, int tilesPerColumn, float[] fill,
                                                 float[] center, float[] scale, float[] lo, float[] hi, FloatArray out) {
        transformF32OffHeap(VECTOR, data, missing, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /**
     * The float32 transform of an off-heap batch: with the Vector API, each tile in one pass over the
     * memory itself ({@link VectorTabular}); with plain loops, each tile's values copied into a heap buffer
     * (16 KiB, in L1), transformed there by the heap code and copied out (C2 vectorises the first loop on
     * arrays). In place ({@code data} and {@code out} over the same memory) one buffer serves as both, as
     * the kernel then reads its own output; arrays that overlap otherwise run the kernel itself as plain
     * Java on the calling thread, tile after tile.
     */
    static void transformF32OffHeap(boolean vector, FloatArray data, byte[] missing, int rows, int columns, int tilesPerColumn,
                                    float[] fill, float[] center, float[] scale, float[] lo, float[] hi, FloatArray out) {
        Aliasing alias = Aliasing.of(data.segment(), out.segment());
        if (alias == Aliasing.PARTLY) {
            // Tiles then read what earlier tiles wrote: only the kernel's own order, the kernel run as plain Java, gives its result.
            if (missing == null) TabularKernels.transformF32OffHeap(data, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
            else TabularKernels.transformF32MaskedOffHeap(data, missing, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
            return;
        }
        CpuThreads.forRange(columns * tilesPerColumn, GRAIN_TILES, (from, to) -> {
            float[] in = vector ? null : new float[TabularKernels.TILE_ROWS];      // buffers for the plain loops only
            float[] o = vector || alias == Aliasing.SAME ? in : new float[TabularKernels.TILE_ROWS];
            for (int t = from; t < to; t++) {
                int c = t / tilesPerColumn;
                int b = t - c * tilesPerColumn;
                float m = center[c], s = scale[c], l = lo[c], h = hi[c];
                float filled = Math.min(Math.max((fill[c] - m) / s, l), h);
                int start = c * rows + b * TabularKernels.TILE_ROWS;
                int end = c * rows + Math.min(rows, b * TabularKernels.TILE_ROWS + TabularKernels.TILE_ROWS);
                if (vector) {
                    // straight on the memory: the Vector API reads and writes segments as it does arrays
                    VectorTabular.tileF32(data.segment(), out.segment(), alias == Aliasing.SAME, start, end, m, s, l, h, filled);
                    if (missing != null) {
                        for (int i = start; i < end; i++) if (missing[i] != 0) out.set(i, filled);
                    }
                    continue;
                }
                int len = end - start;
                data.copyTo(start, in, 0, len);
                spanF32(false, in, null, o, 0, len, m, s, l, h, filled);
                if (missing != null) {
                    for (int i = 0; i < len; i++) if (missing[start + i] != 0) o[i] = filled;
                }
                out.copyFrom(o, 0, start, len);
            }
        });
    }

    /** {@link TabularKernels#transformF64OffHeap} (same arguments, same doubles). */
    public static void transformF64OffHeap(DoubleArray data, int rows, int columns, int tilesPerColumn, double[] fill, double[] center,
                                           double[] scale, double[] lo, double[] hi, DoubleArray out) {
        transformF64OffHeap(VECTOR, data, null, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /** {@link TabularKernels#transformF64MaskedOffHeap} (same arguments, same doubles). */
    public static void transformF64MaskedOffHeap(DoubleArray data, byte[] missing, int rows, int columns, int tilesPerColumn, double[] fill,
                                                 double[] center, double[] scale, double[] lo, double[] hi, DoubleArray out) {
        transformF64OffHeap(VECTOR, data, missing, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
    }

    /** {@link #transformF32OffHeap(boolean, FloatArray, byte[], int, int, int, float[], float[], float[], float[], float[], FloatArray)} in float64. */
    static void transformF64OffHeap(boolean vector, DoubleArray data, byte[] missing, int rows, int columns, int tilesPerColumn,
                                    double[] fill, double[] center, double[] scale, double[] lo, double[] hi, DoubleArray out) {
        Aliasing alias = Aliasing.of(data.segment(), out.segment());
        if (alias == Aliasing.PARTLY) {
            // Tiles then read what earlier tiles wrote: only the kernel's own order, the kernel run as plain Java, gives its result.
            if (missing == null) TabularKernels.transformF64OffHeap(data, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
            else TabularKernels.transformF64MaskedOffHeap(data, missing, rows, columns, tilesPerColumn, fill, center, scale, lo, hi, out);
            return;
        }
        CpuThreads.forRange(columns * tilesPerColumn, GRAIN_TILES, (from, to) -> {
            double[] in = vector ? null : new double[TabularKernels.TILE_ROWS];      // buffers for the plain loops only
            double[] o = vector || alias == Aliasing.SAME ? in : new double[TabularKernels.TILE_ROWS];
            for (int t = from; t < to; t++) {
                int c = t / tilesPerColumn;
                int b = t - c * tilesPerColumn;
                double m = center[c], s = scale[c], l = lo[c], h = hi[c];
                double filled = Math.min(Math.max((fill[c] - m) / s, l), h);
                int start = c * rows + b * TabularKernels.TILE_ROWS;
                int end = c * rows + Math.min(rows, b * TabularKernels.TILE_ROWS + TabularKernels.TILE_ROWS);
                if (vector) {
                    // straight on the memory: the Vector API reads and writes segments as it does arrays
                    VectorTabular.tileF64(data.segment(), out.segment(), alias == Aliasing.SAME, start, end, m, s, l, h, filled);
                    if (missing != null) {
                        for (int i = start; i < end; i++) if (missing[i] != 0) out.set(i, filled);
                    }
                    continue;
                }
                int len = end - start;
                data.copyTo(start, in, 0, len);
                spanF64(false, in, null, o, 0, len, m, s, l, h, filled);
                if (missing != null) {
                    for (int i = 0; i < len; i++) if (missing[start + i] != 0) o[i] = filled;
                }
                out.copyFrom(o, 0, start, len);
            }
        });
    }

    /** How an off-heap input and output share memory. */
    private enum Aliasing {
        /** Disjoint memory. */
        NONE,
        /** The same memory: the transform is in place. */
        SAME,
        /** Overlapping, but not the same: run in the kernel's own order, on one thread. */
        PARTLY;

        static Aliasing of(java.lang.foreign.MemorySegment a, java.lang.foreign.MemorySegment b) {
            if (a.asOverlappingSlice(b).isEmpty()) return NONE;      // also: different heap arrays, heap and native
            return a.address() == b.address() && a.byteSize() == b.byteSize() ? SAME : PARTLY;
        }
    }
}

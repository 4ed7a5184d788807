package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.OffHeapArray;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.Objects;

/**
 * Stateless elementwise column operations on a Kiln device: clip, {@code log1p}, bucketize by given
 * edges, and the categorical encodings one-hot and hashed buckets. Each validates its arguments on the
 * host, then runs one kernel of {@link TabularKernels}. Where an output array may be the input, the
 * operation works in place. Every operation also takes off-heap arrays ({@link FloatArray},
 * {@link DoubleArray}, {@link IntArray}), read and written in place on every device, of any length.
 */
public final class TabularOps {
    private TabularOps() {
    }

    /** {@code out[i] = min(max(x[i], low), high)}; NaN stays NaN. {@code out} may be {@code x}. */
    public static void clip(Device device, float[] x, float low, float high, float[] out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length, out, out == null ? -1 : out.length);
        checkBounds(low, high);
        run(device, new TaskGraph("clip").task("clip", TabularKernels::clipF32, x, low, high, out), x, out);
    }

    /** {@link #clip(Device, float[], float, float, float[])} in float64. */
    public static void clip(Device device, double[] x, double low, double high, double[] out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length, out, out == null ? -1 : out.length);
        checkBounds(low, high);
        run(device, new TaskGraph("clip").task("clip", TabularKernels::clipF64, x, low, high, out), x, out);
    }

    /**
     * {@code out[i] = (float) Math.log1p(x[i])}: {@code log(1 + x)}, accurate near 0; -1 gives -Inf,
     * below -1 NaN. On OpenCL and CUDA devices within the device's {@code log1p} bound (1 ulp of the
     * float64 result on PoCL), so a float32 result may differ from plain Java by 1 ulp.
     */
    public static void log1p(Device device, float[] x, float[] out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length, out, out == null ? -1 : out.length);
        run(device, new TaskGraph("log1p").task("log1p", TabularKernels::log1pF32, x, out), x, out);
    }

    /** {@link #log1p(Device, float[], float[])} in float64. */
    public static void log1p(Device device, double[] x, double[] out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length, out, out == null ? -1 : out.length);
        run(device, new TaskGraph("log1p").task("log1p", TabularKernels::log1pF64, x, out), x, out);
    }

    /**
     * The bucket of each value: the number of {@code edges} {@code <= x[i]}, in {@code [0, edges.length]}
     * ({@code numpy.searchsorted(edges, x, side="right")}, which is also {@code numpy.digitize(x, edges)}
     * for finite values); NaN gets the extra bucket {@code edges.length + 1}.
     *
     * @throws IllegalArgumentException if {@code edges} is empty, holds NaN or is not ascending
     */
    public static void bucketize(Device device, float[] x, float[] edges, int[] out) {
        Objects.requireNonNull(edges, "edges");
        checkSameLength(x, Objects.requireNonNull(x, "x").length, out, out == null ? -1 : out.length);
        double[] e = new double[edges.length];
        for (int i = 0; i < e.length; i++) e[i] = edges[i];
        checkEdges(e);
        run(device, new TaskGraph("bucketize").task("bucketize", TabularKernels::bucketizeF32, x, edges, out), x, out);
    }

    /** {@link #bucketize(Device, float[], float[], int[])} in float64. */
    public static void bucketize(Device device, double[] x, double[] edges, int[] out) {
        Objects.requireNonNull(edges, "edges");
        checkSameLength(x, Objects.requireNonNull(x, "x").length, out, out == null ? -1 : out.length);
        checkEdges(edges);
        run(device, new TaskGraph("bucketize").task("bucketize", TabularKernels::bucketizeF64, x, edges, out), x, out);
    }

    /**
     * One-hot encoding of categorical codes into {@code categories} float32 columns: column {@code k}
     * is 1 where {@code codes[r] == k}, else 0. A code outside {@code [0, categories)} (an unknown
     * category) gives a row of zeros, as scikit-learn's {@code handle_unknown="ignore"}.
     */
    public static FloatColumns oneHot(Device device, int[] codes, int categories) {
        Objects.requireNonNull(codes, "codes");
        if (categories < 1) {
            throw new IllegalArgumentException("one-hot needs categories >= 1, got " + categories);
        }
        FloatColumns out = FloatColumns.allocate(codes.length, categories);
        if (codes.length == 0) return out;
        run(device, new TaskGraph("one-hot").task("oneHot", TabularKernels::oneHot, codes, categories, out.values()), codes,
                out.values());
        return out;
    }

    /**
     * Hashed buckets of categorical codes: {@code out[i] = (fmix32(codes[i] ^ seed) >>> 1) % buckets},
     * {@code fmix32} being MurmurHash3's 32-bit finaliser, so equal codes share a bucket and unknown
     * codes need no table. {@code out} may be {@code codes}.
     *
     * @throws IllegalArgumentException if {@code buckets < 1} or the lengths differ
     */
    public static void hashBuckets(Device device, int[] codes, int buckets, int seed, int[] out) {
        checkSameLength(codes, Objects.requireNonNull(codes, "codes").length, out, out == null ? -1 : out.length);
        if (buckets < 1) throw new IllegalArgumentException("hashed buckets need buckets >= 1, got " + buckets);
        run(device, new TaskGraph("hash-buckets").task("hashBuckets", TabularKernels::hashBuckets, codes, buckets, seed, out),
                codes, out);
    }

    // ---- off-heap arrays: the same operations, the same results (any length) -----------------------------------

    /** {@link #clip(Device, float[], float, float, float[])} on off-heap arrays; {@code out} may be {@code x}. */
    public static void clip(Device device, FloatArray x, float low, float high, FloatArray out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length(), out, out == null ? -1 : out.length());
        checkBounds(low, high);
        run(device, new TaskGraph("clip").task("clip", TabularKernels::clipF32OffHeap, x, low, high, out), x, out);
    }

    /** {@link #clip(Device, double[], double, double, double[])} on off-heap arrays. */
    public static void clip(Device device, DoubleArray x, double low, double high, DoubleArray out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length(), out, out == null ? -1 : out.length());
        checkBounds(low, high);
        run(device, new TaskGraph("clip").task("clip", TabularKernels::clipF64OffHeap, x, low, high, out), x, out);
    }

    /** {@link #log1p(Device, float[], float[])} on off-heap arrays. */
    public static void log1p(Device device, FloatArray x, FloatArray out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length(), out, out == null ? -1 : out.length());
        run(device, new TaskGraph("log1p").task("log1p", TabularKernels::log1pF32OffHeap, x, out), x, out);
    }

    /** {@link #log1p(Device, double[], double[])} on off-heap arrays. */
    public static void log1p(Device device, DoubleArray x, DoubleArray out) {
        checkSameLength(x, Objects.requireNonNull(x, "x").length(), out, out == null ? -1 : out.length());
        run(device, new TaskGraph("log1p").task("log1p", TabularKernels::log1pF64OffHeap, x, out), x, out);
    }

    /** {@link #bucketize(Device, float[], float[], int[])} on off-heap arrays. */
    public static void bucketize(Device device, FloatArray x, float[] edges, IntArray out) {
        Objects.requireNonNull(edges, "edges");
        checkSameLength(x, Objects.requireNonNull(x, "x").length(), out, out == null ? -1 : out.length());
        double[] e = new double[edges.length];
        for (int i = 0; i < e.length; i++) e[i] = edges[i];
        checkEdges(e);
        run(device, new TaskGraph("bucketize").task("bucketize", TabularKernels::bucketizeF32OffHeap, x, edges, out), x, out);
    }

    /** {@link #bucketize(Device, double[], double[], int[])} on off-heap arrays. */
    public static void bucketize(Device device, DoubleArray x, double[] edges, IntArray out) {
        Objects.requireNonNull(edges, "edges");
        checkSameLength(x, Objects.requireNonNull(x, "x").length(), out, out == null ? -1 : out.length());
        checkEdges(edges);
        run(device, new TaskGraph("bucketize").task("bucketize", TabularKernels::bucketizeF64OffHeap, x, edges, out), x, out);
    }

    /**
     * {@link #oneHot(Device, int[], int)} into an off-heap array of {@code codes.length() * categories}
     * floats, column-major ({@code FloatColumns.wrap(out, rows, categories)} reads it as a batch).
     *
     * @throws IllegalArgumentException if {@code categories < 1} or {@code out} has another length
     */
    public static void oneHot(Device device, IntArray codes, int categories, FloatArray out) {
        Objects.requireNonNull(codes, "codes");
        if (categories < 1) {
            throw new IllegalArgumentException("one-hot needs categories >= 1, got " + categories);
        }
        long need = Math.multiplyHigh(codes.length(), categories) != 0 ? -1 : codes.length() * categories;
        if (out == null || out.length() != need) {
            throw new IllegalArgumentException("out has " + (out == null ? "no" : out.length()) + " elements, but "
                    + codes.length() + " codes x " + categories + " categories need " + need + ": pass an output of that length");
        }
        run(device, new TaskGraph("one-hot").task("oneHot", TabularKernels::oneHotOffHeap, codes, categories, out), codes, out);
    }

    /** {@link #hashBuckets(Device, int[], int, int, int[])} on off-heap arrays; {@code out} may be {@code codes}. */
    public static void hashBuckets(Device device, IntArray codes, int buckets, int seed, IntArray out) {
        checkSameLength(codes, Objects.requireNonNull(codes, "codes").length(), out, out == null ? -1 : out.length());
        if (buckets < 1) throw new IllegalArgumentException("hashed buckets need buckets >= 1, got " + buckets);
        run(device, new TaskGraph("hash-buckets").task("hashBuckets", TabularKernels::hashBucketsOffHeap, codes, buckets, seed, out),
                codes, out);
    }

    private static void run(Device device, TaskGraph graph, OffHeapArray in, OffHeapArray out) {
        Objects.requireNonNull(device, "device");
        if (in.length() == 0) return;
        Launch.run(device, graph.transferToDevice(Transfer.EVERY_RUN, in).transferToHost(Transfer.EVERY_RUN, out));
    }

    private static void run(Device device, TaskGraph graph, Object in, Object out) {
        Objects.requireNonNull(device, "device");
        if (java.lang.reflect.Array.getLength(in) == 0) return;
        Launch.run(device, graph.transferToDevice(Transfer.EVERY_RUN, in).transferToHost(Transfer.EVERY_RUN, out));
    }

    private static void checkSameLength(Object in, long inLength, Object out, long outLength) {
        if (out == null) throw new IllegalArgumentException("out is null: pass an output array of the input's length");
        if (inLength != outLength) {
            throw new IllegalArgumentException("out has " + outLength + " elements, the input " + inLength
                    + ": pass an output array of the input's length");
        }
    }

    private static void checkBounds(double low, double high) {
        if (Double.isNaN(low) || Double.isNaN(high) || low > high) {
            throw new IllegalArgumentException("clip bounds need low <= high and no NaN, got [" + low + ", " + high + "]");
        }
    }

    private static void checkEdges(double[] edges) {
        if (edges.length == 0) throw new IllegalArgumentException("bucketize needs at least one edge");
        for (int i = 0; i < edges.length; i++) {
            if (Double.isNaN(edges[i])) throw new IllegalArgumentException("edge " + i + " is NaN: edges must be numbers");
            if (i > 0 && edges[i] < edges[i - 1]) {
                throw new IllegalArgumentException("edges must be ascending, but edge " + i + " (" + edges[i]
                        + ") is below edge " + (i - 1) + " (" + edges[i - 1] + ")");
            }
        }
    }
}

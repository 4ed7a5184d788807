package io.kiln.cpu;

import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.LongArray;
import io.kiln.Parallel;

/**
 * Kernels for {@link VectorLoopTest}: elementwise loops the cpu back end runs as Vector API loops,
 * loops with uniform inner loops, branches and shifted accesses, and a few it must keep scalar. Each also runs as plain Java for the reference.
 */
public final class VectorKernels {
    private VectorKernels() {
    }

    /** Saxpy on Java arrays. */
    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /** Saxpy on off-heap arrays, a long loop. */
    public static void saxpyOffHeap(float a, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** Every float operation the vector loop has, to one output each (heap). */
    public static void floatOps(float a, float[] x, float[] y, float[] sum, float[] min, float[] max, float[] misc) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float u = x[i];
            float v = y[i];
            sum[i] = (u - v) * a + u / v;
            min[i] = Math.min(u, v);
            max[i] = Math.max(u, v);
            misc[i] = Math.fma(u, v, -a) + Math.abs(v) - (float) Math.sqrt(u);
        }
    }

    /** The same on off-heap arrays of doubles, with an inclusive int loop over a given last index. */
    public static void doubleOps(double a, DoubleArray x, DoubleArray y, DoubleArray sum, DoubleArray min, DoubleArray max,
                                 DoubleArray misc, int last) {
        for (@Parallel int i = 0; i <= last; i++) {
            double u = x.get(i);
            double v = y.get(i);
            sum.set(i, (u - v) * a + u / v);
            min.set(i, Math.min(u, v));
            max.set(i, Math.max(u, v));
            misc.set(i, Math.fma(u, v, -a) + Math.abs(v) - Math.sqrt(u));
        }
    }

    /** Int arithmetic, bitwise operators, shifts by lane-varying counts, min and max; heap in, off-heap out. */
    public static void intOps(int s, int[] x, int[] y, IntArray out, int[] out2) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int u = x[i];
            int v = y[i];
            out.set(i, (u * v + s) ^ (u << v) | (u >> s) & (v >>> u));
            out2[i] = -u - Math.min(u, v) * 3 + Math.max(u, v);
        }
    }

    /** Long arithmetic, shifts by a loop-invariant count, min and max. */
    public static void longOps(int s, LongArray x, long[] y, long[] out) {
        for (@Parallel int i = 0; i < y.length; i++) {
            long u = x.get(i);
            long v = y[i];
            out[i] = (u * v - 7) ^ (u << s) | (v >> s) & (u >>> (s + 3)) + Math.min(u, v) - Math.max(-u, v);
        }
    }

    /** int to float: an exact conversion of the same width. */
    public static void convert(int[] n, float[] f) {
        for (@Parallel int i = 0; i < n.length; i++) {
            f[i] = n[i] * 0.5f + f[i];
        }
    }

    /** long to double on off-heap arrays. */
    public static void convertLong(LongArray l, DoubleArray d) {
        for (@Parallel long i = 0; i < l.length(); i++) {
            d.set(i, l.get(i) + d.get(i) * 0.25);
        }
    }

    /** A fill with a loop-invariant value, and a constant store: broadcast vectors. */
    public static void fill(float v, FloatArray y, int[] z) {
        for (@Parallel int i = 0; i < z.length; i++) {
            y.set(i, v * 2f);
            z[i] = 7;
        }
    }

    /** Stores of 32- and 64-bit values: two lane counts, stays scalar. */
    public static void mixedWidths(FloatArray y, double[] z) {
        for (@Parallel int i = 0; i < z.length; i++) {
            y.set(i, 2f);
            z[i] = 1.5;
        }
    }

    /** A copy: the vector loop keeps every bit, NaN payloads included. */
    public static void copy(FloatArray x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = x.get(i);
        }
    }

    /** Reads x over y's range: throws when x is shorter, as Java does, after the same writes. */
    public static void shorterInput(float[] x, FloatArray y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, x[i] * 2f);
        }
    }

    /** Integer division: no lanewise equivalent that throws on zero, stays scalar. */
    public static void intDivision(int[] x, int[] y, int[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            out[i] = x[i] / y[i];
        }
    }

    /** A branch in the body: stays scalar. */
    public static void branch(float[] x, float[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            if (x[i] > 0) {
                out[i] = x[i];
            } else {
                out[i] = -x[i] * 2;
            }
        }
    }

    /** The loop index as a value: stays scalar. */
    public static void indexValue(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = out[i] + i;
        }
    }

    /** A neighbour access: x is read at i and at i + 1 (a shifted access, checked once per vector). */
    public static void neighbour(float[] x, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = x[i + 1] - x[i];
        }
    }

    /** A bound computed in the loop header ({@code x.length - 1}), once before the vector loop. */
    public static void differences(float[] x, float[] out) {
        for (@Parallel int i = 0; i < x.length - 1; i++) {
            out[i] = x[i + 1] - x[i];
        }
    }

    /** The same on off-heap arrays with a long loop, for views of one memory that overlap. */
    public static void neighbourOffHeap(FloatArray x, FloatArray out) {
        for (@Parallel long i = 0; i < out.length(); i++) {
            out.set(i, x.get(i + 1) - x.get(i));
        }
    }

    /** A loop of a uniform trip count (zero included) inside the parallel loop: 64-bit mixing rounds. */
    public static void hashRounds(long[] in, long[] out, int rounds) {
        for (@Parallel int i = 0; i < in.length; i++) {
            long z = in[i];
            for (int r = 0; r < rounds; r++) {
                z += 0x9E3779B97F4A7C15L;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                z = z ^ (z >>> 31);
            }
            out[i] = z;
        }
    }

    /** The naive matrix product; its inner parallel loop (over j) reads a uniformly and b shifted by p * n. */
    public static void matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = s;
            }
        }
    }

    /** A branch on a parameter: the same way for every iteration. */
    public static void uniformBranch(float[] x, float[] out, int mode) {
        for (@Parallel int i = 0; i < out.length; i++) {
            if (mode > 0) {
                out[i] = x[i] * 2f;
            } else {
                out[i] = x[i] + mode;
            }
        }
    }

    /** A 1-D convolution: w read uniformly, x shifted by the tap, both checked before the one store. */
    public static void conv1d(float[] x, float[] w, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float s = 0f;
            for (int r = 0; r < w.length; r++) {
                s += w[r] * x[i + r];
            }
            out[i] = s;
        }
    }

    /** Like conv1d with the number of taps given: w shorter than taps fails on a uniform access. */
    public static void conv1dTaps(float[] x, float[] w, float[] out, int taps) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float s = 0f;
            for (int r = 0; r < taps; r++) {
                s += w[r] * x[i + r];
            }
            out[i] = s;
        }
    }

    /** Written at i and read at i + 1: lanes would read what other lanes write; stays scalar. */
    public static void shiftInPlace(float[] x) {
        for (@Parallel int i = 0; i < x.length - 1; i++) {
            x[i] = x[i + 1];
        }
    }

    /** A store, then a shifted read that may fail: the failing lane would come after other lanes' store. */
    public static void storeThenNeighbour(float[] x, float[] out, float[] out2) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = x[i];
            out2[i] = x[i + 1];
        }
    }

    /** Rows in parallel, the sequential x loop of each row as lanes: a horizontal sum of {@code taps} pixels. */
    public static void rowSums(float[] in, float[] out, int w, int h, int taps) {
        for (@Parallel int y = 0; y < h; y++) {
            for (int x = 0; x < w - taps + 1; x++) {
                float s = 0f;
                for (int t = 0; t < taps; t++) {
                    s += in[y * w + x + t];
                }
                out[y * w + x] = s * 0.5f;
            }
        }
    }

    /** A running sum along each row: iteration x reads what x - 1 wrote, so the x loop stays scalar. */
    public static void rowPrefix(float[] a, float[] b, int w, int h) {
        for (@Parallel int y = 0; y < h; y++) {
            for (int x = 1; x < w; x++) {
                float s = 0f;
                for (int t = 0; t < 2; t++) {
                    s += b[y * w + x] * t;
                }
                a[y * w + x] = a[y * w + x - 1] + s;
            }
        }
    }

    /** A sum carried across the x loop into one output per row: the x loop stays scalar. */
    public static void rowTotals(float[] in, float[] out, int w) {
        for (@Parallel int y = 0; y < out.length; y++) {
            float acc = 0f;
            for (int x = 0; x < w; x++) {
                for (int t = 0; t < 2; t++) {
                    acc += in[y * w + x] * t;
                }
            }
            out[y] = acc;
        }
    }

    // ---------------------------------------------------------------- strided (array of structures) accesses

    /** Gathers at stride 3 (interleaved RGB), one output per pixel. */
    public static void rgbToGray(float[] rgb, float[] gray) {
        for (@Parallel int i = 0; i < gray.length; i++) {
            gray[i] = 0.299f * rgb[i * 3] + 0.587f * rgb[i * 3 + 1] + 0.114f * rgb[i * 3 + 2];
        }
    }

    /** n-body accelerations over (x, y, z, mass) structures: gathers, a uniform inner loop with carried sums, scatters. */
    public static void nbody(float[] pos, float[] acc, int n, float softening) {
        for (@Parallel int i = 0; i < n; i++) {
            float xi = pos[i * 4];
            float yi = pos[i * 4 + 1];
            float zi = pos[i * 4 + 2];
            float ax = 0f;
            float ay = 0f;
            float az = 0f;
            for (int j = 0; j < n; j++) {
                float dx = pos[j * 4] - xi;
                float dy = pos[j * 4 + 1] - yi;
                float dz = pos[j * 4 + 2] - zi;
                float d2 = dx * dx + dy * dy + dz * dz + softening;
                float inv = 1f / (float) Math.sqrt(d2);
                float s = pos[j * 4 + 3] * inv * inv * inv;
                ax += dx * s;
                ay += dy * s;
                az += dz * s;
            }
            acc[i * 4] = ax;
            acc[i * 4 + 1] = ay;
            acc[i * 4 + 2] = az;
        }
    }

    /** Swaps the two fields of each pair in place: a written array at offsets 0 and 1 of stride 2. */
    public static void swapPairs(double[] a, int pairs) {
        for (@Parallel int i = 0; i < pairs; i++) {
            double t = a[2 * i];
            a[2 * i] = a[2 * i + 1] * 2.0;
            a[2 * i + 1] = t;
        }
    }

    /** Interleaves two arrays after {@code base} elements: a strided index on a loop-invariant base. */
    public static void interleave(int[] a, int[] b, int[] out, int base) {
        for (@Parallel int i = 0; i < a.length; i++) {
            out[base + 2 * i] = a[i] ^ b[i];
            out[base + 2 * i + 1] = b[i] * 3;
        }
    }

    /** Reads the next structure's field: offsets 0 to 2 of stride 2, lanes would see each other's writes. */
    public static void nextPair(float[] a, int pairs) {
        for (@Parallel int i = 0; i < pairs; i++) {
            a[i * 2] = a[i * 2 + 2] + 1f;
        }
    }

    /** A stride built in two steps, (i * 2) * 3 + 5, on long lanes. */
    public static void sixth(long[] in, long[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = in[i * 2 * 3 + 5] * 7L;
        }
    }

    /**
     * Interleaved RGB to three planes of a batch at {@code offset} (HWC to CHW): three gathers, then
     * stores at {@code offset + i} to three arrays; the checks of the second and third store come after
     * the first store.
     */
    public static void toPlanes(float[] rgb, float[] r, float[] g, float[] b, int offset, int n, float scale) {
        for (@Parallel int i = 0; i < n; i++) {
            r[offset + i] = rgb[i * 3] * scale;
            g[offset + i] = rgb[i * 3 + 1] * scale;
            b[offset + i] = rgb[i * 3 + 2] * scale;
        }
    }

    /**
     * A long lanewise body (88 statements): its vector loop and its scalar loop together pass HotSpot's
     * 8000-byte limit for JIT compilation, the scalar loop alone does not.
     */
    public static void longBody(float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            float v = x[i];
            float w = 1f;
            v = Math.fma(v, x[i], 1.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 2.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 3.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 4.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 5.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 6.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 7.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 1.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 2.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 3.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 4.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 5.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 6.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 7.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 1.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 2.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 3.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 4.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 5.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 6.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 7.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 1.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 2.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 3.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 4.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 5.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 6.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 7.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 1.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 2.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 3.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 4.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 5.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 6.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 7.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 1.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 2.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 3.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 4.25f);
            w = w * v - x[i] + 3f;
            v = Math.fma(v, x[i], 5.25f);
            w = w * v - x[i] + 4f;
            v = Math.fma(v, x[i], 6.25f);
            w = w * v - x[i] + 0f;
            v = Math.fma(v, x[i], 7.25f);
            w = w * v - x[i] + 1f;
            v = Math.fma(v, x[i], 1.25f);
            w = w * v - x[i] + 2f;
            v = Math.fma(v, x[i], 2.25f);
            w = w * v - x[i] + 3f;
            y[i] = v + w;
        }
    }
}

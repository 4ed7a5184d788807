package io.kiln.benchmarks.suite;

import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.Reduce;

/**
 * The kernels of the CPU kernel suite (issue "CPU back end speed"), written as a user would write them:
 * plain static methods, {@code @Parallel} loops where the work is a loop nest, {@link KernelContext}
 * where it is a grid of work-items. Each runs as plain Java too; {@link SuiteCase} pairs each with a
 * one-thread Java baseline that computes the same thing.
 */
public final class SuiteKernels {
    private SuiteKernels() {
    }

    /** {@code y = a x + y}: memory-bound, the simplest loop. */
    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /** One Jacobi sweep of the 5-point Laplacian stencil on the interior of a {@code w x h} grid. */
    public static void stencil5(float[] in, float[] out, int w, int h) {
        for (@Parallel int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                int i = y * w + x;
                out[i] = 0.25f * (in[i - 1] + in[i + 1] + in[i - w] + in[i + w]) - in[i];
            }
        }
    }

    /** A 5 x 5 box-like stencil with fixed, separable-looking weights written out as a loop nest. */
    public static void stencil5x5(float[] in, float[] out, int w, int h) {
        for (@Parallel int y = 2; y < h - 2; y++) {
            for (int x = 2; x < w - 2; x++) {
                float s = 0f;
                for (int dy = -2; dy <= 2; dy++) {
                    int row = (y + dy) * w + x;
                    float wy = dy == 0 ? 0.4f : (dy == 1 || dy == -1 ? 0.2f : 0.1f);
                    s += wy * (0.1f * in[row - 2] + 0.2f * in[row - 1] + 0.4f * in[row] + 0.2f * in[row + 1]
                            + 0.1f * in[row + 2]);
                }
                out[y * w + x] = s;
            }
        }
    }

    /** 2-D convolution of a {@code w x h} image with a {@code k x k} filter array (valid region). */
    public static void conv2d(float[] in, float[] filter, float[] out, int w, int h, int k) {
        for (@Parallel int y = 0; y < h - k + 1; y++) {
            for (int x = 0; x < w - k + 1; x++) {
                float s = 0f;
                for (int fy = 0; fy < k; fy++) {
                    for (int fx = 0; fx < k; fx++) {
                        s += filter[fy * k + fx] * in[(y + fy) * w + x + fx];
                    }
                }
                out[y * (w - k + 1) + x] = s;
            }
        }
    }

    /** Escape-time Mandelbrot on a {@code w x h} grid over [-2, 1] x [-1.5, 1.5]: compute-bound, divergent. */
    public static void mandelbrot(int[] iterations, int w, int h, int maxIter) {
        for (@Parallel int py = 0; py < h; py++) {
            for (int px = 0; px < w; px++) {
                float cx = -2f + 3f * px / w;
                float cy = -1.5f + 3f * py / h;
                float zx = 0f;
                float zy = 0f;
                int n = 0;
                while (n < maxIter && zx * zx + zy * zy <= 4f) {
                    float t = zx * zx - zy * zy + cx;
                    zy = 2f * zx * zy + cy;
                    zx = t;
                    n++;
                }
                iterations[py * w + px] = n;
            }
        }
    }

    /** Black-Scholes call and put prices: transcendental-heavy, one option per iteration. */
    public static void blackScholes(float[] spot, float[] strike, float[] years, float[] call, float[] put,
                                    float rate, float volatility) {
        for (@Parallel int i = 0; i < spot.length; i++) {
            float s = spot[i];
            float x = strike[i];
            float t = years[i];
            float sqrtT = (float) Math.sqrt(t);
            float d1 = ((float) Math.log(s / x) + (rate + 0.5f * volatility * volatility) * t) / (volatility * sqrtT);
            float d2 = d1 - volatility * sqrtT;
            float discount = x * (float) Math.exp(-rate * t);
            float cnd1 = cnd(d1);
            float cnd2 = cnd(d2);
            call[i] = s * cnd1 - discount * cnd2;
            put[i] = discount * (1f - cnd2) - s * (1f - cnd1);
        }
    }

    /** The cumulative normal distribution by the Abramowitz-Stegun polynomial (as in the CUDA sample). */
    static float cnd(float d) {
        float k = 1f / (1f + 0.2316419f * Math.abs(d));
        float poly = k * (0.31938153f + k * (-0.356563782f + k * (1.781477937f + k * (-1.821255978f + k * 1.330274429f))));
        float c = 0.3989422804f * (float) Math.exp(-0.5f * d * d) * poly;
        return d > 0 ? 1f - c : c;
    }

    /** The acceleration of each of n bodies from all the others (softened gravity): O(n^2), compute-bound. */
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

    /** Sixteen rounds of a 64-bit mix (splitmix64's finaliser) per element: integer-bound. */
    public static void hash64(long[] in, long[] out) {
        for (@Parallel int i = 0; i < in.length; i++) {
            long z = in[i];
            for (int r = 0; r < 16; r++) {
                z += 0x9E3779B97F4A7C15L;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                z = z ^ (z >>> 31);
            }
            out[i] = z;
        }
    }

    /** Bilinear resize of a one-channel float image (pixel centres aligned, as OpenCV's INTER_LINEAR). */
    public static void bilinear(float[] src, int sw, int sh, float[] dst, int dw, int dh) {
        for (@Parallel int y = 0; y < dh; y++) {
            float fy = (y + 0.5f) * sh / dh - 0.5f;
            int y0 = (int) Math.floor(fy);
            float wy = fy - y0;
            int ya = Math.min(Math.max(y0, 0), sh - 1);
            int yb = Math.min(Math.max(y0 + 1, 0), sh - 1);
            for (int x = 0; x < dw; x++) {
                float fx = (x + 0.5f) * sw / dw - 0.5f;
                int x0 = (int) Math.floor(fx);
                float wx = fx - x0;
                int xa = Math.min(Math.max(x0, 0), sw - 1);
                int xb = Math.min(Math.max(x0 + 1, 0), sw - 1);
                float top = src[ya * sw + xa] * (1f - wx) + src[ya * sw + xb] * wx;
                float bottom = src[yb * sw + xa] * (1f - wx) + src[yb * sw + xb] * wx;
                dst[y * dw + x] = top * (1f - wy) + bottom * wy;
            }
        }
    }

    /** Naive row-major {@code C = A B} with {@code A: m x k}, {@code B: k x n}. */
    public static void sgemm(float[] a, float[] b, float[] c, int m, int n, int k) {
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

    /** A 256-bin byte histogram, one global atomic per byte. */
    public static void histogram(KernelContext ctx, byte[] data, int[] bins) {
        int i = ctx.globalIdx();
        if (i < data.length) {
            ctx.atomicAdd(bins, data[i] & 0xFF, 1);
        }
    }

    /** The sum of a float vector as a {@code @Reduce} reduction (reassociated: compare within a bound). */
    public static void sum(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i];
        }
    }

    /** Tile edge of {@link #transpose}. */
    public static final int TILE = 16;

    /** Matrix transpose through a local-memory tile with a barrier: the work-group kernel of the suite. */
    public static void transpose(KernelContext ctx, float[] in, float[] out, int rows, int cols) {
        float[] tile = ctx.localFloats(TILE * (TILE + 1));
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int c = ctx.groupIdx() * TILE + lx;
        int r = ctx.groupIdy() * TILE + ly;
        if (r < rows && c < cols) {
            tile[ly * (TILE + 1) + lx] = in[r * cols + c];
        }
        ctx.barrier();
        int oc = ctx.groupIdy() * TILE + lx;
        int or = ctx.groupIdx() * TILE + ly;
        if (or < cols && oc < rows) {
            out[or * rows + oc] = tile[lx * (TILE + 1) + ly];
        }
    }
}

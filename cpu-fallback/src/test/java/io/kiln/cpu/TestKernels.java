package io.kiln.cpu;

import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.Reduce;

/** Kernels the end-to-end tests run on {@code cpu} and, as the reference, as plain Java. */
public final class TestKernels {
    private TestKernels() {
    }

    static final float[] WEIGHTS = {0.25f, 0.5f, 0.25f, Float.intBitsToFloat(0x7fc00123), -0f};
    static final int TILE = 4;

    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    public static void scale(float[] in, float[] out, float s) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = in[i] * s;
        }
    }

    public static void addOne(float[] in, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = in[i] + 1f;
        }
    }

    /** Integer edge cases: wrap-around, MIN_VALUE / -1, shifts by large counts, narrowing. */
    public static void intOps(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            int d = y == 0 ? 1 : y;
            int r = x * 31 + y;
            r ^= x / d;
            r += x % d * 7;
            r += x << y;
            r ^= x >> (y + 3);
            r += x >>> -y;
            r += (byte) x + (short) (x >> 3) + (char) (x * 5);
            r += Integer.MIN_VALUE / (d | 1) == -1 ? 1 : 0;
            r += Math.abs(x) + Math.min(x, y) - Math.max(x, y);
            r += Integer.bitCount(x) + Integer.numberOfLeadingZeros(y);
            out[i] = r;
        }
    }

    public static void longOps(long[] a, long[] b, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long x = a[i];
            long y = b[i];
            long d = y == 0 ? 1 : y;
            long r = x * 0x9E3779B97F4A7C15L + y;
            r ^= x / d + x % d;
            r += x << y;
            r ^= x >> (int) y;
            r += x >>> (int) (y * 3);
            r += (int) x;
            r += Long.compare(x, y);
            out[i] = r;
        }
    }

    /** Float edge cases: no FMA contraction, NaN comparisons, conversions with saturation. */
    public static void floatOps(float[] a, float[] b, float[] out, int[] iout, long[] lout) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float x = a[i];
            float y = b[i];
            float r = x * y + 1.1f;
            r = r % (y == 0 ? 3f : y) + x / 3f;
            if (x < y) r += 1f;
            if (!(x >= y)) r += 2f;
            if (x != y) r -= 0.5f;
            r += Math.max(x, y) + Math.min(x, -y) + Math.abs(x) + Math.signum(y);
            r += (float) Math.sqrt(Math.abs(x)) + Math.round(y) + (float) Math.floor(x) + (float) Math.rint(y);
            r += Math.fma(x, y, 0.25f);
            out[i] = r;
            iout[i] = (int) x + (int) (x * 1e10f) + Math.round(x) + (Float.isNaN(y) ? 1 : 0) + Float.floatToIntBits(x);
            lout[i] = (long) y + (long) (x * 1e30f) + (long) (double) x + Float.floatToRawIntBits(y);
        }
    }

    public static void doubleOps(double[] a, double[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double x = a[i];
            double r = x * x - 3.0 * x + 0.1;
            r += Math.exp(x * 0.001) + Math.log(Math.abs(x) + 1) + Math.sin(x) + Math.cos(x) + Math.atan2(x, 2.0);
            r += Math.pow(Math.abs(x), 0.3) + Math.hypot(x, 1) + Math.cbrt(x) + Math.tanh(x);
            r += (double) (float) x + (long) x + (int) (x * 1e12) + Math.round(x);
            r += x % 2.5 + Math.ceil(x);
            out[i] = r;
        }
    }

    public static void matmul(int n, float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < n; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += a[i * n + k] * b[k * n + j];
                }
                c[i * n + j] = sum;
            }
        }
    }

    /** A loop that starts at 1 and is bounded with {@code <=}. */
    public static void stencil(float[] in, float[] out) {
        for (@Parallel int i = 1; i <= in.length - 2; i++) {
            out[i] = WEIGHTS[0] * in[i - 1] + WEIGHTS[1] * in[i] + WEIGHTS[2] * in[i + 1];
        }
    }

    public static void privateArray(float[] x, float[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float[] tmp = new float[TILE];
            for (int k = 0; k < TILE; k++) {
                tmp[k] += x[i] * k;
            }
            tmp[i % TILE] += 1f;
            out[i] = tmp[0] + tmp[1] + tmp[2] + tmp[3] + WEIGHTS[i % WEIGHTS.length];
        }
    }

    public static void switches(int[] x, int[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int v = x[i];
            int r = switch (v & 7) {
                case 0 -> 10;
                case 1 -> 20;
                case 2, 3 -> 30;
                case 5 -> v * 2;
                default -> -1;
            };
            switch (v) {
                case -1000 -> r += 1;
                case 77 -> r += 2;
                case 1_000_000 -> r += 3;
                default -> r += 0;
            }
            out[i] = r;
        }
    }

    /** Data-dependent trip count: the host cannot evaluate it. */
    public static void dataBound(int[] n, int[] out) {
        for (@Parallel int i = 0; i < n[0]; i++) {
            out[i] = i * 3;
        }
    }

    public static void workItem1d(KernelContext ctx, float[] x, float[] out, float s) {
        int i = ctx.globalIdx();
        if (i >= x.length) return;
        out[i] = x[i] * s + ctx.globalSizeX();
    }

    public static void workItem2d(KernelContext ctx, int w, int[] out) {
        int x = ctx.globalIdx();
        int y = ctx.globalIdy();
        if (x < w) {
            out[y * w + x] = x * 1000 + y + ctx.globalSizeY() * 1_000_000;
        }
    }

    public static void workGroups(KernelContext ctx, int[] out) {
        int i = ctx.globalIdx();
        out[i] = ctx.localIdx() + 100 * ctx.groupIdx() + 10_000 * ctx.localSizeX() + 1_000_000 * ctx.numGroupsX();
    }

    /** Runs once: no @Parallel loop, no KernelContext. */
    public static void single(int[] counter) {
        counter[0] += 1;
    }

    public static void outOfBounds(int[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            x[i + 1] = i;
        }
    }

    /** About 2 * iterations flops per element: long enough to observe a run in flight. */
    public static void slow(float[] x, int iterations) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float v = x[i];
            for (int k = 0; k < iterations; k++) {
                v = v * 0.999f + 0.001f;
            }
            x[i] = v;
        }
    }

    public static void barrierKernel(KernelContext ctx, float[] x) {
        float[] tile = ctx.localFloats(64);
        int l = ctx.localIdx();
        tile[l] = x[ctx.globalIdx()];
        ctx.barrier();
        x[ctx.globalIdx()] = tile[63 - l];
    }

    public static void sumInts(int[] x, @Reduce int[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i];
        }
    }

    public static void product(long[] x, @Reduce long[] p) {
        for (@Parallel int i = 0; i < x.length; i++) {
            p[0] *= x[i] | 1;
        }
    }

    public static void minMax(float[] x, @Reduce float[] lo, @Reduce float[] hi) {
        for (@Parallel int i = 0; i < x.length; i++) {
            lo[0] = Math.min(lo[0], x[i]);
            hi[0] = Math.max(hi[0], x[i]);
        }
    }

    public static void sumSquares(int n, double[] a, @Reduce double[] s) {
        for (@Parallel int i = 0; i < n; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                double v = a[i * n + j];
                s[0] += v * v;
            }
        }
    }
}

package io.kiln.frontend;

import io.kiln.KernelContext;
import io.kiln.Parallel;

/** Kernels the front-end tests compile. */
public final class SampleKernels {
    private SampleKernels() {
    }

    static final int TILE = 4;
    static final float[] WEIGHTS = {0.25f, 0.5f, 0.25f};

    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
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

    public static void branches(float[] x, int[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float v = x[i];
            out[i] = v < 1f ? (v > -1f ? 0 : -1) : 1;
        }
    }

    static float clamp(float v, float lo, float hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    public static void helpers(float[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            x[i] = clamp(x[i], -1f, 1f) + (float) Math.sqrt(Math.abs(x[i])) + Math.round(x[i]);
        }
    }

    public static void privateArray(float[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float[] tmp = new float[TILE];
            for (int k = 0; k < TILE; k++) {
                tmp[k] = x[i] * k;
            }
            x[i] = tmp[TILE - 1] + WEIGHTS[i % 3];
        }
    }

    public static void workItem(KernelContext ctx, int[] out) {
        int i = ctx.globalIdx();
        if (i < out.length) {
            out[i] = i * ctx.globalSizeX();
        }
    }

    public static void switches(int[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            switch (x[i]) {
                case 0 -> x[i] = 10;
                case 1 -> x[i] = 20;
                case 2 -> x[i] = 30;
                case 1000 -> x[i] = 40;
                default -> x[i] = -1;
            }
        }
    }

    public static void postIncrement(int[] x, int[] y) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int k = x[i];
            y[i] = k++ + k++ * (k = k << 33);
        }
    }

    public static void longsAndDoubles(long[] a, double[] d) {
        for (@Parallel int i = 1; i <= a.length - 1; i++) {
            long v = a[i];
            a[i] = v >>> 3 ^ (v << 61) + Long.MIN_VALUE / (v | 1);
            d[i] = d[i] % 3.5 + (double) v;
        }
    }
}

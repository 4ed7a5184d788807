package io.kiln.cpu;

import io.kiln.KernelContext;
import io.kiln.Parallel;

/** Kernels that never end unless cancelled, and ordinary ones to check that a session is still usable. */
public final class CancelKernels {
    private CancelKernels() {
    }

    /** {@code while (true) {}}: a loop without a single instruction. */
    public static void spin(int[] x) {
        while (true) {
        }
    }

    /** {@code for (;;) x[0]++}. */
    public static void forever(int[] x) {
        for (;;) x[0]++;
    }

    /** A parallel loop whose inner loop never ends on zeros: every chunk is stuck. */
    public static void stuckInner(int[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int k = 0;
            while (x[i] == 0) {
                k++;
            }
            x[i] = k;
        }
    }

    /** A work-item kernel that never ends on zeros. */
    public static void stuckItems(KernelContext c, int[] x) {
        int i = c.globalIdx();
        while (x[i] == 0) {
            x[i] = x[i] & 1;
        }
    }

    /** A counted inner loop (no check expected) in a parallel loop (checked: it has a loop inside). */
    public static void rowSums(int n, float[] a, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float s = 0;
            for (int k = 0; k < n; k++) {
                s += a[i * n + k];
            }
            out[i] = s;
        }
    }

    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /** Inner bounds recomputed in the header ({@code w - 1}, {@code in.length}): counted, so not tested. */
    public static void stencilRows(float[] in, float[] out, int w) {
        for (@Parallel int y = 1; y < 8; y++) {
            for (int x = 1; x < w - 1; x++) {
                out[y * w + x] = in[y * w + x - 1] + in[y * w + x + 1];
            }
        }
    }

    /** A counted row loop around a small constant loop (5 trips, unrolled by C2): neither is tested. */
    public static void fiveTaps(float[] in, float[] out, int w) {
        for (@Parallel int y = 0; y < 4; y++) {
            for (int x = 2; x < w - 2; x++) {
                float s = 0;
                for (int d = -2; d <= 2; d++) {
                    s += in[y * w + x + d];
                }
                out[y * w + x] = s;
            }
        }
    }

    /** A counted loop around a counted loop of variable length: the outer one is tested. */
    public static void nested(int n, int m, int[] x) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                x[0] += i ^ j;
            }
        }
    }
}

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
}

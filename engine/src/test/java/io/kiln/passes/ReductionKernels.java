package io.kiln.passes;

import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.Reduce;

/**
 * {@code @Reduce} kernels for {@link ReductionRecognitionTest}: the recognised forms, and one kernel per
 * refusal. A refused update carries a {@code // refused:} comment on its line, which the test reads to
 * know the line the message must name.
 */
final class ReductionKernels {
    private ReductionKernels() {
    }

    static void sum(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i];
        }
    }

    static void maxAndProduct(int[] x, @Reduce int[] best, @Reduce long[] product) {
        for (@Parallel int i = 0; i < x.length; i++) {
            best[0] = Math.max(best[0], x[i]);
            product[0] *= x[i];
        }
    }

    static void minOffHeap(FloatArray x, @Reduce FloatArray low) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            low.set(0, Math.min(x.get(i), low.get(0)));
        }
    }

    static void notReduced(float[] x) {
        for (@Parallel int i = 0; i < x.length; i++) {
            x[i] += 1f;
        }
    }

    static void notAnUpdate(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] = x[i]; // refused: notAnUpdate
        }
    }

    static void subtracts(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] = total[0] - x[i]; // refused: subtracts
        }
    }

    static void throughALocal(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            float t = total[0];
            total[0] = t + x[i]; // refused: throughALocal
        }
    }

    static void twoOperations(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i];
            total[0] *= x[i]; // refused: twoOperations
        }
    }

    static void offHeapSubtracts(FloatArray x, @Reduce FloatArray total) {
        for (@Parallel long i = 0; i < x.length(); i++) {
            total.set(0, total.get(0) - x.get(i)); // refused: offHeapSubtracts
        }
    }

    static void neverUpdated(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) { // refused: neverUpdated (the message names the first line)
            x[i] = 1f;
        }
    }

    static void readOutsideItsUpdate(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) { // refused: readOutsideItsUpdate (the message names the first line)
            total[0] += x[i];
            x[i] = total[0];
        }
    }
}

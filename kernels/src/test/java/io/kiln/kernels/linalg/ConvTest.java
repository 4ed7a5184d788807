package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Linalg#conv2d} on every device Kiln finds, every algorithm (direct, direct 3 x 3, im2col + gemm
 * with the cpu variant and with the references), against a float64 convolution written here with the
 * bound {@code (2K + 4) * 2^-24 * (sum |x| |w| + |bias|)}, {@code K = c r s}. Shapes: 1 x 1 kernels,
 * prime sizes, stride 2, dilation 2, padding larger than the kernel's radius, non-square kernels, with
 * and without bias.
 */
class ConvTest {
    private static final long SEED = 2_718_281;
    /** n, c, h, w, k, r, s, strideH, strideW, padH, padW, dilH, dilW. */
    private static final int[][] CASES = {
            {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1},
            {2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1},
            {1, 5, 13, 11, 3, 3, 3, 2, 2, 0, 1, 1, 1},
            {2, 2, 11, 13, 5, 3, 3, 1, 2, 3, 4, 2, 2},
            {1, 7, 9, 9, 2, 1, 1, 2, 1, 0, 0, 1, 1},
            {3, 2, 17, 19, 3, 5, 3, 1, 1, 2, 6, 1, 2},
            {1, 3, 23, 29, 7, 2, 4, 3, 2, 1, 0, 2, 1},
            {2, 16, 31, 37, 8, 3, 3, 1, 1, 1, 1, 1, 1},
    };

    @TestFactory
    List<DynamicNode> onEveryDevice() {
        System.out.println("[conv] seed " + SEED);
        Object[] bodies = new Object[2 * Conv2d.Algorithm.values().length];
        for (Conv2d.Algorithm a : Conv2d.Algorithm.values()) {
            bodies[2 * a.ordinal()] = a.toString();
            bodies[2 * a.ordinal() + 1] = (OnDevices.Body) t -> run(t, a);
        }
        return OnDevices.tests(OnDevices.of(bodies));
    }

    private static void run(OnDevices.Target target, Conv2d.Algorithm algorithm) {
        KilnRuntime rt = target.runtime();
        Device d = target.device();
        boolean variants = target.variants();
        boolean slow = d.id().startsWith("ptx-interpreter");
        SplittableRandom rnd = new SplittableRandom(SEED + algorithm.ordinal());
        double worst = 0;
        try (Linalg la = Linalg.on(rt, d)) {
            for (int ci = 0; ci < CASES.length; ci++) {
                if (slow && ci >= 4) continue;
                int[] t = CASES[ci];
                int n = t[0], c = t[1], h = t[2], wd = t[3], k = t[4], r = t[5], s = t[6];
                Conv2d o = Conv2d.DEFAULT.stride(t[7], t[8]).padding(t[9], t[10]).dilation(t[11], t[12]).using(algorithm);
                int p = o.outHeight(h, r), q = o.outWidth(wd, s);
                float[] x = random(rnd, n * c * h * wd), w = random(rnd, k * c * r * s);
                float[] bias = ci % 2 == 0 ? null : random(rnd, k);
                float[] y = new float[n * k * p * q];
                java.util.Arrays.fill(y, Float.NaN);                               // every output must be written
                RunResult.TaskRun run = la.conv2d(x, w, bias, y, n, c, h, wd, k, r, s, o);
                assertEquals(d.id(), run.device().id());
                boolean im2col = algorithm == Conv2d.Algorithm.IM2COL || algorithm == Conv2d.Algorithm.AUTO && !(r == 3 && s == 3);
                String expect = im2col ? (variants ? "CpuGemm.sgemmStridedBatched (Java variant)" : "Gemm.sgemmStridedBatched")
                        : r == 3 && s == 3 ? "Conv.conv2d3x3" : "Conv.conv2d";
                assertEquals(expect, run.implementation(), "case " + ci);
                for (int b = 0; b < n; b++) {
                    for (int oc = 0; oc < k; oc++) {
                        for (int i = 0; i < p; i++) {
                            for (int j = 0; j < q; j++) {
                                double sum = bias == null ? 0 : bias[oc], abs = Math.abs(sum);
                                for (int ch = 0; ch < c; ch++) {
                                    for (int u = 0; u < r; u++) {
                                        for (int v = 0; v < s; v++) {
                                            int yy = i * t[7] - t[9] + u * t[11], xx = j * t[8] - t[10] + v * t[12];
                                            if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                                            double term = (double) x[((b * c + ch) * h + yy) * wd + xx] * w[((oc * c + ch) * r + u) * s + v];
                                            sum += term;
                                            abs += Math.abs(term);
                                        }
                                    }
                                }
                                float got = y[((b * k + oc) * p + i) * q + j];
                                double bound = (2.0 * c * r * s + 4) * 0x1p-24 * abs + Float.MIN_VALUE;
                                double err = Math.abs(got - sum);
                                if (!(err <= bound)) {
                                    fail(algorithm + " case " + ci + " on " + d.id() + " y[" + b + "," + oc + "," + i + "," + j + "] = " + got
                                            + ", float64 " + sum + ", bound " + bound);
                                }
                                if (abs > 0) worst = Math.max(worst, err / (0x1p-24 * abs));
                            }
                        }
                    }
                }
            }
        }
        System.out.printf("[conv] %s on %s: worst error %.2f u * sum |x||w|%n", algorithm, d.id(), worst);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble(-1, 1);
        return v;
    }

    @Test
    void wrongShapesAreRefused() {
        try (Linalg la = Linalg.on(Devices.get("cpu"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> la.conv2d(new float[4], new float[9], null, new float[1], 1, 1, 2, 2, 1, 3, 3, Conv2d.DEFAULT));
            assertTrue(e.getMessage().contains("does not fit a 2 x 2 image"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> la.conv2d(new float[4], new float[9], null, new float[4], 1, 1, 2, 2, 1, 3, 3, Conv2d.DEFAULT.stride(0, 1)));
            assertTrue(e.getMessage().contains("strides and dilations must be at least 1"), e.getMessage());
        }
    }
}

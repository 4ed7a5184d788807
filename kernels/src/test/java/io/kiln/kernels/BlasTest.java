package io.kiln.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Blas} run as plain Java, checked against float64 computations. */
class BlasTest {

    static float[] random(SplittableRandom rnd, int n, float lo, float hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return v;
    }

    @ParameterizedTest(name = "n={0}, a={1}")
    @CsvSource({"1, 2.5", "7, -1.25", "1000, 3.0e-3", "65537, 1.0e6", "4099, 0"})
    void saxpyMatchesFloat64(int n, float a) {
        SplittableRandom rnd = new SplittableRandom(n * 31L + 7);
        float[] x = random(rnd, n, -100f, 100f);
        float[] y0 = random(rnd, n, -100f, 100f);
        float[] y = y0.clone();
        Blas.saxpy(a, x, y);
        for (int i = 0; i < n; i++) {
            double product = (double) a * x[i];
            double exact = product + y0[i];
            // Two roundings to float: the product's and the sum's, each at most half an ulp.
            double bound = 0.5 * Math.ulp((float) Math.abs(product)) + 0.5 * Math.ulp((float) Math.abs(exact)) + 1e-45;
            double err = Math.abs(y[i] - exact);
            if (err > bound) {
                fail("saxpy element " + i + ": got " + y[i] + ", float64 gives " + exact + " (error " + err + " > " + bound + ")");
            }
        }
    }

    @Test
    void saxpyRoundsTwiceAndStopsAtYLength() {
        // 0.1f * 3f rounds to 0.3f before the sum, so the result is exactly 0; a fused multiply-add
        // would keep the product's rounding error (about -7.45e-9).
        float a = 0.1f;
        float[] x = {3f, 5f, 1e-8f, 42f};
        float[] y = {-0.3f, 1f, 1f};
        Blas.saxpy(a, x, y);
        assertEquals(0f, y[0]);
        assertTrue(Math.fma(0.1f, 3f, -0.3f) != 0f, "the FMA result differs, so the test can tell them apart");
        assertEquals(1.5f, y[1], 1e-6f);
        assertEquals(1f, y[2]);
    }

    @ParameterizedTest(name = "{0}x{1}x{2}")
    @CsvSource({"1, 1, 1", "2, 3, 4", "7, 13, 17", "31, 1, 5", "1, 29, 3", "64, 64, 64", "37, 41, 101"})
    void sgemmMatchesFloat64(int m, int n, int k) {
        SplittableRandom rnd = new SplittableRandom(m * 1_000_003L + n * 1009L + k);
        float[] a = random(rnd, m * k, -1f, 1f);
        float[] b = random(rnd, k * n, -1f, 1f);
        float[] c = random(rnd, m * n, 50f, 60f); // garbage that must be overwritten
        Blas.sgemm(m, n, k, a, b, c);
        double unit = Math.ulp(1f) / 2; // 2^-24
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = 0;
                double abs = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[i * k + p] * b[p * n + j];
                    exact += t;
                    abs += Math.abs(t);
                }
                // Standard bound for a k-term float dot product: gamma_k * sum |a_ip * b_pj|.
                double bound = (k * unit / (1 - k * unit)) * abs + Float.MIN_VALUE;
                double err = Math.abs(c[i * n + j] - exact);
                if (err > bound) {
                    fail("sgemm C(" + i + "," + j + "): got " + c[i * n + j] + ", float64 gives " + exact
                            + " (error " + err + " > " + bound + ")");
                }
            }
        }
    }

    @Test
    void sgemmSmallExactProduct() {
        // [1 2 3; 4 5 6] * [7 8; 9 10; 11 12] = [58 64; 139 154], exact in float.
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {7, 8, 9, 10, 11, 12};
        float[] c = new float[4];
        Blas.sgemm(2, 2, 3, a, b, c);
        assertEquals(58f, c[0]);
        assertEquals(64f, c[1]);
        assertEquals(139f, c[2]);
        assertEquals(154f, c[3]);
    }

    @Test
    void sgemmWithZeroInnerDimensionWritesZeros() {
        float[] c = {1f, 2f, 3f, 4f, 5f, 6f};
        Blas.sgemm(2, 3, 0, new float[0], new float[0], c);
        for (float v : c) {
            assertTrue(v == 0f && Float.floatToIntBits(v) == 0, "C must be +0.0, was " + v);
        }
    }
}

package io.kiln.kernels.linalg;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One random product case and its checks against an independent reference: the exact products summed
 * in float64 (for sgemm; for dgemm a compensated double-double sum), with the bound stated in
 * {@link Gemm}: {@code |C - C64| <= (2k + 4) * u * (|alpha| |op(A)| |op(B)| + |beta| |C0|)}.
 */
final class GemmCheck {
    final boolean transA, transB;
    final int m, n, k, lda, ldb, ldc;
    final double alpha, beta;
    final double[] a, b, c0;
    /** The largest error seen, in units of u * (|alpha| |A| |B| + |beta| |C0|); printed by tests. */
    double worst;

    GemmCheck(long seed, boolean transA, boolean transB, int m, int n, int k, int pad, double alpha, double beta) {
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        SplittableRandom rnd = new SplittableRandom(seed);
        lda = (transA ? m : k) + pad;
        ldb = (transB ? k : n) + pad;
        ldc = n + pad;
        a = random(rnd, (transA ? k : m) * lda);
        b = random(rnd, (transB ? n : k) * ldb);
        c0 = random(rnd, m * ldc);
    }

    private static double[] random(SplittableRandom rnd, int len) {
        double[] v = new double[len];
        // Exactly representable in float, so float and double runs see the same inputs.
        for (int i = 0; i < len; i++) v[i] = (float) (rnd.nextDouble(-1, 1) * Math.scalb(1.0, rnd.nextInt(-3, 4)));
        return v;
    }

    double opA(int i, int p) {
        return transA ? a[p * lda + i] : a[i * lda + p];
    }

    double opB(int p, int j) {
        return transB ? b[j * ldb + p] : b[p * ldb + j];
    }

    static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    static io.kiln.FloatArray offHeap(double[] v) {
        return io.kiln.FloatArray.of(floats(v));
    }

    static double[] doubles(io.kiln.FloatArray v) {
        double[] d = new double[(int) v.length()];
        for (int i = 0; i < d.length; i++) d[i] = v.get(i);
        return d;
    }

    static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    @Override
    public String toString() {
        return (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k + " lda=" + lda + " ldb=" + ldb
                + " ldc=" + ldc + " alpha=" + alpha + " beta=" + beta;
    }

    /** Checks {@code c} (the result, in double) with unit roundoff {@code u}; padding of C must be untouched. */
    void check(double[] c, double u, String what) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                int ci = i * ldc + j;
                if (j >= n) {
                    if (Double.doubleToRawLongBits(c[ci]) != Double.doubleToRawLongBits(u < 1e-10 ? c0[ci] : (float) c0[ci])) {
                        fail(what + " " + this + ": wrote C(" + i + "," + j + ") beyond column n (padding of ldc)");
                    }
                    continue;
                }
                // Two-sum compensated accumulation: exact enough for both precisions.
                double s = 0, comp = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double x = opA(i, p), y = opB(p, j);
                    double t = x * y;
                    double te = Math.fma(x, y, -t);
                    double s2 = s + t;
                    double bp = s2 - s;
                    comp += (s - (s2 - bp)) + (t - bp) + te;
                    s = s2;
                    abs += Math.abs(t);
                }
                double exact = alpha * (s + comp) + beta * c0[ci];
                double scale = Math.abs(alpha) * abs + Math.abs(beta) * Math.abs(c0[ci]);
                double bound = (2.0 * k + 4) * u * scale + Double.MIN_NORMAL;
                double err = Math.abs(c[ci] - exact);
                if (!(err <= bound)) {
                    fail(what + " " + this + ": C(" + i + "," + j + ") = " + c[ci] + ", exact " + exact + ", error " + err + " > bound " + bound);
                }
                if (scale > 0) worst = Math.max(worst, err / (u * scale));
            }
        }
    }
}

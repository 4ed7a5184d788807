package io.kiln.kernels.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rows of {@link RowOps} with the Vector API, for {@link CpuRowOps}. Loaded only where
 * {@code jdk.incubator.vector} is resolved.
 * <p><b>Rows in pairs.</b> Each operation takes a statistic of the row (its maximum, its sums) and then
 * writes the row, which is then in L1. Done row by row, the statistic's pass waits for memory and the
 * writing pass leaves memory idle; so the writing pass of row r also takes the statistic of row r + 1
 * (the methods over {@code [r0, r1)} below; the last row of a part computes its own again, discarded):
 * on two cores of an AVX-512 Zen 5 (load 12) this took softmax over 16384 x 1024 floats from 11.2-11.5 to
 * 6.5-7.3 ms (fastest of 21 calls), about the time its arithmetic takes on rows in L1.
 * <ul>
 * <li><b>Softmax</b> runs in float lanes with its own {@code exp} (below): the maximum, then
 * {@code e_j = exp(x_j - max)} stored in {@code y} and summed in double lanes, then
 * {@code y_j = e_j * (float) (1 / sum)}. Within {@link #SOFTMAX_ULPS} float ulps of float64.
 * <li><b>Log-softmax</b> keeps double lanes and the Vector API's {@code exp} (its vector math library,
 * within an ulp in double): within one float ulp of float64.
 * <li><b>Layer norm</b> reduces in double lanes in one pass ({@link #normRows}) and writes each
 * output with the reference's double formula, rounded once: within one float ulp of float64.
 * <li><b>RMS norm</b> reduces in double lanes and writes in float lanes with an error-free product
 * ({@link #rmsRows}): within one float ulp of float64.
 * </ul>
 * Methods whose vectors must stay in registers are written out in one loop body: a vector passed to or
 * returned from a method that C2 does not inline is boxed (measured: the {@code exp} below as its own
 * method ran the softmax 1.5x slower than the Vector API's {@code exp}; inlined, 2.2x faster).
 */
final class VectorRowOps {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats as many as D has doubles: their widening is lane for lane. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(D.vectorBitSize() / 2));
    /** Full float vectors, twice D's lanes, for the float softmax. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = D.length();
    /** Softmax's bound in float ulps of float64 (derived at {@link #softmaxRow}). */
    static final int SOFTMAX_ULPS = 7;

    /** log2(e) and the round-to-integer shifter 1.5 * 2^23 (adding it rounds to an integer in the low bits). */
    private static final float LOG2E = 1.44269504f, SHIFT = 0x1.8p23f;
    /** ln 2 = C1 + C2: C1 has 9 significant bits, so {@code n * C1} is exact for {@code |n| < 2^15} (Cody and Waite). */
    private static final float C1 = 0.693359375f, C2 = -2.12194440e-4f;
    /** Arguments below this give {@code exp} under half the smallest subnormal: 0 after rounding. */
    private static final float EXP_LOW = -104f;

    private VectorRowOps() {
    }

    private static DoubleVector load(float[] x, int i) {
        return (DoubleVector) FloatVector.fromArray(F, x, i).convertShape(VectorOperators.F2D, D, 0);
    }

    private static void store(DoubleVector v, float[] y, int i) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, F, 0)).intoArray(y, i);
    }

    /** The largest of the row at {@code o}, NaN if any is NaN. */
    private static float rowMax(float[] x, int o, int cols) {
        int bound = cols - cols % S.length();
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (bound > 0) {
            FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; j < bound; j += S.length()) m = m.max(FloatVector.fromArray(S, x, o + j));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; j < cols; j++) max = Math.max(max, x[o + j]);
        return max;
    }

    /**
     * Softmax of rows {@code [r0, r1)} in float lanes; each row as {@link RowOps#softmaxRow} within
     * {@link #SOFTMAX_ULPS} ulps (plus the smallest subnormal where the result underflows). The loop that
     * takes a row's exponentials also finds the next row's maximum ({@link #softmaxRow(float[], float[],
     * int, int, int, float)}), so the row that comes from memory is read while the arithmetic of the row in
     * L1 runs, not in a pass of its own that waits for memory.
     * <p>The exponential, per lane: {@code d = x - max} split exactly into {@code hi + lo} (Knuth's
     * two-sum: a rounded {@code d} alone would cost {@code |d| / 2} ulps), {@code n = rint(hi * log2 e)},
     * {@code r = hi - n * C1 - n * C2 + lo} (|r| <= 0.35), {@code e^r} by its Taylor polynomial to degree 7
     * (truncation below 0.1 ulp) in Horner's form with FMAs, times {@code 2^(n + 32)} built in the exponent
     * bits and {@code 2^-32} (one rounding where the result is subnormal). Over every 61st float
     * {@code d} in [-104, 0] it is within 0.91 ulp of {@code Math.exp} (scratch sweep; the tests check a
     * sample), within 1.2 ulps with the {@code lo} term's one extra rounding: relative error at most
     * {@code 2.5 * 2^-24}. The sum in double adds the same relative error and the reciprocal and the final
     * product round once each: {@code (2.5 + 2.5 + 1 + 1) * 2^-24} relative, so 7 ulps.
     */
    static void softmaxRows(float[] x, float[] y, int r0, int r1, int cols) {
        if (r0 >= r1 || cols == 0) return;
        float max = rowMax(x, r0 * cols, cols);
        for (int r = r0; r < r1; r++) {
            int o = r * cols;
            max = softmaxRow(x, y, o, r + 1 < r1 ? o + cols : o, cols, max);
        }
    }

    /**
     * Softmax of the row at {@code o} whose maximum is {@code max}; returns the maximum of the row at
     * {@code next}, found in the same loop (the last row of a part passes its own offset).
     */
    private static float softmaxRow(float[] x, float[] y, int o, int next, int cols, float max) {
        if (!Float.isFinite(max)) {                           // NaN, +Inf or all -Inf: the reference's NaN row
            float nextMax = rowMax(x, next, cols);
            java.util.Arrays.fill(y, o, o + cols, Float.NaN);
            return nextMax;
        }
        int ls = S.length();
        int bound = cols - cols % ls;
        FloatVector nm = FloatVector.broadcast(S, -max);
        FloatVector nc1 = FloatVector.broadcast(S, -C1), nc2 = FloatVector.broadcast(S, -C2), one = FloatVector.broadcast(S, 1f);
        FloatVector p7 = FloatVector.broadcast(S, 1f / 5040), p6 = FloatVector.broadcast(S, 1f / 720), p5 = FloatVector.broadcast(S, 1f / 120),
                p4 = FloatVector.broadcast(S, 1f / 24), p3 = FloatVector.broadcast(S, 1f / 6), p2 = FloatVector.broadcast(S, 0.5f);
        DoubleVector a0 = DoubleVector.zero(D), a1 = DoubleVector.zero(D);
        FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), check = FloatVector.zero(S);
        int j;
        for (j = 0; j < bound; j += ls) {
            FloatVector w = FloatVector.fromArray(S, x, next + j);    // read before y is written: x and y may be one array
            mx = mx.blend(w, w.compare(VectorOperators.GT, mx));     // not max(): see nextMax below
            check = check.add(w);
            FloatVector v = FloatVector.fromArray(S, x, o + j);
            FloatVector hi = v.add(nm);
            FloatVector bb = hi.sub(v);
            FloatVector lo = v.sub(hi.sub(bb)).add(nm.sub(bb));
            VectorMask<Float> under = hi.compare(VectorOperators.LT, EXP_LOW);  // also -Inf: its lo is NaN
            hi = hi.blend(EXP_LOW, under);
            lo = lo.blend(0f, under);
            FloatVector t = hi.fma(LOG2E, SHIFT);
            FloatVector n = t.sub(SHIFT);
            FloatVector r = n.fma(nc2, n.fma(nc1, hi)).add(lo);
            FloatVector p = r.fma(p7, p6);
            p = p.fma(r, p5);
            p = p.fma(r, p4);
            p = p.fma(r, p3);
            p = p.fma(r, p2);
            p = p.fma(r, one);
            p = p.fma(r, one);
            FloatVector scale = t.viewAsIntegralLanes().add(127 + 32).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
            FloatVector e = p.mul(scale).mul(0x1p-32f);
            e.intoArray(y, o + j);
            a0 = a0.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 0));
            a1 = a1.add((DoubleVector) e.convertShape(VectorOperators.F2D, D, 1));
        }
        double sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        // The next row's maximum by compare and blend: FloatVector.max keeps Java's NaN and -0 rules with a
        // sequence of five instructions on AVX2 whose latency, carried from iteration to iteration, was the
        // loop's bound (measured on one Zen 3 core, rows in L1, fastest of 15: 1.44 -> 1.15 ns per element). The blend drops
        // NaNs, so the sum of the row's elements (NaN for a NaN, non-finite also for an infinity or an
        // overflow) sends such rows to rowMax, and a NaN row takes the NaN fill above as the reference does
        // (not NaNs from arithmetic, whose bits the hardware picks); for the rest the two agree but for the
        // sign of a zero maximum, which changes no output (x - max is then +0 or -0 alike, exp of either 1).
        float nextMax = bound > 0 ? mx.reduceLanes(VectorOperators.MAX) : Float.NEGATIVE_INFINITY;
        for (int i = bound; i < cols; i++) nextMax = Math.max(nextMax, x[next + i]);
        if (!Float.isFinite(check.reduceLanes(VectorOperators.ADD))) nextMax = rowMax(x, next, cols);
        for (; j < cols; j++) {
            float e = (float) Math.exp((double) x[o + j] - max);
            y[o + j] = e;
            sum += e;
        }
        float inv = (float) (1d / sum);
        for (j = 0; j < bound; j += ls) FloatVector.fromArray(S, y, o + j).mul(inv).intoArray(y, o + j);
        for (; j < cols; j++) y[o + j] *= inv;
        return nextMax;
    }

    /**
     * Log-softmax of the row at {@code o} in double lanes; as {@link RowOps#logSoftmaxRow} within one ulp.
     * {@code (x - max) - log(sum)} in that order: {@code x - (max + log(sum))} rounds {@code log(sum)} to
     * the ulp of {@code max} first (measured: 12 float ulps off at the maximum of a row spread over +-300).
     */
    static void logSoftmaxRow(float[] x, float[] y, int o, int cols) {
        int bound = cols - cols % L;
        float max = rowMax(x, o, cols);
        DoubleVector vmax = DoubleVector.broadcast(D, max);
        DoubleVector acc = DoubleVector.zero(D);
        int j;
        for (j = 0; j < bound; j += L) acc = acc.add(load(x, o + j).sub(vmax).lanewise(VectorOperators.EXP));
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (j = bound; j < cols; j++) sum += Math.exp((double) x[o + j] - max);
        double log = Math.log(sum);
        DoubleVector vl = DoubleVector.broadcast(D, log);
        for (j = 0; j < bound; j += L) store(load(x, o + j).sub(vmax).sub(vl), y, o + j);
        for (j = bound; j < cols; j++) y[o + j] = (float) ((double) x[o + j] - max - log);
    }

    /** {@code v} widened to double, the first {@code n} elements (gamma and beta, once per part of rows). */
    static double[] widen(float[] v, int n) {
        if (v == null) return null;
        double[] w = new double[n];
        for (int j = 0; j < n; j++) w[j] = v[j];
        return w;
    }

    /**
     * Layer norm of rows {@code [r0, r1)}; each row as {@link RowOps#layerNormRow} within one float ulp.
     * {@code gamma} and {@code beta} are {@link #widen widened} once per part, or, where they are null,
     * {@code gammaF} and {@code betaF} are widened per vector: the same doubles, half the L1 footprint
     * (for {@link CpuRowOps#layerNorm}'s tensors that stream from memory; measured there).
     * <p>It reads each row once for its statistics, shifted by its first element {@code k}:
     * {@code s1 = sum (x - k)}, {@code s2 = sum (x - k)^2}, {@code var = s2 / n - (s1 / n)^2}. The
     * shift keeps the cancellation small: {@code (mean - k)^2 <= n var}, and in practice about var. The
     * relative error of {@code var} is at most {@code (n / L + 6) * 2^-52 * (1 + 2 A)}, {@code A =
     * (s1 / n)^2 / var}; where that bound exceeds {@code 2^-32} (or is NaN: infinite inputs) the row takes
     * the reference's second pass for the variance instead, so the output stays within an ulp. The
     * statistics of row r + 1 are taken in the loop that writes row r.
     */
    static void normRows(float[] x, double[] gamma, double[] beta, float[] gammaF, float[] betaF, float[] y, int r0, int r1, int cols,
                         float eps) {
        if (r0 >= r1 || cols == 0) return;
        double[] sums = new double[2];
        shiftedSums(x, r0 * cols, cols, sums);
        for (int r = r0; r < r1; r++) {
            int o = r * cols;
            normRow(x, gamma, beta, gammaF, betaF, y, o, r + 1 < r1 ? o + cols : o, cols, eps, sums);
        }
    }

    /** {@code sums = {sum (x - k), sum (x - k)^2}} of the row at {@code o}, {@code k} its first element. */
    private static void shiftedSums(float[] x, int o, int cols, double[] sums) {
        int bound = cols - cols % L;
        int j;
        DoubleVector vk = DoubleVector.broadcast(D, x[o]);
        DoubleVector s1 = DoubleVector.zero(D), s2 = DoubleVector.zero(D);
        for (j = 0; j < bound; j += L) {
            DoubleVector d = load(x, o + j).sub(vk);
            s1 = s1.add(d);
            s2 = d.fma(d, s2);
        }
        sums[0] = s1.reduceLanes(VectorOperators.ADD);
        sums[1] = s2.reduceLanes(VectorOperators.ADD);
        tailSums(x, o, bound, cols, sums);
    }

    /** Adds elements {@code [from, cols)} of the row at {@code o} to its {@link #shiftedSums}. */
    private static void tailSums(float[] x, int o, int from, int cols, double[] sums) {
        double k = x[o];
        for (int j = from; j < cols; j++) {
            double d = x[o + j] - k;
            sums[0] += d;
            sums[1] += d * d;
        }
    }

    /**
     * Layer norm of the row at {@code o} from its {@link #shiftedSums} {@code sums}, which it then
     * replaces with those of the row at {@code next}, taken in the same loop.
     */
    private static void normRow(float[] x, double[] gamma, double[] beta, float[] gammaF, float[] betaF, float[] y, int o, int next,
                                int cols, float eps, double[] sums) {
        int bound = cols - cols % L;
        int j;
        double k = x[o];
        double m = sums[0] / cols;
        double var = sums[1] / cols - m * m;
        double mean = k + m;
        double amplification = m == 0 ? 0 : m * m / var;
        if (!((cols / (double) L + 6) * 0x1p-52 * (1 + 2 * amplification) <= 0x1p-32)) var = deviations(x, o, cols, mean);
        double inv = 1d / Math.sqrt(var + eps);
        DoubleVector vmean = DoubleVector.broadcast(D, mean);
        DoubleVector vk = DoubleVector.broadcast(D, x[next]);
        DoubleVector s1 = DoubleVector.zero(D), s2 = DoubleVector.zero(D);
        for (j = 0; j < bound; j += L) {
            DoubleVector d = load(x, next + j).sub(vk);                // before y is written: x and y may be one array
            s1 = s1.add(d);
            s2 = d.fma(d, s2);
            // the same doubles either way (widening is exact); the test is loop-invariant, so C2 unswitches it
            DoubleVector g = gamma != null ? DoubleVector.fromArray(D, gamma, j) : load(gammaF, j);
            DoubleVector b = beta != null ? DoubleVector.fromArray(D, beta, j) : load(betaF, j);
            DoubleVector v = load(x, o + j).sub(vmean).mul(inv).mul(g);
            store(v.add(b), y, o + j);
        }
        sums[0] = s1.reduceLanes(VectorOperators.ADD);
        sums[1] = s2.reduceLanes(VectorOperators.ADD);
        tailSums(x, next, bound, cols, sums);
        for (; j < cols; j++) {
            double g = gamma != null ? gamma[j] : gammaF[j], b = beta != null ? beta[j] : betaF[j];
            y[o + j] = (float) ((x[o + j] - mean) * inv * g + b);
        }
    }

    /** Where RMS norm's float pass applies: {@code |x * inv|} at least this (so its error term is exact). */
    private static final float TINY = 0x1p-100f;

    /**
     * RMS norm of rows {@code [r0, r1)}; each row as {@link RowOps#rmsNormRow} within one float ulp (plus the
     * smallest subnormal where the result underflows). The sum of squares is taken in double lanes;
     * the output pass runs in float lanes, twice as many as double ones, without widening: with
     * {@code inv = hi + lo} (two floats, 48 bits), {@code q = x * hi} and its exact rounding error
     * {@code fma(x, hi, -q)} (exact while {@code |q| >= 2^-100}), {@code t = fma(x, lo, error)} (about
     * {@code 2^-24 q}, so its rounding costs {@code 2^-48} relative) and {@code y = fma(q, g, t * g)}:
     * one rounding of a value within {@code 2^-46} relative of {@code x * inv * g}, so within
     * {@code 0.5 + 2^-22} ulps of it. {@code |q| <= sqrt(cols)}, so nothing overflows before the
     * result would. A vector with any {@code |q| < 2^-100} (zeros, tiny elements next to large ones)
     * and a row whose {@code inv} lies outside {@code [2^-100, 2^100]} or is NaN (infinite or NaN
     * inputs, a zero row with {@code eps = 0}) take the reference's double formula instead. The sum of
     * squares of row r + 1 is taken in the loop that writes row r.
     */
    static void rmsRows(float[] x, float[] gamma, float[] y, int r0, int r1, int cols, float eps) {
        if (r0 >= r1 || cols == 0) return;
        double sq = squares(x, r0 * cols, cols);
        for (int r = r0; r < r1; r++) {
            int o = r * cols;
            sq = rmsRow(x, gamma, y, o, r + 1 < r1 ? o + cols : o, cols, eps, sq);
        }
    }

    /** {@code sum x^2} of the row at {@code o}, in double lanes. */
    private static double squares(float[] x, int o, int cols) {
        int ls = S.length();
        int bound = cols - cols % ls;
        DoubleVector a0 = DoubleVector.zero(D), a1 = DoubleVector.zero(D);
        int j;
        for (j = 0; j < bound; j += ls) {
            FloatVector v = FloatVector.fromArray(S, x, o + j);
            DoubleVector d0 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector d1 = (DoubleVector) v.convertShape(VectorOperators.F2D, D, 1);
            a0 = d0.fma(d0, a0);
            a1 = d1.fma(d1, a1);
        }
        double sq = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; j < cols; j++) sq += (double) x[o + j] * x[o + j];
        return sq;
    }

    /**
     * RMS norm of the row at {@code o} whose sum of squares is {@code sq}; returns the {@link #squares}
     * of the row at {@code next}, taken in the same loop where the float pass runs.
     */
    private static double rmsRow(float[] x, float[] gamma, float[] y, int o, int next, int cols, float eps, double sq) {
        int ls = S.length();
        int bound = cols - cols % ls;
        double inv = 1d / Math.sqrt(sq / cols + eps);
        if (!(inv >= 0x1p-100 && inv <= 0x1p100)) {
            double nextSq = squares(x, next, cols);
            for (int j = 0; j < cols; j++) y[o + j] = (float) (x[o + j] * inv * gamma[j]);
            return nextSq;
        }
        float hi = (float) inv, lo = (float) (inv - hi);
        FloatVector vh = FloatVector.broadcast(S, hi), vl = FloatVector.broadcast(S, lo);
        DoubleVector a0 = DoubleVector.zero(D), a1 = DoubleVector.zero(D);
        int j;
        for (j = 0; j < bound; j += ls) {
            FloatVector w = FloatVector.fromArray(S, x, next + j);    // before y is written: x and y may be one array
            DoubleVector d0 = (DoubleVector) w.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector d1 = (DoubleVector) w.convertShape(VectorOperators.F2D, D, 1);
            a0 = d0.fma(d0, a0);
            a1 = d1.fma(d1, a1);
            FloatVector v = FloatVector.fromArray(S, x, o + j);
            FloatVector q = v.mul(vh);
            if (q.abs().compare(VectorOperators.LT, TINY).anyTrue()) {
                for (int i = j; i < j + ls; i++) y[o + i] = (float) (x[o + i] * inv * gamma[i]);
                continue;
            }
            FloatVector t = v.fma(vl, v.fma(vh, q.neg()));
            FloatVector g = FloatVector.fromArray(S, gamma, j);
            q.fma(g, t.mul(g)).intoArray(y, o + j);
        }
        double nextSq = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (int i = bound; i < cols; i++) nextSq += (double) x[next + i] * x[next + i];
        for (; j < cols; j++) y[o + j] = (float) (x[o + j] * inv * gamma[j]);
        return nextSq;
    }

    /** {@code sum (x - mean)^2 / cols}: the reference's second pass, for rows that cancel too much. */
    private static double deviations(float[] x, int o, int cols, double mean) {
        int bound = cols - cols % L;
        DoubleVector vmean = DoubleVector.broadcast(D, mean);
        DoubleVector acc = DoubleVector.zero(D);
        int j;
        for (j = 0; j < bound; j += L) {
            DoubleVector d = load(x, o + j).sub(vmean);
            acc = d.fma(d, acc);
        }
        double sq = acc.reduceLanes(VectorOperators.ADD);
        for (; j < cols; j++) {
            double d = x[o + j] - mean;
            sq += d * d;
        }
        return sq / cols;
    }
}

package io.kiln.kernels.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * One row of {@link RowOps} with the Vector API, for {@link CpuRowOps}: floats are loaded half a vector
 * at a time and widened to double lanes, every reduction and every output formula is the reference's in
 * double (separate roundings, no FMA), and each output is rounded to float once. Only the order of the
 * sums (lane by lane, then across lanes) and the {@code exp} (the Vector API's vector math library,
 * within an ulp in double) differ from the reference, far below a float ulp. Loaded only where
 * {@code jdk.incubator.vector} is resolved.
 */
final class VectorRowOps {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats as many as D has doubles: their widening is lane for lane. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int L = D.length();
    /** The exponentials of a softmax row, kept between its two passes (the row stays in L1). */
    private static final ThreadLocal<double[][]> EXPS = ThreadLocal.withInitial(() -> new double[][] {new double[1024]});

    private VectorRowOps() {
    }

    private static DoubleVector load(float[] x, int i) {
        return (DoubleVector) FloatVector.fromArray(F, x, i).convertShape(VectorOperators.F2D, D, 0);
    }

    private static void store(DoubleVector v, float[] y, int i) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, F, 0)).intoArray(y, i);
    }

    /** Softmax (or, for {@code log}, log-softmax) of the row at {@code o}; as {@link RowOps#softmaxRow}. */
    static void softmaxRow(float[] x, float[] y, int o, int cols, boolean log) {
        int bound = cols - cols % L;
        float max = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (bound > 0) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; j < bound; j += L) m = m.max(FloatVector.fromArray(F, x, o + j));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; j < cols; j++) max = Math.max(max, x[o + j]);
        double[][] holder = EXPS.get();
        if (!log && holder[0].length < cols) holder[0] = new double[cols];
        double[] e = holder[0];
        DoubleVector vmax = DoubleVector.broadcast(D, max);
        DoubleVector acc = DoubleVector.zero(D);
        for (j = 0; j < bound; j += L) {
            DoubleVector v = load(x, o + j).sub(vmax).lanewise(VectorOperators.EXP);
            if (!log) v.intoArray(e, j);
            acc = acc.add(v);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (j = bound; j < cols; j++) {
            double v = Math.exp((double) x[o + j] - max);
            if (!log) e[j] = v;
            sum += v;
        }
        if (log) {
            double shift = max + Math.log(sum);
            DoubleVector vs = DoubleVector.broadcast(D, shift);
            for (j = 0; j < bound; j += L) store(load(x, o + j).sub(vs), y, o + j);
            for (j = bound; j < cols; j++) y[o + j] = (float) ((double) x[o + j] - shift);
            return;
        }
        double inv = 1d / sum;
        for (j = 0; j < bound; j += L) store(DoubleVector.fromArray(D, e, j).mul(inv), y, o + j);
        for (j = bound; j < cols; j++) y[o + j] = (float) (e[j] * inv);
    }

    /**
     * Layer norm ({@code beta} not null) or RMS norm ({@code beta} null) of the row at {@code o}; as
     * {@link RowOps#layerNormRow} and {@link RowOps#rmsNormRow}.
     */
    static void normRow(float[] x, float[] gamma, float[] beta, float[] y, int o, int cols, float eps) {
        int bound = cols - cols % L;
        boolean layer = beta != null;
        double mean = 0d;
        int j;
        if (layer) {
            DoubleVector acc = DoubleVector.zero(D);
            for (j = 0; j < bound; j += L) acc = acc.add(load(x, o + j));
            double sum = acc.reduceLanes(VectorOperators.ADD);
            for (j = bound; j < cols; j++) sum += x[o + j];
            mean = sum / cols;
        }
        DoubleVector vmean = DoubleVector.broadcast(D, mean);
        DoubleVector acc = DoubleVector.zero(D);
        for (j = 0; j < bound; j += L) {
            DoubleVector d = layer ? load(x, o + j).sub(vmean) : load(x, o + j);
            acc = acc.add(d.mul(d));
        }
        double sq = acc.reduceLanes(VectorOperators.ADD);
        for (j = bound; j < cols; j++) {
            double d = layer ? x[o + j] - mean : x[o + j];
            sq += d * d;
        }
        double inv = 1d / Math.sqrt(sq / cols + eps);
        for (j = 0; j < bound; j += L) {
            DoubleVector v = layer ? load(x, o + j).sub(vmean) : load(x, o + j);
            v = v.mul(inv).mul(load(gamma, j));
            if (layer) v = v.add(load(beta, j));
            store(v, y, o + j);
        }
        for (j = bound; j < cols; j++) {
            y[o + j] = layer ? (float) ((x[o + j] - mean) * inv * gamma[j] + beta[j]) : (float) (x[o + j] * inv * gamma[j]);
        }
    }
}

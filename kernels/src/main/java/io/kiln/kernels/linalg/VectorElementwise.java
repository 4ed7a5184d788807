package io.kiln.kernels.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link Unary} ops that C2 does not vectorise as plain loops ({@code Math.max} on floats becomes a
 * branch per element, half the copy bandwidth), with the Vector API for {@link CpuElementwise}: its
 * {@code max}/{@code min} have {@code Math.max}/{@code Math.min}'s rules (NaN wins, {@code +0 > -0}) and
 * a blend is a select, so every element is bit for bit the Java reference (the tests check it with NaN
 * and signed zeros). Loaded only where {@code jdk.incubator.vector} is resolved.
 */
final class VectorElementwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorElementwise() {
    }

    /**
     * {@code y[yo + i] = f(x[xo + i])}, {@code i < len}, for CLAMP (1), RELU (2) and LEAKY_RELU (3);
     * returns whether it handled {@code op}.
     */
    static boolean unary(int op, float p, float q, float[] x, int xo, float[] y, int yo, int len) {
        if (op < 1 || op > 3) return false;
        int bound = S.loopBound(len), i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector r = switch (op) {
                case 1 -> v.max(p).min(q);
                case 2 -> v.max(0f);
                default -> v.blend(v.mul(p), v.compare(VectorOperators.GE, 0f).not());
            };
            r.intoArray(y, yo + i);
        }
        for (; i < len; i++) y[yo + i] = Elementwise.apply(op, p, q, x[xo + i]);
        return true;
    }
}

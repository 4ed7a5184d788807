package io.kiln.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * The one class of this module that links against {@code jdk.incubator.vector}; {@link VectorLoops}
 * loads it only after finding the module, so the back end also runs where it is absent.
 */
final class VectorShape {
    private VectorShape() {
    }

    /** The bit size of the preferred vector shape (256 with AVX2, 512 with AVX-512, 128 on NEON). */
    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}

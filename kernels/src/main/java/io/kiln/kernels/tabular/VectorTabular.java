package io.kiln.kernels.tabular;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transform tiles of {@link CpuTabular} with the Vector API, in one pass: {@code y} computed with
 * the lanewise operations of the kernel's scalar ones (IEEE subtraction and division, {@code MAX}/{@code MIN}
 * as {@code Math.max/min}: NaN propagates, {@code -0 < +0}), then the fill blended in where a value is
 * missing: the same floats as the kernel's two loops (a blend is what C2 does not vectorise there).
 * Loaded only when {@code jdk.incubator.vector} is resolved ({@link CpuTabular}).
 */
final class VectorTabular {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private VectorTabular() {
    }

    /** Whether vectors have at least 4 float lanes (otherwise the plain loops are as fast). */
    static boolean usable() {
        return F.length() >= 4;
    }

    /**
     * Elements {@code [start, end)}: {@code y = min(max((x - m) / s, l), h)}, and {@code filled} where
     * the value is missing. Missing is, as in the kernel's second loop, a NaN in {@code data} after the
     * first loop (in place, {@code out == data}, that is {@code y}; otherwise {@code x}) or a nonzero
     * {@code missing} byte (if a mask is given; a scalar pass after the vector one).
     */
    static void tileF32(float[] data, byte[] missing, float[] out, int start, int end, float m, float s, float l, float h,
                        float filled) {
        boolean inPlace = data == out;
        int i = start;
        int bound = start + F.loopBound(end - start);
        for (; i < bound; i += F.length()) {
            FloatVector x = FloatVector.fromArray(F, data, i);
            FloatVector y = x.sub(m).div(s).lanewise(VectorOperators.MAX, l).lanewise(VectorOperators.MIN, h);
            VectorMask<Float> miss = (inPlace ? y : x).test(VectorOperators.IS_NAN);
            y.blend(filled, miss).intoArray(out, i);
        }
        for (; i < end; i++) {
            out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
            if (data[i] != data[i]) out[i] = filled;
        }
        fillMasked(missing, start, end, out, filled);
    }

    /** The mask's part of the kernel's second loop: {@code filled} where the byte is nonzero. */
    private static void fillMasked(byte[] missing, int start, int end, float[] out, float filled) {
        if (missing == null) return;
        for (int i = start; i < end; i++) {
            if (missing[i] != 0) out[i] = filled;
        }
    }

    /** {@link #tileF32} in float64. */
    static void tileF64(double[] data, byte[] missing, double[] out, int start, int end, double m, double s, double l, double h,
                        double filled) {
        boolean inPlace = data == out;
        int i = start;
        int bound = start + D.loopBound(end - start);
        for (; i < bound; i += D.length()) {
            DoubleVector x = DoubleVector.fromArray(D, data, i);
            DoubleVector y = x.sub(m).div(s).lanewise(VectorOperators.MAX, l).lanewise(VectorOperators.MIN, h);
            VectorMask<Double> miss = (inPlace ? y : x).test(VectorOperators.IS_NAN);
            y.blend(filled, miss).intoArray(out, i);
        }
        for (; i < end; i++) {
            out[i] = Math.min(Math.max((data[i] - m) / s, l), h);
            if (data[i] != data[i]) out[i] = filled;
        }
        if (missing == null) return;
        for (int k = start; k < end; k++) {
            if (missing[k] != 0) out[k] = filled;
        }
    }

    /**
     * {@link #tileF32} on off-heap memory (a {@code FloatArray}'s segment; element {@code i} at byte
     * {@code 4 i}), without a mask; {@code inPlace} when {@code data} and {@code out} are the same memory.
     */
    static void tileF32(MemorySegment data, MemorySegment out, boolean inPlace, long start, long end, float m, float s, float l,
                        float h, float filled) {
        long i = start;
        long bound = start + F.loopBound(end - start);
        for (; i < bound; i += F.length()) {
            FloatVector x = FloatVector.fromMemorySegment(F, data, i * Float.BYTES, NATIVE);
            FloatVector y = x.sub(m).div(s).lanewise(VectorOperators.MAX, l).lanewise(VectorOperators.MIN, h);
            VectorMask<Float> miss = (inPlace ? y : x).test(VectorOperators.IS_NAN);
            y.blend(filled, miss).intoMemorySegment(out, i * Float.BYTES, NATIVE);
        }
        for (; i < end; i++) {
            float x = data.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float y = Math.min(Math.max((x - m) / s, l), h);
            out.setAtIndex(ValueLayout.JAVA_FLOAT, i, (inPlace ? y : x) != (inPlace ? y : x) ? filled : y);
        }
    }

    /** {@link #tileF32(MemorySegment, MemorySegment, boolean, long, long, float, float, float, float, float)} in float64. */
    static void tileF64(MemorySegment data, MemorySegment out, boolean inPlace, long start, long end, double m, double s, double l,
                        double h, double filled) {
        long i = start;
        long bound = start + D.loopBound(end - start);
        for (; i < bound; i += D.length()) {
            DoubleVector x = DoubleVector.fromMemorySegment(D, data, i * Double.BYTES, NATIVE);
            DoubleVector y = x.sub(m).div(s).lanewise(VectorOperators.MAX, l).lanewise(VectorOperators.MIN, h);
            VectorMask<Double> miss = (inPlace ? y : x).test(VectorOperators.IS_NAN);
            y.blend(filled, miss).intoMemorySegment(out, i * Double.BYTES, NATIVE);
        }
        for (; i < end; i++) {
            double x = data.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            double y = Math.min(Math.max((x - m) / s, l), h);
            out.setAtIndex(ValueLayout.JAVA_DOUBLE, i, (inPlace ? y : x) != (inPlace ? y : x) ? filled : y);
        }
    }
}

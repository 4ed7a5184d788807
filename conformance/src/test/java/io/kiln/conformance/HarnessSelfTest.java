package io.kiln.conformance;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness's own pieces, without a device: comparisons, ulp measure, edge-value layout. */
class HarnessSelfTest {

    @Test
    void exactComparisonTreatsAllNaNsAlikeButNotTheZeros() {
        float[] e = {Float.NaN, 0f, 1f};
        float[] a = {Float.intBitsToFloat(0xffc00001), 0f, 1f};
        assertEquals(-1, CaseRunner.firstMismatch(e, a));
        a[1] = -0f;
        assertEquals(1, CaseRunner.firstMismatch(e, a));
        double[] d = {Double.NaN, 2.0};
        assertEquals(-1, CaseRunner.firstMismatch(d, new double[] {Double.longBitsToDouble(0x7ff0000000000001L), 2.0}));
        assertEquals(1, CaseRunner.firstMismatch(d, new double[] {Double.NaN, Math.nextUp(2.0)}));
        assertEquals(2, CaseRunner.firstMismatch(new long[] {1, 2, 3}, new long[] {1, 2, 4}));
    }

    @Test
    void ulpErrorIsMeasuredInUlpsOfTheExpectedValue() {
        assertEquals(0, UlpBounds.ulps(1.0, 1.0));
        assertEquals(1, UlpBounds.ulps(1.0, Math.nextUp(1.0)));
        assertEquals(3, UlpBounds.ulps(1.0f, Math.nextUp(Math.nextUp(Math.nextUp(1.0f)))));
        assertEquals(0, UlpBounds.ulps(Float.NaN, Float.intBitsToFloat(0x7fc00005)));
        assertEquals(Double.POSITIVE_INFINITY, UlpBounds.ulps(Double.NaN, 0.0));
        assertEquals(Double.POSITIVE_INFINITY, UlpBounds.ulps(Double.POSITIVE_INFINITY, Double.MAX_VALUE));
        assertEquals(Double.POSITIVE_INFINITY, UlpBounds.ulps(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertTrue(UlpBounds.ulps(0.0, Double.MIN_VALUE * 3) == 3);
    }

    @Test
    void edgeValuesOfTwoInputsMeetInEveryCombination() {
        KernelCase c = KernelCase.k(LongArithmeticTest::mixedIntLong, Arg.in(Gens.INT), Arg.in(Gens.INT), Arg.in(Gens.LONG),
                Arg.out(Gens.LONG));
        Object[] args = c.makeArgs(new Random(1), Shape.of(100_003));
        int[] x = (int[]) args[0];
        long[] y = (long[]) args[2];
        int[] x2 = (int[]) args[1];
        Set<String> ints = new HashSet<>();
        for (int i = 0; i < x.length; i++) ints.add(x[i] + "," + x2[i]);
        for (int e1 : Gens.INT_EDGES) {
            for (int e2 : Gens.INT_EDGES) {
                assertTrue(ints.contains(e1 + "," + e2), "edge pair " + e1 + ", " + e2 + " missing");
            }
        }
        Set<String> pairs = new HashSet<>();
        for (int i = 0; i < x.length; i++) pairs.add(x[i] + "," + y[i]);
        for (int ex : Gens.INT_EDGES) {
            for (long ey : Gens.LONG_EDGES) {
                assertTrue(pairs.contains(ex + "," + ey), "edge pair " + ex + ", " + ey + " missing");
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameInputs() {
        KernelCase c = KernelCase.k(FloatArithmeticTest::addSubMul, Arg.in(Gens.FLOAT), Arg.in(Gens.FLOAT), Arg.out(Gens.FLOAT),
                Arg.out(Gens.FLOAT), Arg.out(Gens.FLOAT));
        Object[] first = c.makeArgs(new Random(Seeds.of(c.name(), 3)), Shape.of(1009));
        Object[] second = c.makeArgs(new Random(Seeds.of(c.name(), 3)), Shape.of(1009));
        for (int i = 0; i < first.length; i++) {
            assertEquals(-1, CaseRunner.firstMismatch(first[i], second[i]), "argument " + i);
        }
    }
}

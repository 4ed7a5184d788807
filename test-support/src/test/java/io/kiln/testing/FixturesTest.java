package io.kiln.testing;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared fixtures do what their users rely on: edges first, same seed same arrays, seeds well spread. */
class FixturesTest {

    @Test
    void arraysStartWithTheEdgesAndRepeatForOneSeed() {
        long seed = Seeds.seed("FixturesTest");
        int n = 500;
        int[] ints = RandomArrays.ints(new Random(seed), n);
        assertArrayEquals(Edges.INTS, Arrays.copyOf(ints, Edges.INTS.length), "seed " + seed);
        assertArrayEquals(ints, RandomArrays.ints(new Random(seed), n), "seed " + seed);
        long[] longs = RandomArrays.longs(new Random(seed), n);
        assertArrayEquals(Edges.LONGS, Arrays.copyOf(longs, Edges.LONGS.length));
        float[] floats = RandomArrays.floats(new Random(seed), n);
        for (int i = 0; i < Edges.FLOATS.length; i++) {
            assertEquals(Float.floatToRawIntBits(Edges.FLOATS[i]), Float.floatToRawIntBits(floats[i]), "NaN payloads and -0 stay, at " + i);
        }
        double[] doubles = RandomArrays.doubles(new Random(seed), n);
        for (int i = 0; i < Edges.DOUBLES.length; i++) {
            assertEquals(Double.doubleToRawLongBits(Edges.DOUBLES[i]), Double.doubleToRawLongBits(doubles[i]), "at " + i);
        }
        // fewer elements than edges: a prefix of the edges
        assertArrayEquals(Arrays.copyOf(Edges.INTS, 3), RandomArrays.ints(new Random(seed), 3));
    }

    @Test
    void edgesHoldTheValuesTheyPromise() {
        assertTrue(contains(Edges.INTS, Integer.MIN_VALUE) && contains(Edges.INTS, Integer.MAX_VALUE) && contains(Edges.INTS, -1));
        assertTrue(Arrays.stream(Edges.LONGS).anyMatch(v -> v == Long.MIN_VALUE));
        boolean negZero = false, nan = false, subnormal = false;
        for (float f : Edges.FLOATS) {
            negZero |= Float.floatToRawIntBits(f) == 0x8000_0000;
            nan |= Float.isNaN(f);
            subnormal |= f != 0 && Math.abs(f) < Float.MIN_NORMAL;
        }
        assertTrue(negZero && nan && subnormal);
        boolean dNegZero = false, dSub = false;
        for (double d : Edges.DOUBLES) {
            dNegZero |= Double.doubleToRawLongBits(d) == Long.MIN_VALUE;
            dSub |= d != 0 && Math.abs(d) < Double.MIN_NORMAL;
        }
        assertTrue(dNegZero && dSub);
    }

    @Test
    void shufflingKeepsTheValuesAndNonZeroRemovesZeros() {
        Random r = new Random(Seeds.seed("FixturesTest.shuffle"));
        int[] a = RandomArrays.ints(r, 200);
        int[] s = RandomArrays.shuffle(r, a.clone());
        int[] x = a.clone();
        int[] y = s.clone();
        Arrays.sort(x);
        Arrays.sort(y);
        assertArrayEquals(x, y);
        assertTrue(Arrays.stream(RandomArrays.nonZero(a)).noneMatch(v -> v == 0));
        assertTrue(Arrays.stream(RandomArrays.nonZero(RandomArrays.longs(r, 100))).noneMatch(v -> v == 0));
    }

    @Test
    void derivedSeedsDifferPerNameAndRunAndRepeat() {
        Set<Long> seen = new HashSet<>();
        for (String name : new String[] {"a", "b", "saxpy", "Float.addSubMul"}) {
            for (int run = 0; run < 50; run++) {
                assertTrue(seen.add(Seeds.derive(42, name, run)), name + " run " + run);
            }
        }
        assertEquals(Seeds.derive(7, "x", 3), Seeds.derive(7, "x", 3));
        assertNotEquals(Seeds.derive(7, "x", 3), Seeds.derive(8, "x", 3));
    }

    @Test
    void aFixedSeedIsReadAndABadOneExplained() {
        String before = System.getProperty(Seeds.PROPERTY);
        try {
            System.setProperty(Seeds.PROPERTY, " 1234 ");
            assertEquals(1234L, Seeds.seed("FixturesTest.fixed"));
            System.setProperty(Seeds.PROPERTY, "twelve");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Seeds::fixed);
            assertTrue(e.getMessage().contains("-Dkiln.seed=twelve") && e.getMessage().contains("give a number"), e.getMessage());
        } finally {
            if (before == null) System.clearProperty(Seeds.PROPERTY);
            else System.setProperty(Seeds.PROPERTY, before);
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) if (x == v) return true;
        return false;
    }
}

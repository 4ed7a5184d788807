package io.kiln.opencl;

import io.kiln.testing.Edges;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Edge values and seeded random values of each Java type, for comparing devices with the JVM. */
final class Inputs {
    private Inputs() {
    }

    // the edge values are shared with every module's tests (test-support)
    static final int[] INT_EDGES = Edges.INTS;
    static final long[] LONG_EDGES = Edges.LONGS;
    static final int[] SHIFT_COUNTS = Edges.SHIFT_COUNTS;
    static final float[] FLOAT_EDGES = Edges.FLOATS;
    static final double[] DOUBLE_EDGES = Edges.DOUBLES;

    /** {@code n} pairs: every edge pair first, then random values. */
    static int[][] intPairs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] a = new int[n];
        int[] b = new int[n];
        int k = 0;
        for (int x : INT_EDGES) {
            for (int y : INT_EDGES) {
                if (k < n) {
                    a[k] = x;
                    b[k++] = y;
                }
            }
        }
        for (; k < n; k++) {
            a[k] = r.nextInt(4) == 0 ? r.nextInt(-1000, 1000) : r.nextInt();
            b[k] = r.nextInt(4) == 0 ? r.nextInt(-40, 40) : r.nextInt();
        }
        return new int[][] {a, b};
    }

    static long[][] longPairs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] a = new long[n];
        long[] b = new long[n];
        int k = 0;
        for (long x : LONG_EDGES) {
            for (long y : LONG_EDGES) {
                if (k < n) {
                    a[k] = x;
                    b[k++] = y;
                }
            }
        }
        for (; k < n; k++) {
            a[k] = r.nextInt(4) == 0 ? r.nextLong(-1000, 1000) : r.nextLong();
            b[k] = r.nextInt(4) == 0 ? r.nextLong(-70, 70) : r.nextInt(3) == 0 ? r.nextInt() : r.nextLong();
        }
        return new long[][] {a, b};
    }

    static int[] shiftCounts(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] s = new int[n];
        for (int k = 0; k < n; k++) {
            s[k] = k < SHIFT_COUNTS.length * 4 ? SHIFT_COUNTS[k % SHIFT_COUNTS.length] : r.nextInt(3) == 0 ? r.nextInt() : r.nextInt(-70, 140);
        }
        return s;
    }

    static float randomFloat(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> Float.intBitsToFloat(r.nextInt());
            case 1 -> (float) (r.nextDouble(-1000, 1000));
            case 2 -> (float) (Math.scalb(r.nextDouble(1, 2), r.nextInt(-150, 128)) * (r.nextBoolean() ? 1 : -1));
            default -> FLOAT_EDGES[r.nextInt(FLOAT_EDGES.length)] * (r.nextBoolean() ? 1 : 0.5f);
        };
    }

    static double randomDouble(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> Double.longBitsToDouble(r.nextLong());
            case 1 -> r.nextDouble(-1000, 1000);
            case 2 -> Math.scalb(r.nextDouble(1, 2), r.nextInt(-1075, 1024)) * (r.nextBoolean() ? 1 : -1);
            default -> DOUBLE_EDGES[r.nextInt(DOUBLE_EDGES.length)] * (r.nextBoolean() ? 1 : 0.5);
        };
    }

    static float[][] floatTriples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        float[] b = new float[n];
        float[] c = new float[n];
        int k = 0;
        for (float x : FLOAT_EDGES) {
            for (float y : FLOAT_EDGES) {
                if (k < n) {
                    a[k] = x;
                    b[k] = y;
                    c[k] = FLOAT_EDGES[k % FLOAT_EDGES.length];
                    k++;
                }
            }
        }
        for (; k < n; k++) {
            a[k] = randomFloat(r);
            b[k] = randomFloat(r);
            // a*b+c where the sum nearly cancels is where fused multiply-add shows
            c[k] = r.nextBoolean() ? randomFloat(r) : -a[k] * b[k] * (1 + (float) r.nextDouble(-1e-6, 1e-6));
        }
        return new float[][] {a, b, c};
    }

    static double[][] doubleTriples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[n];
        double[] b = new double[n];
        double[] c = new double[n];
        int k = 0;
        for (double x : DOUBLE_EDGES) {
            for (double y : DOUBLE_EDGES) {
                if (k < n) {
                    a[k] = x;
                    b[k] = y;
                    c[k] = DOUBLE_EDGES[k % DOUBLE_EDGES.length];
                    k++;
                }
            }
        }
        for (; k < n; k++) {
            a[k] = randomDouble(r);
            b[k] = randomDouble(r);
            c[k] = r.nextBoolean() ? randomDouble(r) : -a[k] * b[k] * (1 + r.nextDouble(-1e-14, 1e-14));
        }
        return new double[][] {a, b, c};
    }

    /** Collects mismatches, reporting the first few. */
    static final class Mismatches {
        private final List<String> first = new ArrayList<>();
        private int count;

        void add(String what) {
            if (first.size() < 12) first.add(what);
            count++;
        }

        int count() {
            return count;
        }

        @Override
        public String toString() {
            return count + " mismatch(es), first: " + String.join("\n  ", first);
        }
    }
}

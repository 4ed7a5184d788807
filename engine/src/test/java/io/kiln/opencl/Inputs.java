package io.kiln.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Edge values and seeded random values of each Java type, for comparing devices with the JVM. */
final class Inputs {
    private Inputs() {
    }

    static final int[] INT_EDGES = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 63, 64, 65, -31, -32, -33, -64,
            Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1, Integer.MAX_VALUE - 1, 0x5555_5555, 0xAAAA_AAAA,
            127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536, 46341, -46341, 123_456_789};

    static final long[] LONG_EDGES = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 63, 64, -64, Long.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE + 1, Long.MAX_VALUE - 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1L << 32, (1L << 32) - 1,
            -(1L << 32), 3_037_000_500L, -3_037_000_500L, (1L << 53) + 1, (1L << 24) + 1, 0x5555_5555_5555_5555L,
            0xAAAA_AAAA_AAAA_AAAAL, 9_007_199_254_740_993L, -9_007_199_254_740_993L, (1L << 62) + 3};

    static final int[] SHIFT_COUNTS = {0, 1, 5, 31, 32, 33, 63, 64, 65, -1, -31, -32, -33, -64, Integer.MIN_VALUE, Integer.MAX_VALUE, 100};

    static final float[] FLOAT_EDGES = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.1f, 3f, -3f,
            Float.NaN, Float.intBitsToFloat(0x7fc1_2345), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-40f, Float.MAX_VALUE, -Float.MAX_VALUE,
            2147483647f, 2147483648f, -2147483648f, -2147483904f, 2147483520f, 3e9f, -3e9f, 9.223372e18f, -9.223372e18f,
            1e19f, -1e19f, 16777216f, 16777217f, 8388608.5f, 0.49999997f, 1e10f, (float) Math.PI, 65504f, 1e-7f};

    static final double[] DOUBLE_EDGES = {0d, -0d, 1d, -1d, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.1, 3d, -3d,
            Double.NaN, Double.longBitsToDouble(0x7ff8_0000_1234_5678L), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL, 1e-310, Double.MAX_VALUE, -Double.MAX_VALUE,
            2147483647d, 2147483647.5, 2147483648d, -2147483648d, -2147483648.5, -2147483649d, 3e9, -3e9,
            9.223372036854775807e18, -9.223372036854775808e18, 9.2233720368547748e18, 1e19, -1e19, 1e300, -1e300,
            9007199254740993d, 0.49999999999999994, 4503599627370496.5, 3.4028235677973366e38, 3.4028235677973362e38,
            1.401298464324817e-45, 7.006492321624085e-46, 7.006492321624087e-46, Math.PI, 1e-300};

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

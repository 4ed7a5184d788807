package io.kiln.testing;

/**
 * Edge values of each Java type: where wrap-around, rounding, conversion and NaN rules differ
 * between a device and the JVM. Tests put them first in their inputs, before random values. The
 * arrays are shared; copy one before changing it ({@code Edges.INTS.clone()}).
 */
public final class Edges {
    private Edges() {
    }

    /** Zero and small values, powers of two and their neighbours (shift and carry limits), byte/short/char limits, MIN/MAX. */
    public static final int[] INTS = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 63, 64, 65, -31, -32, -33, -64,
            Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1, Integer.MAX_VALUE - 1, 0x5555_5555, 0xAAAA_AAAA,
            127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536, 46341, -46341, 123_456_789,
            3, 1000, -1000};

    /** As {@link #INTS}, plus the int limits and the 2^32, 2^53 (double precision) and 2^62 neighbourhoods. */
    public static final long[] LONGS = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 63, 64, -64, Long.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE + 1, Long.MAX_VALUE - 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 1L << 32, (1L << 32) - 1,
            -(1L << 32), 3_037_000_500L, -3_037_000_500L, (1L << 53) + 1, (1L << 24) + 1, 0x5555_5555_5555_5555L,
            0xAAAA_AAAA_AAAA_AAAAL, -9_007_199_254_740_993L, (1L << 62) + 3,
            3, 65, -63, 1L << 53, -(1L << 62)};

    /** Shift counts: Java masks them (5 bits for int, 6 for long), so out-of-range and negative counts matter. */
    public static final int[] SHIFT_COUNTS = {0, 1, 5, 31, 32, 33, 63, 64, 65, -1, -31, -32, -33, -64,
            Integer.MIN_VALUE, Integer.MAX_VALUE, 100};

    /**
     * Signed zeros, halves (round-half-even), NaN with and without a payload, infinities, subnormals,
     * MIN_NORMAL, MAX, the int/long conversion limits and their neighbours, 2^24 (float precision).
     */
    public static final float[] FLOATS = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.1f, 3f, -3f,
            Float.NaN, Float.intBitsToFloat(0x7fc1_2345), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-40f, Float.MAX_VALUE, -Float.MAX_VALUE,
            2147483647f, 2147483648f, -2147483648f, -2147483904f, 2147483520f, 3e9f, -3e9f, 9.223372e18f, -9.223372e18f,
            1e19f, -1e19f, 16777216f, 16777217f, 8388608.5f, 0.49999997f, 1e10f, (float) Math.PI, 65504f, 1e-7f,
            -1e10f, 8388609f, 1.17549421E-38f, 3.4e38f, 7f};

    /** As {@link #FLOATS} for double, plus the float range limits (double-to-float rounding) and 2^53. */
    public static final double[] DOUBLES = {0d, -0d, 1d, -1d, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.1, 3d, -3d,
            Double.NaN, Double.longBitsToDouble(0x7ff8_0000_1234_5678L), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL, 1e-310, Double.MAX_VALUE, -Double.MAX_VALUE,
            2147483647d, 2147483647.5, 2147483648d, -2147483648d, -2147483648.5, -2147483649d, 3e9, -3e9,
            9.223372036854775807e18, -9.223372036854775808e18, 9.2233720368547748e18, 1e19, -1e19, 1e300, -1e300,
            9007199254740993d, 0.49999999999999994, 4503599627370496.5, 3.4028235677973366e38, 3.4028235677973362e38,
            1.401298464324817e-45, 7.006492321624085e-46, 7.006492321624087e-46, Math.PI, 1e-300,
            -1e-300, 4503599627370497.0, 7.0, 65537.75};

    /**
     * {@code n} random operand pairs for {@code Math.hypot} where its algorithm changes branch
     * (magnitudes around {@code 2^+-500}, ratios around {@code 2^60}, subnormals, equal and adjacent
     * magnitudes, results next to {@code Double.MAX_VALUE}), after six fixed pairs that include
     * {@code hypot(MAX_VALUE, -2.0994511451548545E300)}, whose exact value is {@code MAX_VALUE + 0.61 ulp}.
     */
    public static java.util.List<double[]> hypotPairs(java.util.SplittableRandom r, int n) {
        java.util.List<double[]> in = new java.util.ArrayList<>();
        in.add(new double[] {Double.MAX_VALUE, -2.0994511451548545E300}); // MAX + 0.61 ulp exactly: Java says MAX_VALUE
        in.add(new double[] {Double.MAX_VALUE, Double.MAX_VALUE});
        in.add(new double[] {Double.MIN_VALUE, Double.MIN_VALUE});
        in.add(new double[] {Double.NaN, Double.POSITIVE_INFINITY});
        in.add(new double[] {Double.NEGATIVE_INFINITY, Double.NaN});
        in.add(new double[] {-0.0, Double.MIN_VALUE});
        int[] exps = {-1074, -1060, -1022, -1000, -700, -501, -500, -499, -100, -30, 0, 30, 100, 499, 500, 501, 700, 1000, 1023};
        for (int i = 0; i < n; i++) {
            double a = Math.scalb(1 + r.nextDouble(), exps[r.nextInt(exps.length)] - (i % 3));
            if (a == 0 || Double.isInfinite(a)) a = Double.MIN_VALUE;
            double b = switch (i % 6) {
                case 0 -> a * Math.scalb(1 + r.nextDouble(), -r.nextInt(58, 63)); // ratio around 2^60
                case 1 -> Math.nextUp(a);
                case 2 -> a * r.nextDouble(0.3, 1);
                case 3 -> Double.longBitsToDouble(r.nextLong());
                case 4 -> Math.nextDown(Double.MAX_VALUE) * r.nextDouble(0.999999, 1);
                default -> Math.scalb(1 + r.nextDouble(), exps[r.nextInt(exps.length)]);
            };
            in.add(r.nextBoolean() ? new double[] {a, -b} : new double[] {-b, a});
        }
        return in;
    }
}

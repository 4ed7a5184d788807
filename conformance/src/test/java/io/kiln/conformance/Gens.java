package io.kiln.conformance;

import java.util.Arrays;
import java.util.Random;

/** The standard input generators, with the edge values where back ends most often differ from Java. */
final class Gens {
    private Gens() {
    }

    // ---- int ------------------------------------------------------------------------------------

    static final int[] INT_EDGES = {
            0, 1, -1, 2, -2, 3, 7, -7, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE + 1,
            Integer.MAX_VALUE - 1, 0x7f, 0x80, 0xff, -128, 0x7fff, 0x8000, 0xffff, 0x10000, 31, 32, 33, 63, 64, -31,
            -32, -33, 0x55555555, 0xaaaaaaaa, 1 << 24, (1 << 24) + 1, 46341, -46341};

    /** Any int: full-range, small, and magnitude-spread values. */
    static final Gen<int[]> INT = Gen.ints("int", INT_EDGES, Gens::anyInt);

    /** Any int except zero (divisors: a zero divisor makes the run throw, as the JVM does; DivisionByZeroTest covers that). */
    static final Gen<int[]> INT_NONZERO = Gen.ints("int!=0", without0(INT_EDGES), r -> {
        int v = anyInt(r);
        return v == 0 ? 1 + r.nextInt(100) : v;
    });

    /** Small ints in [-200, 200], with the edge values of that range. */
    static final Gen<int[]> INT_SMALL = intRange(-200, 200);

    static int anyInt(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt();
            case 1 -> r.nextInt(201) - 100;
            case 2 -> r.nextInt() >> r.nextInt(32);
            default -> (r.nextBoolean() ? 1 : -1) << r.nextInt(32) ^ r.nextInt(3);
        };
    }

    /** Ints in [lo, hi] only (edge values clipped to the range plus lo and hi). */
    static Gen<int[]> intRange(int lo, int hi) {
        int[] edges = Arrays.stream(INT_EDGES).filter(v -> v >= lo && v <= hi).toArray();
        edges = Arrays.copyOf(edges, edges.length + 2);
        edges[edges.length - 2] = lo;
        edges[edges.length - 1] = hi;
        return Gen.ints("int[" + lo + "," + hi + "]", edges, r -> (int) (lo + (long) (r.nextDouble() * ((long) hi - lo + 1))));
    }

    private static int[] without0(int[] edges) {
        return Arrays.stream(edges).filter(v -> v != 0).toArray();
    }

    /** {@code boolean} scalars (arrays of them are not kernel parameters). */
    static final Gen<int[]> BOOLEAN = boxedAs("boolean", new int[] {0, 1}, r -> r.nextInt(2), v -> v != 0);

    /** {@code char} scalars. */
    static final Gen<int[]> CHAR = boxedAs("char", new int[] {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 'A'},
            r -> r.nextInt(0x10000), v -> (char) v);

    /** Scalars drawn as ints and boxed by {@code box} (for boolean and char parameters). */
    static Gen<int[]> boxedAs(String name, int[] edges, Gen.IntSource source, java.util.function.IntFunction<Object> box) {
        return new Gen<>(name) {
            int[] newArray(int n) { return new int[n]; }
            int edgeCount() { return edges.length; }
            void setEdge(int[] a, int i, int e) { a[i] = edges[e]; }
            void setRandom(int[] a, int i, Random r) { a[i] = source.next(r); }
            Object get(int[] a, int i) { return box.apply(a[i]); }
            String show(int[] a, int i) { return String.valueOf(box.apply(a[i])); }
            int[] copy(int[] a) { return a.clone(); }
        };
    }

    // ---- long -----------------------------------------------------------------------------------

    static final long[] LONG_EDGES = {
            0, 1, -1, 2, -2, 7, -7, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1,
            Integer.MIN_VALUE, Integer.MAX_VALUE, 1L << 31, 1L << 32, (1L << 32) - 1, -(1L << 32), 1L << 53,
            (1L << 53) + 1, 1L << 62, 63, 64, 65, -63, -64,
            // rounds differently as long->float than as long->double->float
            (1L << 54) + (1L << 30) + 1, -((1L << 54) + (1L << 30) + 1), (1L << 24) + 1,
            0x5555555555555555L, 0xaaaaaaaaaaaaaaaaL, 3037000500L, -3037000500L};

    static final Gen<long[]> LONG = Gen.longs("long", LONG_EDGES, Gens::anyLong);

    static final Gen<long[]> LONG_NONZERO = Gen.longs("long!=0", Arrays.stream(LONG_EDGES).filter(v -> v != 0).toArray(), r -> {
        long v = anyLong(r);
        return v == 0 ? 1 + r.nextInt(100) : v;
    });

    static long anyLong(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextLong();
            case 1 -> r.nextInt(201) - 100;
            case 2 -> r.nextLong() >> r.nextInt(64);
            default -> r.nextInt();
        };
    }

    // ---- short and byte -------------------------------------------------------------------------

    static final int[] SHORT_EDGES = {0, 1, -1, Short.MIN_VALUE, Short.MAX_VALUE, -128, 127, 128, 255, 256, -32767, 0x5555, -0x5556};

    static final Gen<short[]> SHORT = Gen.shorts("short", SHORT_EDGES, Random::nextInt);

    static final int[] BYTE_EDGES = {0, 1, -1, Byte.MIN_VALUE, Byte.MAX_VALUE, 64, -64, 0x55, -0x56, 15, 16};

    static final Gen<byte[]> BYTE = Gen.bytes("byte", BYTE_EDGES, Random::nextInt);

    // ---- float ----------------------------------------------------------------------------------

    static final float[] FLOAT_EDGES = {
            Float.NaN, Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7fa00001), 0f, -0f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
            -Float.MIN_NORMAL, Float.intBitsToFloat(0x007fffff), Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 0.5f, -0.5f,
            1.5f, 2.5f, -2.5f, 0.49999997f, 3f, 8388609f, 16777217f, 2.14748365E9f, -2.14748365E9f, 2.1474835E9f,
            9.223372E18f, -9.223372E18f, 1e10f, -1e10f, 1.0000001f, 0.1f, (float) Math.PI, 100f, -100f, 88.8f,
            1e-30f, 1e30f, 65504f};

    /** Any float: random bit patterns (NaNs with payloads, subnormals, infinities), moderate and spread values. */
    static final Gen<float[]> FLOAT = Gen.floats("float", FLOAT_EDGES, Gens::anyFloat);

    static float anyFloat(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> Float.intBitsToFloat(r.nextInt());
            case 1 -> (r.nextFloat() - 0.5f) * 2000f;
            case 2 -> (float) ((r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), r.nextInt(80) - 40));
            default -> r.nextInt(41) - 20 + (r.nextInt(4) == 0 ? 0.5f : 0f);
        };
    }

    /** Floats in [lo, hi] mostly, plus every float edge value and an occasional random bit pattern. */
    static Gen<float[]> floatRange(String name, double lo, double hi) {
        return Gen.floats(name, FLOAT_EDGES, r -> r.nextInt(16) == 0 ? Float.intBitsToFloat(r.nextInt())
                : (float) (lo + r.nextDouble() * (hi - lo)));
    }

    // ---- double ---------------------------------------------------------------------------------

    static final double[] DOUBLE_EDGES = {
            Double.NaN, Double.longBitsToDouble(0xfff8000000000000L), Double.longBitsToDouble(0x7ff4000000000001L), 0d,
            -0d, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE,
            Double.MIN_NORMAL, -Double.MIN_NORMAL, Double.longBitsToDouble(0x000fffffffffffffL), Double.MAX_VALUE,
            -Double.MAX_VALUE, 1d, -1d, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, 3, 4503599627370497d,
            9007199254740993d, 2147483647.5, 2147483647.9, -2147483648.9, 2147483648d, -2147483649d, 9.223372036854776E18,
            -9.223372036854776E18, 1e10, -1e10, 1e300, -1e300, 1e-300, 0.1, Math.PI, 100, -100, 709.8, -745.2,
            // double -> float rounding: ties, float overflow threshold, float subnormal range
            1 + 0x1p-24, 1 + 0x1.8p-23, 3.4028235677973366E38, 3.4028234663852886E38, 1e-40, 0x1p-150, 0x1.0000001p-150,
            (double) Float.MAX_VALUE * 2, 1e-46};

    static final Gen<double[]> DOUBLE = Gen.doubles("double", DOUBLE_EDGES, Gens::anyDouble);

    static double anyDouble(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> Double.longBitsToDouble(r.nextLong());
            case 1 -> (r.nextDouble() - 0.5) * 2000;
            case 2 -> (r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), r.nextInt(160) - 80);
            default -> r.nextInt(41) - 20 + (r.nextInt(4) == 0 ? 0.5 : 0);
        };
    }

    /** Doubles in [lo, hi] mostly, plus every double edge value and an occasional random bit pattern. */
    static Gen<double[]> doubleRange(String name, double lo, double hi) {
        return Gen.doubles(name, DOUBLE_EDGES, r -> r.nextInt(16) == 0 ? Double.longBitsToDouble(r.nextLong())
                : lo + r.nextDouble() * (hi - lo));
    }

    /** Doubles spread over many magnitudes, positive and negative, plus the edge values (log, cbrt, pow bases). */
    static Gen<double[]> doubleSpread(String name) {
        return Gen.doubles(name, DOUBLE_EDGES, r -> switch (r.nextInt(3)) {
            case 0 -> Math.scalb(1 + r.nextDouble(), r.nextInt(200) - 100);
            case 1 -> r.nextDouble() * 4;
            default -> anyDouble(r);
        });
    }

    /** Floats spread over many magnitudes plus the edge values. */
    static Gen<float[]> floatSpread(String name) {
        return Gen.floats(name, FLOAT_EDGES, r -> switch (r.nextInt(3)) {
            case 0 -> (float) Math.scalb(1 + r.nextDouble(), r.nextInt(100) - 50);
            case 1 -> r.nextFloat() * 4;
            default -> anyFloat(r);
        });
    }
}

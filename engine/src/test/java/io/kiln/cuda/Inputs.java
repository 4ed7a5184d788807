package io.kiln.cuda;

import java.util.Random;

/** Test inputs: the edge values of each type followed by seeded random values. */
final class Inputs {
    private Inputs() {
    }

    static final int[] INT_EDGES = {0, 1, -1, 2, -2, 3, 7, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 32767, 32768, 65535, 65536,
            Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE - 1, Integer.MIN_VALUE + 1, -31, -32, -33, -64, 1000, -1000};
    static final long[] LONG_EDGES = {0, 1, -1, 2, -2, 3, 31, 32, 63, 64, 65, -63, -64, Integer.MAX_VALUE, Integer.MIN_VALUE,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1, 1L << 32, 1L << 53, (1L << 53) + 1, -(1L << 62)};
    static final float[] FLOAT_EDGES = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 3f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 0x1p31f,
            -0x1p31f, 0x1p63f, -0x1p63f, 2147483520f, 1e10f, -1e10f, 0.49999997f, 8388609f, 1.17549421E-38f, 3.4e38f, 1e-40f, 7f, 0.1f};
    static final double[] DOUBLE_EDGES = {0d, -0d, 1d, -1d, 0.5, -0.5, 1.5, 2.5, -2.5, 3d, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE,
            0x1p31, -0x1p31, 2147483647.5, -2147483648.5, 2147483648.0, 0x1p63, -0x1p63, 9.223372036854775E18, 1e300, -1e-300,
            0.49999999999999994, 4503599627370497.0, 1e-310, 7.0, 0.1, 3.4028235677973366E38, 1.401298464324817E-45, 65537.75};

    static int[] ints(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < INT_EDGES.length ? INT_EDGES[i] : switch (r.nextInt(3)) {
                case 0 -> r.nextInt();
                case 1 -> r.nextInt(200) - 100;
                default -> INT_EDGES[r.nextInt(INT_EDGES.length)];
            };
        }
        return a;
    }

    /** Ints whose pairing with {@link #ints} (reversed edges) meets every edge against every other over a few calls. */
    static int[] intsShuffled(Random r, int n) {
        int[] a = ints(r, n);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    static long[] longs(Random r, int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < LONG_EDGES.length ? LONG_EDGES[i] : switch (r.nextInt(3)) {
                case 0 -> r.nextLong();
                case 1 -> r.nextInt(200) - 100;
                default -> LONG_EDGES[r.nextInt(LONG_EDGES.length)];
            };
        }
        return a;
    }

    static long[] longsShuffled(Random r, int n) {
        long[] a = longs(r, n);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    static float[] floats(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < FLOAT_EDGES.length ? FLOAT_EDGES[i] : switch (r.nextInt(4)) {
                case 0 -> Float.intBitsToFloat(r.nextInt());
                case 1 -> (r.nextFloat() - 0.5f) * 200;
                case 2 -> (float) r.nextGaussian();
                default -> FLOAT_EDGES[r.nextInt(FLOAT_EDGES.length)];
            };
        }
        return a;
    }

    static float[] floatsShuffled(Random r, int n) {
        float[] a = floats(r, n);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    static double[] doubles(Random r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < DOUBLE_EDGES.length ? DOUBLE_EDGES[i] : switch (r.nextInt(4)) {
                case 0 -> Double.longBitsToDouble(r.nextLong());
                case 1 -> (r.nextDouble() - 0.5) * 200;
                case 2 -> r.nextGaussian();
                default -> DOUBLE_EDGES[r.nextInt(DOUBLE_EDGES.length)];
            };
        }
        return a;
    }

    static double[] doublesShuffled(Random r, int n) {
        double[] a = doubles(r, n);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** {@code a} with zeros replaced by 1: Java throws on integer division by zero, kernels cannot. */
    static int[] nonZero(int[] a) {
        for (int i = 0; i < a.length; i++) if (a[i] == 0) a[i] = 1;
        return a;
    }

    static long[] nonZero(long[] a) {
        for (int i = 0; i < a.length; i++) if (a[i] == 0) a[i] = 1;
        return a;
    }

    /** A deep copy of an argument list (arrays cloned, scalars shared). */
    static Object[] copy(Object[] args) {
        Object[] c = args.clone();
        for (int i = 0; i < c.length; i++) {
            c[i] = switch (c[i]) {
                case byte[] x -> x.clone();
                case short[] x -> x.clone();
                case char[] x -> x.clone();
                case int[] x -> x.clone();
                case long[] x -> x.clone();
                case float[] x -> x.clone();
                case double[] x -> x.clone();
                case null, default -> c[i];
            };
        }
        return c;
    }

    /** A description of the first difference between two argument lists (floats: NaN equals NaN), or null. */
    static String firstDifference(Object[] expected, Object[] actual) {
        for (int p = 0; p < expected.length; p++) {
            Object e = expected[p];
            Object a = actual[p];
            if (e == null || !e.getClass().isArray()) continue;
            int n = java.lang.reflect.Array.getLength(e);
            for (int i = 0; i < n; i++) {
                Object x = java.lang.reflect.Array.get(e, i);
                Object y = java.lang.reflect.Array.get(a, i);
                boolean same = switch (x) {
                    case Float f -> Float.floatToIntBits(f) == Float.floatToIntBits((Float) y);
                    case Double d -> Double.doubleToLongBits(d) == Double.doubleToLongBits((Double) y);
                    default -> x.equals(y);
                };
                if (!same) {
                    return "argument " + p + "[" + i + "]: expected " + show(x) + " but was " + show(y);
                }
            }
        }
        return null;
    }

    static String show(Object v) {
        return switch (v) {
            case Float f -> f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")";
            case Double d -> d + " (0x" + Long.toHexString(Double.doubleToRawLongBits(d)) + ")";
            case Character c -> Integer.toString(c);
            default -> String.valueOf(v);
        };
    }
}

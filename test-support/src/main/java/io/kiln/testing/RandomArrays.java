package io.kiln.testing;

import java.util.Random;

/**
 * Seeded random arrays of each Java type that start with the type's {@link Edges} (as many as fit),
 * then mix full-range random values, small values and edge values again, so that every run covers
 * the edges and each seed explores more.
 */
public final class RandomArrays {
    private RandomArrays() {
    }

    /** {@code n} ints: {@link Edges#INTS} first, then random values (full range, in [-100, 100), or edges). */
    public static int[] ints(Random r, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < Edges.INTS.length ? Edges.INTS[i] : switch (r.nextInt(3)) {
                case 0 -> r.nextInt();
                case 1 -> r.nextInt(200) - 100;
                default -> Edges.INTS[r.nextInt(Edges.INTS.length)];
            };
        }
        return a;
    }

    /** {@code n} longs, as {@link #ints} with {@link Edges#LONGS}. */
    public static long[] longs(Random r, int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < Edges.LONGS.length ? Edges.LONGS[i] : switch (r.nextInt(3)) {
                case 0 -> r.nextLong();
                case 1 -> r.nextInt(200) - 100;
                default -> Edges.LONGS[r.nextInt(Edges.LONGS.length)];
            };
        }
        return a;
    }

    /** {@code n} floats: {@link Edges#FLOATS} first, then random bit patterns (NaNs included), values in [-100, 100), Gaussians or edges. */
    public static float[] floats(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < Edges.FLOATS.length ? Edges.FLOATS[i] : switch (r.nextInt(4)) {
                case 0 -> Float.intBitsToFloat(r.nextInt());
                case 1 -> (r.nextFloat() - 0.5f) * 200;
                case 2 -> (float) r.nextGaussian();
                default -> Edges.FLOATS[r.nextInt(Edges.FLOATS.length)];
            };
        }
        return a;
    }

    /** {@code n} doubles, as {@link #floats} with {@link Edges#DOUBLES}. */
    public static double[] doubles(Random r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < Edges.DOUBLES.length ? Edges.DOUBLES[i] : switch (r.nextInt(4)) {
                case 0 -> Double.longBitsToDouble(r.nextLong());
                case 1 -> (r.nextDouble() - 0.5) * 200;
                case 2 -> r.nextGaussian();
                default -> Edges.DOUBLES[r.nextInt(Edges.DOUBLES.length)];
            };
        }
        return a;
    }

    /** {@code a} shuffled in place (Fisher-Yates) and returned: paired with an unshuffled array, edges meet other edges. */
    public static int[] shuffle(Random r, int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** {@code a} shuffled in place and returned. */
    public static long[] shuffle(Random r, long[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** {@code a} shuffled in place and returned. */
    public static float[] shuffle(Random r, float[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** {@code a} shuffled in place and returned. */
    public static double[] shuffle(Random r, double[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            double t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** {@code a} with zeros replaced by 1, in place: Java throws on integer division by zero, kernels cannot. */
    public static int[] nonZero(int[] a) {
        for (int i = 0; i < a.length; i++) if (a[i] == 0) a[i] = 1;
        return a;
    }

    /** {@code a} with zeros replaced by 1, in place. */
    public static long[] nonZero(long[] a) {
        for (int i = 0; i < a.length; i++) if (a[i] == 0) a[i] = 1;
        return a;
    }
}

package io.kiln.conformance;

import java.util.Random;

/**
 * A generator of kernel inputs of one primitive array type {@code T}: a list of edge values (which
 * the harness places first, as a cross product over a kernel's inputs, and sprinkles later) and a
 * random distribution for the rest.
 *
 * @param <T> the primitive array type ({@code float[]}, {@code int[]}, ...)
 */
abstract class Gen<T> {
    /** How often (1 in N) an element after the cross-product prefix is an edge value. */
    static final int SPRINKLE = 16;

    private final String name;

    Gen(String name) {
        this.name = name;
    }

    /** A short name, for messages. */
    final String name() {
        return name;
    }

    abstract T newArray(int n);

    abstract int edgeCount();

    abstract void setEdge(T array, int i, int edge);

    abstract void setRandom(T array, int i, Random r);

    /** Element {@code i}, boxed (a scalar argument is element 0 of a one-element array). */
    abstract Object get(T array, int i);

    /** Element {@code i} with its bits, for failure messages. */
    abstract String show(T array, int i);

    /** A copy of {@code array}. */
    abstract T copy(T array);

    /**
     * Fills a new array of length {@code n}: the first {@code min(n, cross)} elements cycle through the
     * edge values, moving to the next one every {@code stride} elements (so that inputs laid out with
     * strides 1, E1, E1*E2, ... over a common {@code cross} prefix meet in every combination); later
     * elements are random, with an edge value one time in {@link #SPRINKLE}.
     */
    final T fill(int n, int stride, int cross, Random r) {
        T a = newArray(n);
        int e = edgeCount();
        int prefix = e == 0 ? 0 : Math.min(n, cross);
        int offset = e == 0 ? 0 : r.nextInt(e);
        for (int i = 0; i < n; i++) {
            if (i < prefix) {
                setEdge(a, i, (i / stride + offset) % e);
            } else if (e > 0 && r.nextInt(SPRINKLE) == 0) {
                setEdge(a, i, r.nextInt(e));
            } else {
                setRandom(a, i, r);
            }
        }
        return a;
    }

    /** A new array of random values only (initial contents of output arrays). */
    final T garbage(int n, Random r) {
        T a = newArray(n);
        for (int i = 0; i < n; i++) {
            setRandom(a, i, r);
        }
        return a;
    }

    /** One value: an edge value one time in three, else random. */
    final Object scalar(Random r) {
        T a = newArray(1);
        if (edgeCount() > 0 && r.nextInt(3) == 0) {
            setEdge(a, 0, r.nextInt(edgeCount()));
        } else {
            setRandom(a, 0, r);
        }
        return get(a, 0);
    }

    // ---------------------------------------------------------------------------------------------

    interface FloatSource {
        float next(Random r);
    }

    interface DoubleSource {
        double next(Random r);
    }

    interface IntSource {
        int next(Random r);
    }

    interface LongSource {
        long next(Random r);
    }

    static Gen<float[]> floats(String name, float[] edges, FloatSource source) {
        return new Gen<>(name) {
            float[] newArray(int n) { return new float[n]; }
            int edgeCount() { return edges.length; }
            void setEdge(float[] a, int i, int e) { a[i] = edges[e]; }
            void setRandom(float[] a, int i, Random r) { a[i] = source.next(r); }
            Object get(float[] a, int i) { return a[i]; }
            String show(float[] a, int i) { return Gen.show(a[i]); }
            float[] copy(float[] a) { return a.clone(); }
        };
    }

    static Gen<double[]> doubles(String name, double[] edges, DoubleSource source) {
        return new Gen<>(name) {
            double[] newArray(int n) { return new double[n]; }
            int edgeCount() { return edges.length; }
            void setEdge(double[] a, int i, int e) { a[i] = edges[e]; }
            void setRandom(double[] a, int i, Random r) { a[i] = source.next(r); }
            Object get(double[] a, int i) { return a[i]; }
            String show(double[] a, int i) { return Gen.show(a[i]); }
            double[] copy(double[] a) { return a.clone(); }
        };
    }

    static Gen<int[]> ints(String name, int[] edges, IntSource source) {
        return new Gen<>(name) {
            int[] newArray(int n) { return new int[n]; }
            int edgeCount() { return edges.length; }
            void setEdge(int[] a, int i, int e) { a[i] = edges[e]; }
            void setRandom(int[] a, int i, Random r) { a[i] = source.next(r); }
            Object get(int[] a, int i) { return a[i]; }
            String show(int[] a, int i) { return a[i] + " (0x" + Integer.toHexString(a[i]) + ")"; }
            int[] copy(int[] a) { return a.clone(); }
        };
    }

    static Gen<long[]> longs(String name, long[] edges, LongSource source) {
        return new Gen<>(name) {
            long[] newArray(int n) { return new long[n]; }
            int edgeCount() { return edges.length; }
            void setEdge(long[] a, int i, int e) { a[i] = edges[e]; }
            void setRandom(long[] a, int i, Random r) { a[i] = source.next(r); }
            Object get(long[] a, int i) { return a[i]; }
            String show(long[] a, int i) { return a[i] + "L (0x" + Long.toHexString(a[i]) + ")"; }
            long[] copy(long[] a) { return a.clone(); }
        };
    }

    static Gen<short[]> shorts(String name, int[] edges, IntSource source) {
        return new Gen<>(name) {
            short[] newArray(int n) { return new short[n]; }
            int edgeCount() { return edges.length; }
            void setEdge(short[] a, int i, int e) { a[i] = (short) edges[e]; }
            void setRandom(short[] a, int i, Random r) { a[i] = (short) source.next(r); }
            Object get(short[] a, int i) { return a[i]; }
            String show(short[] a, int i) { return a[i] + " (0x" + Integer.toHexString(a[i] & 0xffff) + ")"; }
            short[] copy(short[] a) { return a.clone(); }
        };
    }

    static Gen<byte[]> bytes(String name, int[] edges, IntSource source) {
        return new Gen<>(name) {
            byte[] newArray(int n) { return new byte[n]; }
            int edgeCount() { return edges.length; }
            void setEdge(byte[] a, int i, int e) { a[i] = (byte) edges[e]; }
            void setRandom(byte[] a, int i, Random r) { a[i] = (byte) source.next(r); }
            Object get(byte[] a, int i) { return a[i]; }
            String show(byte[] a, int i) { return a[i] + " (0x" + Integer.toHexString(a[i] & 0xff) + ")"; }
            byte[] copy(byte[] a) { return a.clone(); }
        };
    }

    static String show(float f) {
        return f + "f (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")";
    }

    static String show(double d) {
        return d + " (0x" + Long.toHexString(Double.doubleToRawLongBits(d)) + ")";
    }
}

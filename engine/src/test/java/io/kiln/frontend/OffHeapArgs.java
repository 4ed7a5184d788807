package io.kiln.frontend;

import io.kiln.ByteArray;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelContext;
import io.kiln.LongArray;
import io.kiln.OffHeapArray;
import io.kiln.ShortArray;

import java.lang.reflect.Array;
import java.util.Random;

/** Test arguments mixing Java and off-heap arrays: random values with edge values first, copies, comparison. */
public final class OffHeapArgs {
    private OffHeapArgs() {
    }

    public static final float[] FLOAT_EDGES = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_NORMAL, 0.1f, 3f};
    public static final double[] DOUBLE_EDGES = {0d, -0d, 1d, -1d, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_NORMAL, 0.1, 3d};
    public static final long[] LONG_EDGES = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE,
            1L << 32, -(1L << 32), 255, 256, 65535};
    public static final int[] INT_EDGES = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 255, 256, -128, 32767, -32768, 65535};

    public static FloatArray floats(Random r, long n) {
        FloatArray a = FloatArray.allocate(n);
        for (long i = 0; i < n; i++) {
            a.set(i, i < FLOAT_EDGES.length ? FLOAT_EDGES[(int) i] : (float) ((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(40) - 20)));
        }
        return a;
    }

    /** Floats whose sums are exact in any order (whole hundredths of moderate size). */
    public static FloatArray wholeFloats(Random r, long n) {
        FloatArray a = FloatArray.allocate(n);
        for (long i = 0; i < n; i++) a.set(i, r.nextInt(2001) - 1000);
        return a;
    }

    public static DoubleArray doubles(Random r, long n) {
        DoubleArray a = DoubleArray.allocate(n);
        for (long i = 0; i < n; i++) {
            a.set(i, i < DOUBLE_EDGES.length ? DOUBLE_EDGES[(int) i] : (r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(80) - 40));
        }
        return a;
    }

    public static IntArray ints(Random r, long n) {
        IntArray a = IntArray.allocate(n);
        for (long i = 0; i < n; i++) a.set(i, i < INT_EDGES.length ? INT_EDGES[(int) i] : r.nextInt());
        return a;
    }

    public static LongArray longs(Random r, long n) {
        LongArray a = LongArray.allocate(n);
        for (long i = 0; i < n; i++) a.set(i, i < LONG_EDGES.length ? LONG_EDGES[(int) i] : r.nextLong());
        return a;
    }

    public static ShortArray shorts(Random r, long n) {
        ShortArray a = ShortArray.allocate(n);
        for (long i = 0; i < n; i++) a.set(i, (short) (i < INT_EDGES.length ? INT_EDGES[(int) i] : r.nextInt()));
        return a;
    }

    public static ByteArray bytes(Random r, long n) {
        ByteArray a = ByteArray.allocate(n);
        for (long i = 0; i < n; i++) a.set(i, (byte) (i < INT_EDGES.length ? INT_EDGES[(int) i] : r.nextInt()));
        return a;
    }

    public static float[] javaFloats(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = i < FLOAT_EDGES.length ? FLOAT_EDGES[i] : (float) (r.nextGaussian() * 100);
        return a;
    }

    /** A deep copy: Java arrays cloned, off-heap arrays copied into new ones, scalars and contexts shared. */
    public static Object[] copy(Object[] args) {
        Object[] out = args.clone();
        for (int i = 0; i < out.length; i++) {
            Object a = out[i];
            if (a instanceof OffHeapArray o) out[i] = copyOf(o);
            else if (a != null && a.getClass().isArray()) {
                Object c = Array.newInstance(a.getClass().getComponentType(), Array.getLength(a));
                System.arraycopy(a, 0, c, 0, Array.getLength(a));
                out[i] = c;
            } else if (a instanceof KernelContext) {
                out[i] = new KernelContext();
            }
        }
        return out;
    }

    public static OffHeapArray copyOf(OffHeapArray o) {
        OffHeapArray c = switch (o) {
            case FloatArray x -> FloatArray.allocate(x.length());
            case DoubleArray x -> DoubleArray.allocate(x.length());
            case IntArray x -> IntArray.allocate(x.length());
            case LongArray x -> LongArray.allocate(x.length());
            case ShortArray x -> ShortArray.allocate(x.length());
            case ByteArray x -> ByteArray.allocate(x.length());
        };
        c.segment().copyFrom(o.segment());
        return c;
    }

    /** The first difference, bit for bit, between expected and actual arrays, or {@code null}. */
    public static String firstDifference(Object[] expected, Object[] actual) {
        for (int p = 0; p < expected.length; p++) {
            Object e = expected[p];
            Object a = actual[p];
            if (e instanceof OffHeapArray eo) {
                OffHeapArray ao = (OffHeapArray) a;
                long i = firstMismatch(eo, ao);
                if (i >= 0) {
                    return "argument " + p + " (" + eo.getClass().getSimpleName() + ") differs at index " + i + ": expected "
                            + element(eo, i) + ", got " + element(ao, i);
                }
            } else if (e != null && e.getClass().isArray()) {
                int n = Array.getLength(e);
                for (int i = 0; i < n; i++) {
                    Object x = Array.get(e, i);
                    Object y = Array.get(a, i);
                    boolean same = x instanceof Float f ? Float.floatToRawIntBits(f) == Float.floatToRawIntBits((Float) y)
                            : x instanceof Double d ? Double.doubleToRawLongBits(d) == Double.doubleToRawLongBits((Double) y) : x.equals(y);
                    if (!same) return "argument " + p + " (" + e.getClass().getSimpleName() + ") differs at index " + i + ": expected " + x + ", got " + y;
                }
            }
        }
        return null;
    }

    /** The first index where the arrays differ (any NaN equals any NaN, as Java's floatToIntBits), or -1. */
    static long firstMismatch(OffHeapArray e, OffHeapArray a) {
        if (e.length() != a.length()) return Math.min(e.length(), a.length());
        switch (e) {
            case FloatArray x -> {
                FloatArray y = (FloatArray) a;
                for (long i = 0; i < x.length(); i++) {
                    if (Float.floatToIntBits(x.get(i)) != Float.floatToIntBits(y.get(i))) return i;
                }
                return -1;
            }
            case DoubleArray x -> {
                DoubleArray y = (DoubleArray) a;
                for (long i = 0; i < x.length(); i++) {
                    if (Double.doubleToLongBits(x.get(i)) != Double.doubleToLongBits(y.get(i))) return i;
                }
                return -1;
            }
            default -> {
                long m = e.segment().mismatch(a.segment());
                return m < 0 ? -1 : m / e.elementType().bytes();
            }
        }
    }

    static String element(OffHeapArray o, long i) {
        return switch (o) {
            case FloatArray x -> x.get(i) + " (0x" + Integer.toHexString(Float.floatToRawIntBits(x.get(i))) + ")";
            case DoubleArray x -> x.get(i) + " (0x" + Long.toHexString(Double.doubleToRawLongBits(x.get(i))) + ")";
            case IntArray x -> Integer.toString(x.get(i));
            case LongArray x -> Long.toString(x.get(i));
            case ShortArray x -> Short.toString(x.get(i));
            case ByteArray x -> Byte.toString(x.get(i));
        };
    }

    /** Closes every off-heap array among {@code args}. */
    public static void close(Object[]... argLists) {
        for (Object[] args : argLists) {
            for (Object a : args) {
                if (a instanceof OffHeapArray o && !o.isClosed()) o.close();
            }
        }
    }
}

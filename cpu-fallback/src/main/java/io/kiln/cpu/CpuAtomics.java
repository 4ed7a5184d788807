package io.kiln.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The atomics of generated kernel classes ({@code invokestatic} from the hidden class, which shares
 * this package). Each returns the element's old value, like {@code KernelContext}'s methods.
 * <ul>
 * <li>The plain overloads ({@code add}, {@code min}, ...) are real atomics through array-element
 * {@link VarHandle}s: different work-groups run on different threads and may update one global
 * element at once. {@code add}, {@code exchange} and {@code compareAndSet} on int and long are the
 * VarHandle's own {@code getAndAdd}, {@code getAndSet}, {@code compareAndExchange}; min, max and every
 * float or double update other than exchange are compare-and-exchange loops.</li>
 * <li>The {@code ...Local} overloads are plain read-modify-writes, for local (work-group) arrays: all
 * work-items of a group run on one thread, one at a time between barriers.</li>
 * </ul>
 * Floating-point compare-and-exchange on a {@code float[]} or {@code double[]} VarHandle compares the
 * raw bits ({@link Float#floatToRawIntBits}, {@link Double#doubleToRawLongBits}), as the
 * {@link MethodHandles#arrayElementVarHandle} specification states: a loop whose old value is a NaN
 * terminates, {@code -0.0} and {@code 0.0} differ, and {@code compareAndSet} on floats compares bits,
 * as {@code KernelContext.atomicCompareAndSet(float[], ...)} does. {@code min} and {@code max} follow
 * {@link Math#min}/{@link Math#max} (NaN wins, {@code -0.0 < 0.0}); an update that would not change
 * the element's bits writes nothing (indistinguishable from writing them again).
 * <p>The {@link MemorySegment} overloads are the same operations on off-heap arrays ({@code IntArray},
 * {@code LongArray}, {@code FloatArray}, {@code DoubleArray}) with a {@code long} index, through the
 * element layouts' {@link ValueLayout#arrayElementVarHandle array element VarHandles} (coordinates:
 * segment, base offset 0, index). Those are aligned native accesses, so every access mode is atomic,
 * and a float or double compare-and-exchange compares raw bits there too. An index out of range
 * throws {@link IndexOutOfBoundsException}, a closed array's memory {@link IllegalStateException}.
 * <p>{@link #privateCopy} and {@link #merge} are the two ends of {@link AtomicPrivatisation}: a thread's
 * updates of a privatised array go to its copy through the {@code ...Local} overloads (with a
 * {@code long} index for off-heap arrays), and the copy is folded into the array when the thread has
 * run its last chunk of the launch.
 */
final class CpuAtomics {
    private CpuAtomics() {
    }

    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle FLOATS = MethodHandles.arrayElementVarHandle(float[].class);
    private static final VarHandle DOUBLES = MethodHandles.arrayElementVarHandle(double[].class);

    // ------------------------------------------------------------------------ int

    static int add(int[] a, int i, int v) {
        return (int) INTS.getAndAdd(a, i, v);
    }

    static int exchange(int[] a, int i, int v) {
        return (int) INTS.getAndSet(a, i, v);
    }

    static int compareAndSet(int[] a, int i, int expected, int v) {
        return (int) INTS.compareAndExchange(a, i, expected, v);
    }

    static int min(int[] a, int i, int v) {
        int old = (int) INTS.getVolatile(a, i);
        while (old > v) {
            int witness = (int) INTS.compareAndExchange(a, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    static int max(int[] a, int i, int v) {
        int old = (int) INTS.getVolatile(a, i);
        while (old < v) {
            int witness = (int) INTS.compareAndExchange(a, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    // ------------------------------------------------------------------------ long

    static long add(long[] a, int i, long v) {
        return (long) LONGS.getAndAdd(a, i, v);
    }

    static long exchange(long[] a, int i, long v) {
        return (long) LONGS.getAndSet(a, i, v);
    }

    static long compareAndSet(long[] a, int i, long expected, long v) {
        return (long) LONGS.compareAndExchange(a, i, expected, v);
    }

    static long min(long[] a, int i, long v) {
        long old = (long) LONGS.getVolatile(a, i);
        while (old > v) {
            long witness = (long) LONGS.compareAndExchange(a, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    static long max(long[] a, int i, long v) {
        long old = (long) LONGS.getVolatile(a, i);
        while (old < v) {
            long witness = (long) LONGS.compareAndExchange(a, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    // ------------------------------------------------------------------------ float

    /** A compare-and-exchange loop on the raw bits: Java's {@code old + v}, whatever {@code old} is (NaN included). */
    static float add(float[] a, int i, float v) {
        float old = (float) FLOATS.getVolatile(a, i);
        while (true) {
            float witness = (float) FLOATS.compareAndExchange(a, i, old, old + v);
            if (Float.floatToRawIntBits(witness) == Float.floatToRawIntBits(old)) return old;
            old = witness;
        }
    }

    static float exchange(float[] a, int i, float v) {
        return (float) FLOATS.getAndSet(a, i, v);
    }

    /** Stores {@code v} when the element's bits equal those of {@code expected}. */
    static float compareAndSet(float[] a, int i, float expected, float v) {
        return (float) FLOATS.compareAndExchange(a, i, expected, v);
    }

    static float min(float[] a, int i, float v) {
        float old = (float) FLOATS.getVolatile(a, i);
        while (true) {
            float m = Math.min(old, v);
            if (Float.floatToRawIntBits(m) == Float.floatToRawIntBits(old)) return old;
            float witness = (float) FLOATS.compareAndExchange(a, i, old, m);
            if (Float.floatToRawIntBits(witness) == Float.floatToRawIntBits(old)) return old;
            old = witness;
        }
    }

    static float max(float[] a, int i, float v) {
        float old = (float) FLOATS.getVolatile(a, i);
        while (true) {
            float m = Math.max(old, v);
            if (Float.floatToRawIntBits(m) == Float.floatToRawIntBits(old)) return old;
            float witness = (float) FLOATS.compareAndExchange(a, i, old, m);
            if (Float.floatToRawIntBits(witness) == Float.floatToRawIntBits(old)) return old;
            old = witness;
        }
    }

    // ------------------------------------------------------------------------ double

    static double add(double[] a, int i, double v) {
        double old = (double) DOUBLES.getVolatile(a, i);
        while (true) {
            double witness = (double) DOUBLES.compareAndExchange(a, i, old, old + v);
            if (Double.doubleToRawLongBits(witness) == Double.doubleToRawLongBits(old)) return old;
            old = witness;
        }
    }

    static double exchange(double[] a, int i, double v) {
        return (double) DOUBLES.getAndSet(a, i, v);
    }

    static double compareAndSet(double[] a, int i, double expected, double v) {
        return (double) DOUBLES.compareAndExchange(a, i, expected, v);
    }

    static double min(double[] a, int i, double v) {
        double old = (double) DOUBLES.getVolatile(a, i);
        while (true) {
            double m = Math.min(old, v);
            if (Double.doubleToRawLongBits(m) == Double.doubleToRawLongBits(old)) return old;
            double witness = (double) DOUBLES.compareAndExchange(a, i, old, m);
            if (Double.doubleToRawLongBits(witness) == Double.doubleToRawLongBits(old)) return old;
            old = witness;
        }
    }

    static double max(double[] a, int i, double v) {
        double old = (double) DOUBLES.getVolatile(a, i);
        while (true) {
            double m = Math.max(old, v);
            if (Double.doubleToRawLongBits(m) == Double.doubleToRawLongBits(old)) return old;
            double witness = (double) DOUBLES.compareAndExchange(a, i, old, m);
            if (Double.doubleToRawLongBits(witness) == Double.doubleToRawLongBits(old)) return old;
            old = witness;
        }
    }

    // ------------------------------------------------------------------------ off-heap (MemorySegment)

    private static final VarHandle SEG_INTS = ValueLayout.JAVA_INT.arrayElementVarHandle();
    private static final VarHandle SEG_LONGS = ValueLayout.JAVA_LONG.arrayElementVarHandle();
    private static final VarHandle SEG_FLOATS = ValueLayout.JAVA_FLOAT.arrayElementVarHandle();
    private static final VarHandle SEG_DOUBLES = ValueLayout.JAVA_DOUBLE.arrayElementVarHandle();

    static int add(MemorySegment a, long i, int v) {
        return (int) SEG_INTS.getAndAdd(a, 0L, i, v);
    }

    static int exchange(MemorySegment a, long i, int v) {
        return (int) SEG_INTS.getAndSet(a, 0L, i, v);
    }

    static int compareAndSet(MemorySegment a, long i, int expected, int v) {
        return (int) SEG_INTS.compareAndExchange(a, 0L, i, expected, v);
    }

    static int min(MemorySegment a, long i, int v) {
        int old = (int) SEG_INTS.getVolatile(a, 0L, i);
        while (old > v) {
            int witness = (int) SEG_INTS.compareAndExchange(a, 0L, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    static int max(MemorySegment a, long i, int v) {
        int old = (int) SEG_INTS.getVolatile(a, 0L, i);
        while (old < v) {
            int witness = (int) SEG_INTS.compareAndExchange(a, 0L, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    static long add(MemorySegment a, long i, long v) {
        return (long) SEG_LONGS.getAndAdd(a, 0L, i, v);
    }

    static long exchange(MemorySegment a, long i, long v) {
        return (long) SEG_LONGS.getAndSet(a, 0L, i, v);
    }

    static long compareAndSet(MemorySegment a, long i, long expected, long v) {
        return (long) SEG_LONGS.compareAndExchange(a, 0L, i, expected, v);
    }

    static long min(MemorySegment a, long i, long v) {
        long old = (long) SEG_LONGS.getVolatile(a, 0L, i);
        while (old > v) {
            long witness = (long) SEG_LONGS.compareAndExchange(a, 0L, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    static long max(MemorySegment a, long i, long v) {
        long old = (long) SEG_LONGS.getVolatile(a, 0L, i);
        while (old < v) {
            long witness = (long) SEG_LONGS.compareAndExchange(a, 0L, i, old, v);
            if (witness == old) break;
            old = witness;
        }
        return old;
    }

    /** As {@link #add(float[], int, float)}: a compare-and-exchange loop on the raw bits. */
    static float add(MemorySegment a, long i, float v) {
        float old = (float) SEG_FLOATS.getVolatile(a, 0L, i);
        while (true) {
            float witness = (float) SEG_FLOATS.compareAndExchange(a, 0L, i, old, old + v);
            if (Float.floatToRawIntBits(witness) == Float.floatToRawIntBits(old)) return old;
            old = witness;
        }
    }

    static float exchange(MemorySegment a, long i, float v) {
        return (float) SEG_FLOATS.getAndSet(a, 0L, i, v);
    }

    /** Stores {@code v} when the element's bits equal those of {@code expected}. */
    static float compareAndSet(MemorySegment a, long i, float expected, float v) {
        return (float) SEG_FLOATS.compareAndExchange(a, 0L, i, expected, v);
    }

    static float min(MemorySegment a, long i, float v) {
        float old = (float) SEG_FLOATS.getVolatile(a, 0L, i);
        while (true) {
            float m = Math.min(old, v);
            if (Float.floatToRawIntBits(m) == Float.floatToRawIntBits(old)) return old;
            float witness = (float) SEG_FLOATS.compareAndExchange(a, 0L, i, old, m);
            if (Float.floatToRawIntBits(witness) == Float.floatToRawIntBits(old)) return old;
            old = witness;
        }
    }

    static float max(MemorySegment a, long i, float v) {
        float old = (float) SEG_FLOATS.getVolatile(a, 0L, i);
        while (true) {
            float m = Math.max(old, v);
            if (Float.floatToRawIntBits(m) == Float.floatToRawIntBits(old)) return old;
            float witness = (float) SEG_FLOATS.compareAndExchange(a, 0L, i, old, m);
            if (Float.floatToRawIntBits(witness) == Float.floatToRawIntBits(old)) return old;
            old = witness;
        }
    }

    static double add(MemorySegment a, long i, double v) {
        double old = (double) SEG_DOUBLES.getVolatile(a, 0L, i);
        while (true) {
            double witness = (double) SEG_DOUBLES.compareAndExchange(a, 0L, i, old, old + v);
            if (Double.doubleToRawLongBits(witness) == Double.doubleToRawLongBits(old)) return old;
            old = witness;
        }
    }

    static double exchange(MemorySegment a, long i, double v) {
        return (double) SEG_DOUBLES.getAndSet(a, 0L, i, v);
    }

    static double compareAndSet(MemorySegment a, long i, double expected, double v) {
        return (double) SEG_DOUBLES.compareAndExchange(a, 0L, i, expected, v);
    }

    static double min(MemorySegment a, long i, double v) {
        double old = (double) SEG_DOUBLES.getVolatile(a, 0L, i);
        while (true) {
            double m = Math.min(old, v);
            if (Double.doubleToRawLongBits(m) == Double.doubleToRawLongBits(old)) return old;
            double witness = (double) SEG_DOUBLES.compareAndExchange(a, 0L, i, old, m);
            if (Double.doubleToRawLongBits(witness) == Double.doubleToRawLongBits(old)) return old;
            old = witness;
        }
    }

    static double max(MemorySegment a, long i, double v) {
        double old = (double) SEG_DOUBLES.getVolatile(a, 0L, i);
        while (true) {
            double m = Math.max(old, v);
            if (Double.doubleToRawLongBits(m) == Double.doubleToRawLongBits(old)) return old;
            double witness = (double) SEG_DOUBLES.compareAndExchange(a, 0L, i, old, m);
            if (Double.doubleToRawLongBits(witness) == Double.doubleToRawLongBits(old)) return old;
            old = witness;
        }
    }

    // ------------------------------------------------------------------------ private copies (AtomicPrivatisation)

    /**
     * A thread's private copy of a privatised {@code int} or {@code long} array of {@code length}
     * elements, every element at the identity of {@code op} (0 for add, {@code MAX_VALUE} for min,
     * {@code MIN_VALUE} for max), so that merging an untouched element changes nothing.
     */
    static Object privateCopy(io.kiln.ir.AtomicOp op, io.kiln.ir.ElementType element, int length) {
        if (element == io.kiln.ir.ElementType.INT) {
            int[] p = new int[length];
            int id = intIdentity(op);
            if (id != 0) java.util.Arrays.fill(p, id);
            return p;
        }
        long[] p = new long[length];
        long id = longIdentity(op);
        if (id != 0) java.util.Arrays.fill(p, id);
        return p;
    }

    /** The identity of {@code op} on {@code int} elements: 0 for add, {@code MAX_VALUE} for min, {@code MIN_VALUE} for max. */
    private static int intIdentity(io.kiln.ir.AtomicOp op) {
        return op == io.kiln.ir.AtomicOp.MIN ? Integer.MAX_VALUE : op == io.kiln.ir.AtomicOp.MAX ? Integer.MIN_VALUE : 0;
    }

    /** The identity of {@code op} on {@code long} elements, as {@link #intIdentity}. */
    private static long longIdentity(io.kiln.ir.AtomicOp op) {
        return op == io.kiln.ir.AtomicOp.MIN ? Long.MAX_VALUE : op == io.kiln.ir.AtomicOp.MAX ? Long.MIN_VALUE : 0;
    }

    /**
     * Folds a private copy into the kernel's array ({@code int[]}, {@code long[]} or an off-heap
     * array's segment) with {@code op}, one real atomic per element that differs from the identity:
     * other threads may be merging their copies at the same time.
     */
    static void merge(io.kiln.ir.AtomicOp op, Object array, Object copy) {
        if (copy instanceof int[] p) {
            int identity = intIdentity(op);
            for (int j = 0; j < p.length; j++) {
                int v = p[j];
                if (v == identity) continue;
                if (array instanceof MemorySegment s) {
                    switch (op) {
                        case MIN -> min(s, j, v);
                        case MAX -> max(s, j, v);
                        default -> add(s, j, v);
                    }
                } else {
                    int[] a = (int[]) array;
                    switch (op) {
                        case MIN -> min(a, j, v);
                        case MAX -> max(a, j, v);
                        default -> add(a, j, v);
                    }
                }
            }
            return;
        }
        long[] p = (long[]) copy;
        long identity = longIdentity(op);
        for (int j = 0; j < p.length; j++) {
            long v = p[j];
            if (v == identity) continue;
            if (array instanceof MemorySegment s) {
                switch (op) {
                    case MIN -> min(s, j, v);
                    case MAX -> max(s, j, v);
                    default -> add(s, j, v);
                }
            } else {
                long[] a = (long[]) array;
                switch (op) {
                    case MIN -> min(a, j, v);
                    case MAX -> max(a, j, v);
                    default -> add(a, j, v);
                }
            }
        }
    }

    /**
     * The private copy's index for an off-heap array's {@code long} index: the copy has the array's
     * length, so an index out of range fails as the segment access would
     * ({@link IndexOutOfBoundsException}) rather than wrap in the cast.
     */
    private static int privateIndex(long i, int length) {
        return (int) java.util.Objects.checkIndex(i, (long) length);
    }

    static int addLocal(int[] a, long i, int v) {
        return addLocal(a, privateIndex(i, a.length), v);
    }

    static int minLocal(int[] a, long i, int v) {
        return minLocal(a, privateIndex(i, a.length), v);
    }

    static int maxLocal(int[] a, long i, int v) {
        return maxLocal(a, privateIndex(i, a.length), v);
    }

    static long addLocal(long[] a, long i, long v) {
        return addLocal(a, privateIndex(i, a.length), v);
    }

    static long minLocal(long[] a, long i, long v) {
        return minLocal(a, privateIndex(i, a.length), v);
    }

    static long maxLocal(long[] a, long i, long v) {
        return maxLocal(a, privateIndex(i, a.length), v);
    }

    // ------------------------------------------------------------------------ local (one thread per group)

    static int addLocal(int[] a, int i, int v) {
        int old = a[i];
        a[i] = old + v;
        return old;
    }

    static int exchangeLocal(int[] a, int i, int v) {
        int old = a[i];
        a[i] = v;
        return old;
    }

    static int compareAndSetLocal(int[] a, int i, int expected, int v) {
        int old = a[i];
        if (old == expected) a[i] = v;
        return old;
    }

    static int minLocal(int[] a, int i, int v) {
        int old = a[i];
        a[i] = Math.min(old, v);
        return old;
    }

    static int maxLocal(int[] a, int i, int v) {
        int old = a[i];
        a[i] = Math.max(old, v);
        return old;
    }

    static long addLocal(long[] a, int i, long v) {
        long old = a[i];
        a[i] = old + v;
        return old;
    }

    static long exchangeLocal(long[] a, int i, long v) {
        long old = a[i];
        a[i] = v;
        return old;
    }

    static long compareAndSetLocal(long[] a, int i, long expected, long v) {
        long old = a[i];
        if (old == expected) a[i] = v;
        return old;
    }

    static long minLocal(long[] a, int i, long v) {
        long old = a[i];
        a[i] = Math.min(old, v);
        return old;
    }

    static long maxLocal(long[] a, int i, long v) {
        long old = a[i];
        a[i] = Math.max(old, v);
        return old;
    }

    static float addLocal(float[] a, int i, float v) {
        float old = a[i];
        a[i] = old + v;
        return old;
    }

    static float exchangeLocal(float[] a, int i, float v) {
        float old = a[i];
        a[i] = v;
        return old;
    }

    static float compareAndSetLocal(float[] a, int i, float expected, float v) {
        float old = a[i];
        if (Float.floatToRawIntBits(old) == Float.floatToRawIntBits(expected)) a[i] = v;
        return old;
    }

    static float minLocal(float[] a, int i, float v) {
        float old = a[i];
        a[i] = Math.min(old, v);
        return old;
    }

    static float maxLocal(float[] a, int i, float v) {
        float old = a[i];
        a[i] = Math.max(old, v);
        return old;
    }

    static double addLocal(double[] a, int i, double v) {
        double old = a[i];
        a[i] = old + v;
        return old;
    }

    static double exchangeLocal(double[] a, int i, double v) {
        double old = a[i];
        a[i] = v;
        return old;
    }

    static double compareAndSetLocal(double[] a, int i, double expected, double v) {
        double old = a[i];
        if (Double.doubleToRawLongBits(old) == Double.doubleToRawLongBits(expected)) a[i] = v;
        return old;
    }

    static double minLocal(double[] a, int i, double v) {
        double old = a[i];
        a[i] = Math.min(old, v);
        return old;
    }

    static double maxLocal(double[] a, int i, double v) {
        double old = a[i];
        a[i] = Math.max(old, v);
        return old;
    }
}

package io.kiln;

/**
 * The first parameter of a work-item kernel: each work-item asks it for its ids. Inside a kernel the
 * calls compile to the device's own work-item functions; the launch size comes from
 * {@link ExecutionPlan#withGrid(String, Grid)}.
 * <pre>{@code
 * static void scale(KernelContext ctx, float[] x, float s) {
 *     int i = ctx.globalIdx();
 *     if (i < x.length) x[i] *= s;
 * }
 * graph.task("scale", Kernels::scale, new KernelContext(), x, 2f);
 * }</pre>
 * Outside a kernel a context reports the ids set with {@link #setGlobalId}, which lets plain Java
 * tests run a work-item kernel as a reference: loop over the ids and call the method. There, local
 * arrays are plain new arrays, atomics on Java arrays are plain read-modify-writes (those on off-heap
 * arrays are truly atomic, through VarHandles) and {@link #barrier()} does
 * nothing, so only kernels that need no cooperation between work-items run that way.
 *
 * <h2>Work-groups</h2>
 * With a local size ({@code Grid.of(n).local(64)}) work-items form groups that can share local memory
 * ({@link #localFloats(int)} and friends, with a constant length) and wait for each other with
 * {@link #barrier()}. A barrier must be reached by every work-item of the group: it may not sit under
 * control flow that depends on the work-item's id.
 */
public final class KernelContext {
    private int gx;
    private int gy;
    private int gz;
    private int sx = 1;
    private int sy = 1;
    private int sz = 1;
    private int lx = 1;
    private int ly = 1;
    private int lz = 1;

    /** A context for passing to {@link TaskGraph#task}; its values matter only when run as plain Java. */
    public KernelContext() {
    }

    /** Sets the ids and sizes this context reports when the kernel runs as plain Java. */
    public KernelContext setGlobalId(int x, int y, int z, int sizeX, int sizeY, int sizeZ) {
        gx = x;
        gy = y;
        gz = z;
        sx = sizeX;
        sy = sizeY;
        sz = sizeZ;
        return this;
    }

    /** This work-item's global id in dimension 0. */
    public int globalIdx() {
        return gx;
    }

    /** This work-item's global id in dimension 1. */
    public int globalIdy() {
        return gy;
    }

    /** This work-item's global id in dimension 2. */
    public int globalIdz() {
        return gz;
    }

    /** The global size of dimension 0. */
    public int globalSizeX() {
        return sx;
    }

    /** The global size of dimension 1. */
    public int globalSizeY() {
        return sy;
    }

    /** The global size of dimension 2. */
    public int globalSizeZ() {
        return sz;
    }

    /** This work-item's id within its group, dimension 0. */
    public int localIdx() {
        return gx % lx;
    }

    /** This work-item's id within its group, dimension 1. */
    public int localIdy() {
        return gy % ly;
    }

    /** This work-item's id within its group, dimension 2. */
    public int localIdz() {
        return gz % lz;
    }

    /** The group's id, dimension 0. */
    public int groupIdx() {
        return gx / lx;
    }

    /** The group's id, dimension 1. */
    public int groupIdy() {
        return gy / ly;
    }

    /** The group's id, dimension 2. */
    public int groupIdz() {
        return gz / lz;
    }

    /** The work-group size, dimension 0. */
    public int localSizeX() {
        return lx;
    }

    /** The work-group size, dimension 1. */
    public int localSizeY() {
        return ly;
    }

    /** The work-group size, dimension 2. */
    public int localSizeZ() {
        return lz;
    }

    /** The number of groups, dimension 0. */
    public int numGroupsX() {
        return (sx + lx - 1) / lx;
    }

    /** The number of groups, dimension 1. */
    public int numGroupsY() {
        return (sy + ly - 1) / ly;
    }

    /** The number of groups, dimension 2. */
    public int numGroupsZ() {
        return (sz + lz - 1) / lz;
    }

    /** Sets the work-group size this context reports when the kernel runs as plain Java. */
    public KernelContext setLocalSize(int x, int y, int z) {
        lx = x;
        ly = y;
        lz = z;
        return this;
    }

    /**
     * Waits until every work-item of the group has reached this barrier; local and global memory
     * written before it is visible to the group after it.
     */
    public void barrier() {
        // one work-item at a time when run as plain Java: nothing to wait for
    }

    /** A work-group local array of {@code n} floats ({@code n} must be a constant); contents start undefined. */
    public float[] localFloats(int n) {
        return new float[n];
    }

    /** A work-group local array of {@code n} ints ({@code n} must be a constant); contents start undefined. */
    public int[] localInts(int n) {
        return new int[n];
    }

    /** A work-group local array of {@code n} longs ({@code n} must be a constant); contents start undefined. */
    public long[] localLongs(int n) {
        return new long[n];
    }

    /** A work-group local array of {@code n} doubles ({@code n} must be a constant); contents start undefined. */
    public double[] localDoubles(int n) {
        return new double[n];
    }

    /** Atomically adds {@code v} to {@code a[i]}; returns the old value. */
    public int atomicAdd(int[] a, int i, int v) {
        int old = a[i];
        a[i] = old + v;
        return old;
    }

    /** Atomically adds {@code v} to {@code a[i]}; returns the old value. */
    public long atomicAdd(long[] a, int i, long v) {
        long old = a[i];
        a[i] = old + v;
        return old;
    }

    /** Atomically adds {@code v} to {@code a[i]}; returns the old value. */
    public float atomicAdd(float[] a, int i, float v) {
        float old = a[i];
        a[i] = old + v;
        return old;
    }

    /** Atomically stores {@code Math.min(a[i], v)}; returns the old value. */
    public int atomicMin(int[] a, int i, int v) {
        int old = a[i];
        a[i] = Math.min(old, v);
        return old;
    }

    /** Atomically stores {@code Math.min(a[i], v)}; returns the old value. */
    public long atomicMin(long[] a, int i, long v) {
        long old = a[i];
        a[i] = Math.min(old, v);
        return old;
    }

    /** Atomically stores {@code Math.min(a[i], v)}; returns the old value. */
    public float atomicMin(float[] a, int i, float v) {
        float old = a[i];
        a[i] = Math.min(old, v);
        return old;
    }

    /** Atomically stores {@code Math.max(a[i], v)}; returns the old value. */
    public int atomicMax(int[] a, int i, int v) {
        int old = a[i];
        a[i] = Math.max(old, v);
        return old;
    }

    /** Atomically stores {@code Math.max(a[i], v)}; returns the old value. */
    public long atomicMax(long[] a, int i, long v) {
        long old = a[i];
        a[i] = Math.max(old, v);
        return old;
    }

    /** Atomically stores {@code Math.max(a[i], v)}; returns the old value. */
    public float atomicMax(float[] a, int i, float v) {
        float old = a[i];
        a[i] = Math.max(old, v);
        return old;
    }

    /** Atomically stores {@code v} in {@code a[i]}; returns the old value. */
    public int atomicExchange(int[] a, int i, int v) {
        int old = a[i];
        a[i] = v;
        return old;
    }

    /** Atomically stores {@code v} in {@code a[i]}; returns the old value. */
    public long atomicExchange(long[] a, int i, long v) {
        long old = a[i];
        a[i] = v;
        return old;
    }

    /** Atomically stores {@code v} in {@code a[i]}; returns the old value. */
    public float atomicExchange(float[] a, int i, float v) {
        float old = a[i];
        a[i] = v;
        return old;
    }

    /** Atomically stores {@code v} in {@code a[i]} if it equals {@code expected}; returns the old value. */
    public int atomicCompareAndSet(int[] a, int i, int expected, int v) {
        int old = a[i];
        if (old == expected) a[i] = v;
        return old;
    }

    /** Atomically stores {@code v} in {@code a[i]} if it equals {@code expected}; returns the old value. */
    public long atomicCompareAndSet(long[] a, int i, long expected, long v) {
        long old = a[i];
        if (old == expected) a[i] = v;
        return old;
    }

    /**
     * Atomically stores {@code v} in {@code a[i]} if its bits equal those of {@code expected};
     * returns the old value.
     */
    public float atomicCompareAndSet(float[] a, int i, float expected, float v) {
        float old = a[i];
        if (Float.floatToRawIntBits(old) == Float.floatToRawIntBits(expected)) a[i] = v;
        return old;
    }

    // ---- atomics on off-heap arrays -----------------------------------------------------------------
    //
    // Same operations and results as the Java-array versions above, on an element of an IntArray,
    // LongArray, FloatArray or DoubleArray at a long index. Run as plain Java these ARE atomic (unlike
    // the plain read-modify-writes above): they use VarHandles over the array's MemorySegment, the
    // hardware's compare-and-swap on the element's bits, so plain-Java tests may call them from several
    // threads. Float and double min/max follow Math.min/Math.max (NaN wins, -0.0 < +0.0); the float
    // and double compare-and-set compares bits, like the device instructions.

    private static final java.lang.invoke.VarHandle INT = java.lang.foreign.ValueLayout.JAVA_INT.varHandle();
    private static final java.lang.invoke.VarHandle LONG = java.lang.foreign.ValueLayout.JAVA_LONG.varHandle();

    private static long offset(OffHeapArray a, long i, int bytes) {
        if (i < 0 || i >= a.length()) {
            throw new IndexOutOfBoundsException("index " + i + " is out of bounds for " + a.getClass().getSimpleName()
                    + " of length " + a.length());
        }
        return i * bytes;
    }

    /** Atomically replaces the int bits at {@code off} by {@code update(old)}; returns the old bits. */
    private static int updateInt(java.lang.foreign.MemorySegment m, long off, java.util.function.IntUnaryOperator update) {
        for (;;) {
            int old = (int) INT.getVolatile(m, off);
            if ((boolean) INT.compareAndSet(m, off, old, update.applyAsInt(old))) return old;
        }
    }

    /** Atomically replaces the long bits at {@code off} by {@code update(old)}; returns the old bits. */
    private static long updateLong(java.lang.foreign.MemorySegment m, long off, java.util.function.LongUnaryOperator update) {
        for (;;) {
            long old = (long) LONG.getVolatile(m, off);
            if ((boolean) LONG.compareAndSet(m, off, old, update.applyAsLong(old))) return old;
        }
    }

    private static int floatOp(FloatArray a, long i, java.util.function.IntUnaryOperator update) {
        return updateInt(a.segment(), offset(a, i, 4), update);
    }

    private static long doubleOp(DoubleArray a, long i, java.util.function.LongUnaryOperator update) {
        return updateLong(a.segment(), offset(a, i, 8), update);
    }

    /** Atomically adds {@code v} to {@code a.get(i)}; returns the old value. */
    public int atomicAdd(IntArray a, long i, int v) {
        return (int) INT.getAndAdd(a.segment(), offset(a, i, 4), v);
    }

    /** Atomically adds {@code v} to {@code a.get(i)}; returns the old value. */
    public long atomicAdd(LongArray a, long i, long v) {
        return (long) LONG.getAndAdd(a.segment(), offset(a, i, 8), v);
    }

    /** Atomically adds {@code v} to {@code a.get(i)} (float addition); returns the old value. */
    public float atomicAdd(FloatArray a, long i, float v) {
        return Float.intBitsToFloat(floatOp(a, i, old -> Float.floatToRawIntBits(Float.intBitsToFloat(old) + v)));
    }

    /** Atomically adds {@code v} to {@code a.get(i)} (double addition); returns the old value. */
    public double atomicAdd(DoubleArray a, long i, double v) {
        return Double.longBitsToDouble(doubleOp(a, i, old -> Double.doubleToRawLongBits(Double.longBitsToDouble(old) + v)));
    }

    /** Atomically stores {@code Math.min(a.get(i), v)}; returns the old value. */
    public int atomicMin(IntArray a, long i, int v) {
        return updateInt(a.segment(), offset(a, i, 4), old -> Math.min(old, v));
    }

    /** Atomically stores {@code Math.min(a.get(i), v)}; returns the old value. */
    public long atomicMin(LongArray a, long i, long v) {
        return updateLong(a.segment(), offset(a, i, 8), old -> Math.min(old, v));
    }

    /** Atomically stores {@code Math.min(a.get(i), v)}; returns the old value. */
    public float atomicMin(FloatArray a, long i, float v) {
        return Float.intBitsToFloat(floatOp(a, i, old -> Float.floatToRawIntBits(Math.min(Float.intBitsToFloat(old), v))));
    }

    /** Atomically stores {@code Math.min(a.get(i), v)}; returns the old value. */
    public double atomicMin(DoubleArray a, long i, double v) {
        return Double.longBitsToDouble(doubleOp(a, i, old -> Double.doubleToRawLongBits(Math.min(Double.longBitsToDouble(old), v))));
    }

    /** Atomically stores {@code Math.max(a.get(i), v)}; returns the old value. */
    public int atomicMax(IntArray a, long i, int v) {
        return updateInt(a.segment(), offset(a, i, 4), old -> Math.max(old, v));
    }

    /** Atomically stores {@code Math.max(a.get(i), v)}; returns the old value. */
    public long atomicMax(LongArray a, long i, long v) {
        return updateLong(a.segment(), offset(a, i, 8), old -> Math.max(old, v));
    }

    /** Atomically stores {@code Math.max(a.get(i), v)}; returns the old value. */
    public float atomicMax(FloatArray a, long i, float v) {
        return Float.intBitsToFloat(floatOp(a, i, old -> Float.floatToRawIntBits(Math.max(Float.intBitsToFloat(old), v))));
    }

    /** Atomically stores {@code Math.max(a.get(i), v)}; returns the old value. */
    public double atomicMax(DoubleArray a, long i, double v) {
        return Double.longBitsToDouble(doubleOp(a, i, old -> Double.doubleToRawLongBits(Math.max(Double.longBitsToDouble(old), v))));
    }

    /** Atomically stores {@code v} in {@code a.get(i)}; returns the old value. */
    public int atomicExchange(IntArray a, long i, int v) {
        return (int) INT.getAndSet(a.segment(), offset(a, i, 4), v);
    }

    /** Atomically stores {@code v} in {@code a.get(i)}; returns the old value. */
    public long atomicExchange(LongArray a, long i, long v) {
        return (long) LONG.getAndSet(a.segment(), offset(a, i, 8), v);
    }

    /** Atomically stores {@code v} in {@code a.get(i)}; returns the old value. */
    public float atomicExchange(FloatArray a, long i, float v) {
        return Float.intBitsToFloat((int) INT.getAndSet(a.segment(), offset(a, i, 4), Float.floatToRawIntBits(v)));
    }

    /** Atomically stores {@code v} in {@code a.get(i)}; returns the old value. */
    public double atomicExchange(DoubleArray a, long i, double v) {
        return Double.longBitsToDouble((long) LONG.getAndSet(a.segment(), offset(a, i, 8), Double.doubleToRawLongBits(v)));
    }

    /** Atomically stores {@code v} at {@code i} if the element equals {@code expected}; returns the old value. */
    public int atomicCompareAndSet(IntArray a, long i, int expected, int v) {
        return (int) INT.compareAndExchange(a.segment(), offset(a, i, 4), expected, v);
    }

    /** Atomically stores {@code v} at {@code i} if the element equals {@code expected}; returns the old value. */
    public long atomicCompareAndSet(LongArray a, long i, long expected, long v) {
        return (long) LONG.compareAndExchange(a.segment(), offset(a, i, 8), expected, v);
    }

    /** Atomically stores {@code v} at {@code i} if the element's bits equal {@code expected}'s; returns the old value. */
    public float atomicCompareAndSet(FloatArray a, long i, float expected, float v) {
        return Float.intBitsToFloat((int) INT.compareAndExchange(a.segment(), offset(a, i, 4),
                Float.floatToRawIntBits(expected), Float.floatToRawIntBits(v)));
    }

    /** Atomically stores {@code v} at {@code i} if the element's bits equal {@code expected}'s; returns the old value. */
    public double atomicCompareAndSet(DoubleArray a, long i, double expected, double v) {
        return Double.longBitsToDouble((long) LONG.compareAndExchange(a.segment(), offset(a, i, 8),
                Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(v)));
    }
}

package io.kiln.runtime;

import io.kiln.OffHeapArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The hash of an array's host contents that {@link PlanExecutor}'s host-change check compares between
 * runs ({@link #fingerprint}), and the full-content hash it is built from ({@link #contentHash}).
 *
 * <p>Java arrays are hashed by plain loops over their elements, off-heap arrays over their segment's
 * bytes as longs. Why two forms: the check runs in every plan's first run, and in a fresh JVM the first
 * {@code MemorySegment.ofArray} and layout access cost 15-18 ms (class loading, var-handle linking,
 * interpreted) for a plan that may never touch the foreign-memory API otherwise; an interpreted element
 * loop costs microseconds. A plan binds an array for its lifetime, so a fingerprint is only ever
 * compared with the same array's earlier one, and the two forms need not agree with each other.
 */
final class HostFingerprint {
    private HostFingerprint() {
    }

    /** Arrays up to this size are hashed whole by {@link #fingerprint}; larger ones are sampled. */
    static final long FULL_HASH_BYTES = 64 << 10;
    /** Bytes hashed whole at each end of a sampled array. */
    static final long SAMPLED_END_BYTES = 4 << 10;
    /** Elements (words of 8 bytes off-heap) probed at a fixed stride between the ends of a sampled array. */
    static final int SAMPLED_PROBES = 256;

    private static final long K = 0x9E3779B97F4A7C15L;

    /**
     * What the host-change check compares between runs: {@link #contentHash} of the whole array up to
     * {@link #FULL_HASH_BYTES}; for a larger array, the hash of its size, its first and last
     * {@link #SAMPLED_END_BYTES} bytes and {@link #SAMPLED_PROBES} elements (off-heap: 8-byte words) at
     * a fixed stride between them ({@link #probe}).
     *
     * <p>Why not always the whole array: the check runs twice per run on every array the plan keeps on
     * a device, and hashing runs at memory speed, so for large resident inputs it cost as much as the
     * copy the plan no longer makes (measured: saxpy on 2^24 resident floats on {@code cpu} went from
     * 16 ms to about 60 ms a run). A sample costs a few microseconds whatever the size and still sees the
     * mistakes the check is for: a small array reset on the host (hashed whole), and a large input
     * refilled with new data (which changes words everywhere). A change confined to a few words of a
     * large array between the probes is not seen; docs/getting-started.md says so, and
     * {@code plan.hostChanged(x)} is the way to announce any change.
     */
    static long fingerprint(Object data) {
        if (data instanceof OffHeapArray a) return segmentFingerprint(a.segment());
        int n = length(data);
        int size = elementBytes(data);
        long bytes = (long) n * size;
        if (bytes <= FULL_HASH_BYTES) return hash(data, 0, n);
        int ends = (int) (SAMPLED_END_BYTES / size);
        long h = hash(data, 0, ends) * 31 + hash(data, n - ends, n);
        long probes = K;
        for (int p = 0; p < SAMPLED_PROBES; p++) probes = (probes ^ element(data, probe(n, ends, p))) * K;
        return mix(h * 31 + mix(probes) + bytes);
    }

    /** The element that probe {@code p} reads in a sampled array of {@code n} elements with {@code ends} hashed at each end. */
    static int probe(int n, int ends, int p) {
        return (int) (ends + (long) (n - 2 * ends - 1) * p / SAMPLED_PROBES);
    }

    /**
     * A 64-bit hash of the contents of a Java primitive array or an off-heap array: four independent
     * multiply-xor lanes over its elements (off-heap: its bytes as longs), so that it runs at memory
     * speed. Each step is a bijection of the lane, so a change to any one element always changes the hash.
     */
    static long contentHash(Object data) {
        if (data instanceof OffHeapArray a) return segmentHash(a.segment());
        return hash(data, 0, length(data));
    }

    // ---- Java arrays: plain loops (instanceof chains, not a pattern switch: no bootstrap on first use) ----

    private static int length(Object data) {
        if (data instanceof float[] a) return a.length;
        if (data instanceof int[] a) return a.length;
        if (data instanceof byte[] a) return a.length;
        if (data instanceof double[] a) return a.length;
        if (data instanceof long[] a) return a.length;
        if (data instanceof short[] a) return a.length;
        if (data instanceof char[] a) return a.length;
        if (data instanceof boolean[] a) return a.length;
        throw new IllegalArgumentException("not data: " + data);
    }

    private static int elementBytes(Object data) {
        if (data instanceof float[] || data instanceof int[]) return 4;
        if (data instanceof double[] || data instanceof long[]) return 8;
        if (data instanceof short[] || data instanceof char[]) return 2;
        return 1;
    }

    /** Element {@code i}'s bits. */
    private static long element(Object data, int i) {
        if (data instanceof float[] a) return Float.floatToRawIntBits(a[i]);
        if (data instanceof int[] a) return a[i];
        if (data instanceof byte[] a) return a[i];
        if (data instanceof double[] a) return Double.doubleToRawLongBits(a[i]);
        if (data instanceof long[] a) return a[i];
        if (data instanceof short[] a) return a[i];
        if (data instanceof char[] a) return a[i];
        return ((boolean[]) data)[i] ? 1 : 0;
    }

    /** The hash of elements {@code [from, to)}. */
    private static long hash(Object data, int from, int to) {
        if (data instanceof float[] a) return floats(a, from, to);
        if (data instanceof int[] a) return ints(a, from, to);
        if (data instanceof double[] a) return doubles(a, from, to);
        if (data instanceof long[] a) return longs(a, from, to);
        if (data instanceof byte[] a) return bytes(a, from, to);
        long h0 = to - from, h1 = 1, h2 = 2, h3 = 3;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            h0 = (h0 ^ element(data, i)) * K;
            h1 = (h1 ^ element(data, i + 1)) * K;
            h2 = (h2 ^ element(data, i + 2)) * K;
            h3 = (h3 ^ element(data, i + 3)) * K;
        }
        for (; i < to; i++) h0 = (h0 ^ element(data, i)) * K;
        return lanes(h0, h1, h2, h3);
    }

    private static long floats(float[] a, int from, int to) {
        long h0 = to - from, h1 = 1, h2 = 2, h3 = 3;
        int i = from;
        for (; i + 8 <= to; i += 8) {   // two 32-bit elements per step of a lane
            h0 = (h0 ^ pair(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(a[i + 1]))) * K;
            h1 = (h1 ^ pair(Float.floatToRawIntBits(a[i + 2]), Float.floatToRawIntBits(a[i + 3]))) * K;
            h2 = (h2 ^ pair(Float.floatToRawIntBits(a[i + 4]), Float.floatToRawIntBits(a[i + 5]))) * K;
            h3 = (h3 ^ pair(Float.floatToRawIntBits(a[i + 6]), Float.floatToRawIntBits(a[i + 7]))) * K;
        }
        for (; i < to; i++) h0 = (h0 ^ Float.floatToRawIntBits(a[i])) * K;
        return lanes(h0, h1, h2, h3);
    }

    private static long ints(int[] a, int from, int to) {
        long h0 = to - from, h1 = 1, h2 = 2, h3 = 3;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            h0 = (h0 ^ pair(a[i], a[i + 1])) * K;
            h1 = (h1 ^ pair(a[i + 2], a[i + 3])) * K;
            h2 = (h2 ^ pair(a[i + 4], a[i + 5])) * K;
            h3 = (h3 ^ pair(a[i + 6], a[i + 7])) * K;
        }
        for (; i < to; i++) h0 = (h0 ^ a[i]) * K;
        return lanes(h0, h1, h2, h3);
    }

    private static long doubles(double[] a, int from, int to) {
        long h0 = to - from, h1 = 1, h2 = 2, h3 = 3;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            h0 = (h0 ^ Double.doubleToRawLongBits(a[i])) * K;
            h1 = (h1 ^ Double.doubleToRawLongBits(a[i + 1])) * K;
            h2 = (h2 ^ Double.doubleToRawLongBits(a[i + 2])) * K;
            h3 = (h3 ^ Double.doubleToRawLongBits(a[i + 3])) * K;
        }
        for (; i < to; i++) h0 = (h0 ^ Double.doubleToRawLongBits(a[i])) * K;
        return lanes(h0, h1, h2, h3);
    }

    private static long longs(long[] a, int from, int to) {
        long h0 = to - from, h1 = 1, h2 = 2, h3 = 3;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            h0 = (h0 ^ a[i]) * K;
            h1 = (h1 ^ a[i + 1]) * K;
            h2 = (h2 ^ a[i + 2]) * K;
            h3 = (h3 ^ a[i + 3]) * K;
        }
        for (; i < to; i++) h0 = (h0 ^ a[i]) * K;
        return lanes(h0, h1, h2, h3);
    }

    private static long bytes(byte[] a, int from, int to) {
        long h0 = to - from, h1 = 1, h2 = 2, h3 = 3;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            h0 = (h0 ^ a[i]) * K;
            h1 = (h1 ^ a[i + 1]) * K;
            h2 = (h2 ^ a[i + 2]) * K;
            h3 = (h3 ^ a[i + 3]) * K;
        }
        for (; i < to; i++) h0 = (h0 ^ a[i]) * K;
        return lanes(h0, h1, h2, h3);
    }

    /** Two 32-bit elements as one word: a bijection of the pair. */
    private static long pair(int lo, int hi) {
        return (lo & 0xFFFF_FFFFL) | ((long) hi << 32);
    }

    // ---- off-heap arrays: the segment's bytes as longs ------------------------------------------------------

    private static long segmentFingerprint(MemorySegment m) {
        long n = m.byteSize();
        if (n <= FULL_HASH_BYTES) return segmentHash(m);
        long h = segmentHash(m.asSlice(0, SAMPLED_END_BYTES));
        h = h * 31 + segmentHash(m.asSlice(n - SAMPLED_END_BYTES, SAMPLED_END_BYTES));
        long first = SAMPLED_END_BYTES;
        long span = n - 2 * SAMPLED_END_BYTES - 8;
        long probes = K;
        for (int p = 0; p < SAMPLED_PROBES; p++) {
            long at = first + span * p / SAMPLED_PROBES;
            probes = (probes ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, at)) * K;
        }
        return mix(h * 31 + mix(probes) + n);
    }

    private static long segmentHash(MemorySegment m) {
        long n = m.byteSize();
        long h0 = n, h1 = 1, h2 = 2, h3 = 3;
        long i = 0;
        for (; i + 32 <= n; i += 32) {
            h0 = (h0 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i)) * K;
            h1 = (h1 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i + 8)) * K;
            h2 = (h2 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i + 16)) * K;
            h3 = (h3 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i + 24)) * K;
        }
        for (; i + 8 <= n; i += 8) h0 = (h0 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i)) * K;
        for (; i < n; i++) h1 = (h1 ^ m.get(ValueLayout.JAVA_BYTE, i)) * K;
        return lanes(h0, h1, h2, h3);
    }

    private static long lanes(long h0, long h1, long h2, long h3) {
        return mix(mix(h0) + 31 * (mix(h1) + 31 * (mix(h2) + 31 * mix(h3))));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

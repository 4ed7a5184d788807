package io.kiln.runtime;

import io.kiln.OffHeapArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The hash of an array's host contents that {@link PlanExecutor}'s host-change check compares between
 * runs ({@link #fingerprint}), and the full-content hash it is built from ({@link #contentHash}).
 */
final class HostFingerprint {
    private HostFingerprint() {
    }

    /** Arrays up to this size are hashed whole by {@link #fingerprint}; larger ones are sampled. */
    static final long FULL_HASH_BYTES = 64 << 10;
    /** Bytes hashed whole at each end of a sampled array. */
    static final long SAMPLED_END_BYTES = 4 << 10;
    /** Words (8 bytes each) probed at a fixed stride between the ends of a sampled array. */
    static final int SAMPLED_PROBES = 256;

    /**
     * What the host-change check compares between runs: {@link #contentHash} of the whole array up to
     * {@link #FULL_HASH_BYTES}; for a larger array, the hash of its size, its first and last
     * {@link #SAMPLED_END_BYTES} bytes and {@link #SAMPLED_PROBES} words at a fixed stride between them.
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
        MemorySegment m = segmentOf(data);
        long n = m.byteSize();
        if (n <= FULL_HASH_BYTES) return hash(m);
        long h = hash(m.asSlice(0, SAMPLED_END_BYTES));
        h = h * 31 + hash(m.asSlice(n - SAMPLED_END_BYTES, SAMPLED_END_BYTES));
        long first = SAMPLED_END_BYTES;
        long span = n - 2 * SAMPLED_END_BYTES - 8;
        long probes = 0x9E3779B97F4A7C15L;
        for (int p = 0; p < SAMPLED_PROBES; p++) {
            long at = first + span * p / SAMPLED_PROBES;
            probes = (probes ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, at)) * 0x9E3779B97F4A7C15L;
        }
        return mix(h * 31 + mix(probes) + n);
    }

    /**
     * A 64-bit hash of the contents of a Java primitive array or an off-heap array: four independent
     * multiply-xor lanes over its bytes as longs, so that it runs at memory speed. Each step is a
     * bijection of the lane, so a change to any one word always changes the hash.
     */
    static long contentHash(Object data) {
        return hash(segmentOf(data));
    }

    /** The bytes of a Java primitive array or an off-heap array, as a segment. */
    private static MemorySegment segmentOf(Object data) {
        return switch (data) {
            case OffHeapArray a -> a.segment();
            case byte[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case char[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            case boolean[] a -> MemorySegment.ofArray(booleanBytes(a));
            default -> throw new IllegalArgumentException("not data: " + data);
        };
    }

    private static long hash(MemorySegment m) {
        long n = m.byteSize();
        final long k = 0x9E3779B97F4A7C15L;
        long h0 = n, h1 = 1, h2 = 2, h3 = 3;
        long i = 0;
        for (; i + 32 <= n; i += 32) {
            h0 = (h0 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i)) * k;
            h1 = (h1 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i + 8)) * k;
            h2 = (h2 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i + 16)) * k;
            h3 = (h3 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i + 24)) * k;
        }
        for (; i + 8 <= n; i += 8) h0 = (h0 ^ m.get(ValueLayout.JAVA_LONG_UNALIGNED, i)) * k;
        for (; i < n; i++) h1 = (h1 ^ m.get(ValueLayout.JAVA_BYTE, i)) * k;
        long h = mix(h0) + 31 * (mix(h1) + 31 * (mix(h2) + 31 * mix(h3)));
        return mix(h);
    }

    private static byte[] booleanBytes(boolean[] a) {
        byte[] b = new byte[a.length];
        for (int i = 0; i < a.length; i++) b[i] = (byte) (a[i] ? 1 : 0);
        return b;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

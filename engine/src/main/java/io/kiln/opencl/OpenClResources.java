package io.kiln.opencl;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the OpenCL objects Kiln has created and not yet released, per kind, in this process.
 * Internal (the package is not exported); tests use {@link #liveObjects()} to prove that running a
 * plan many times does not leak device memory, kernels, programs, queues or events.
 */
public final class OpenClResources {
    /** The kinds of OpenCL object counted. */
    public enum Kind {
        MEM, KERNEL, PROGRAM, QUEUE, EVENT
    }

    private static final Map<Kind, AtomicLong> LIVE = new EnumMap<>(Kind.class);
    private static final Map<Kind, AtomicLong> CREATED = new EnumMap<>(Kind.class);

    static {
        for (Kind k : Kind.values()) {
            LIVE.put(k, new AtomicLong());
            CREATED.put(k, new AtomicLong());
        }
    }

    private OpenClResources() {
    }

    static void created(Kind kind) {
        LIVE.get(kind).incrementAndGet();
        CREATED.get(kind).incrementAndGet();
    }

    static void released(Kind kind) {
        LIVE.get(kind).decrementAndGet();
    }

    /** Objects created minus objects released, all kinds together. */
    public static long liveObjects() {
        long sum = 0;
        for (AtomicLong a : LIVE.values()) {
            sum += a.get();
        }
        return sum;
    }

    /** Objects of one kind created minus released. */
    public static long live(Kind kind) {
        return LIVE.get(kind).get();
    }

    /**
     * Objects of one kind created so far in this process, released or not: tests use it to prove that
     * a run creates no native event nobody needs.
     */
    public static long createdTotal(Kind kind) {
        return CREATED.get(kind).get();
    }

    /** A snapshot of the live counts, for messages. */
    public static String describe() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Kind, AtomicLong> e : LIVE.entrySet()) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(e.getKey().name().toLowerCase(java.util.Locale.ROOT)).append('=').append(e.getValue().get());
        }
        return sb.toString();
    }
}

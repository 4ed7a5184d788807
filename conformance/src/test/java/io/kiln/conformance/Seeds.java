package io.kiln.conformance;

import java.security.SecureRandom;

/**
 * The suite's random seed: fresh per JVM unless {@code -Dkiln.seed=N} is given. Every run of every
 * kernel derives its own seed from it and the kernel's name, so one seed reproduces every input.
 */
final class Seeds {
    private Seeds() {
    }

    static final long BASE;

    static {
        String s = System.getProperty("kiln.seed");
        BASE = s != null && !s.isBlank() ? Long.parseLong(s.trim()) : new SecureRandom().nextLong();
        System.out.println("[kiln conformance] seed " + BASE + " (reproduce with -Dkiln.seed=" + BASE + ")");
    }

    /** The seed of run {@code run} of kernel {@code name}. */
    static long of(String name, int run) {
        long h = BASE ^ (name.hashCode() * 0x9E3779B97F4A7C15L) ^ ((run + 1) * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    /** How to reproduce: appended to every failure message. */
    static String reproduce() {
        return "reproduce with -Dkiln.seed=" + BASE;
    }
}

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
        BASE = io.kiln.testing.Seeds.fixed().orElseGet(() -> new SecureRandom().nextLong());
        System.out.println("[kiln conformance] seed " + BASE + " (reproduce with -Dkiln.seed=" + BASE + ")");
    }

    /** The seed of run {@code run} of kernel {@code name}. */
    static long of(String name, int run) {
        return io.kiln.testing.Seeds.derive(BASE, name, run);
    }

    /** How to reproduce: appended to every failure message. */
    static String reproduce() {
        return "reproduce with -Dkiln.seed=" + BASE;
    }
}

package io.kiln.testing;

import java.security.SecureRandom;

/**
 * Random seeds for tests: fresh on every run unless {@code -Dkiln.seed=N} is given, and always
 * printed with how to reproduce them, so that a failure seen once can be run again.
 */
public final class Seeds {
    private Seeds() {
    }

    /** The system property that fixes every seed: {@code -Dkiln.seed=N}. */
    public static final String PROPERTY = "kiln.seed";

    /**
     * The seed for {@code test} (a class or test name): {@code -Dkiln.seed} if given, else a fresh
     * random one. Prints {@code "<test> seed N (rerun with -Dkiln.seed=N)"}.
     *
     * @throws IllegalArgumentException if {@code -Dkiln.seed} is not a number
     */
    public static long seed(String test) {
        long s = fixed().orElseGet(() -> new SecureRandom().nextLong());
        System.out.println(test + " seed " + s + " (rerun with -D" + PROPERTY + "=" + s + ")");
        return s;
    }

    /**
     * {@code -Dkiln.seed} when it is given.
     *
     * @throws IllegalArgumentException if it is not a number
     */
    public static java.util.OptionalLong fixed() {
        String s = System.getProperty(PROPERTY);
        if (s == null || s.isBlank()) return java.util.OptionalLong.empty();
        try {
            return java.util.OptionalLong.of(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + s + " is not a long; give a number such as -D"
                    + PROPERTY + "=42", e);
        }
    }

    /**
     * A seed derived from {@code base}, a name and a run number, well mixed (SplitMix64's finaliser),
     * so that one base seed reproduces every input of a suite while each kernel and run gets its own.
     */
    public static long derive(long base, String name, int run) {
        long h = base ^ (name.hashCode() * 0x9E3779B97F4A7C15L) ^ ((run + 1) * 0xC2B2AE3D27D4EB4FL);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}

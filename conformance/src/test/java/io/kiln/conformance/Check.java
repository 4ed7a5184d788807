package io.kiln.conformance;

/** How an output array is compared with Java's. */
sealed interface Check {
    /** Bit for bit (floats through {@code floatToIntBits}/{@code doubleToLongBits}: all NaNs are equal). */
    record Exact() implements Check {
    }

    /** Within the ulp bound of {@code function} in {@link UlpBounds}. */
    record Ulp(String function) implements Check {
        public Ulp {
            UlpBounds.bound(function); // fails early for a function missing from the table
        }
    }

    Check EXACT = new Exact();

    static Check ulp(String function) {
        return new Ulp(function);
    }
}

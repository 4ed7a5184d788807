package io.kiln.conformance;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * THE table of accepted errors, in ulps of Java's result, for functions that Java does not specify
 * bit for bit. Everything not listed here is compared bit for bit. The worst error seen per device,
 * function and precision is recorded and printed after the math tests.
 */
final class UlpBounds {
    private UlpBounds() {
    }

    /** A bound for float results and one for double results. */
    record Bound(double f32, double f64) {
    }

    private static final Map<String, Bound> BOUNDS = Map.ofEntries(
            Map.entry("cbrt", new Bound(2, 2)),
            Map.entry("exp", new Bound(2, 2)),
            Map.entry("expm1", new Bound(2, 2)),
            Map.entry("log", new Bound(2, 2)),
            Map.entry("log10", new Bound(2, 2)),
            Map.entry("log1p", new Bound(2, 2)),
            Map.entry("pow", new Bound(2, 2)),
            Map.entry("sin", new Bound(2, 2)),
            Map.entry("cos", new Bound(2, 2)),
            Map.entry("tan", new Bound(3, 3)),
            Map.entry("asin", new Bound(2, 2)),
            Map.entry("acos", new Bound(2, 2)),
            Map.entry("atan", new Bound(2, 2)),
            Map.entry("atan2", new Bound(2, 2)),
            Map.entry("sinh", new Bound(3, 3)),
            Map.entry("cosh", new Bound(2, 2)),
            Map.entry("tanh", new Bound(2, 2)),
            Map.entry("hypot", new Bound(2, 2)));

    /** Worst error observed: device|function|precision -> worst. */
    private static final Map<String, Worst> WORST = new ConcurrentHashMap<>();

    /** The worst error seen and where. */
    record Worst(double ulps, String where) {
    }

    static Bound bound(String function) {
        Bound b = BOUNDS.get(function);
        if (b == null) {
            throw new IllegalArgumentException("no ulp bound for '" + function + "': add it to UlpBounds.BOUNDS");
        }
        return b;
    }

    static double bound(String function, boolean f32) {
        Bound b = bound(function);
        return f32 ? b.f32() : b.f64();
    }

    /** Error of {@code actual} in ulps of {@code expected} (0 when equal, infinite for NaN/infinity mismatches). */
    static double ulps(float expected, float actual) {
        if (Float.floatToIntBits(expected) == Float.floatToIntBits(actual)) return 0;
        if (Float.isNaN(expected) || Float.isNaN(actual) || Float.isInfinite(expected) || Float.isInfinite(actual)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs((double) actual - (double) expected) / Math.ulp(expected);
    }

    /** Error of {@code actual} in ulps of {@code expected}. */
    static double ulps(double expected, double actual) {
        if (Double.doubleToLongBits(expected) == Double.doubleToLongBits(actual)) return 0;
        if (Double.isNaN(expected) || Double.isNaN(actual) || Double.isInfinite(expected) || Double.isInfinite(actual)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs(actual - expected) / Math.ulp(expected);
    }

    static void record(String device, String function, boolean f32, double ulps, String where) {
        String key = device + "|" + function + "|" + (f32 ? "float" : "double");
        WORST.merge(key, new Worst(ulps, where), (a, b) -> b.ulps() > a.ulps() ? b : a);
    }

    /** A printable table of the worst errors observed so far. */
    static String report() {
        StringBuilder sb = new StringBuilder("worst observed error in ulps (bound), per device / function / precision:\n");
        for (Map.Entry<String, Worst> e : new TreeMap<>(WORST).entrySet()) {
            String[] k = e.getKey().split("\\|");
            double bound = bound(k[1], k[2].equals("float"));
            Worst w = e.getValue();
            sb.append(String.format("  %-10s %-7s %-6s %10.3f  (bound %.1f)%s%n", k[0], k[1], k[2], w.ulps(), bound,
                    w.ulps() > 0 ? "  at " + w.where() : ""));
        }
        return sb.toString();
    }
}

package io.kiln.cuda;

/**
 * Comparing argument lists of a device run with the JVM's; the inputs themselves come from
 * {@link io.kiln.testing.RandomArrays} and {@link io.kiln.testing.Edges}.
 */
final class Inputs {
    private Inputs() {
    }

    /** A deep copy of an argument list (arrays cloned, scalars shared). */
    static Object[] copy(Object[] args) {
        Object[] c = args.clone();
        for (int i = 0; i < c.length; i++) {
            c[i] = switch (c[i]) {
                case byte[] x -> x.clone();
                case short[] x -> x.clone();
                case char[] x -> x.clone();
                case int[] x -> x.clone();
                case long[] x -> x.clone();
                case float[] x -> x.clone();
                case double[] x -> x.clone();
                case null, default -> c[i];
            };
        }
        return c;
    }

    /** A description of the first difference between two argument lists (floats: NaN equals NaN), or null. */
    static String firstDifference(Object[] expected, Object[] actual) {
        for (int p = 0; p < expected.length; p++) {
            Object e = expected[p];
            Object a = actual[p];
            if (e == null || !e.getClass().isArray()) continue;
            int n = java.lang.reflect.Array.getLength(e);
            for (int i = 0; i < n; i++) {
                Object x = java.lang.reflect.Array.get(e, i);
                Object y = java.lang.reflect.Array.get(a, i);
                boolean same = switch (x) {
                    case Float f -> Float.floatToIntBits(f) == Float.floatToIntBits((Float) y);
                    case Double d -> Double.doubleToLongBits(d) == Double.doubleToLongBits((Double) y);
                    default -> x.equals(y);
                };
                if (!same) {
                    return "argument " + p + "[" + i + "]: expected " + show(x) + " but was " + show(y);
                }
            }
        }
        return null;
    }

    static String show(Object v) {
        return switch (v) {
            case Float f -> f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")";
            case Double d -> d + " (0x" + Long.toHexString(Double.doubleToRawLongBits(d)) + ")";
            case Character c -> Integer.toString(c);
            default -> String.valueOf(v);
        };
    }
}

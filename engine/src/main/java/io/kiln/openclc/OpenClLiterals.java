package io.kiln.openclc;

/**
 * Exact OpenCL C literals for Java constants: the spelling of {@code int}, {@code long}, {@code float}
 * and {@code double} values such that the device compiler reads back every bit (hexadecimal floats,
 * bit patterns for NaN and infinities, {@code MIN_VALUE} without an overflowing literal). Separate
 * from the emitter because it is pure text with no state, used by the emitter and its tests.
 */
public final class OpenClLiterals {
    private OpenClLiterals() {
    }

    /** An {@code int} literal; {@code MIN_VALUE} as an expression, since {@code 2147483648} is not an {@code int}. */
    public static String intLiteral(int x) {
        if (x == Integer.MIN_VALUE) return "(-2147483647 - 1)";
        return x < 0 ? "(" + x + ")" : Integer.toString(x);
    }

    /** A {@code long} literal ({@code L} suffix); {@code MIN_VALUE} as an expression. */
    public static String longLiteral(long x) {
        if (x == Long.MIN_VALUE) return "(-9223372036854775807L - 1L)";
        return x < 0 ? "(" + x + "L)" : x + "L";
    }

    /** An exact float literal: small integers in decimal, other finite values in hexadecimal, the rest as bits. */
    public static String floatLiteral(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (!Float.isFinite(x)) return String.format("as_float(0x%08xu)", bits);
        String s;
        if (x == Math.rint(x) && Math.abs(x) < 0x1p24f) {
            s = (long) Math.abs(x) + ".0f";
        } else {
            s = Float.toHexString(Math.abs(x)) + "f";
        }
        return bits < 0 ? "(-" + s + ")" : s;
    }

    /** An exact double literal; see {@link #floatLiteral}. */
    public static String doubleLiteral(double x) {
        long bits = Double.doubleToRawLongBits(x);
        if (!Double.isFinite(x)) return String.format("as_double(0x%016xUL)", bits);
        String s;
        if (x == Math.rint(x) && Math.abs(x) < 0x1p53) {
            s = (long) Math.abs(x) + ".0";
        } else {
            s = Double.toHexString(Math.abs(x));
        }
        return bits < 0 ? "(-" + s + ")" : s;
    }
}

package io.kiln.ptx;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The constants of the PTX math routines, computed here from their series in {@link BigDecimal}
 * arithmetic (so nothing is copied from another library): pi, ln 2, ln 10, the bits of 2/pi for
 * Payne-Hanek range reduction, and the logarithm and arctangent tables. Each constant that needs
 * more than double precision is split into a head and a tail, {@code head + tail} accurate to about
 * 2^-106 relative.
 */
final class HighPrecision {
    private HighPrecision() {
    }

    private static final MathContext MC = new MathContext(80, RoundingMode.HALF_EVEN);

    static final BigDecimal PI = pi(MC);
    static final BigDecimal LN2 = ln(BigDecimal.valueOf(2), MC);
    static final BigDecimal LN10 = ln(BigDecimal.TEN, MC);

    /** {@code atan(x)} for {@code |x| <= 1/2} or so, by its Taylor series. */
    static BigDecimal atan(BigDecimal x, MathContext mc) {
        MathContext wide = new MathContext(mc.getPrecision() + 10);
        BigDecimal x2 = x.multiply(x, wide);
        BigDecimal term = x;
        BigDecimal sum = x;
        BigDecimal eps = BigDecimal.ONE.movePointLeft(mc.getPrecision() + 5);
        for (int n = 1; term.abs().compareTo(eps) > 0; n++) {
            term = term.multiply(x2, wide).negate();
            sum = sum.add(term.divide(BigDecimal.valueOf(2L * n + 1), wide), wide);
        }
        return sum.round(mc);
    }

    /** Machin's formula. */
    static BigDecimal pi(MathContext mc) {
        MathContext wide = new MathContext(mc.getPrecision() + 10);
        BigDecimal a = atan(BigDecimal.ONE.divide(BigDecimal.valueOf(5), wide), wide);
        BigDecimal b = atan(BigDecimal.ONE.divide(BigDecimal.valueOf(239), wide), wide);
        return a.multiply(BigDecimal.valueOf(16)).subtract(b.multiply(BigDecimal.valueOf(4))).round(mc);
    }

    /** {@code ln(y)}: {@code y = 2^k m} with {@code m} near 1, then {@code ln(m) = 2 atanh((m-1)/(m+1))}, {@code ln 2 = 2 atanh(1/3)}. */
    static BigDecimal ln(BigDecimal y, MathContext mc) {
        MathContext wide = new MathContext(mc.getPrecision() + 10);
        int k = 0;
        BigDecimal two = BigDecimal.valueOf(2);
        while (y.compareTo(BigDecimal.valueOf(1.5)) > 0) {
            y = y.divide(two, wide);
            k++;
        }
        while (y.compareTo(BigDecimal.valueOf(0.75)) < 0) {
            y = y.multiply(two, wide);
            k--;
        }
        BigDecimal z = y.subtract(BigDecimal.ONE).divide(y.add(BigDecimal.ONE), wide);
        BigDecimal r = atanh(z, wide).multiply(two, wide);
        if (k != 0) {
            BigDecimal ln2 = atanh(BigDecimal.ONE.divide(BigDecimal.valueOf(3), wide), wide).multiply(two, wide);
            r = r.add(ln2.multiply(BigDecimal.valueOf(k), wide), wide);
        }
        return r.round(mc);
    }

    private static BigDecimal atanh(BigDecimal z, MathContext mc) {
        BigDecimal z2 = z.multiply(z, mc);
        BigDecimal term = z;
        BigDecimal sum = z;
        BigDecimal eps = BigDecimal.ONE.movePointLeft(mc.getPrecision() + 5);
        for (int n = 1; term.abs().compareTo(eps) > 0; n++) {
            term = term.multiply(z2, mc);
            sum = sum.add(term.divide(BigDecimal.valueOf(2L * n + 1), mc), mc);
        }
        return sum;
    }

    /** {@code v} as a head and a tail: {@code {(double) v, (double) (v - head)}}. */
    static double[] split(BigDecimal v) {
        double hi = v.doubleValue();
        double lo = v.subtract(new BigDecimal(hi)).doubleValue();
        return new double[] {hi, lo};
    }

    /** {@code v} rounded to a double whose significand has at most {@code bits} bits (the rest zero). */
    static double truncated(BigDecimal v, int bits) {
        double d = v.doubleValue();
        int shift = 52 - bits + 1;
        long b = Double.doubleToRawLongBits(d);
        return Double.longBitsToDouble(b & (-1L << shift));
    }

    /**
     * The bits of 2/pi in 64-bit words, most significant first, preceded by one zero word:
     * word {@code j} holds bits {@code 64 (j - 1) + 1 .. 64 j} of the fraction (bit 1 weighs 1/2).
     */
    static long[] twoOverPiWords(int words) {
        MathContext mc = new MathContext(64 * words * 3 / 10 + 30);
        BigDecimal twoOverPi = BigDecimal.valueOf(2).divide(pi(mc), mc);
        BigInteger n = twoOverPi.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(64 * (words - 1)))).toBigInteger();
        long[] out = new long[words];
        for (int j = 0; j < words; j++) {
            out[j] = n.shiftRight(64 * (words - 1 - j)).longValue();
        }
        return out;
    }
}

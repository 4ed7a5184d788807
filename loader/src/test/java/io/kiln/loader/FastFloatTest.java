package io.kiln.loader;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CSV float parser returns exactly what Float.parseFloat returns. */
class FastFloatTest {

    private static void same(String s) {
        float want = Float.parseFloat(s.strip());
        float got = FastFloat.parse(s);
        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), "'" + s + "'");
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(FastFloat.parse(b, 0, b.length)), "bytes '" + s + "'");
    }

    @Test
    void randomNumbersInManyFormats() {
        long seed = 77;
        System.out.println("fast float seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        String[] formats = {"%.0f", "%.1f", "%.3f", "%.6f", "%.7f", "%.8f", "%.2e", "%.6e", "%.9e", "%.12g", "%g", "%.5f"};
        for (int i = 0; i < 200_000; i++) {
            double v = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-12, 13));
            same(String.format(Locale.ROOT, formats[r.nextInt(formats.length)], v));
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isFinite(f)) same(Float.toString(f));
        }
    }

    @Test
    void edgeValues() {
        for (String s : List.of("0", "-0", "+0", "0.0", "-0.000", "1", "16777215", "16777216", "16777217", "0.1", "1e10", "1e11",
                "1e-10", "1e-11", "3.4028235e38", "3.4028236e38", "1e39", "1.4e-45", "1e-46", "7.0e-45", ".5", "5.", "-.25",
                "  42  ", "1E5", "1e+05", "123456789012345678901234567890", "0.000000000000000000000001", "Infinity", "-Infinity",
                "0x1p3", "1.5f", "2d")) {
            same(s);
        }
        for (String s : List.of("", " ", "abc", "1e", "--1", "1.2.3", "e5", ".", "1,5")) {
            assertTrue(Float.isNaN(FastFloat.parse(s)), "'" + s + "' is not a number");
        }
        assertTrue(FastFloat.isMissingOrNaN(""));
        assertTrue(FastFloat.isMissingOrNaN(" NaN "));
        assertTrue(!FastFloat.isMissingOrNaN("abc"));
    }
}

package io.kiln.ir;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@link IrBuilder#clean(String)}, the loop that replaced {@code replaceAll("[^A-Za-z0-9_]", "_")} in
 * variable and array names (for first-build speed), against that regular expression itself.
 */
class IrBuilderNamesTest {
    private static final String REGEX = "[^A-Za-z0-9_]";

    @Test
    void edgeNamesAsTheRegexCleansThem() {
        String[] names = {"", "x", "a_b9", "i0_s3", "l$1", "java.lang.Math", "a-b c", "é", "ß_x", "日本",
                "\uD83D\uDE00", "x\uD83D\uDE00y", "\uD800", "a\uDC00", "\u0000", "Z", "z", "0", "9", "_", "@", "[", "`", "{", "\u007F"};
        for (String n : names) {
            assertEquals(n.replaceAll(REGEX, "_"), IrBuilder.clean(n), () -> "name '" + n + "'");
        }
    }

    @Test
    void cleanNamesAreReturnedAsThey() {
        String n = "already_clean_42";
        assertSame(n, IrBuilder.clean(n));
    }

    @Test
    void randomNamesAsTheRegexCleansThem() {
        long seed = System.nanoTime();
        System.out.println("IrBuilderNamesTest seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        // ASCII, Latin-1, BMP letters, lone surrogates and supplementary code points
        int[] pool = {'a', 'Z', '0', '9', '_', '$', '.', '-', ' ', 0xE9, 0x3B1, 0x65E5, 0xD800, 0xDBFF, 0xDC00, 0xDFFF};
        for (int t = 0; t < 20_000; t++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(12);
            for (int i = 0; i < len; i++) {
                int k = r.nextInt(pool.length + 2);
                if (k < pool.length) sb.append((char) pool[k]);
                else if (k == pool.length) sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
                else sb.append((char) r.nextInt(128));
            }
            String n = sb.toString();
            assertEquals(n.replaceAll(REGEX, "_"), IrBuilder.clean(n), () -> "seed " + seed + ", name " + n.codePoints().boxed().toList());
        }
    }
}

package io.kiln.kernels;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ImageResize.Mode#BILINEAR_ANTIALIAS} and {@link ImageResize.Mode#BICUBIC_ANTIALIAS} against
 * golden outputs of Pillow 9.4's {@code Image.resize} ({@code pillow_resize.bin}, made by
 * {@code make_pillow_goldens.py} next to it): 15 sizes (shrink and enlarge, 1xN, Nx1, one axis only),
 * 1/3/4 channels, random and smooth images, both filters.
 */
class ImageAntialiasTest {

    @Test
    void matchesPillowGoldens() throws IOException {
        int cases = 0;
        int differing = 0;
        try (InputStream raw = ImageAntialiasTest.class.getResourceAsStream("pillow_resize.bin")) {
            assertNotNull(raw, "pillow_resize.bin missing from the test resources");
            DataInputStream in = new DataInputStream(raw);
            assertEquals(0x4B494C4E, in.readInt(), "golden file magic");
            int version = in.readInt();
            int count = in.readInt();
            System.out.println("Pillow goldens: version " + version / 100 + "." + version % 100 + ", " + count + " cases");
            for (int i = 0; i < count; i++) {
                int sw = in.readInt(), sh = in.readInt(), ch = in.readInt(), dw = in.readInt(), dh = in.readInt();
                int filter = in.readInt(), kind = in.readInt();
                byte[] expected = new byte[dw * dh * ch];
                in.readFully(expected);
                long seed = sw * 1000003L + sh * 1009L + dw * 31L + dh * 7L + ch * 3L + kind + 1;
                Image src = new Image(pattern(sw, sh, ch, kind, seed), sw, sh, ch);
                ImageResize.Mode mode = filter == 0 ? ImageResize.Mode.BILINEAR_ANTIALIAS : ImageResize.Mode.BICUBIC_ANTIALIAS;
                Image got = ImageResize.resize(src, dw, dh, mode, ImageResizeTest.CPU);
                String what = mode + " " + sw + "x" + sh + "x" + ch + " -> " + dw + "x" + dh + (kind == 0 ? " random" : " smooth")
                        + " seed " + seed;
                // Pillow's integer arithmetic is reproduced exactly; the tolerance of 1 covers a
                // coefficient whose double value lands on a rounding boundary differently.
                ImageResizeTest.assertSame(new Image(expected, dw, dh, ch), got, what, 1);
                if (!java.util.Arrays.equals(expected, got.data())) {
                    differing++;
                }
                cases++;
            }
        }
        assertTrue(cases >= 100, "only " + cases + " golden cases read");
        assertEquals(0, differing, differing + " of " + cases + " golden cases are not byte-exact");
    }

    /** The inputs of {@code make_pillow_goldens.py}: xorshift32 bytes, or a smooth integer ramp. */
    static byte[] pattern(int w, int h, int ch, int kind, long seed) {
        byte[] out = new byte[w * h * ch];
        int state = (int) seed;
        for (int i = 0; i < out.length; i++) {
            if (kind == 0) {
                state ^= state << 13;
                state ^= state >>> 17;
                state ^= state << 5;
                out[i] = (byte) (state >>> 8);
            } else {
                int c = i % ch, x = i / ch % w, y = i / ch / w;
                out[i] = (byte) (x * 255 / Math.max(w - 1, 1) * (2 + c) / 3 + y * 97 / Math.max(h - 1, 1) + (x * y) % 7);
            }
        }
        return out;
    }
}

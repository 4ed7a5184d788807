package io.kiln.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link ImageOps#resizeBilinearU8} run as plain Java, against a separately written model of OpenCV's
 * INTER_LINEAR rules ({@link OpenCvLinearModel}) and against the float64 bilinear formula.
 */
class ImageOpsTest {

    static byte[] randomImage(long seed, int w, int h, int channels) {
        byte[] img = new byte[w * h * channels];
        new SplittableRandom(seed).nextBytes(img);
        return img;
    }

    /** A smooth image with random noise: neighbouring pixels correlate, as in photos. */
    static byte[] smoothImage(long seed, int w, int h, int channels) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] img = new byte[w * h * channels];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < channels; c++) {
                    double v = 127.5 + 100 * Math.sin(0.3 * x + c) * Math.cos(0.2 * y) + rnd.nextInt(-20, 21);
                    img[(y * w + x) * channels + c] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
                }
            }
        }
        return img;
    }

    static byte[] resize(byte[] src, int sw, int sh, int ch, int dw, int dh) {
        byte[] dst = new byte[dw * dh * ch];
        ImageOps.resizeBilinearU8(src, sw, sh, ch, dst, dw, dh);
        return dst;
    }

    @ParameterizedTest(name = "{0}x{1}x{2} -> {3}x{4}")
    @CsvSource({
            "1, 1, 1, 1, 1", "1, 1, 3, 1, 1", "1, 1, 1, 5, 3", "1, 1, 3, 7, 2", "7, 5, 1, 1, 1", "7, 5, 3, 1, 1",
            "2, 1, 1, 4, 1", "3, 3, 1, 2, 2", "13, 11, 1, 29, 17", "13, 11, 3, 29, 17", "97, 89, 1, 31, 23",
            "97, 89, 3, 31, 23", "64, 48, 1, 32, 24", "64, 48, 3, 32, 24", "101, 7, 3, 50, 3", "17, 19, 3, 17, 19",
            "17, 19, 1, 53, 19", "640, 480, 3, 224, 224", "31, 37, 1, 100, 113", "1, 61, 3, 1, 13", "59, 1, 1, 9, 1",
            "211, 149, 3, 67, 300", "30, 20, 1, 90, 60", "5, 5, 4, 2, 2"})
    void matchesOpenCvModelAndFloat64(int sw, int sh, int ch, int dw, int dh) {
        for (int variant = 0; variant < 2; variant++) {
            long seed = sw * 1_000_003L + sh * 1009L + ch * 17L + dw * 31L + dh + variant;
            byte[] src = variant == 0 ? randomImage(seed, sw, sh, ch) : smoothImage(seed, sw, sh, ch);
            byte[] got = resize(src, sw, sh, ch, dw, dh);
            int[] simd = OpenCvLinearModel.resize(src, sw, sh, ch, dw, dh, true);
            int[] scalar = OpenCvLinearModel.resize(src, sw, sh, ch, dw, dh, false);
            double[] ideal = bilinearFloat64(src, sw, sh, ch, dw, dh);
            for (int i = 0; i < got.length; i++) {
                int v = got[i] & 0xFF;
                String where = "pixel " + (i / ch % dw) + "," + (i / ch / dw) + " channel " + (i % ch) + " (variant " + variant + ")";
                // OpenCV's vectorised loop and its scalar tail round the vertical pass differently by
                // up to 1; the kernel follows the vectorised rounding everywhere.
                if (v != simd[i]) fail(where + ": kernel " + v + ", OpenCV model (SIMD rounding) " + simd[i]);
                if (Math.abs(v - scalar[i]) > 1) fail(where + ": kernel " + v + ", OpenCV model (scalar rounding) " + scalar[i]);
                if (Math.abs(v - ideal[i]) > 2.0) fail(where + ": kernel " + v + ", float64 bilinear " + ideal[i]);
            }
        }
    }

    @Test
    void knownValuesOfATwoPixelUpscale() {
        // cv2.resize(np.array([[0, 255]], np.uint8), (4, 1)) == [[0, 64, 191, 255]]
        byte[] dst = resize(new byte[] {0, (byte) 255}, 2, 1, 1, 4, 1);
        assertArrayEquals(new byte[] {0, 64, (byte) 191, (byte) 255}, dst);
    }

    @Test
    void exactHalvingIsTheRoundedHalfUpMeanOfEachBlock() {
        // 4x2 grey -> 2x1: block {10, 11, 12, 13} has mean 11.5 -> 12 (half up); block {0, 1, 0, 0} has mean 0.25 -> 0
        byte[] src = {10, 11, 0, 1, 12, 13, 0, 0};
        byte[] dst = resize(src, 4, 2, 1, 2, 1);
        assertEquals(12, dst[0] & 0xFF);
        assertEquals(0, dst[1] & 0xFF);
        // {1, 1, 1, 0}: 3/4 = 0.75 -> 1; {255, 255, 255, 254} -> 254.75 -> 255
        byte[] src2 = {1, 1, (byte) 255, (byte) 255, 1, 0, (byte) 255, (byte) 254};
        byte[] dst2 = resize(src2, 4, 2, 1, 2, 1);
        assertEquals(1, dst2[0] & 0xFF);
        assertEquals(255, dst2[1] & 0xFF);
    }

    @Test
    void equalSizesCopy() {
        byte[] src = randomImage(99, 23, 17, 3);
        assertArrayEquals(src, resize(src, 23, 17, 3, 23, 17));
    }

    @Test
    void constantImagesStayConstant() {
        for (int value : new int[] {0, 1, 127, 128, 254, 255}) {
            byte[] src = new byte[19 * 13 * 3];
            java.util.Arrays.fill(src, (byte) value);
            for (int[] size : new int[][] {{7, 5}, {40, 30}, {19, 26}, {1, 1}, {57, 13}}) {
                byte[] dst = resize(src, 19, 13, 3, size[0], size[1]);
                for (byte b : dst) {
                    assertEquals(value, b & 0xFF, "constant " + value + " resized to " + size[0] + "x" + size[1]);
                }
            }
        }
    }

    /** Textbook bilinear interpolation with half-pixel centres and replicated edges, in float64. */
    static double[] bilinearFloat64(byte[] src, int sw, int sh, int ch, int dw, int dh) {
        double[] out = new double[dw * dh * ch];
        for (int y = 0; y < dh; y++) {
            double fy = Math.min(Math.max((y + 0.5) * sh / dh - 0.5, 0), sh - 1);
            int y0 = (int) Math.floor(fy);
            int y1 = Math.min(y0 + 1, sh - 1);
            double ay = fy - y0;
            for (int x = 0; x < dw; x++) {
                double fx = Math.min(Math.max((x + 0.5) * sw / dw - 0.5, 0), sw - 1);
                int x0 = (int) Math.floor(fx);
                int x1 = Math.min(x0 + 1, sw - 1);
                double ax = fx - x0;
                for (int c = 0; c < ch; c++) {
                    double top = (1 - ax) * px(src, sw, ch, x0, y0, c) + ax * px(src, sw, ch, x1, y0, c);
                    double bottom = (1 - ax) * px(src, sw, ch, x0, y1, c) + ax * px(src, sw, ch, x1, y1, c);
                    out[(y * dw + x) * ch + c] = (1 - ay) * top + ay * bottom;
                }
            }
        }
        return out;
    }

    private static int px(byte[] src, int sw, int ch, int x, int y, int c) {
        return src[(y * sw + x) * ch + c] & 0xFF;
    }
}

package io.kiln.kernels;

/**
 * A test-only model of OpenCV 4.6 {@code cv::resize(..., INTER_LINEAR)} on 8-bit images, written the
 * way OpenCV structures it (and independently of {@link ImageOps}): per-column offset and weight
 * tables, per-row tables, a horizontal pass into int row buffers, then a vertical pass; the exact 2x
 * downscale goes to the area path.
 */
final class OpenCvLinearModel {
    private static final int COEF_BITS = 11;
    private static final int COEF_SCALE = 1 << COEF_BITS;

    private OpenCvLinearModel() {
    }

    /**
     * @param simdRounding the vertical pass as the vectorised loop computes it; {@code false} for the
     *                     scalar formula {@code (h0 * b0 + h1 * b1 + 2^21) >> 22}
     * @return the output samples as ints 0..255
     */
    static int[] resize(byte[] src, int sw, int sh, int cn, int dw, int dh, boolean simdRounding) {
        double invScaleX = (double) dw / sw;
        double invScaleY = (double) dh / sh;
        double scaleX = 1. / invScaleX;
        double scaleY = 1. / invScaleY;
        int[] out = new int[dw * dh * cn];
        if (sw == dw && sh == dh) {
            for (int i = 0; i < out.length; i++) out[i] = src[i] & 0xFF;
            return out;
        }
        int iscaleX = (int) Math.round(scaleX);
        int iscaleY = (int) Math.round(scaleY);
        boolean areaFast = Math.abs(scaleX - iscaleX) < Math.ulp(1.0) && Math.abs(scaleY - iscaleY) < Math.ulp(1.0);
        if (areaFast && iscaleX == 2 && iscaleY == 2) {
            return areaHalf(src, sw, cn, dw, dh);
        }

        // Column tables: source offset (in samples) and two weights per output sample.
        int[] xofs = new int[dw * cn];
        short[] alpha = new short[dw * cn * 2];
        int xmax = dw;
        for (int dx = 0; dx < dw; dx++) {
            float fx = (float) ((dx + 0.5) * scaleX - 0.5);
            int sx = floorOf(fx);
            fx -= sx;
            if (sx < 0) {
                fx = 0;
                sx = 0;
            }
            if (sx + 1 >= sw) {
                xmax = Math.min(xmax, dx);
                if (sx >= sw - 1) {
                    fx = 0;
                    sx = sw - 1;
                }
            }
            float[] cbuf = {1.f - fx, fx};
            for (int k = 0; k < cn; k++) {
                xofs[dx * cn + k] = sx * cn + k;
                alpha[(dx * cn + k) * 2] = saturateShort(cbuf[0] * COEF_SCALE);
                alpha[(dx * cn + k) * 2 + 1] = saturateShort(cbuf[1] * COEF_SCALE);
            }
        }
        // Row tables.
        int[] yofs = new int[dh];
        short[] beta = new short[dh * 2];
        for (int dy = 0; dy < dh; dy++) {
            float fy = (float) ((dy + 0.5) * scaleY - 0.5);
            int sy = floorOf(fy);
            fy -= sy;
            yofs[dy] = sy;
            beta[dy * 2] = saturateShort((1.f - fy) * COEF_SCALE);
            beta[dy * 2 + 1] = saturateShort(fy * COEF_SCALE);
        }
        int xmaxSamples = xmax * cn;
        int width = dw * cn;
        int[][] rows = new int[2][width];
        for (int dy = 0; dy < dh; dy++) {
            for (int k = 0; k < 2; k++) {
                int sy = Math.min(Math.max(yofs[dy] + k, 0), sh - 1);
                hresize(src, sy * sw * cn, rows[k], xofs, alpha, width, xmaxSamples, cn);
            }
            int b0 = beta[dy * 2];
            int b1 = beta[dy * 2 + 1];
            for (int x = 0; x < width; x++) {
                int h0 = rows[0][x];
                int h1 = rows[1][x];
                int v;
                if (simdRounding) {
                    int s0 = mulHi(saturateShort16(h0 >> 4), b0);
                    int s1 = mulHi(saturateShort16(h1 >> 4), b1);
                    v = (short) (s0 + s1); // 16-bit lanes
                    v = (v + 2) >> 2;
                } else {
                    v = (h0 * b0 + h1 * b1 + (1 << (2 * COEF_BITS - 1))) >> (2 * COEF_BITS);
                }
                out[dy * width + x] = Math.min(255, Math.max(0, v));
            }
        }
        return out;
    }

    private static void hresize(byte[] src, int rowStart, int[] dst, int[] xofs, short[] alpha, int width, int xmax, int cn) {
        int dx = 0;
        for (; dx < xmax; dx++) {
            int sx = xofs[dx];
            dst[dx] = (src[rowStart + sx] & 0xFF) * alpha[dx * 2] + (src[rowStart + sx + cn] & 0xFF) * alpha[dx * 2 + 1];
        }
        for (; dx < width; dx++) {
            dst[dx] = (src[rowStart + xofs[dx]] & 0xFF) * alpha[dx * 2];
        }
    }

    private static int[] areaHalf(byte[] src, int sw, int cn, int dw, int dh) {
        int[] out = new int[dw * dh * cn];
        int step = sw * cn;
        for (int dy = 0; dy < dh; dy++) {
            int row = 2 * dy * step;
            for (int dx = 0; dx < dw * cn; dx++) {
                int x = dx / cn * 2 * cn + dx % cn;
                int sum = (src[row + x] & 0xFF) + (src[row + x + cn] & 0xFF)
                        + (src[row + step + x] & 0xFF) + (src[row + step + x + cn] & 0xFF);
                out[dy * dw * cn + dx] = (sum + 2) >> 2;
            }
        }
        return out;
    }

    /** cvFloor on a float. */
    private static int floorOf(float v) {
        int i = (int) v;
        return i - (i > v ? 1 : 0);
    }

    /** saturate_cast&lt;short&gt;(float): round half to even, then clamp. */
    private static short saturateShort(float v) {
        long r = Math.round(Math.rint(v));
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, r));
    }

    private static int saturateShort16(int v) {
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
    }

    /** The high half of a 16x16-bit signed product. */
    private static int mulHi(int a, int b) {
        return (a * b) >> 16;
    }
}

package io.kiln.kernels;

import io.kiln.Parallel;

/**
 * Image kernels on interleaved 8-bit images (row-major, {@code channels} bytes per pixel, bytes read
 * as unsigned 0..255), written in Kiln's kernel language. The full set of image operations (every
 * OpenCV and Pillow resize mode, geometry, conversions, batches and presets) is in {@link ImageResize},
 * {@link ImageGeometry}, {@link ImageConvert} and {@link ImagePresets}; see docs/library-images.md.
 */
public final class ImageOps {
    private ImageOps() {
    }

    /** Fractional bits of the fixed-point interpolation weights (OpenCV's INTER_RESIZE_COEF_BITS). */
    private static final float WEIGHT_SCALE = 2048f;

    /**
     * Bilinear resize with the results of OpenCV's {@code cv::resize(src, dst, dsize, 0, 0,
     * INTER_LINEAR)} on {@code CV_8UC(channels)} images (OpenCV 4.6, its vectorised code path):
     * <ul>
     * <li>scale per axis {@code 1.0 / ((double) dst / src)}; source coordinate with half-pixel
     * centres {@code f = (float) ((d + 0.5) * scale - 0.5)}, {@code s = floor(f)}, {@code f -= s};</li>
     * <li>columns replicate the edge ({@code s < 0} gives {@code s = 0, f = 0};
     * {@code s >= srcW - 1} gives {@code s = srcW - 1, f = 0}); rows keep the weight and clamp the
     * two row indices to {@code [0, srcH - 1]};</li>
     * <li>weights in fixed point with 11 fractional bits, {@code rint((1 - f) * 2048)} and
     * {@code rint(f * 2048)} (each rounded half to even, in {@code float});</li>
     * <li>horizontal pass exact in {@code int}; vertical pass as OpenCV's SIMD code does it,
     * {@code t = ((h0 >> 4) * w0 >> 16) + ((h1 >> 4) * w1 >> 16)}, result
     * {@code clamp((t + 2) >> 2, 0, 255)} (OpenCV's scalar tail rounds differently by at most 1);</li>
     * </ul>
     * Two special cases of OpenCV need no code of their own, because these rules already give their
     * results: equal sizes copy the image, and an exact 2x downscale on both axes (where OpenCV
     * switches to INTER_AREA) gives the mean of each 2x2 block rounded half up (the weights are
     * 1024/1024 there, so {@code t} is exactly the block's sum). All sizes must be positive; {@code src} holds at least
     * {@code srcW * srcH * channels} bytes and {@code dst} at least {@code dstW * dstH * channels}.
     *
     * @param src      the source image
     * @param srcW     source width in pixels
     * @param srcH     source height in pixels
     * @param channels bytes per pixel (1 for grey, 3 for RGB/BGR, ...)
     * @param dst      the output image, overwritten
     * @param dstW     output width in pixels
     * @param dstH     output height in pixels
     */
    public static void resizeBilinearU8(byte[] src, int srcW, int srcH, int channels,
                                        byte[] dst, int dstW, int dstH) {
        // OpenCV computes inv_scale = dst / src and then scale = 1 / inv_scale, which can differ
        // from src / dst in the last bit.
        double scaleX = 1.0 / ((double) dstW / srcW);
        double scaleY = 1.0 / ((double) dstH / srcH);
        int srcRow = srcW * channels;
        for (@Parallel int dy = 0; dy < dstH; dy++) {
            // Row weights: the fraction is kept even where the row index is clamped.
            float fy = (float) ((dy + 0.5) * scaleY - 0.5);
            int sy = (int) Math.floor(fy);
            fy -= sy;
            int wy0 = (int) Math.rint((1f - fy) * WEIGHT_SCALE);
            int wy1 = (int) Math.rint(fy * WEIGHT_SCALE);
            int y0 = sy < 0 ? 0 : (sy > srcH - 1 ? srcH - 1 : sy);
            int y1 = sy + 1 < 0 ? 0 : (sy + 1 > srcH - 1 ? srcH - 1 : sy + 1);
            for (@Parallel int dx = 0; dx < dstW; dx++) {
                int out = (dy * dstW + dx) * channels;
                // Column weights: the edge pixel is replicated outside the image.
                float fx = (float) ((dx + 0.5) * scaleX - 0.5);
                int sx = (int) Math.floor(fx);
                fx -= sx;
                if (sx < 0) {
                    sx = 0;
                    fx = 0f;
                }
                if (sx >= srcW - 1) {
                    sx = srcW - 1;
                    fx = 0f;
                }
                int wx0 = (int) Math.rint((1f - fx) * WEIGHT_SCALE);
                int wx1 = (int) Math.rint(fx * WEIGHT_SCALE);
                int sx1 = sx + 1 < srcW ? sx + 1 : sx; // wx1 == 0 at the right edge
                int a0 = y0 * srcRow + sx * channels;
                int a1 = y0 * srcRow + sx1 * channels;
                int b0 = y1 * srcRow + sx * channels;
                int b1 = y1 * srcRow + sx1 * channels;
                for (int c = 0; c < channels; c++) {
                    int h0 = (src[a0 + c] & 0xFF) * wx0 + (src[a1 + c] & 0xFF) * wx1;
                    int h1 = (src[b0 + c] & 0xFF) * wx0 + (src[b1 + c] & 0xFF) * wx1;
                    int t = (((h0 >> 4) * wy0) >> 16) + (((h1 >> 4) * wy1) >> 16);
                    int v = (t + 2) >> 2;
                    dst[out + c] = (byte) (v < 0 ? 0 : (v > 255 ? 255 : v));
                }
            }
        }
    }
}

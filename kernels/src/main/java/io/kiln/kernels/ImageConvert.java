package io.kiln.kernels;

import io.kiln.Backend;
import io.kiln.ByteArray;
import io.kiln.Device;
import io.kiln.FloatArray;
import io.kiln.TaskGraph;
import io.kiln.Parallel;
import io.kiln.Variant;

import java.util.Objects;

/**
 * Conversions from 8-bit images to the float tensors models take, and OpenCV's Gaussian blur.
 *
 * <p>Float results follow torchvision: a byte {@code v} becomes {@code v / divisor} (255 for
 * {@code ToTensor}), then {@code (f - mean[c]) / std[c]} ({@code Normalize}), each step one float
 * operation rounded as Java rounds it, so every device gives the same bits.
 */
public final class ImageConvert {
    private ImageConvert() {
    }

    // ---------------------------------------------------------------------------------------------
    // Host API

    /**
     * The image as floats {@code v / divisor}, interleaved like the image.
     *
     * @throws IllegalArgumentException if {@code divisor} is zero, NaN or infinite
     */
    public static float[] toFloat(Image src, float divisor, Device device) {
        Objects.requireNonNull(src, "src is null");
        ImageLaunch.checkDevice(device);
        src = src.toHeap(); // an off-heap image is copied first (docs/library-images.md, "Off-heap input")
        checkDivisor(divisor);
        float[] dst = new float[src.data().length];
        ImageLaunch.run(ImageLaunch.graph("to-float", ImageLaunch.of(src.data()), dst)
                .task("convert", ImageConvert::toFloatU8, src.data(), divisor, dst), device);
        return dst;
    }

    /**
     * Normalises interleaved floats in place, {@code x = (x - mean[c]) / std[c]} for channel
     * {@code c = i % mean.length} (torchvision's {@code Normalize} on HWC data).
     *
     * @throws IllegalArgumentException if mean and std differ in length, a std is zero or not finite,
     *                                  or the data is not a whole number of pixels
     */
    public static void normalize(float[] data, float[] mean, float[] std, Device device) {
        Objects.requireNonNull(data, "data is null");
        ImageLaunch.checkDevice(device);
        checkMeanStd(mean, std, mean == null ? 0 : mean.length);
        if (data.length % mean.length != 0) {
            throw new IllegalArgumentException(data.length + " floats are not a whole number of " + mean.length + "-channel pixels");
        }
        ImageLaunch.run(ImageLaunch.graph("normalize", ImageLaunch.of(data, mean, std), data)
                .task("normalize", ImageConvert::normalizeF32, data, mean.length, mean, std), device);
    }

    /**
     * DALI's {@code CropMirrorNormalize} in one pass: the {@code w x h} window at {@code (x, y)},
     * mirrored left-right if asked, as planar CHW floats {@code (v / divisor - mean[c]) / std[c]}.
     *
     * @throws IllegalArgumentException if the window reaches outside the image, or mean/std do not
     *                                  have one value per channel
     */
    public static float[] cropMirrorNormalize(Image src, int x, int y, int w, int h, boolean mirror, float divisor,
                                              float[] mean, float[] std, Device device) {
        ImageGeometry.checkCrop(src, x, y, w, h);
        ImageLaunch.checkDevice(device);
        checkDivisor(divisor);
        checkMeanStd(mean, std, src.channels());
        float[] dst = new float[w * h * src.channels()];
        TaskGraph g = ImageLaunch.graph("crop-mirror-normalize", ImageLaunch.of(src.pixels(), mean, std), dst);
        ImageLaunch.run(src.isOffHeap()
                ? g.task("cmn", ImageConvert::cropMirrorNormalizeOffHeapU8, src.offHeap(), src.width(), src.channels(), x, y, w, h,
                        mirror, divisor, mean, std, dst)
                : g.task("cmn", ImageConvert::cropMirrorNormalizeU8, src.data(), src.width(), src.channels(), x, y, w, h,
                        mirror, divisor, mean, std, dst), device);
        return dst;
    }

    /**
     * OpenCV's {@code GaussianBlur(src, dst, Size(ksize, ksize), sigma, sigma, BORDER_REFLECT_101)}
     * for 8-bit images: the kernel of {@code getGaussianKernel} (its fixed table for sizes up to 7 when
     * {@code sigma <= 0}, else {@code exp(-x^2 / (2 sigma^2))} normalised; {@code sigma <= 0} means
     * {@code 0.3 ((ksize - 1) / 2 - 1) + 0.8}), rounded to 8 fractional bits with OpenCV's error
     * diffusion so that it sums to exactly 1; the rows filtered in 8.8 fixed point, the columns in
     * 16.16, the result rounded half up.
     *
     * @throws IllegalArgumentException if {@code ksize} is not a positive odd number, or sigma is NaN
     */
    public static Image gaussianBlur(Image src, int ksize, double sigma, Device device) {
        Objects.requireNonNull(src, "src is null");
        ImageLaunch.checkDevice(device);
        if (ksize < 1 || ksize % 2 == 0) {
            throw new IllegalArgumentException("Gaussian kernel size " + ksize + " is not a positive odd number: use 1, 3, 5, ...");
        }
        if (Double.isNaN(sigma) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("Gaussian sigma " + sigma + " is not finite: pass a positive value, or 0 to derive it from ksize");
        }
        src = src.toHeap(); // an off-heap image is copied first (docs/library-images.md, "Off-heap input")
        int[] k = gaussianFixedPoint(ksize, sigma);
        int ch = src.channels();
        int[] rows = new int[src.data().length];
        byte[] dst = new byte[src.data().length];
        ImageLaunch.run(ImageLaunch.graph("gaussian-blur", ImageLaunch.of(src.data(), k), dst)
                .task("rows", ImageConvert::blurRowsU8, src.data(), src.width(), src.height(), ch, k, ksize, rows)
                .task("columns", ImageConvert::blurColumnsU8, rows, src.width(), src.height(), ch, k, ksize, dst), device);
        return new Image(dst, src.width(), src.height(), ch);
    }

    /** The Gaussian weights of {@code cv::getGaussianKernel(n, sigma, CV_64F)}. */
    static double[] gaussianKernel(int n, double sigma) {
        double[][] small = {{1}, {0.25, 0.5, 0.25}, {0.0625, 0.25, 0.375, 0.25, 0.0625},
                {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125}};
        double[] k = new double[n];
        if (n <= 7 && sigma <= 0) {
            System.arraycopy(small[n / 2], 0, k, 0, n);
            return k;
        }
        double s = sigma > 0 ? sigma : ((n - 1) * 0.5 - 1) * 0.3 + 0.8;
        double scale2 = -0.5 / (s * s);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = i - (n - 1) * 0.5;
            k[i] = Math.exp(scale2 * x * x);
            sum += k[i];
        }
        for (int i = 0; i < n; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /**
     * The kernel in 8 fractional bits: from the outside in, each weight rounded with the rounding
     * error carried to the next, the centre taking what makes the sum exactly 256.
     */
    static int[] gaussianFixedPoint(int n, double sigma) {
        double[] k = gaussianKernel(n, sigma);
        int[] out = new int[n];
        double err = 0;
        int sum = 0;
        for (int i = 0; i < n / 2; i++) {
            double adj = k[i] * 256 + err;
            int v = (int) Math.rint(adj);
            err = adj - v;
            out[i] = v;
            out[n - 1 - i] = v;
            sum += v;
        }
        out[n / 2] = 256 - 2 * sum;
        return out;
    }

    static void checkDivisor(float divisor) {
        if (divisor == 0 || Float.isNaN(divisor) || Float.isInfinite(divisor)) {
            throw new IllegalArgumentException("divisor " + divisor + " is not a finite non-zero number: use 255 for [0, 1] floats, 1 for raw values");
        }
    }

    static void checkMeanStd(float[] mean, float[] std, int channels) {
        Objects.requireNonNull(mean, "mean is null: pass one value per channel");
        Objects.requireNonNull(std, "std is null: pass one value per channel");
        if (mean.length != std.length || mean.length < 1) {
            throw new IllegalArgumentException("mean has " + mean.length + " and std " + std.length
                    + " values: pass one of each per channel (3 for RGB images, 1 for grey)");
        }
        if (mean.length != channels) {
            throw new IllegalArgumentException("mean has " + mean.length + " and std " + std.length + " values for " + channels
                    + " channels: pass one of each per channel");
        }
        for (float s : std) {
            if (s == 0 || Float.isNaN(s) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("std value " + s + " is not a finite non-zero number");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Kernels

    /** {@code dst[i] = (src[i] & 0xFF) / divisor}. */
    public static void toFloatU8(byte[] src, float divisor, float[] dst) {
        for (@Parallel int i = 0; i < src.length; i++) {
            dst[i] = (src[i] & 0xFF) / divisor;
        }
    }

    /** {@code x[i] = (x[i] - mean[c]) / std[c]} with {@code c = i % channels}. */
    public static void normalizeF32(float[] x, int channels, float[] mean, float[] std) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int c = i % channels;
            x[i] = (x[i] - mean[c]) / std[c];
        }
    }

    /** Crop, optional left-right mirror, {@code (v / divisor - mean[c]) / std[c]}, planar CHW output. */
    public static void cropMirrorNormalizeU8(byte[] src, int srcW, int channels, int x0, int y0, int w, int h,
                                             boolean mirror, float divisor, float[] mean, float[] std, float[] dst) {
        for (@Parallel int y = 0; y < h; y++) {
            int row = ((y0 + y) * srcW + x0) * channels;
            for (int x = 0; x < w; x++) {
                int sx = mirror ? w - 1 - x : x;
                for (int c = 0; c < channels; c++) {
                    float f = (src[row + sx * channels + c] & 0xFF) / divisor;
                    dst[(c * h + y) * w + x] = (f - mean[c]) / std[c];
                }
            }
        }
    }

    /** {@link #cropMirrorNormalizeU8} reading its source from off-heap memory: the same floats. */
    public static void cropMirrorNormalizeOffHeapU8(ByteArray src, int srcW, int channels, int x0, int y0, int w, int h,
                                                    boolean mirror, float divisor, float[] mean, float[] std, float[] dst) {
        for (@Parallel int y = 0; y < h; y++) {
            int row = ((y0 + y) * srcW + x0) * channels;
            for (int x = 0; x < w; x++) {
                int sx = mirror ? w - 1 - x : x;
                for (int c = 0; c < channels; c++) {
                    float f = (src.get(row + sx * channels + c) & 0xFF) / divisor;
                    dst[(c * h + y) * w + x] = (f - mean[c]) / std[c];
                }
            }
        }
    }

    /**
     * Resize (two-tap tables of {@link ImageResize#xTable}/{@link ImageResize#yTable}, which may also
     * crop and mirror), {@code / divisor}, normalise, into an N x C x H x W float tensor: one launch for
     * a batch of images of any sizes. The byte each output element starts from is exactly
     * {@link ImageResize#twoTapU8}'s.
     */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void twoTapToChwF32(byte[] src, int channels, int[] xTab, int[] yTab, float divisor, float[] mean,
                                      float[] std, float[] dst, int count, int dstW, int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int y = r - n * dstH;
            int r0 = yTab[r * 4];
            int r1 = yTab[r * 4 + 1];
            int wy0 = yTab[r * 4 + 2];
            int wy1 = yTab[r * 4 + 3];
            int xBase = n * dstW * 4;
            int plane = dstW * dstH;
            int out = n * channels * plane + y * dstW;
            for (int dx = 0; dx < dstW; dx++) {
                int xt = xBase + dx * 4;
                int c0 = xTab[xt];
                int c1 = xTab[xt + 1];
                int wx0 = xTab[xt + 2];
                int wx1 = xTab[xt + 3];
                for (int c = 0; c < channels; c++) {
                    int v = ImageResize.linearPixel(src[r0 + c0 + c], src[r0 + c1 + c], src[r1 + c0 + c], src[r1 + c1 + c],
                            wx0, wx1, wy0, wy1) & 0xFF;
                    dst[out + c * plane + dx] = (v / divisor - mean[c]) / std[c];
                }
            }
        }
    }

    /** {@link #twoTapToChwF32} writing into an off-heap tensor (for hand-off to native runtimes). */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void twoTapToChwOffHeap(byte[] src, int channels, int[] xTab, int[] yTab, float divisor, float[] mean,
                                      float[] std, io.kiln.FloatArray dst, int count, int dstW, int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int y = r - n * dstH;
            int r0 = yTab[r * 4];
            int r1 = yTab[r * 4 + 1];
            int wy0 = yTab[r * 4 + 2];
            int wy1 = yTab[r * 4 + 3];
            int xBase = n * dstW * 4;
            long plane = (long) dstW * dstH;
            long out = n * channels * plane + (long) y * dstW;
            for (int dx = 0; dx < dstW; dx++) {
                int xt = xBase + dx * 4;
                int c0 = xTab[xt];
                int c1 = xTab[xt + 1];
                int wx0 = xTab[xt + 2];
                int wx1 = xTab[xt + 3];
                for (int c = 0; c < channels; c++) {
                    int v = ImageResize.linearPixel(src[r0 + c0 + c], src[r0 + c1 + c], src[r1 + c0 + c], src[r1 + c1 + c],
                            wx0, wx1, wy0, wy1) & 0xFF;
                    dst.set(out + c * plane + dx, (v / divisor - mean[c]) / std[c]);
                }
            }
        }
    }

    /** {@link #twoTapToChwF32} reading its source from off-heap memory: the same floats. */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void twoTapOffHeapToChwF32(ByteArray src, int channels, int[] xTab, int[] yTab, float divisor, float[] mean,
                                             float[] std, float[] dst, int count, int dstW, int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int y = r - n * dstH;
            int r0 = yTab[r * 4];
            int r1 = yTab[r * 4 + 1];
            int plane = dstW * dstH;
            int out = n * channels * plane + y * dstW;
            for (int dx = 0; dx < dstW; dx++) {
                int xt = n * dstW * 4 + dx * 4;
                int c0 = xTab[xt];
                int c1 = xTab[xt + 1];
                for (int c = 0; c < channels; c++) {
                    int v = ImageResize.linearPixel(src.get(r0 + c0 + c), src.get(r0 + c1 + c), src.get(r1 + c0 + c),
                            src.get(r1 + c1 + c), xTab[xt + 2], xTab[xt + 3], yTab[r * 4 + 2], yTab[r * 4 + 3]) & 0xFF;
                    dst[out + c * plane + dx] = (v / divisor - mean[c]) / std[c];
                }
            }
        }
    }

    /** {@link #twoTapToChwOffHeap} reading its source from off-heap memory: off-heap in, off-heap out, the same floats. */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void twoTapOffHeapToChwOffHeap(ByteArray src, int channels, int[] xTab, int[] yTab, float divisor,
                                                 float[] mean, float[] std, FloatArray dst, int count, int dstW, int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int y = r - n * dstH;
            int r0 = yTab[r * 4];
            int r1 = yTab[r * 4 + 1];
            long plane = (long) dstW * dstH;
            long out = n * channels * plane + (long) y * dstW;
            for (int dx = 0; dx < dstW; dx++) {
                int xt = n * dstW * 4 + dx * 4;
                int c0 = xTab[xt];
                int c1 = xTab[xt + 1];
                for (int c = 0; c < channels; c++) {
                    int v = ImageResize.linearPixel(src.get(r0 + c0 + c), src.get(r0 + c1 + c), src.get(r1 + c0 + c),
                            src.get(r1 + c1 + c), xTab[xt + 2], xTab[xt + 3], yTab[r * 4 + 2], yTab[r * 4 + 3]) & 0xFF;
                    dst.set(out + c * plane + dx, (v / divisor - mean[c]) / std[c]);
                }
            }
        }
    }

    /** Row pass of the blur: {@code rows = sum(src * k)} over reflect-101 columns, 8 fractional bits. */
    public static void blurRowsU8(byte[] src, int w, int h, int channels, int[] k, int ksize, int[] rows) {
        int half = ksize / 2;
        for (@Parallel int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < channels; c++) {
                    int acc = 0;
                    for (int i = 0; i < ksize; i++) {
                        int sx = ImageGeometry.borderIndex(x + i - half, w, 3);
                        acc += (src[(y * w + sx) * channels + c] & 0xFF) * k[i];
                    }
                    rows[(y * w + x) * channels + c] = acc;
                }
            }
        }
    }

    /** Column pass of the blur: {@code sum(rows * k)} over reflect-101 rows in 16.16, rounded half up. */
    public static void blurColumnsU8(int[] rows, int w, int h, int channels, int[] k, int ksize, byte[] dst) {
        int half = ksize / 2;
        int rowLen = w * channels;
        for (@Parallel int y = 0; y < h; y++) {
            for (int e = 0; e < rowLen; e++) {
                int acc = 0;
                for (int i = 0; i < ksize; i++) {
                    int sy = ImageGeometry.borderIndex(y + i - half, h, 3);
                    acc += rows[sy * rowLen + e] * k[i];
                }
                int v = (acc + (1 << 15)) >>> 16;
                dst[y * rowLen + e] = (byte) (v > 255 ? 255 : v);
            }
        }
    }
}

package io.kiln.kernels;

import io.kiln.Backend;
import io.kiln.ByteArray;
import io.kiln.Device;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Variant;

import java.util.List;
import java.util.Objects;

/**
 * Resizing of 8-bit interleaved images (1, 3 or 4 channels) with the results of OpenCV's
 * {@code cv::resize} (4.9) and of Pillow's antialiased {@code Image.resize}, on any Kiln device.
 *
 * <p>Each mode splits into a host part and a kernel. The host computes, once per axis, which source
 * pixels each output pixel reads and with which weights, with OpenCV's (or Pillow's) own formulas in
 * the same floating-point types; the kernel only gathers and weighs, in the same integer or float
 * arithmetic as OpenCV's code. That keeps every rounding where the reference has it, and the kernels
 * small enough for every back end. The tables hold absolute byte offsets, so one launch serves a
 * whole batch of images of different sizes ({@link #resizeBatch}).
 *
 * <p>Use {@link #resize(Image, int, int, Mode, Device)} for one image and
 * {@link #resizeBatch(List, int, int, Mode, Device)} for many; the public static kernels
 * ({@link #twoTapU8}, {@link #areaU8}, {@link #areaIntegerU8}, {@link #tapsU8}) can also be put in a
 * {@link TaskGraph} of one's own with the tables made by the {@code *Table} methods.
 */
public final class ImageResize {
    private ImageResize() {
    }

    /** How output pixels are computed from source pixels. */
    public enum Mode {
        /** OpenCV {@code INTER_NEAREST}: source pixel {@code floor(d * src / dst)} (no half-pixel offset). */
        NEAREST,
        /** OpenCV {@code INTER_NEAREST_EXACT}: the nearest pixel with half-pixel centres, in 16.16 fixed point. */
        NEAREST_EXACT,
        /** OpenCV {@code INTER_LINEAR}: 2x2 taps in 11-bit fixed point; aliases when shrinking by more than 2. */
        BILINEAR,
        /**
         * OpenCV {@code INTER_AREA}: the mean over each output pixel's footprint when shrinking (integer
         * and fractional factors), OpenCV's area-weighted bilinear variant when enlarging.
         */
        AREA,
        /**
         * Pillow's {@code Image.BILINEAR} (and torchvision's {@code antialias=True} bilinear): a triangle
         * filter widened by the shrink factor, weights clipped to the image, 22-bit fixed point.
         */
        BILINEAR_ANTIALIAS,
        /** Pillow's {@code Image.BICUBIC} (a = -0.5), widened by the shrink factor like {@link #BILINEAR_ANTIALIAS}. */
        BICUBIC_ANTIALIAS
    }

    /** Fixed-point unit of OpenCV's linear weights (INTER_RESIZE_COEF_BITS = 11). */
    static final int LINEAR_ONE = 2048;
    /** Fractional bits of Pillow's 8-bit coefficients (PRECISION_BITS = 32 - 8 - 2). */
    static final int PILLOW_BITS = 22;

    // ---------------------------------------------------------------------------------------------
    // Host API

    /**
     * Resizes {@code src} (a heap or {@linkplain Image#wrap off-heap} image) to {@code dstW x dstH}
     * with {@code mode} on {@code device}, into a new heap image.
     *
     * @throws IllegalArgumentException if the output size is not positive
     * @throws NullPointerException     if an argument is null
     */
    public static Image resize(Image src, int dstW, int dstH, Mode mode, Device device) {
        Objects.requireNonNull(src, "src is null");
        Objects.requireNonNull(mode, "mode is null: pick one of ImageResize.Mode");
        ImageLaunch.checkDevice(device);
        Image.checkSize(dstW, dstH, src.channels());
        int ch = src.channels();
        byte[] dst = new byte[dstW * dstH * ch];
        if (dstW == src.width() && dstH == src.height()) {
            // Every reference copies an image whose size does not change.
            src.copyTo(dst, 0);
            return new Image(dst, dstW, dstH, ch);
        }
        Object px = src.pixels();
        boolean offHeap = src.isOffHeap();
        TaskGraph g;
        switch (kernelFor(mode, src.width(), src.height(), dstW, dstH)) {
            case TWO_TAP -> {
                int[] xt = xTable(mode, src.width(), dstW, ch, 0, src.width(), false);
                int[] yt = yTable(mode, src.height(), dstH, src.width() * ch, 0, 0, src.height());
                g = ImageLaunch.graph("resize-" + mode, ImageLaunch.of(px, xt, yt), dst);
                g = offHeap ? g.task("resize", ImageResize::twoTapOffHeapU8, (ByteArray) px, ch, xt, yt, dst, 1, dstW, dstH)
                        : g.task("resize", ImageResize::twoTapU8, (byte[]) px, ch, xt, yt, dst, 1, dstW, dstH);
            }
            case AREA_INTEGER -> {
                int kx = src.width() / dstW, ky = src.height() / dstH;
                g = ImageLaunch.graph("resize-area", ImageLaunch.of(px), dst);
                g = offHeap ? g.task("resize", ImageResize::areaIntegerOffHeapU8, (ByteArray) px, src.width(), ch, kx, ky, dst, dstW, dstH)
                        : g.task("resize", ImageResize::areaIntegerU8, (byte[]) px, src.width(), ch, kx, ky, dst, dstW, dstH);
            }
            case AREA_FRACTIONAL -> {
                AreaTable xt = areaTable(src.width(), dstW, ch);
                AreaTable yt = areaTable(src.height(), dstH, src.width() * ch);
                g = ImageLaunch.graph("resize-area", ImageLaunch.of(px, xt.start, xt.offset, xt.weight,
                        yt.start, yt.offset, yt.weight), dst);
                g = offHeap ? g.task("resize", ImageResize::areaOffHeapU8, (ByteArray) px, ch, xt.start, xt.offset, xt.weight,
                                yt.start, yt.offset, yt.weight, dst, dstW, dstH)
                        : g.task("resize", ImageResize::areaU8, (byte[]) px, ch, xt.start, xt.offset, xt.weight,
                                yt.start, yt.offset, yt.weight, dst, dstW, dstH);
            }
            default -> {
                return antialias(src, dstW, dstH, mode == Mode.BICUBIC_ANTIALIAS, device);
            }
        }
        ImageLaunch.run(g, device);
        return new Image(dst, dstW, dstH, ch);
    }

    /**
     * Resizes {@code src} to the size of {@code dst} with {@code mode} on {@code device}, writing the
     * pixels of {@code dst} (a heap or off-heap image, for example a slot of a batch tensor wrapped with
     * {@link Image#wrap}). An off-heap {@code dst} is filled from a heap result (one copy of the output).
     *
     * @throws IllegalArgumentException if the channels differ
     */
    public static void resize(Image src, Image dst, Mode mode, Device device) {
        Objects.requireNonNull(src, "src is null");
        Objects.requireNonNull(dst, "dst is null: pass the image to write");
        if (src.channels() != dst.channels()) {
            throw new IllegalArgumentException("src has " + src.channels() + " channels but dst " + dst.channels()
                    + ": resize keeps the channels, convert first (ImageGeometry.toGrey, ...)");
        }
        Image out = resize(src, dst.width(), dst.height(), mode, device);
        if (dst.isOffHeap()) {
            dst.offHeap().copyFrom(out.data(), 0, 0, out.byteSize());
        } else {
            System.arraycopy(out.data(), 0, dst.data(), 0, out.byteSize());
        }
    }

    /**
     * Resizes every image of {@code images} to {@code dstW x dstH} in one launch and returns them as
     * one N x H x W x C batch tensor ({@code images.size() * dstH * dstW * channels} bytes). The images
     * may differ in size but must agree in channels. Every mode is batched; image {@code i} of the
     * result equals {@link #resize(Image, int, int, Mode, Device) resize(images.get(i), ...)} byte for
     * byte.
     *
     * @throws IllegalArgumentException if the list is empty or the channels differ
     */
    public static byte[] resizeBatch(List<Image> images, int dstW, int dstH, Mode mode, Device device) {
        return resizeBatch(ImageBatch.of(images), dstW, dstH, mode, device);
    }

    /**
     * {@link #resizeBatch(List, int, int, Mode, Device)} of a packed batch, heap or
     * {@linkplain ImageBatch#wrap(ByteArray, int[], int[], int[], int) off-heap}. The two-tap modes
     * (nearest, bilinear, an enlarging {@link Mode#AREA}) read the pixels in place; a shrinking
     * {@link Mode#AREA} and the antialiased modes read a heap copy of an off-heap batch (their batched
     * kernels have no off-heap twin yet).
     */
    public static byte[] resizeBatch(ImageBatch batch, int dstW, int dstH, Mode mode, Device device) {
        Objects.requireNonNull(batch, "batch is null");
        Objects.requireNonNull(mode, "mode is null: pick one of ImageResize.Mode");
        ImageLaunch.checkDevice(device);
        Image.checkSize(dstW, dstH, batch.channels());
        int n = batch.size(), ch = batch.channels();
        byte[] dst = new byte[n * dstH * dstW * ch];
        if (mode == Mode.BILINEAR_ANTIALIAS || mode == Mode.BICUBIC_ANTIALIAS) {
            ImageLaunch.run(ImageResizeBatch.taps(heap(batch), dstW, dstH, mode == Mode.BICUBIC_ANTIALIAS, dst), device);
            return dst;
        }
        if (mode == Mode.AREA && !ImageResizeBatch.allTwoTap(batch, dstW, dstH)) {
            ImageLaunch.run(ImageResizeBatch.area(heap(batch), dstW, dstH, dst), device);
            return dst;
        }
        int[] xt = new int[n * dstW * 4];
        int[] yt = new int[n * dstH * 4];
        for (int i = 0; i < n; i++) {
            int w = batch.width(i), h = batch.height(i);
            Mode m = (w == dstW && h == dstH) ? Mode.NEAREST : mode; // equal sizes copy
            System.arraycopy(xTable(m, w, dstW, ch, 0, w, false), 0, xt, i * dstW * 4, dstW * 4);
            System.arraycopy(yTable(m, h, dstH, w * ch, batch.offset(i), 0, h), 0, yt, i * dstH * 4, dstH * 4);
        }
        Object px = batch.pixels();
        TaskGraph g = ImageLaunch.graph("resize-batch-" + mode, ImageLaunch.of(px, xt, yt), dst);
        ImageLaunch.run(batch.isOffHeap()
                ? g.task("resize", ImageResize::twoTapOffHeapU8, (ByteArray) px, ch, xt, yt, dst, n, dstW, dstH)
                : g.task("resize", ImageResize::twoTapU8, (byte[]) px, ch, xt, yt, dst, n, dstW, dstH), device);
        return dst;
    }

    /** The batch itself when on the heap, else a heap copy of its pixels with the same layout. */
    private static ImageBatch heap(ImageBatch batch) {
        if (!batch.isOffHeap()) {
            return batch;
        }
        int n = batch.size();
        int[] offsets = new int[n], widths = new int[n], heights = new int[n];
        long end = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = batch.offset(i);
            widths[i] = batch.width(i);
            heights[i] = batch.height(i);
            end = Math.max(end, offsets[i] + (long) widths[i] * heights[i] * batch.channels());
        }
        byte[] copy = new byte[(int) end];
        batch.offHeap().copyTo(0, copy, 0, copy.length);
        return ImageBatch.wrap(copy, offsets, widths, heights, batch.channels());
    }

    /**
     * {@link #resizeBatch(ImageBatch, int, int, Mode, Device)} into the first
     * {@code n * dstH * dstW * channels} bytes of an off-heap N x H x W x C tensor (filled from the
     * kernel's heap result, one copy of the output).
     *
     * @throws IllegalArgumentException if {@code dst} holds fewer bytes than the batch needs
     */
    public static void resizeBatch(ImageBatch batch, int dstW, int dstH, Mode mode, ByteArray dst, Device device) {
        Objects.requireNonNull(dst, "dst is null: pass an off-heap tensor of n * dstH * dstW * channels bytes");
        Objects.requireNonNull(batch, "batch is null");
        long need = (long) batch.size() * dstW * dstH * batch.channels();
        if (dst.length() < need) {
            throw new IllegalArgumentException("output tensor holds " + dst.length() + " bytes, the batch needs " + need);
        }
        byte[] out = resizeBatch(batch, dstW, dstH, mode, device);
        dst.copyFrom(out, 0, 0, out.length);
    }

    /** The output size of OpenCV's {@code resize} with factors: {@code round(src * factor)}, at least 1. */
    public static int scaledSize(int src, double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("resize factor " + factor + " is not a positive finite number");
        }
        return Math.max(1, (int) Math.rint(src * factor));
    }

    // ---------------------------------------------------------------------------------------------
    // Which kernel a mode needs

    enum Kernel { TWO_TAP, AREA_INTEGER, AREA_FRACTIONAL, ANTIALIAS }

    static Kernel kernelFor(Mode mode, int sw, int sh, int dw, int dh) {
        double scaleX = 1.0 / ((double) dw / sw);
        double scaleY = 1.0 / ((double) dh / sh);
        boolean areaFast = isIntegerScale(scaleX) && isIntegerScale(scaleY);
        return switch (mode) {
            case NEAREST, NEAREST_EXACT -> Kernel.TWO_TAP;
            // OpenCV computes an exact 2x shrink of INTER_LINEAR with the area code; the linear weights
            // are 1024/1024 there, so the two-tap kernel gives the same block means rounded half up.
            case BILINEAR -> Kernel.TWO_TAP;
            case AREA -> {
                if (scaleX >= 1 && scaleY >= 1) {
                    yield areaFast ? Kernel.AREA_INTEGER : Kernel.AREA_FRACTIONAL;
                }
                yield Kernel.TWO_TAP;
            }
            case BILINEAR_ANTIALIAS, BICUBIC_ANTIALIAS -> Kernel.ANTIALIAS;
        };
    }

    /** OpenCV's {@code is_area_fast} test for one axis: the scale is within DBL_EPSILON of an integer. */
    private static boolean isIntegerScale(double scale) {
        return Math.abs(scale - Math.rint(scale)) < Math.ulp(1.0);
    }

    // ---------------------------------------------------------------------------------------------
    // Two-tap tables: nearest, linear, area enlarge

    /**
     * The column table of a two-tap resize: four ints per output column {@code d}: the byte offsets in
     * a row of the two source pixels ({@code sx * channels}) and their 11-bit weights. Columns come
     * from the window {@code [x0, x0 + w)} of a source row of {@code srcW} pixels (a crop); the edge of
     * the window is replicated, as when that window alone is resized. {@code mirror} reverses the
     * output columns (a horizontal flip of the result).
     *
     * @param mode {@link Mode#NEAREST}, {@link Mode#NEAREST_EXACT}, {@link Mode#BILINEAR} or {@link Mode#AREA}
     */
    public static int[] xTable(Mode mode, int w, int dstW, int channels, int x0, int srcW, boolean mirror) {
        int[] t = new int[dstW * 4];
        int[] idx = new int[2];
        int[] wt = new int[2];
        for (int d = 0; d < dstW; d++) {
            axisTaps(mode, w, dstW, d, true, idx, wt);
            int o = (mirror ? dstW - 1 - d : d) * 4;
            t[o] = (x0 + idx[0]) * channels;
            t[o + 1] = (x0 + idx[1]) * channels;
            t[o + 2] = wt[0];
            t[o + 3] = wt[1];
        }
        return t;
    }

    /**
     * The row table of a two-tap resize: four ints per output row: the byte offsets of the two source
     * rows ({@code base + (y0 + sy) * rowBytes}) and their 11-bit weights. Rows come from the window
     * {@code [y0, y0 + h)}; indices are clamped to it.
     */
    public static int[] yTable(Mode mode, int h, int dstH, int rowBytes, int base, int y0, int srcH) {
        int[] t = new int[dstH * 4];
        int[] idx = new int[2];
        int[] wt = new int[2];
        for (int d = 0; d < dstH; d++) {
            axisTaps(mode, h, dstH, d, false, idx, wt);
            t[d * 4] = base + (y0 + idx[0]) * rowBytes;
            t[d * 4 + 1] = base + (y0 + idx[1]) * rowBytes;
            t[d * 4 + 2] = wt[0];
            t[d * 4 + 3] = wt[1];
        }
        return t;
    }

    /**
     * The two source indices and weights of output index {@code d} along one axis, with OpenCV's
     * formulas. Columns and rows differ in one point, as in OpenCV: a column outside the image gets
     * weight 0 on its out-of-range tap; a row keeps its weights and clamps both indices.
     */
    static void axisTaps(Mode mode, int src, int dst, int d, boolean column, int[] idx, int[] wt) {
        double invScale = (double) dst / src;
        double scale = 1.0 / invScale;
        switch (mode) {
            case NEAREST -> {
                int s = Math.min((int) Math.floor(d * scale), src - 1);
                idx[0] = s;
                idx[1] = s;
                wt[0] = LINEAR_ONE;
                wt[1] = 0;
                return;
            }
            case NEAREST_EXACT -> {
                // resizeNN_bitexact: 16.16 fixed-point step, rounded, and a half-step start.
                long step = (((long) src << 16) + dst / 2) / dst;
                long start = step / 2 - src % 2;
                int s = (int) Math.min((start + d * step) >> 16, src - 1);
                idx[0] = s;
                idx[1] = s;
                wt[0] = LINEAR_ONE;
                wt[1] = 0;
                return;
            }
            case BILINEAR, AREA -> {
                int s;
                float f;
                if (mode == Mode.BILINEAR) {
                    f = (float) ((d + 0.5) * scale - 0.5);
                    s = (int) Math.floor(f);
                    f -= s;
                } else {
                    // INTER_AREA when enlarging: the fraction of the output cell past the source pixel's end.
                    s = (int) Math.floor(d * scale);
                    f = (float) ((d + 1) - (s + 1) * invScale);
                    f = f <= 0 ? 0f : f - (float) Math.floor(f);
                }
                if (column) {
                    if (s < 0) {
                        s = 0;
                        f = 0f;
                    }
                    if (s >= src - 1) {
                        s = src - 1;
                        f = 0f;
                    }
                    idx[0] = s;
                    idx[1] = Math.min(s + 1, src - 1);
                } else {
                    idx[0] = Math.clamp(s, 0, src - 1);
                    idx[1] = Math.clamp(s + 1L, 0, src - 1);
                }
                wt[0] = (int) Math.rint((1f - f) * LINEAR_ONE);
                wt[1] = (int) Math.rint(f * LINEAR_ONE);
                return;
            }
            default -> throw new IllegalArgumentException("mode " + mode + " has no two-tap table");
        }
    }

    /**
     * Two-tap resize kernel of {@code count} images into an N x H x W x C byte tensor, with OpenCV's
     * INTER_LINEAR arithmetic: horizontal pass exact in {@code int}, vertical pass as OpenCV's SIMD
     * code, {@code ((h0 >> 4) * w0 >> 16) + ((h1 >> 4) * w1 >> 16)}, then {@code (t + 2) >> 2}
     * clamped to 0..255. Weights (2048, 0) give the source pixel exactly, so nearest modes use it too.
     *
     * @param src      all source images, anywhere in one array
     * @param channels bytes per pixel
     * @param xTab     {@code count * dstW * 4} ints, per image and output column: two byte offsets
     *                 within a row and two weights ({@link #xTable})
     * @param yTab     {@code count * dstH * 4} ints, per image and output row: two absolute byte offsets
     *                 of rows in {@code src} and two weights ({@link #yTable})
     * @param dst      the output, {@code count * dstH * dstW * channels} bytes
     * @param count    images
     * @param dstW     output width
     * @param dstH     output height
     */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void twoTapU8(byte[] src, int channels, int[] xTab, int[] yTab, byte[] dst, int count, int dstW, int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int r0 = yTab[r * 4];
            int r1 = yTab[r * 4 + 1];
            int wy0 = yTab[r * 4 + 2];
            int wy1 = yTab[r * 4 + 3];
            int xBase = n * dstW * 4;
            int out = r * dstW * channels;
            for (int dx = 0; dx < dstW; dx++) {
                int xt = xBase + dx * 4;
                int c0 = xTab[xt];
                int c1 = xTab[xt + 1];
                int wx0 = xTab[xt + 2];
                int wx1 = xTab[xt + 3];
                int a = r0 + c0, b = r0 + c1, p = r1 + c0, q = r1 + c1;
                int o = out + dx * channels;
                if (channels == 3) {
                    // RGB unrolled: 1.5x faster on the JVM than the channel loop (measured, plain Java)
                    dst[o] = linearPixel(src[a], src[b], src[p], src[q], wx0, wx1, wy0, wy1);
                    dst[o + 1] = linearPixel(src[a + 1], src[b + 1], src[p + 1], src[q + 1], wx0, wx1, wy0, wy1);
                    dst[o + 2] = linearPixel(src[a + 2], src[b + 2], src[p + 2], src[q + 2], wx0, wx1, wy0, wy1);
                } else {
                    for (int c = 0; c < channels; c++) {
                        dst[o + c] = linearPixel(src[a + c], src[b + c], src[p + c], src[q + c], wx0, wx1, wy0, wy1);
                    }
                }
            }
        }
    }

    /**
     * {@link #twoTapU8} reading its source from off-heap memory (an {@link Image#wrap off-heap image}
     * or {@link ImageBatch#wrap(ByteArray, int[], int[], int[], int) batch}): the same tables and
     * arithmetic, the same bytes.
     */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void twoTapOffHeapU8(ByteArray src, int channels, int[] xTab, int[] yTab, byte[] dst, int count, int dstW,
                                       int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int r0 = yTab[r * 4];
            int r1 = yTab[r * 4 + 1];
            int wy0 = yTab[r * 4 + 2];
            int wy1 = yTab[r * 4 + 3];
            int xBase = n * dstW * 4;
            int out = r * dstW * channels;
            for (int dx = 0; dx < dstW; dx++) {
                int xt = xBase + dx * 4;
                int a = r0 + xTab[xt], b = r0 + xTab[xt + 1], p = r1 + xTab[xt], q = r1 + xTab[xt + 1];
                for (int c = 0; c < channels; c++) {
                    dst[out + dx * channels + c] = linearPixel(src.get(a + c), src.get(b + c), src.get(p + c), src.get(q + c),
                            xTab[xt + 2], xTab[xt + 3], wy0, wy1);
                }
            }
        }
    }

    /**
     * One output byte of OpenCV's INTER_LINEAR from the four source bytes (top-left, top-right,
     * bottom-left, bottom-right): horizontal pass exact in {@code int}, vertical pass with the
     * SIMD code's shifts, {@code (t + 2) >> 2} clamped to 0..255.
     */
    static byte linearPixel(byte p00, byte p01, byte p10, byte p11, int wx0, int wx1, int wy0, int wy1) {
        int h0 = (p00 & 0xFF) * wx0 + (p01 & 0xFF) * wx1;
        int h1 = (p10 & 0xFF) * wx0 + (p11 & 0xFF) * wx1;
        int t = (((h0 >> 4) * wy0) >> 16) + (((h1 >> 4) * wy1) >> 16);
        int v = (t + 2) >> 2;
        return (byte) (v < 0 ? 0 : (v > 255 ? 255 : v));
    }

    // ---------------------------------------------------------------------------------------------
    // INTER_AREA shrinking

    /**
     * INTER_AREA shrink by integer factors {@code kx}, {@code ky} ({@code srcW = kx * dstW},
     * {@code srcH = ky * dstH}): the sum of each block, then {@code (sum + 2) >> 2} for 2x2 blocks (the
     * rounding of OpenCV's vectorised loop) and otherwise {@code rint(sum * (float) (1 / (kx * ky)))}
     * (OpenCV's scalar loop, half to even).
     */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void areaIntegerU8(byte[] src, int srcW, int channels, int kx, int ky, byte[] dst, int dstW, int dstH) {
        float scale = 1f / (kx * ky);
        int rowBytes = srcW * channels;
        for (@Parallel int dy = 0; dy < dstH; dy++) {
            for (int dx = 0; dx < dstW; dx++) {
                int base = dy * ky * rowBytes + dx * kx * channels;
                for (int c = 0; c < channels; c++) {
                    int sum = 0;
                    for (int j = 0; j < ky; j++) {
                        for (int i = 0; i < kx; i++) {
                            sum += src[base + j * rowBytes + i * channels + c] & 0xFF;
                        }
                    }
                    dst[(dy * dstW + dx) * channels + c] = areaIntegerByte(sum, kx == 2 && ky == 2, scale);
                }
            }
        }
    }

    /** {@link #areaIntegerU8} reading its source from off-heap memory: the same bytes. */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void areaIntegerOffHeapU8(ByteArray src, int srcW, int channels, int kx, int ky, byte[] dst, int dstW,
                                            int dstH) {
        float scale = 1f / (kx * ky);
        int rowBytes = srcW * channels;
        for (@Parallel int dy = 0; dy < dstH; dy++) {
            for (int dx = 0; dx < dstW; dx++) {
                int base = dy * ky * rowBytes + dx * kx * channels;
                for (int c = 0; c < channels; c++) {
                    int sum = 0;
                    for (int j = 0; j < ky; j++) {
                        for (int i = 0; i < kx; i++) {
                            sum += src.get(base + j * rowBytes + i * channels + c) & 0xFF;
                        }
                    }
                    dst[(dy * dstW + dx) * channels + c] = areaIntegerByte(sum, kx == 2 && ky == 2, scale);
                }
            }
        }
    }

    /**
     * The output byte of an integer INTER_AREA shrink from its block's sum: {@code (sum + 2) >> 2} for
     * 2x2 blocks (OpenCV's vectorised loop), else {@code rint(sum * scale)} with
     * {@code scale = 1f / (kx * ky)} (its scalar loop, half to even).
     */
    static byte areaIntegerByte(int sum, boolean twoByTwo, float scale) {
        int v = twoByTwo ? (sum + 2) >> 2 : (int) Math.rint(sum * scale);
        return (byte) (v > 255 ? 255 : v);
    }

    /** The output byte of a fractional INTER_AREA shrink from its float sum: half to even, clamped. */
    static byte areaFractionalByte(float sum) {
        int v = (int) Math.rint(sum);
        return (byte) (v < 0 ? 0 : (v > 255 ? 255 : v));
    }

    /** One axis of a fractional INTER_AREA shrink: per output index a run of (offset, weight) taps. */
    record AreaTable(int[] start, int[] offset, float[] weight) {
    }

    /**
     * OpenCV's {@code computeResizeAreaTab} for one axis: output cell {@code d} covers
     * {@code [d * scale, (d + 1) * scale)}; whole source pixels inside weigh {@code 1 / cellWidth}, the
     * partly covered ones at both ends weigh their overlap over {@code cellWidth} (overlaps under 0.001
     * are dropped). Offsets are {@code index * stride}.
     */
    static AreaTable areaTable(int src, int dst, int stride) {
        double scale = 1.0 / ((double) dst / src);
        int[] start = new int[dst + 1];
        int[] offset = new int[2 * src + 2 * dst];
        float[] weight = new float[offset.length];
        int k = 0;
        for (int d = 0; d < dst; d++) {
            start[d] = k;
            double f1 = d * scale;
            double f2 = f1 + scale;
            double cell = Math.min(scale, src - f1);
            int s1 = (int) Math.ceil(f1);
            int s2 = (int) Math.floor(f2);
            s2 = Math.min(s2, src - 1);
            s1 = Math.min(s1, s2);
            if (s1 - f1 > 1e-3) {
                offset[k] = (s1 - 1) * stride;
                weight[k++] = (float) ((s1 - f1) / cell);
            }
            for (int s = s1; s < s2; s++) {
                offset[k] = s * stride;
                weight[k++] = (float) (1.0 / cell);
            }
            if (f2 - s2 > 1e-3) {
                offset[k] = s2 * stride;
                weight[k++] = (float) (Math.min(Math.min(f2 - s2, 1.0), cell) / cell);
            }
        }
        start[dst] = k;
        return new AreaTable(start, java.util.Arrays.copyOf(offset, k), java.util.Arrays.copyOf(weight, k));
    }

    /**
     * INTER_AREA shrink by fractional factors, in OpenCV's float arithmetic and order: for each source
     * row of the output row, {@code buf = sum(src * wx)} over the column taps in order, then
     * {@code sum += wy * buf}; the result rounded half to even and clamped.
     */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void areaU8(byte[] src, int channels, int[] xStart, int[] xOffset, float[] xWeight,
                              int[] yStart, int[] yOffset, float[] yWeight, byte[] dst, int dstW, int dstH) {
        for (@Parallel int dy = 0; dy < dstH; dy++) {
            int j0 = yStart[dy];
            int j1 = yStart[dy + 1];
            for (int dx = 0; dx < dstW; dx++) {
                int k0 = xStart[dx];
                int k1 = xStart[dx + 1];
                for (int c = 0; c < channels; c++) {
                    float sum = 0f;
                    for (int j = j0; j < j1; j++) {
                        int row = yOffset[j] + c;
                        float buf = 0f;
                        for (int k = k0; k < k1; k++) {
                            buf += (src[row + xOffset[k]] & 0xFF) * xWeight[k];
                        }
                        sum += yWeight[j] * buf;
                    }
                    dst[(dy * dstW + dx) * channels + c] = areaFractionalByte(sum);
                }
            }
        }
    }

    /** {@link #areaU8} reading its source from off-heap memory: the same float operations in the same order. */
    @Variant(backend = Backend.CPU, in = CpuImage.class)
    public static void areaOffHeapU8(ByteArray src, int channels, int[] xStart, int[] xOffset, float[] xWeight,
                                     int[] yStart, int[] yOffset, float[] yWeight, byte[] dst, int dstW, int dstH) {
        for (@Parallel int dy = 0; dy < dstH; dy++) {
            int j0 = yStart[dy];
            int j1 = yStart[dy + 1];
            for (int dx = 0; dx < dstW; dx++) {
                int k0 = xStart[dx];
                int k1 = xStart[dx + 1];
                for (int c = 0; c < channels; c++) {
                    float sum = 0f;
                    for (int j = j0; j < j1; j++) {
                        int row = yOffset[j] + c;
                        float buf = 0f;
                        for (int k = k0; k < k1; k++) {
                            buf += (src.get(row + xOffset[k]) & 0xFF) * xWeight[k];
                        }
                        sum += yWeight[j] * buf;
                    }
                    dst[(dy * dstW + dx) * channels + c] = areaFractionalByte(sum);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Pillow's antialiased resampling

    /** One axis of Pillow's resampling: per output index the first tap's offset, the tap count, and {@code taps} coefficients. */
    record TapTable(int[] first, int[] count, int[] coef, int taps) {
    }

    /**
     * Pillow's {@code precompute_coeffs} and {@code normalize_coeffs_8bpc} for one axis: the filter's
     * support widens by the shrink factor, the taps are clipped to the image and renormalised to sum
     * 1 in double, then rounded to 22-bit fixed point (half away from zero).
     */
    static TapTable tapTable(int src, int dst, boolean bicubic, int stride) {
        double scale = (double) src / dst;
        double filterScale = Math.max(scale, 1.0);
        double support = (bicubic ? 2.0 : 1.0) * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[dst];
        int[] count = new int[dst];
        int[] coef = new int[dst * taps];
        double[] k = new double[taps];
        for (int d = 0; d < dst; d++) {
            double center = (d + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), src) - xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double w = filter((x + xmin - center + 0.5) * ss, bicubic);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                coef[d * taps + x] = v < 0 ? (int) (-0.5 + v * (1 << PILLOW_BITS)) : (int) (0.5 + v * (1 << PILLOW_BITS));
            }
            first[d] = xmin * stride;
            count[d] = Math.max(xmax, 0);
        }
        return new TapTable(first, count, coef, taps);
    }

    private static double filter(double x, boolean bicubic) {
        x = Math.abs(x);
        if (!bicubic) {
            return x < 1.0 ? 1.0 - x : 0.0;
        }
        double a = -0.5;
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /**
     * One pass of Pillow's separable 8-bit resampling, horizontal or vertical: each output byte is
     * {@code clamp((2^21 + sum(src * coef)) >> 22, 0, 255)} over its taps. Output element
     * {@code (r, d, c)} reads source bytes {@code r * rowStep + first[d] + k * tapStep + c}.
     *
     * @param src     the source bytes
     * @param rowStep bytes between consecutive output rows' sources (the source row length for a
     *                horizontal pass, 0 for a vertical pass, whose table already holds row offsets)
     * @param tapStep bytes between taps (channels when horizontal, the row length when vertical)
     * @param first   per output index, the byte offset of its first tap
     * @param count   per output index, the number of taps
     * @param coef    per output index, {@code taps} 22-bit coefficients
     * @param taps    coefficients per output index
     * @param dst     the output, {@code rows * perRow} bytes
     * @param rows    output rows
         * @param perRow  for a vertical pass, the bytes of one output row (table index is the row); for a
     *                horizontal pass, output width times channels
     * @param channels bytes per pixel
     * @param vertical whether the table indexes rows (vertical) or columns (horizontal)
     */
    public static void tapsU8(byte[] src, int rowStep, int tapStep, int[] first, int[] count, int[] coef, int taps,
                              byte[] dst, int rows, int perRow, int channels, boolean vertical) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (int e = 0; e < perRow; e++) {
                // Horizontal: e = d * channels + c, table index d. Vertical: table index r, column byte e.
                int d = vertical ? r : e / channels;
                int within = vertical ? e : e % channels;
                int base = r * rowStep + first[d] + within;
                int n = count[d];
                int acc = 1 << (PILLOW_BITS - 1);
                for (int k = 0; k < n; k++) {
                    acc += (src[base + k * tapStep] & 0xFF) * coef[d * taps + k];
                }
                dst[r * perRow + e] = pillowByte(acc);
            }
        }
    }

    /** A byte of Pillow's 8-bit resampling from its accumulator (which started at {@code 2^21}): {@code >> 22}, clamped. */
    static byte pillowByte(int acc) {
        int v = acc >> PILLOW_BITS;
        return (byte) (v < 0 ? 0 : (v > 255 ? 255 : v));
    }

    /** {@link #tapsU8} reading its source from off-heap memory: the same bytes. */
    public static void tapsOffHeapU8(ByteArray src, int rowStep, int tapStep, int[] first, int[] count, int[] coef, int taps,
                                     byte[] dst, int rows, int perRow, int channels, boolean vertical) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (int e = 0; e < perRow; e++) {
                int d = vertical ? r : e / channels;
                int within = vertical ? e : e % channels;
                int base = r * rowStep + first[d] + within;
                int n = count[d];
                int acc = 1 << (PILLOW_BITS - 1);
                for (int k = 0; k < n; k++) {
                    acc += (src.get(base + k * tapStep) & 0xFF) * coef[d * taps + k];
                }
                dst[r * perRow + e] = pillowByte(acc);
            }
        }
    }

    /** Pillow's order: horizontal pass first (only where the width changes), then vertical. */
    private static Image antialias(Image src, int dstW, int dstH, boolean bicubic, Device device) {
        int ch = src.channels();
        int sw = src.width(), sh = src.height();
        Object cur = src.pixels();
        int curW = sw;
        TaskGraph g = new TaskGraph(bicubic ? "resize-bicubic-aa" : "resize-bilinear-aa")
                .transferToDevice(io.kiln.Transfer.EVERY_RUN, cur);
        Object out = cur;
        if (dstW != sw) {
            TapTable t = tapTable(sw, dstW, bicubic, ch);
            out = new byte[dstW * sh * ch];
            g.transferToDevice(io.kiln.Transfer.EVERY_RUN, t.first, t.count, t.coef);
            taps(g, "horizontal", cur, sw * ch, ch, t, (byte[]) out, sh, dstW * ch, ch, false);
            cur = out;
            curW = dstW;
        }
        if (dstH != sh) {
            TapTable t = tapTable(sh, dstH, bicubic, curW * ch);
            out = new byte[dstW * dstH * ch];
            g.transferToDevice(io.kiln.Transfer.EVERY_RUN, t.first, t.count, t.coef);
            taps(g, "vertical", cur, 0, curW * ch, t, (byte[]) out, dstH, curW * ch, ch, true);
        }
        g.transferToHost(io.kiln.Transfer.EVERY_RUN, out);
        ImageLaunch.run(g, device);
        return new Image((byte[]) out, dstW, dstH, ch);
    }

    /** Adds a {@link #tapsU8} pass (or its off-heap twin, for an off-heap {@code src}) to {@code g}. */
    private static void taps(TaskGraph g, String id, Object src, int rowStep, int tapStep, TapTable t, byte[] dst, int rows,
                             int perRow, int channels, boolean vertical) {
        if (src instanceof ByteArray a) {
            g.task(id, ImageResize::tapsOffHeapU8, a, rowStep, tapStep, t.first, t.count, t.coef, t.taps, dst, rows, perRow,
                    channels, vertical);
        } else {
            g.task(id, ImageResize::tapsU8, (byte[]) src, rowStep, tapStep, t.first, t.count, t.coef, t.taps, dst, rows, perRow,
                    channels, vertical);
        }
    }
}

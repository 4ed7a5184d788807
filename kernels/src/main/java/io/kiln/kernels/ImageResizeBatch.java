package io.kiln.kernels;

import io.kiln.Parallel;
import io.kiln.TaskGraph;

/**
 * The batched forms of the resize modes that are not two-tap: a shrinking {@link ImageResize.Mode#AREA}
 * and Pillow's antialiased modes, one launch for a whole batch of images of different sizes, writing
 * straight into the N x H x W x C byte tensor.
 *
 * <p>Each kernel performs, for every output byte, exactly the integer or float operations of the
 * single-image kernel that {@link ImageResize#resize(Image, int, int, ImageResize.Mode, io.kiln.Device)}
 * runs for that image, in the same order, from the same host tables (concatenated per image, offsets
 * made absolute). So each image of a batch gets its single-image bytes, which are OpenCV's or Pillow's.
 * {@code ImageResizeTest.areaAndAntialiasBatchesEqualOneByOne} checks this on mixed sizes.
 */
public final class ImageResizeBatch {
    private ImageResizeBatch() {
    }

    /** {@link #areaU8} kind: OpenCV's linear path of an enlarging axis (two taps, 11-bit weights). */
    static final int TWO_TAP = 0;
    /** {@link #areaU8} kind: a fractional shrink, OpenCV's float passes. */
    static final int FRACTIONAL = 1;
    /** {@link #areaU8} kind: an integer shrink, {@code rint(sum * scale)}. */
    static final int INTEGER = 2;
    /** {@link #areaU8} kind: a 2x2 shrink, {@code (sum + 2) >> 2} (OpenCV's vectorised loop). */
    static final int INTEGER_2X2 = 3;

    /** Whether every image of the batch takes the two-tap kernel in mode AREA (all enlarge, or keep their size). */
    static boolean allTwoTap(ImageBatch batch, int dstW, int dstH) {
        for (int i = 0; i < batch.size(); i++) {
            int w = batch.width(i), h = batch.height(i);
            if (!(w == dstW && h == dstH)
                    && ImageResize.kernelFor(ImageResize.Mode.AREA, w, h, dstW, dstH) != ImageResize.Kernel.TWO_TAP) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------
    // INTER_AREA

    /**
     * The graph of one {@link #areaU8} launch over a heap batch. Per image the host picks the kernel
     * that {@code resize} would run ({@link ImageResize#kernelFor}) and writes its taps into one pair
     * of tap lists: the two-tap table's two taps with their 11-bit weights (as floats, exact), the
     * integer shrink's {@code kx} and {@code ky} taps (weights unused), or the fractional shrink's
     * {@code computeResizeAreaTab} taps. An image of the output size is copied (two taps, weights
     * 2048 and 0).
     */
    static TaskGraph area(ImageBatch batch, int dstW, int dstH, byte[] dst) {
        int n = batch.size(), ch = batch.channels();
        int[] kind = new int[n];
        float[] scale = new float[n];
        Taps x = new Taps(n * dstW);
        Taps y = new Taps(n * dstH);
        for (int i = 0; i < n; i++) {
            int w = batch.width(i), h = batch.height(i), rowBytes = w * ch, base = batch.offset(i);
            ImageResize.Kernel k = w == dstW && h == dstH ? ImageResize.Kernel.TWO_TAP
                    : ImageResize.kernelFor(ImageResize.Mode.AREA, w, h, dstW, dstH);
            switch (k) {
                case TWO_TAP -> {
                    ImageResize.Mode m = w == dstW && h == dstH ? ImageResize.Mode.NEAREST : ImageResize.Mode.AREA;
                    kind[i] = TWO_TAP;
                    x.addTwoTap(ImageResize.xTable(m, w, dstW, ch, 0, w, false));
                    y.addTwoTap(ImageResize.yTable(m, h, dstH, rowBytes, base, 0, h));
                }
                case AREA_INTEGER -> {
                    int kx = w / dstW, ky = h / dstH;
                    kind[i] = kx == 2 && ky == 2 ? INTEGER_2X2 : INTEGER;
                    scale[i] = 1f / (kx * ky); // areaIntegerU8's float
                    x.addBoxes(dstW, kx, ch, 0);
                    y.addBoxes(dstH, ky, rowBytes, base);
                }
                case AREA_FRACTIONAL -> {
                    kind[i] = FRACTIONAL;
                    x.add(ImageResize.areaTable(w, dstW, ch), 0);
                    y.add(ImageResize.areaTable(h, dstH, rowBytes), base);
                }
                default -> throw new IllegalStateException("mode AREA has no " + k + " kernel");
            }
        }
        int[] xs = x.start(), xo = x.offsets(), ys = y.start(), yo = y.offsets();
        float[] xw = x.weights(), yw = y.weights();
        byte[] src = batch.data();
        return ImageLaunch.graph("resize-batch-AREA", ImageLaunch.of(src, kind, scale, xs, xo, xw, ys, yo, yw), dst)
                .task("resize", ImageResizeBatch::areaU8, src, ch, kind, scale, xs, xo, xw, ys, yo, yw, dst, n, dstW, dstH);
    }

    /**
     * INTER_AREA of {@code count} images into an N x H x W x C tensor, one output row per work item.
     * Output row {@code r} is row {@code r % dstH} of image {@code r / dstH}; its source rows are the
     * taps {@code yStart[r] .. yStart[r + 1]} (absolute byte offsets in {@code src}); its column
     * {@code dx} reads the taps {@code xStart[n * dstW + dx] .. xStart[n * dstW + dx + 1]} (offsets
     * within a row). {@code kind[n]} says which single-image kernel's arithmetic image {@code n} takes:
     * {@link #TWO_TAP} ({@link ImageResize#twoTapU8}, the weights are ints held in the float lists),
     * {@link #FRACTIONAL} ({@link ImageResize#areaU8}), {@link #INTEGER} and {@link #INTEGER_2X2}
     * ({@link ImageResize#areaIntegerU8}, with {@code scale[n] = 1f / (kx * ky)}).
     */
    public static void areaU8(byte[] src, int channels, int[] kind, float[] scale, int[] xStart, int[] xOffset,
                              float[] xWeight, int[] yStart, int[] yOffset, float[] yWeight, byte[] dst, int count, int dstW,
                              int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int how = kind[n];
            int j0 = yStart[r];
            int j1 = yStart[r + 1];
            for (int dx = 0; dx < dstW; dx++) {
                int k0 = xStart[n * dstW + dx];
                int k1 = xStart[n * dstW + dx + 1];
                int o = (r * dstW + dx) * channels;
                for (int c = 0; c < channels; c++) {
                    if (how == TWO_TAP) {
                        int a = yOffset[j0] + c, b = yOffset[j0 + 1] + c;
                        dst[o + c] = ImageResize.linearPixel(src[a + xOffset[k0]], src[a + xOffset[k0 + 1]],
                                src[b + xOffset[k0]], src[b + xOffset[k0 + 1]], (int) xWeight[k0], (int) xWeight[k0 + 1],
                                (int) yWeight[j0], (int) yWeight[j0 + 1]);
                    } else if (how == FRACTIONAL) {
                        float sum = 0f;
                        for (int j = j0; j < j1; j++) {
                            int row = yOffset[j] + c;
                            float buf = 0f;
                            for (int k = k0; k < k1; k++) {
                                buf += (src[row + xOffset[k]] & 0xFF) * xWeight[k];
                            }
                            sum += yWeight[j] * buf;
                        }
                        dst[o + c] = ImageResize.areaFractionalByte(sum);
                    } else {
                        int sum = 0;
                        for (int j = j0; j < j1; j++) {
                            int row = yOffset[j] + c;
                            for (int k = k0; k < k1; k++) {
                                sum += src[row + xOffset[k]] & 0xFF;
                            }
                        }
                        dst[o + c] = ImageResize.areaIntegerByte(sum, how == INTEGER_2X2, scale[n]);
                    }
                }
            }
        }
    }

    /** Tap lists of one axis for a batch, built image by image: starts, offsets, float weights. */
    private static final class Taps {
        private final int[] start;
        private int[] offset = new int[64];
        private float[] weight = new float[64];
        private int entries;
        private int taps;

        Taps(int entries) {
            start = new int[entries + 1];
        }

        /** Two taps per entry from a two-tap table (four ints per entry: two offsets, two weights). */
        void addTwoTap(int[] table) {
            for (int e = 0; e < table.length; e += 4) {
                start[entries++] = taps;
                tap(table[e], table[e + 2]);
                tap(table[e + 1], table[e + 3]);
            }
        }

        /** {@code dst} boxes of {@code k} taps {@code step} bytes apart, box {@code d} at {@code base + d * k * step}. */
        void addBoxes(int dst, int k, int step, int base) {
            for (int d = 0; d < dst; d++) {
                start[entries++] = taps;
                for (int i = 0; i < k; i++) {
                    tap(base + (d * k + i) * step, 0f);
                }
            }
        }

        /** An area table's taps, offsets moved by {@code base}. */
        void add(ImageResize.AreaTable t, int base) {
            int dst = t.start().length - 1;
            for (int d = 0; d < dst; d++) {
                start[entries++] = taps;
                for (int k = t.start()[d]; k < t.start()[d + 1]; k++) {
                    tap(base + t.offset()[k], t.weight()[k]);
                }
            }
        }

        private void tap(int off, float w) {
            if (taps == offset.length) {
                offset = java.util.Arrays.copyOf(offset, taps * 2);
                weight = java.util.Arrays.copyOf(weight, taps * 2);
            }
            offset[taps] = off;
            weight[taps++] = w;
        }

        int[] start() {
            start[entries] = taps;
            return start;
        }

        int[] offsets() {
            return java.util.Arrays.copyOf(offset, Math.max(taps, 1));
        }

        float[] weights() {
            return java.util.Arrays.copyOf(weight, Math.max(taps, 1));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Pillow's antialiased modes

    /**
     * The graph of one {@link #tapsU8} launch over a heap batch: per image Pillow's coefficient tables
     * ({@link ImageResize#tapTable}) for both axes, the taps of each entry at a common stride (the
     * widest table's). An axis whose size does not change gets one tap of weight {@code 2^22}, which
     * gives the source byte exactly ({@code (2^21 + p * 2^22) >> 22 = p}): Pillow skips that pass.
     */
    static TaskGraph taps(ImageBatch batch, int dstW, int dstH, boolean bicubic, byte[] dst) {
        int n = batch.size(), ch = batch.channels();
        ImageResize.TapTable[] xs = new ImageResize.TapTable[n];
        ImageResize.TapTable[] ys = new ImageResize.TapTable[n];
        int xTaps = 1, yTaps = 1;
        for (int i = 0; i < n; i++) {
            int w = batch.width(i), h = batch.height(i);
            xs[i] = w == dstW ? identity(w, ch) : ImageResize.tapTable(w, dstW, bicubic, ch);
            ys[i] = h == dstH ? identity(h, w * ch) : ImageResize.tapTable(h, dstH, bicubic, w * ch);
            xTaps = Math.max(xTaps, xs[i].taps());
            yTaps = Math.max(yTaps, ys[i].taps());
        }
        int[] xTab = new int[n * dstW * 2], yTab = new int[n * dstH * 3];
        int[] xCoef = new int[n * dstW * xTaps], yCoef = new int[n * dstH * yTaps];
        for (int i = 0; i < n; i++) {
            int rowBytes = batch.width(i) * ch;
            for (int d = 0; d < dstW; d++) {
                int e = i * dstW + d;
                xTab[e * 2] = xs[i].first()[d];
                xTab[e * 2 + 1] = xs[i].count()[d];
                System.arraycopy(xs[i].coef(), d * xs[i].taps(), xCoef, e * xTaps, xs[i].count()[d]);
            }
            for (int d = 0; d < dstH; d++) {
                int e = i * dstH + d;
                yTab[e * 3] = batch.offset(i) + ys[i].first()[d];
                yTab[e * 3 + 1] = rowBytes;
                yTab[e * 3 + 2] = ys[i].count()[d];
                System.arraycopy(ys[i].coef(), d * ys[i].taps(), yCoef, e * yTaps, ys[i].count()[d]);
            }
        }
        byte[] src = batch.data();
        return ImageLaunch.graph(bicubic ? "resize-batch-bicubic-aa" : "resize-batch-bilinear-aa",
                        ImageLaunch.of(src, xTab, xCoef, yTab, yCoef), dst)
                .task("resize", ImageResizeBatch::tapsU8, src, ch, xTab, xCoef, xTaps, yTab, yCoef, yTaps, dst, n, dstW, dstH);
    }

    /** The table of an axis that keeps its size: one tap per index, weight {@code 2^22}. */
    private static ImageResize.TapTable identity(int size, int stride) {
        int[] first = new int[size], count = new int[size], coef = new int[size];
        for (int d = 0; d < size; d++) {
            first[d] = d * stride;
            count[d] = 1;
            coef[d] = 1 << ImageResize.PILLOW_BITS;
        }
        return new ImageResize.TapTable(first, count, coef, 1);
    }

    /**
     * Pillow's two passes of {@code count} images into an N x H x W x C tensor, fused: for output
     * byte {@code (r, dx, c)} of image {@code n = r / dstH}, each vertical tap {@code j} (source row
     * {@code yTab[3r] + j * yTab[3r + 1]}, {@code yTab[3r + 2]} taps) first gets its horizontal byte
     * exactly as {@link ImageResize#tapsU8} computes it (taps from {@code xTab[2e]} within the row,
     * {@code xTab[2e + 1]} of them, {@code e = n * dstW + dx}), rounded and clamped to a byte as
     * Pillow's intermediate image holds it; then the vertical sum of those bytes is rounded the same
     * way. Coefficients of entry {@code e} start at {@code e * xTaps} (rows: {@code r * yTaps}). The
     * horizontal bytes are recomputed per output row (no intermediate image), which costs the
     * vertical taps' count in work but needs no second launch.
     */
    public static void tapsU8(byte[] src, int channels, int[] xTab, int[] xCoef, int xTaps, int[] yTab, int[] yCoef, int yTaps,
                              byte[] dst, int count, int dstW, int dstH) {
        for (@Parallel int r = 0; r < count * dstH; r++) {
            int n = r / dstH;
            int row0 = yTab[r * 3];
            int rowStep = yTab[r * 3 + 1];
            int rows = yTab[r * 3 + 2];
            for (int dx = 0; dx < dstW; dx++) {
                int e = n * dstW + dx;
                int first = xTab[e * 2];
                int cols = xTab[e * 2 + 1];
                int o = (r * dstW + dx) * channels;
                for (int c = 0; c < channels; c++) {
                    int acc = 1 << (ImageResize.PILLOW_BITS - 1);
                    for (int j = 0; j < rows; j++) {
                        int base = row0 + j * rowStep + first + c;
                        int h = 1 << (ImageResize.PILLOW_BITS - 1);
                        for (int k = 0; k < cols; k++) {
                            h += (src[base + k * channels] & 0xFF) * xCoef[e * xTaps + k];
                        }
                        acc += (ImageResize.pillowByte(h) & 0xFF) * yCoef[r * yTaps + j];
                    }
                    dst[o + c] = ImageResize.pillowByte(acc);
                }
            }
        }
    }
}

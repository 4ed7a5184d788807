package io.kiln.kernels;

import io.kiln.FloatArray;
import io.kiln.kernels.internal.CpuParallel;

/**
 * The {@code cpu} variants ({@link io.kiln.Variant}) of the hot image kernels: plain Java methods with
 * the kernels' parameters that give the portable kernels' bytes and floats, bit for bit, several
 * times faster. The engine runs them on the {@code cpu} device in place of {@link ImageResize#twoTapU8},
 * {@link ImageConvert#twoTapToChwF32}, {@link ImageConvert#twoTapToChwOffHeap},
 * {@link ImageResize#areaIntegerU8} and {@link ImageResize#areaU8}; every other device compiles the
 * portable kernel.
 *
 * <p><b>How they are faster, in OpenCV's order.</b> The portable kernels compute each output element
 * from its source pixels alone (what suits a GPU work-item). These compute per part of output rows:
 * the <em>horizontal pass</em> of each source row once into an {@code int} (two-tap) or {@code float}
 * (area) row buffer, kept while the next output rows read the same source row, then the
 * <em>vertical pass</em> over whole rows, in loops without gathers or selects that C2 vectorises
 * ({@code Math.min/max} clamps, {@code int} to {@code byte} or {@code float}). 3-channel rows have an
 * unrolled horizontal pass. Every element goes through exactly the reference's integer or float
 * operations in the reference's order, so the results are the same bits (tested against the
 * portable kernels run as plain Java and against OpenCV, {@code CpuImageTest}).
 *
 * <p><b>Threads.</b> Output rows are cut into parts of at least about 64 K output bytes (or
 * floats), fork-join tasks of the pool the caller runs in: the cpu device's pool when the engine runs
 * a variant, the common pool when called directly. A part recomputes at most two source rows that
 * its neighbour also computes.
 */
public final class CpuImage {
    /** Output elements a part should hold at least (about 50-100 us of work). */
    private static final int GRAIN_ELEMENTS = 1 << 16;

    private CpuImage() {
    }

    /** Rows per part for rows of {@code rowElements} output elements. */
    private static int grain(int rowElements) {
        return Math.max(1, GRAIN_ELEMENTS / Math.max(1, rowElements));
    }

    // ---------------------------------------------------------------------------------------------
    // Two-tap (nearest, bilinear, enlarging area)

    /**
     * {@link ImageResize#twoTapU8} (same arguments, same bytes): horizontal passes once per source row
     * into interleaved {@code int} rows, then OpenCV's SIMD vertical rounding over whole rows.
     */
    public static void twoTapU8(byte[] src, int channels, int[] xTab, int[] yTab, byte[] dst, int count, int dstW, int dstH) {
        int rowLen = dstW * channels;
        CpuParallel.forRange(count * dstH, grain(rowLen), (from, to) -> {
            HorizontalRows rows = new HorizontalRows(src, channels, xTab, dstW, false);
            for (int r = from; r < to; r++) {
                int n = r / dstH;
                int[] h0 = rows.row(n, yTab[r * 4], yTab[r * 4 + 1]);
                int[] h1 = rows.row(n, yTab[r * 4 + 1], yTab[r * 4]);
                verticalU8(h0, h1, yTab[r * 4 + 2], yTab[r * 4 + 3], dst, r * rowLen, rowLen);
            }
        });
    }

    /**
     * {@link ImageConvert#twoTapToChwF32} (same arguments, same floats): horizontal passes once per
     * source row into planar {@code int} rows (one plane per channel, so the vertical pass writes each
     * output plane's row contiguously), then the vertical rounding and {@code (v / divisor - mean) / std}.
     */
    public static void twoTapToChwF32(byte[] src, int channels, int[] xTab, int[] yTab, float divisor, float[] mean,
                                      float[] std, float[] dst, int count, int dstW, int dstH) {
        int plane = dstW * dstH;
        CpuParallel.forRange(count * dstH, grain(dstW * channels), (from, to) -> {
            HorizontalRows rows = new HorizontalRows(src, channels, xTab, dstW, true);
            for (int r = from; r < to; r++) {
                int n = r / dstH;
                int y = r - n * dstH;
                int[] h0 = rows.row(n, yTab[r * 4], yTab[r * 4 + 1]);
                int[] h1 = rows.row(n, yTab[r * 4 + 1], yTab[r * 4]);
                int wy0 = yTab[r * 4 + 2], wy1 = yTab[r * 4 + 3];
                for (int c = 0; c < channels; c++) {
                    verticalF32(h0, h1, c * dstW, wy0, wy1, divisor, mean[c], std[c], dst, n * channels * plane + c * plane + y * dstW, dstW);
                }
            }
        });
    }

    /**
     * {@link ImageConvert#twoTapToChwOffHeap} (same arguments, same floats): as {@link #twoTapToChwF32},
     * each output row computed into a Java array (which C2 vectorises; off-heap float stores it does
     * not) and copied into the tensor in bulk.
     */
    public static void twoTapToChwOffHeap(byte[] src, int channels, int[] xTab, int[] yTab, float divisor, float[] mean,
                                          float[] std, FloatArray dst, int count, int dstW, int dstH) {
        long plane = (long) dstW * dstH;
        CpuParallel.forRange(count * dstH, grain(dstW * channels), (from, to) -> {
            HorizontalRows rows = new HorizontalRows(src, channels, xTab, dstW, true);
            float[] line = new float[dstW];
            for (int r = from; r < to; r++) {
                int n = r / dstH;
                int y = r - n * dstH;
                int[] h0 = rows.row(n, yTab[r * 4], yTab[r * 4 + 1]);
                int[] h1 = rows.row(n, yTab[r * 4 + 1], yTab[r * 4]);
                int wy0 = yTab[r * 4 + 2], wy1 = yTab[r * 4 + 3];
                for (int c = 0; c < channels; c++) {
                    verticalF32(h0, h1, c * dstW, wy0, wy1, divisor, mean[c], std[c], line, 0, dstW);
                    dst.copyFrom(line, 0, (n * channels + c) * plane + (long) y * dstW, dstW);
                }
            }
        });
    }

    /** {@link ImageResize#linearPixel}'s vertical half over a row: {@code h} are the exact horizontal sums. */
    private static void verticalU8(int[] h0, int[] h1, int wy0, int wy1, byte[] dst, int out, int len) {
        for (int i = 0; i < len; i++) {
            int t = (((h0[i] >> 4) * wy0) >> 16) + (((h1[i] >> 4) * wy1) >> 16);
            dst[out + i] = (byte) Math.min(Math.max((t + 2) >> 2, 0), 255);
        }
    }

    /** The vertical half over one plane's row ({@code h} from {@code at}), then the float steps of the eval chain. */
    private static void verticalF32(int[] h0, int[] h1, int at, int wy0, int wy1, float divisor, float mean, float std,
                                    float[] dst, int out, int len) {
        for (int i = 0; i < len; i++) {
            int t = (((h0[at + i] >> 4) * wy0) >> 16) + (((h1[at + i] >> 4) * wy1) >> 16);
            int v = Math.min(Math.max((t + 2) >> 2, 0), 255);
            dst[out + i] = (v / divisor - mean) / std;
        }
    }

    /**
     * The horizontal passes of one part's source rows, {@code (p0 & 0xFF) * wx0 + (p1 & 0xFF) * wx1} per
     * output column and channel (exact in {@code int}, as {@link ImageResize#linearPixel}), interleaved
     * or planar. Two rows are kept, keyed by image and row offset: consecutive output rows that read the
     * same source row (enlarging, nearest modes, shrinks by less than 2) compute it once.
     */
    private static final class HorizontalRows {
        private final byte[] src;
        private final int channels;
        private final int[] xTab;
        private final int dstW;
        private final boolean planar;
        private final int[][] rows;
        private final int[] image = {-1, -1};
        private final int[] offset = new int[2];

        HorizontalRows(byte[] src, int channels, int[] xTab, int dstW, boolean planar) {
            this.src = src;
            this.channels = channels;
            this.xTab = xTab;
            this.dstW = dstW;
            this.planar = planar;
            this.rows = new int[2][dstW * channels];
        }

        /**
         * The horizontal pass of the source row at byte {@code off} of image {@code n}; if it must be
         * computed, it does not replace the row at {@code keep} (the other tap of the same output row).
         */
        int[] row(int n, int off, int keep) {
            for (int s = 0; s < 2; s++) {
                if (image[s] == n && offset[s] == off) return rows[s];
            }
            int s = image[0] == n && offset[0] == keep ? 1 : 0;
            image[s] = n;
            offset[s] = off;
            compute(n * dstW * 4, off, rows[s]);
            return rows[s];
        }

        private void compute(int xBase, int off, int[] h) {
            if (channels == 3 && !planar) {
                for (int dx = 0, o = 0; dx < dstW; dx++, o += 3) {
                    int t = xBase + dx * 4;
                    int a = off + xTab[t], b = off + xTab[t + 1], w0 = xTab[t + 2], w1 = xTab[t + 3];
                    h[o] = (src[a] & 0xFF) * w0 + (src[b] & 0xFF) * w1;
                    h[o + 1] = (src[a + 1] & 0xFF) * w0 + (src[b + 1] & 0xFF) * w1;
                    h[o + 2] = (src[a + 2] & 0xFF) * w0 + (src[b + 2] & 0xFF) * w1;
                }
            } else if (channels == 3) {
                for (int dx = 0; dx < dstW; dx++) {
                    int t = xBase + dx * 4;
                    int a = off + xTab[t], b = off + xTab[t + 1], w0 = xTab[t + 2], w1 = xTab[t + 3];
                    h[dx] = (src[a] & 0xFF) * w0 + (src[b] & 0xFF) * w1;
                    h[dstW + dx] = (src[a + 1] & 0xFF) * w0 + (src[b + 1] & 0xFF) * w1;
                    h[2 * dstW + dx] = (src[a + 2] & 0xFF) * w0 + (src[b + 2] & 0xFF) * w1;
                }
            } else {
                for (int dx = 0; dx < dstW; dx++) {
                    int t = xBase + dx * 4;
                    int a = off + xTab[t], b = off + xTab[t + 1], w0 = xTab[t + 2], w1 = xTab[t + 3];
                    for (int c = 0; c < channels; c++) {
                        h[planar ? c * dstW + dx : dx * channels + c] = (src[a + c] & 0xFF) * w0 + (src[b + c] & 0xFF) * w1;
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // INTER_AREA shrinking

    /**
     * {@link ImageResize#areaIntegerU8} (same arguments, same bytes): per output row, the {@code ky}
     * source rows summed column by column (vectorised, exact in {@code int}), then each output
     * pixel's {@code kx} column sums and the reference's rounding.
     */
    public static void areaIntegerU8(byte[] src, int srcW, int channels, int kx, int ky, byte[] dst, int dstW, int dstH) {
        float scale = 1f / (kx * ky);
        int rowBytes = srcW * channels;
        int used = dstW * kx * channels;
        boolean twoByTwo = kx == 2 && ky == 2;
        CpuParallel.forRange(dstH, grain(dstW * channels * kx * ky), (from, to) -> {
            int[] cols = new int[used];
            for (int dy = from; dy < to; dy++) {
                int base = dy * ky * rowBytes;
                for (int i = 0; i < used; i++) cols[i] = src[base + i] & 0xFF;
                for (int j = 1; j < ky; j++) {
                    int row = base + j * rowBytes;
                    for (int i = 0; i < used; i++) cols[i] += src[row + i] & 0xFF;
                }
                int out = dy * dstW * channels;
                for (int dx = 0; dx < dstW; dx++) {
                    for (int c = 0; c < channels; c++) {
                        int sum = 0;
                        for (int i = 0, at = dx * kx * channels + c; i < kx; i++, at += channels) sum += cols[at];
                        int v = twoByTwo ? (sum + 2) >> 2 : (int) Math.rint(sum * scale);
                        dst[out + dx * channels + c] = (byte) (v > 255 ? 255 : v);
                    }
                }
            }
        });
    }

    /**
     * {@link ImageResize#areaU8} (same arguments, same bytes): each source row's horizontal sums
     * {@code buf = sum(src * wx)} computed once (a row shared by two output rows is kept), then per
     * output row {@code sum += wy * buf} over its source rows in order, over whole rows. Each element
     * sees the reference's float operations in the reference's order.
     */
    public static void areaU8(byte[] src, int channels, int[] xStart, int[] xOffset, float[] xWeight,
                              int[] yStart, int[] yOffset, float[] yWeight, byte[] dst, int dstW, int dstH) {
        int rowLen = dstW * channels;
        int taps = xOffset.length;
        CpuParallel.forRange(dstH, grain(taps * channels * Math.max(1, yOffset.length / dstH)), (from, to) -> {
            float[] buf = new float[rowLen];
            float[] sum = new float[rowLen];
            int have = -1; // the yOffset whose horizontal sums buf holds (offsets are >= 0)
            for (int dy = from; dy < to; dy++) {
                java.util.Arrays.fill(sum, 0f);
                for (int j = yStart[dy]; j < yStart[dy + 1]; j++) {
                    if (yOffset[j] != have) {
                        areaRow(src, channels, xStart, xOffset, xWeight, yOffset[j], dstW, buf);
                        have = yOffset[j];
                    }
                    float wy = yWeight[j];
                    for (int i = 0; i < rowLen; i++) sum[i] += wy * buf[i];
                }
                int out = dy * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    dst[out + i] = (byte) Math.min(Math.max((int) Math.rint(sum[i]), 0), 255);
                }
            }
        });
    }

    /** One source row's horizontal area sums, {@code buf[dx * channels + c]}, in the reference's tap order. */
    private static void areaRow(byte[] src, int channels, int[] xStart, int[] xOffset, float[] xWeight, int row, int dstW,
                                float[] buf) {
        if (channels == 3) {
            for (int dx = 0; dx < dstW; dx++) {
                float b0 = 0f, b1 = 0f, b2 = 0f;
                for (int k = xStart[dx]; k < xStart[dx + 1]; k++) {
                    int p = row + xOffset[k];
                    float w = xWeight[k];
                    b0 += (src[p] & 0xFF) * w;
                    b1 += (src[p + 1] & 0xFF) * w;
                    b2 += (src[p + 2] & 0xFF) * w;
                }
                buf[dx * 3] = b0;
                buf[dx * 3 + 1] = b1;
                buf[dx * 3 + 2] = b2;
            }
            return;
        }
        for (int dx = 0; dx < dstW; dx++) {
            for (int c = 0; c < channels; c++) {
                float b = 0f;
                for (int k = xStart[dx]; k < xStart[dx + 1]; k++) {
                    b += (src[row + c + xOffset[k]] & 0xFF) * xWeight[k];
                }
                buf[dx * channels + c] = b;
            }
        }
    }
}

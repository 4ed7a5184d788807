package io.kiln.kernels;

import io.kiln.ByteArray;
import io.kiln.CpuThreads;
import io.kiln.FloatArray;
import io.kiln.kernels.linalg.CpuGemm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The {@code cpu} variants ({@link io.kiln.Variant}) of the hot image kernels: plain Java methods with
 * the kernels' parameters that give the portable kernels' bytes and floats, bit for bit, faster
 * (docs/benchmarks.md, "Image preprocessing"). The engine runs them on the {@code cpu} device in place of {@link ImageResize#twoTapU8},
 * {@link ImageConvert#twoTapToChwF32}, {@link ImageConvert#twoTapToChwOffHeap},
 * {@link ImageResize#areaIntegerU8} and {@link ImageResize#areaU8}; every other device compiles the
 * portable kernel.
 *
 * <p><b>How they are faster, in OpenCV's order.</b> The portable kernels compute each output element
 * from its source pixels alone (what suits a GPU work-item). These compute per part of output rows:
 * the <em>horizontal pass</em> of each source row once into an {@code int} (two-tap) or {@code float}
 * (area) row buffer, kept while the next output rows read the same source row, then the
 * <em>vertical pass</em> over whole rows, in loops without gathers or selects that C2 vectorises
 * ({@code Math.min/max} clamps, {@code int} to {@code byte} or {@code float}). 3-channel rows have a
 * packed horizontal pass ({@code HorizontalRows}: both taps in one 8-byte read, the channels in 21-bit
 * lanes of a {@code long}); where the Vector API is resolved, {@link #twoTapU8} of 1-, 3- and 4-channel
 * images runs both passes in {@link VectorResize}'s layouts instead. An off-heap source
 * ({@link #twoTapOffHeapU8} and the other {@code *OffHeap*} variants) has each source row copied into a
 * small heap buffer first (the bytes its taps read) and then takes the heap path. Like the kernels, they check no sizes beyond Java's own array accesses
 * (an index out of range throws). Every element goes through exactly the reference's integer or float
 * operations in the reference's order, so the results are the same bits (tested against the
 * portable kernels run as plain Java and against OpenCV, {@code CpuImageTest}).
 *
 * <p><b>Threads.</b> Output rows are cut into parts of at least about 64 K output bytes (or
 * floats; {@link #twoTapU8} counts at least {@code 8 * dstW} a row, its horizontal passes' work), parts
 * of {@link CpuThreads#forRange}: the calling thread and the cpu device's pool when the engine runs a
 * variant, the pool the caller runs in when called directly. A part recomputes at most two source rows that
 * its neighbour also computes.
 */
public final class CpuImage {
    /** 1.5 * 2^23: {@code (x + ROUNDER) - ROUNDER} is {@code rint(x)} for {@code |x| <= 2^22}. */
    private static final float ROUNDER = 0x1.8p23f;
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
        twoTap(src, null, channels, xTab, yTab, dst, count, dstW, dstH);
    }

    /** {@link ImageResize#twoTapOffHeapU8}: {@link #twoTapU8} with each source row staged from off-heap memory (same bytes). */
    public static void twoTapOffHeapU8(ByteArray src, int channels, int[] xTab, int[] yTab, byte[] dst, int count, int dstW,
                                       int dstH) {
        twoTap(null, src, channels, xTab, yTab, dst, count, dstW, dstH);
    }

    /** {@link #twoTapU8} from a heap ({@code src}) or off-heap ({@code offHeap}) source, the other null. */
    private static void twoTap(byte[] src, ByteArray offHeap, int channels, int[] xTab, int[] yTab, byte[] dst, int count,
                               int dstW, int dstH) {
        int rowLen = dstW * channels;
        boolean vector = (channels == 1 || channels == 3 || channels == 4) && CpuGemm.vectorized(); // VectorResize's passes
        // A row's work is not only its rowLen output bytes: its horizontal passes (up to two source rows
        // when shrinking, dstW pixels of up to four lanes each) cost about 8 * dstW whatever the channels.
        // Counting bytes alone put a 224-wide 1-channel resize in one part, on one thread.
        CpuThreads.forRange(count * dstH, grain(Math.max(rowLen, 8 * dstW)), (from, to) -> {
            HorizontalRows rows = new HorizontalRows(src, offHeap, channels, xTab, dstW, false, vector);
            int[] line = vector ? null : new int[rowLen];
            for (int r = from; r < to; r++) {
                int n = r / dstH, off0 = yTab[r * 4], off1 = yTab[r * 4 + 1];
                if (vector) {
                    // Rows the part's next output row also reads are kept (computed once); others need no rows.
                    boolean shared = r + 1 < to && (r + 1) / dstH == n
                            && (reads(yTab, r + 1, off0) || reads(yTab, r + 1, off1));
                    if (!shared && rows.fused(n, off0, off1, yTab[r * 4 + 2], yTab[r * 4 + 3], dst, r * rowLen)) continue;
                    rows.prepare(n, off0, off1);
                    VectorResize.vertical(rows.h0, rows.h1, yTab[r * 4 + 2], yTab[r * 4 + 3], dst, r * rowLen, dstW, channels);
                    continue;
                }
                rows.prepare(n, off0, off1);
                verticalInt(rows.h0, rows.h1, 0, yTab[r * 4 + 2], yTab[r * 4 + 3], line, rowLen);
                // A loop of its own: C2 vectorises the int arithmetic above only when the store is not narrowed.
                for (int i = 0, out = r * rowLen; i < rowLen; i++) dst[out + i] = (byte) line[i];
            }
        });
    }

    /** Whether output row {@code r} of {@code yTab} reads the source row at {@code off}. */
    private static boolean reads(int[] yTab, int r, int off) {
        return yTab[r * 4] == off || yTab[r * 4 + 1] == off;
    }

    /**
     * {@link ImageConvert#twoTapToChwF32} (same arguments, same floats): horizontal passes once per
     * source row into planar {@code int} rows (one plane per channel, so the vertical pass writes each
     * output plane's row contiguously), then the vertical rounding and {@code (v / divisor - mean) / std}.
     */
    public static void twoTapToChwF32(byte[] src, int channels, int[] xTab, int[] yTab, float divisor, float[] mean,
                                      float[] std, float[] dst, int count, int dstW, int dstH) {
        toChwF32(src, null, channels, xTab, yTab, divisor, mean, std, dst, count, dstW, dstH);
    }

    /** {@link ImageConvert#twoTapOffHeapToChwF32}: {@link #twoTapToChwF32} with source rows staged from off-heap memory. */
    public static void twoTapOffHeapToChwF32(ByteArray src, int channels, int[] xTab, int[] yTab, float divisor, float[] mean,
                                             float[] std, float[] dst, int count, int dstW, int dstH) {
        toChwF32(null, src, channels, xTab, yTab, divisor, mean, std, dst, count, dstW, dstH);
    }

    private static void toChwF32(byte[] src, ByteArray offHeap, int channels, int[] xTab, int[] yTab, float divisor,
                                 float[] mean, float[] std, float[] dst, int count, int dstW, int dstH) {
        int plane = dstW * dstH;
        CpuThreads.forRange(count * dstH, grain(dstW * channels), (from, to) -> {
            HorizontalRows rows = new HorizontalRows(src, offHeap, channels, xTab, dstW, true, false);
            for (int r = from; r < to; r++) {
                int n = r / dstH;
                int y = r - n * dstH;
                rows.prepare(n, yTab[r * 4], yTab[r * 4 + 1]);
                int wy0 = yTab[r * 4 + 2], wy1 = yTab[r * 4 + 3];
                for (int c = 0; c < channels; c++) {
                    verticalF32(rows.h0, rows.h1, c * dstW, wy0, wy1, divisor, mean[c], std[c], dst,
                            n * channels * plane + c * plane + y * dstW, dstW);
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
        toChwOffHeap(src, null, channels, xTab, yTab, divisor, mean, std, dst, count, dstW, dstH);
    }

    /** {@link ImageConvert#twoTapOffHeapToChwOffHeap}: {@link #twoTapToChwOffHeap} with source rows staged from off-heap memory. */
    public static void twoTapOffHeapToChwOffHeap(ByteArray src, int channels, int[] xTab, int[] yTab, float divisor,
                                                 float[] mean, float[] std, FloatArray dst, int count, int dstW, int dstH) {
        toChwOffHeap(null, src, channels, xTab, yTab, divisor, mean, std, dst, count, dstW, dstH);
    }

    private static void toChwOffHeap(byte[] src, ByteArray offHeap, int channels, int[] xTab, int[] yTab, float divisor,
                                     float[] mean, float[] std, FloatArray dst, int count, int dstW, int dstH) {
        long plane = (long) dstW * dstH;
        CpuThreads.forRange(count * dstH, grain(dstW * channels), (from, to) -> {
            HorizontalRows rows = new HorizontalRows(src, offHeap, channels, xTab, dstW, true, false);
            float[] line = new float[dstW];
            for (int r = from; r < to; r++) {
                int n = r / dstH;
                int y = r - n * dstH;
                rows.prepare(n, yTab[r * 4], yTab[r * 4 + 1]);
                int wy0 = yTab[r * 4 + 2], wy1 = yTab[r * 4 + 3];
                for (int c = 0; c < channels; c++) {
                    verticalF32(rows.h0, rows.h1, c * dstW, wy0, wy1, divisor, mean[c], std[c], line, 0, dstW);
                    dst.copyFrom(line, 0, (n * channels + c) * plane + (long) y * dstW, dstW);
                }
            }
        });
    }

    /**
     * {@link ImageResize#linearPixel}'s vertical half over a row ({@code h} from {@code at} are the exact
     * horizontal sums): {@code ((h0 >> 4) * wy0 >> 16) + ((h1 >> 4) * wy1 >> 16)}, {@code (t + 2) >> 2},
     * clamped to 0..255.
     */
    private static void verticalInt(int[] h0, int[] h1, int at, int wy0, int wy1, int[] dst, int len) {
        for (int i = 0; i < len; i++) {
            int t = (((h0[at + i] >> 4) * wy0) >> 16) + (((h1[at + i] >> 4) * wy1) >> 16);
            dst[i] = Math.min(Math.max((t + 2) >> 2, 0), 255);
        }
    }

    /** {@link #verticalInt} over one plane's row, then the float steps of the eval chain, into {@code dst} from {@code out}. */
    private static void verticalF32(int[] h0, int[] h1, int at, int wy0, int wy1, float divisor, float mean, float std,
                                    float[] dst, int out, int len) {
        for (int i = 0; i < len; i++) {
            int t = (((h0[at + i] >> 4) * wy0) >> 16) + (((h1[at + i] >> 4) * wy1) >> 16);
            int v = Math.min(Math.max((t + 2) >> 2, 0), 255);
            dst[out + i] = (v / divisor - mean) / std;
        }
    }

    /** Eight bytes of a {@code byte[]} at once, little-endian: both taps of a 3-channel pixel in one read. */
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Three 21-bit lanes: {@code Long.expand(x, LANES)} puts bytes 0, 1, 2 of {@code x} at bits 0, 21, 42. */
    private static final long LANES = 0xFFL | 0xFFL << 21 | 0xFFL << 42;
    private static final int LANE = (1 << 21) - 1;
    /** The largest weight for which three lanes cannot carry: {@code 255 * (w0 + w1) < 2^21}. */
    private static final int MAX_PACKED_WEIGHT = 4096;

    /**
     * The horizontal passes of one part's source rows, {@code (p0 & 0xFF) * wx0 + (p1 & 0xFF) * wx1} per
     * output column and channel (exact in {@code int}, as {@link ImageResize#linearPixel}), interleaved
     * ({@code dx * channels + c}) or planar ({@code c * dstW + dx}). Two rows are kept, keyed by image and
     * row offset: consecutive output rows that read the same source row (enlarging, nearest modes) compute
     * it once; two new rows are computed in one loop, which reads the column table once for both.
     *
     * <p><b>Three channels, packed.</b> Where an image's columns read adjacent pixels ({@code c1 == c0 + 3},
     * or {@code wx1 == 0}: bilinear and nearest tables) with weights in {@code [0, 4096]}, one 8-byte read
     * gets both pixels, {@code Long.expand} (one PDEP instruction) spreads each pixel's three bytes into
     * 21-bit lanes of a {@code long}, and two multiplies and an add give the three sums at once: a lane
     * holds at most {@code 255 * 8192 < 2^21}, so no lane carries into the next and every sum is the
     * {@code int} sum. Elsewhere (other tables, the last bytes of the array) the plain loop runs.
     *
     * <p><b>Vector passes</b> (1, 3 and 4 channels, interleaved, where the Vector API is resolved): the
     * rows, padded to whole vectors, are computed by {@link VectorResize#row} for
     * {@link VectorResize#vertical} where the columns read adjacent pixels ({@link #adjacent}); other
     * tables take the plain loop into the same layout.
     */
    private static final class HorizontalRows {
        /** The heap source, or null when {@link #offHeap} is the source. */
        private final byte[] src;
        private final ByteArray offHeap;
        /** Off-heap source rows are copied here (two slots of {@link #stride} bytes), then read as heap rows. */
        private byte[] staged = new byte[0];
        private int stride;
        private int spanImage = -1;
        private final int channels;
        private final int[] xTab;
        private final int dstW;
        /** Where channel {@code c} of output column {@code dx} goes: {@code dx * pixelStep + c * channelStep}. */
        private final int pixelStep;
        private final int channelStep;
        private final int[][] rows;
        private final int[] image = {-1, -1};
        private final int[] offset = new int[2];
        /** The image that {@link #packedColumns} and {@link #maxColumn} describe. */
        private int columnsImage = -1;
        private boolean packedColumns;
        private int maxColumn;
        /** {@link VectorResize}'s column tables, and the image they hold ({@code null}: not the vector passes). */
        private final VectorResize.Columns vectorColumns;
        private int vectorImage = -1;
        /** The rows of the output row {@link #prepare} was last called for: top tap, bottom tap. */
        int[] h0;
        int[] h1;

        HorizontalRows(byte[] src, ByteArray offHeap, int channels, int[] xTab, int dstW, boolean planar, boolean vector) {
            this.src = src;
            this.offHeap = offHeap;
            this.channels = channels;
            this.xTab = xTab;
            this.dstW = dstW;
            this.pixelStep = planar ? 1 : channels;
            this.channelStep = planar ? dstW : 1;
            this.rows = new int[2][vector ? VectorResize.rowLength(dstW, channels) : dstW * channels];
            this.vectorColumns = vector ? new VectorResize.Columns(dstW, channels) : null;
        }

        /** Makes {@link #h0}, {@link #h1} the horizontal passes of the source rows at byte offsets {@code off0}, {@code off1} of image {@code n}. */
        void prepare(int n, int off0, int off1) {
            int s0 = find(n, off0), s1 = find(n, off1);
            if (s0 < 0 && s1 < 0) {
                if (off0 == off1) {
                    compute(n, 0, off0);
                    s1 = 0;
                } else {
                    computePair(n, off0, off1);
                    s1 = 1;
                }
                s0 = 0;
            } else if (s0 < 0) {
                s0 = 1 - s1;
                compute(n, s0, off0);
            } else if (s1 < 0) {
                s1 = 1 - s0;
                compute(n, s1, off1);
            }
            h0 = rows[s0];
            h1 = rows[s1];
        }

        private int find(int n, int off) {
            for (int s = 0; s < 2; s++) {
                if (image[s] == n && offset[s] == off) return s;
            }
            return -1;
        }

        /** Whether the row at {@code off} of image {@code n} can take the packed loop (see the class comment). */
        private boolean packed(int n, byte[] src, int off) {
            if (channels != 3 || off < 0) return false;
            if (columnsImage != n) {
                boolean ok = true;
                int m = 0;
                for (int dx = 0, t = n * dstW * 4; dx < dstW && ok; dx++, t += 4) {
                    int c0 = xTab[t], c1 = xTab[t + 1], w0 = xTab[t + 2], w1 = xTab[t + 3];
                    ok = c0 >= 0 && (c1 == c0 + 3 || w1 == 0) && w0 >= 0 && w0 <= MAX_PACKED_WEIGHT
                            && w1 >= 0 && w1 <= MAX_PACKED_WEIGHT;
                    m = Math.max(m, c0);
                }
                packedColumns = ok;
                maxColumn = m;
                columnsImage = n;
            }
            return packedColumns && (long) off + maxColumn + 8 <= src.length;
        }

        /**
         * Where to read the source row at byte {@code off} of image {@code n}: the heap source at
         * {@code off}, or, for an off-heap source, slot {@code slot} of {@link #staged}, into which the
         * bytes the row's columns read (plus 8 for the packed reads, where the array has them) are copied.
         * Returns the offset in {@link #rowSource}.
         */
        private int stage(int n, int slot, int off) {
            if (offHeap == null) {
                rowSource = src;
                return off;
            }
            if (spanImage != n) {
                int span = 0;
                for (int dx = 0, t = n * dstW * 4; dx < dstW; dx++, t += 4) {
                    span = Math.max(span, Math.max(xTab[t], xTab[t + 1]) + channels);
                }
                stride = span + 8;
                if (staged.length < 2 * stride) staged = new byte[2 * stride];
                spanImage = n;
            }
            // Only the bytes the row needs must exist (an index outside the array throws, as for a heap source).
            int need = stride - 8;
            int count = (int) Math.min(stride, Math.max(need, offHeap.length() - off));
            offHeap.copyTo(off, staged, slot * stride, count);
            rowSource = staged;
            return slot * stride;
        }

        /** The array {@link #stage} last chose. */
        private byte[] rowSource;

        /**
         * Whether {@link VectorResize#row} can read the row at {@code off}: every column's second tap is
         * the next pixel or weighs 0, and an 8-byte read at each first tap stays inside {@code src}.
         */
        private boolean adjacent(int n, long length, int off) {
            if (off < 0) return false;
            if (adjacentImage != n) {
                boolean ok = true;
                int m = 0;
                for (int dx = 0, t = n * dstW * 4; dx < dstW && ok; dx++, t += 4) {
                    ok = xTab[t] >= 0 && (xTab[t + 1] == xTab[t] + channels || xTab[t + 3] == 0);
                    m = Math.max(m, xTab[t]);
                }
                adjacentColumns = ok;
                adjacentMax = m;
                adjacentImage = n;
            }
            return adjacentColumns && (long) off + adjacentMax + 8 <= length;
        }

        private int adjacentImage = -1;
        private boolean adjacentColumns;
        private int adjacentMax;

        private void compute(int n, int s, int off) {
            image[s] = n;
            offset[s] = off;
            if (offHeap != null && vectorColumns != null && adjacent(n, offHeap.length(), off)) {
                // The vector pass reads its 8-byte taps from the segment itself: staging would copy the whole row.
                loadVectorColumns(n);
                VectorResize.row(offHeap.segment(), off, vectorColumns, dstW, rows[s]);
                return;
            }
            int at = stage(n, s, off);
            fill(n, rows[s], rowSource, at);
        }

        /** The horizontal pass of the row at {@code off} of {@code src} into {@code h}. */
        private void fill(int n, int[] h, byte[] src, int off) {
            int xBase = n * dstW * 4, ps = pixelStep, cs = channelStep;
            if (vectorColumns != null && adjacent(n, src.length, off)) {
                loadVectorColumns(n);
                VectorResize.row(src, off, vectorColumns, dstW, h);
                return;
            }
            if (packed(n, src, off)) {
                for (int dx = 0, t = xBase; dx < dstW; dx++, t += 4) {
                    long x = (long) LONG_LE.get(src, off + xTab[t]);
                    long sum = Long.expand(x, LANES) * xTab[t + 2] + Long.expand(x >>> 24, LANES) * xTab[t + 3];
                    int o = dx * ps;
                    h[o] = (int) sum & LANE;
                    h[o + cs] = (int) (sum >>> 21) & LANE;
                    h[o + 2 * cs] = (int) (sum >>> 42);
                }
                return;
            }
            for (int dx = 0, t = xBase; dx < dstW; dx++, t += 4) {
                int a = off + xTab[t], b = off + xTab[t + 1], w0 = xTab[t + 2], w1 = xTab[t + 3];
                for (int c = 0; c < channels; c++) {
                    h[dx * ps + c * cs] = (src[a + c] & 0xFF) * w0 + (src[b + c] & 0xFF) * w1;
                }
            }
        }

        /**
         * Writes output row {@code out} from the heap rows at {@code off0} and {@code off1} with
         * {@link VectorResize#fused} (no horizontal rows kept) where that applies: the vector passes, two
         * different rows neither of which is kept, columns {@link #adjacent} for both. Returns whether it did.
         */
        boolean fused(int n, int off0, int off1, int wy0, int wy1, byte[] dst, int out) {
            if (src == null || vectorColumns == null || off0 == off1 || find(n, off0) >= 0 || find(n, off1) >= 0
                    || !adjacent(n, src.length, off0) || !adjacent(n, src.length, off1)) {
                return false;
            }
            loadVectorColumns(n);
            VectorResize.fused(src, off0, off1, vectorColumns, dstW, wy0, wy1, dst, out);
            return true;
        }

        private void loadVectorColumns(int n) {
            if (vectorImage != n) {
                vectorColumns.load(xTab, n, dstW);
                vectorImage = n;
            }
        }

        /** Both rows of an output row in one loop, into slots 0 and 1. */
        private void computePair(int n, int off0, int off1) {
            if (vectorColumns != null) {
                compute(n, 0, off0);
                compute(n, 1, off1);
                return;
            }
            int at0 = stage(n, 0, off0), at1 = stage(n, 1, off1);
            byte[] src = rowSource;
            if (vectorColumns != null || !packed(n, src, at0) || !packed(n, src, at1)) {
                image[0] = n;
                offset[0] = off0;
                fill(n, rows[0], src, at0);
                image[1] = n;
                offset[1] = off1;
                fill(n, rows[1], src, at1);
                return;
            }
            image[0] = n;
            offset[0] = off0;
            image[1] = n;
            offset[1] = off1;
            if (pixelStep == 1) {
                pairPlanar(src, xTab, n * dstW * 4, dstW, at0, at1, rows[0], rows[1]);
            } else {
                pairInterleaved(src, xTab, n * dstW * 4, dstW, at0, at1, rows[0], rows[1]);
            }
        }
    }

    // Two copies of one loop with constant strides: C2 then removes the range checks of the stores.

    /** {@link HorizontalRows#computePair}, packed, for 3 interleaved channels. */
    private static void pairInterleaved(byte[] src, int[] xTab, int xBase, int dstW, int off0, int off1, int[] g, int[] h) {
        for (int dx = 0, t = xBase; dx < dstW; dx++, t += 4) {
            int c0 = xTab[t];
            long w0 = xTab[t + 2], w1 = xTab[t + 3];
            long a = (long) LONG_LE.get(src, off0 + c0), p = (long) LONG_LE.get(src, off1 + c0);
            long top = Long.expand(a, LANES) * w0 + Long.expand(a >>> 24, LANES) * w1;
            long bottom = Long.expand(p, LANES) * w0 + Long.expand(p >>> 24, LANES) * w1;
            int o = dx * 3;
            g[o] = (int) top & LANE;
            g[o + 1] = (int) (top >>> 21) & LANE;
            g[o + 2] = (int) (top >>> 42);
            h[o] = (int) bottom & LANE;
            h[o + 1] = (int) (bottom >>> 21) & LANE;
            h[o + 2] = (int) (bottom >>> 42);
        }
    }

    /** {@link HorizontalRows#computePair}, packed, for 3 planar channels. */
    private static void pairPlanar(byte[] src, int[] xTab, int xBase, int dstW, int off0, int off1, int[] g, int[] h) {
        for (int dx = 0, t = xBase; dx < dstW; dx++, t += 4) {
            int c0 = xTab[t];
            long w0 = xTab[t + 2], w1 = xTab[t + 3];
            long a = (long) LONG_LE.get(src, off0 + c0), p = (long) LONG_LE.get(src, off1 + c0);
            long top = Long.expand(a, LANES) * w0 + Long.expand(a >>> 24, LANES) * w1;
            long bottom = Long.expand(p, LANES) * w0 + Long.expand(p >>> 24, LANES) * w1;
            g[dx] = (int) top & LANE;
            g[dx + dstW] = (int) (top >>> 21) & LANE;
            g[dx + 2 * dstW] = (int) (top >>> 42);
            h[dx] = (int) bottom & LANE;
            h[dx + dstW] = (int) (bottom >>> 21) & LANE;
            h[dx + 2 * dstW] = (int) (bottom >>> 42);
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
        areaInteger(src, null, srcW, channels, kx, ky, dst, dstW, dstH);
    }

    /** {@link ImageResize#areaIntegerOffHeapU8}: {@link #areaIntegerU8} with each source row staged from off-heap memory. */
    public static void areaIntegerOffHeapU8(ByteArray src, int srcW, int channels, int kx, int ky, byte[] dst, int dstW,
                                            int dstH) {
        areaInteger(null, src, srcW, channels, kx, ky, dst, dstW, dstH);
    }

    private static void areaInteger(byte[] src, ByteArray offHeap, int srcW, int channels, int kx, int ky, byte[] dst,
                                    int dstW, int dstH) {
        float scale = 1f / (kx * ky);
        int rowBytes = srcW * channels;
        int used = dstW * kx * channels;
        boolean twoByTwo = kx == 2 && ky == 2;
        CpuThreads.forRange(dstH, grain(dstW * channels * kx * ky), (from, to) -> {
            int[] cols = new int[used];
            byte[] staged = offHeap == null ? null : new byte[used];
            for (int dy = from; dy < to; dy++) {
                int base = dy * ky * rowBytes;
                for (int j = 0; j < ky; j++) {
                    byte[] s = src;
                    int row = base + j * rowBytes;
                    if (offHeap != null) {
                        offHeap.copyTo(row, staged, 0, used);
                        s = staged;
                        row = 0;
                    }
                    if (j == 0) {
                        for (int i = 0; i < used; i++) cols[i] = s[row + i] & 0xFF;
                    } else {
                        for (int i = 0; i < used; i++) cols[i] += s[row + i] & 0xFF;
                    }
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
        area(src, null, channels, xStart, xOffset, xWeight, yStart, yOffset, yWeight, dst, dstW, dstH);
    }

    /** {@link ImageResize#areaOffHeapU8}: {@link #areaU8} with each source row staged from off-heap memory. */
    public static void areaOffHeapU8(ByteArray src, int channels, int[] xStart, int[] xOffset, float[] xWeight,
                                     int[] yStart, int[] yOffset, float[] yWeight, byte[] dst, int dstW, int dstH) {
        area(null, src, channels, xStart, xOffset, xWeight, yStart, yOffset, yWeight, dst, dstW, dstH);
    }

    private static void area(byte[] src, ByteArray offHeap, int channels, int[] xStart, int[] xOffset, float[] xWeight,
                             int[] yStart, int[] yOffset, float[] yWeight, byte[] dst, int dstW, int dstH) {
        int rowLen = dstW * channels;
        int span = 0; // the bytes of a row the column taps read
        for (int k = 0; k < xStart[dstW]; k++) span = Math.max(span, xOffset[k] + channels);
        int rowSpan = span;
        int taps = xOffset.length;
        CpuThreads.forRange(dstH, grain(taps * channels * Math.max(1, yOffset.length / dstH)), (from, to) -> {
            float[] buf = new float[rowLen];
            float[] sum = new float[rowLen];
            int[] line = new int[rowLen];
            byte[] staged = offHeap == null ? null : new byte[rowSpan];
            int have = -1; // the yOffset whose horizontal sums buf holds (offsets are >= 0)
            for (int dy = from; dy < to; dy++) {
                java.util.Arrays.fill(sum, 0f);
                for (int j = yStart[dy]; j < yStart[dy + 1]; j++) {
                    if (yOffset[j] != have) {
                        if (offHeap == null) {
                            areaRow(src, channels, xStart, xOffset, xWeight, yOffset[j], dstW, buf);
                        } else {
                            offHeap.copyTo(yOffset[j], staged, 0, rowSpan);
                            areaRow(staged, channels, xStart, xOffset, xWeight, 0, dstW, buf);
                        }
                        have = yOffset[j];
                    }
                    float wy = yWeight[j];
                    for (int i = 0; i < rowLen; i++) sum[i] += wy * buf[i];
                }
                // (int) rint(sum) clamped to 0..255, in a loop C2 vectorises: clamping to [-1, 256] first
                // changes no clamped result (rint is monotonic), and in that range adding and subtracting
                // 1.5 * 2^23 rounds half to even exactly as rint does (NaN stays NaN and converts to 0).
                for (int i = 0; i < rowLen; i++) {
                    float x = Math.min(Math.max(sum[i], -1f), 256f);
                    line[i] = Math.min(Math.max((int) ((x + ROUNDER) - ROUNDER), 0), 255);
                }
                for (int i = 0, out = dy * rowLen; i < rowLen; i++) dst[out + i] = (byte) line[i];
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

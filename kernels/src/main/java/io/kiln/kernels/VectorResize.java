package io.kiln.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Vector API passes of {@link CpuImage#twoTapU8} for 1-, 3- and 4-channel images. 3 and 4 channels
 * use a <em>quad</em> layout: four {@code int} lanes per output pixel (the channels, and for 3 channels an
 * unused lane), so that a 16-lane vector holds four whole pixels (an 8-lane one two) and every lane of a pixel has the same
 * weights; 1 channel uses one lane per pixel (sixteen pixels a vector). Loaded only where
 * {@code jdk.incubator.vector} is resolved.
 * <ul>
 * <li><b>Horizontal</b> ({@link #row}): a scalar loop reads each output pixel's two source pixels with one
 * 8-byte read (they are adjacent: {@code c1 == c0 + 3}) and stores them as two 4-byte words into a tap-0
 * and a tap-1 byte row (the gather that x86 vectors do slowly for bytes: measured 1.4x slower than the
 * scalar loop); vectors then widen 16 bytes of each to {@code int} and compute
 * {@code p0 * wx0 + p1 * wx1} per lane, OpenCV's exact {@code int} sums.
 * <li><b>Vertical</b> ({@link #vertical}): {@link ImageResize#linearPixel}'s rounding
 * {@code (((h0 >> 4) * wy0 >> 16) + ((h1 >> 4) * wy1 >> 16) + 2) >> 2}, clamped, narrowed to bytes,
 * the unused lane dropped by one byte shuffle, twelve bytes stored per four pixels.
 * </ul>
 * Every lane performs Java's {@code int} operations of the reference in its order (wrapping, arithmetic
 * shifts), so the bytes are the reference's, bit for bit.
 */
final class VectorResize {
    /**
     * The machine's own int vector, at least 8 lanes (two quad pixels): 16 lanes on AVX-512, 8 on AVX2.
     * A fixed 512-bit species is not intrinsified on AVX2 and ran 20-70x slower there (the Vector API
     * falls back to Java code per lane), so the width follows {@code SPECIES_PREFERRED}.
     */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.length() >= 8 ? IntVector.SPECIES_PREFERRED : IntVector.SPECIES_256;
    /** One byte lane per int lane (128 bits for 16 lanes, 64 for 8), for the widening and narrowing conversions. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, jdk.incubator.vector.VectorShape.forBitSize(I.length() * 8));
    /** Output pixels per vector. */
    static final int PIXELS = I.length() / 4;
    /** Bytes 0-2, 4-6, 8-10, ... (each quad pixel's three channels) to the front; the last lanes: don't care. */
    private static final VectorShuffle<Byte> DROP_FOURTH = VectorShuffle.fromOp(B, k -> Math.min(k / 3 * 4 + k % 3, B.length() - 1));
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private VectorResize() {
    }

    /** Whether these passes take images of {@code channels} bytes per pixel: 1, 3 or 4. */
    static boolean supports(int channels) {
        return channels == 1 || channels == 3 || channels == 4;
    }

    /** Int lanes per output pixel in a row: 1 for 1 channel, 4 (quad) for 3 and 4. */
    static int laneStep(int channels) {
        return channels == 1 ? 1 : 4;
    }

    /** Ints of a row for {@code dstW} pixels of {@code channels} bytes, a whole number of vectors. */
    static int rowLength(int dstW, int channels) {
        return (dstW * laneStep(channels) + I.length() - 1) / I.length() * I.length();
    }

    /**
     * Scratch of one part: the per-pixel tables of one image's columns in quad layout and the two tap rows.
     * {@code col[dx]} is the byte offset of the pixel's first tap, {@code w0}, {@code w1} its weights
     * repeated over the pixel's four lanes.
     */
    static final class Columns {
        final int[] col;
        final int[] w0;
        final int[] w1;
        private final byte[] tap0;
        private final byte[] tap1;

        private final int channels;

        Columns(int dstW, int channels) {
            this.channels = channels;
            int n = rowLength(dstW, channels);
            col = new int[dstW];
            w0 = new int[n];
            w1 = new int[n];
            tap0 = new byte[n];
            tap1 = new byte[n];
        }

        /** Loads the columns of image {@code n} from {@code xTab} (four ints per output column). */
        void load(int[] xTab, int n, int dstW) {
            int step = laneStep(channels);
            for (int dx = 0, t = n * dstW * 4; dx < dstW; dx++, t += 4) {
                col[dx] = xTab[t];
                for (int c = 0; c < channels; c++) {
                    w0[dx * step + c] = xTab[t + 2];
                    w1[dx * step + c] = xTab[t + 3];
                }
            }
        }
    }

    /**
     * The horizontal pass of the source row at byte offset {@code off} into {@code h}; the caller has
     * checked that each column's second tap is the next pixel ({@code c1 == c0 + channels}) or weighs 0,
     * and that {@code off + col[dx] + 8 <= src.length} for every column.
     */
    static void row(byte[] src, int off, Columns k, int dstW, int[] h) {
        int[] col = k.col;
        byte[] a = k.tap0, b = k.tap1;
        switch (k.channels) {
            case 1 -> {
                for (int dx = 0; dx < dstW; dx++) {
                    short x = (short) SHORT_LE.get(src, off + col[dx]);
                    a[dx] = (byte) x;
                    b[dx] = (byte) (x >> 8);
                }
            }
            case 3 -> {
                for (int dx = 0; dx < dstW; dx++) {
                    long x = (long) LONG_LE.get(src, off + col[dx]);
                    INT_LE.set(a, dx * 4, (int) x);
                    INT_LE.set(b, dx * 4, (int) (x >>> 24));
                }
            }
            default -> {
                for (int dx = 0; dx < dstW; dx++) {
                    long x = (long) LONG_LE.get(src, off + col[dx]);
                    INT_LE.set(a, dx * 4, (int) x);
                    INT_LE.set(b, dx * 4, (int) (x >>> 32));
                }
            }
        }
        widen(k, h);
    }

    private static final java.lang.foreign.ValueLayout.OfLong SEG_LONG =
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.foreign.ValueLayout.OfShort SEG_SHORT =
            java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * {@link #row(byte[], int, Columns, int, int[])} reading the source row at byte {@code off} of off-heap
     * memory in place; the caller has checked {@code off + col[dx] + 8 <= src.byteSize()}.
     */
    static void row(java.lang.foreign.MemorySegment src, long off, Columns k, int dstW, int[] h) {
        int[] col = k.col;
        byte[] a = k.tap0, b = k.tap1;
        if (k.channels == 1) {
            for (int dx = 0; dx < dstW; dx++) {
                short x = src.get(SEG_SHORT, off + col[dx]);
                a[dx] = (byte) x;
                b[dx] = (byte) (x >> 8);
            }
        } else {
            int split = k.channels == 3 ? 24 : 32;
            for (int dx = 0; dx < dstW; dx++) {
                long x = src.get(SEG_LONG, off + col[dx]);
                INT_LE.set(a, dx * 4, (int) x);
                INT_LE.set(b, dx * 4, (int) (x >>> split));
            }
        }
        widen(k, h);
    }

    /** {@code h = tap0 * w0 + tap1 * w1} over whole vectors, the tap bytes widened to {@code int}. */
    private static void widen(Columns k, int[] h) {
        byte[] a = k.tap0, b = k.tap1;
        int n = h.length;
        for (int i = 0; i < n; i += I.length()) {
            IntVector p0 = (IntVector) ByteVector.fromArray(B, a, i).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector p1 = (IntVector) ByteVector.fromArray(B, b, i).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            p0.mul(IntVector.fromArray(I, k.w0, i)).add(p1.mul(IntVector.fromArray(I, k.w1, i))).intoArray(h, i);
        }
    }

    /**
     * The vertical pass of one output row of {@code dstW} pixels of {@code channels} bytes from rows
     * made by {@link #row}, into {@code dst} from {@code out}; nothing past the row's last byte is written.
     */
    static void vertical(int[] h0, int[] h1, int wy0, int wy1, byte[] dst, int out, int dstW, int channels) {
        if (channels != 3) {
            // 1 and 4 channels: every lane is an output byte, in order; the row's end is stored with a mask.
            int len = dstW * channels;
            for (int i = 0; i < len; i += I.length()) {
                ByteVector bytes = (ByteVector) verticalLanes(h0, h1, i, wy0, wy1).convertShape(VectorOperators.I2B, B, 0);
                if (i + I.length() <= len) {
                    bytes.intoArray(dst, out + i);
                } else {
                    bytes.intoArray(dst, out + i, VectorMask.fromLong(B, (1L << (len - i)) - 1));
                }
            }
            return;
        }
        for (int i = 0, px = 0; px < dstW; i += I.length(), px += PIXELS) {
            ByteVector bytes = ((ByteVector) verticalLanes(h0, h1, i, wy0, wy1).convertShape(VectorOperators.I2B, B, 0))
                    .rearrange(DROP_FOURTH);
            int at = out + px * 3;
            if ((px * 3) + B.length() <= dstW * 3) {
                bytes.intoArray(dst, at);                    // B.length() bytes: those past PIXELS * 3 are rewritten by the next vector
            } else {
                int valid = Math.min(PIXELS, dstW - px) * 3;  // the row's end: nothing past it (another part's row)
                bytes.intoArray(dst, at, VectorMask.fromLong(B, (1L << valid) - 1));
            }
        }
    }

    /** {@link ImageResize#linearPixel}'s vertical rounding of the lanes from {@code i}, clamped to 0..255. */
    private static IntVector verticalLanes(int[] h0, int[] h1, int i, int wy0, int wy1) {
        IntVector a = IntVector.fromArray(I, h0, i).lanewise(VectorOperators.ASHR, 4).mul(wy0).lanewise(VectorOperators.ASHR, 16);
        IntVector b = IntVector.fromArray(I, h1, i).lanewise(VectorOperators.ASHR, 4).mul(wy1).lanewise(VectorOperators.ASHR, 16);
        return a.add(b).add(2).lanewise(VectorOperators.ASHR, 2).max(0).min(255);
    }
}

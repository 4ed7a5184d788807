package io.kiln.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Vector API passes of {@link CpuImage#twoTapU8} for 1-, 3- and 4-channel images. A row holds one
 * {@code int} lane per output byte, interleaved as the output is ({@code dx * channels + c}), padded to a
 * whole number of vectors; each lane has its own weights, so a vector need not hold whole pixels. (An
 * earlier layout gave 3-channel pixels four lanes, one unused, so that a vector held whole pixels: a
 * quarter of the widening and vertical work was wasted and the vertical pass needed a byte shuffle to
 * drop the unused lane.) Loaded only where {@code jdk.incubator.vector} is resolved.
 * <ul>
 * <li><b>Horizontal</b> ({@link #row}): a scalar loop reads each output pixel's two source pixels with one
 * 2- or 8-byte read (they are adjacent: {@code c1 == c0 + channels}) and stores them into a tap-0 and a
 * tap-1 byte row (the gather that x86 vectors do slowly for bytes: measured 1.4x slower than the
 * scalar loop; for 3 channels a 4-byte store at {@code dx * 3} whose fourth byte the next pixel's store
 * overwrites); vectors then widen the bytes of each to {@code int} and compute
 * {@code p0 * wx0 + p1 * wx1} per lane, OpenCV's exact {@code int} sums.
 * <li><b>Vertical</b> ({@link #vertical}): {@link ImageResize#linearPixel}'s rounding
 * {@code (((h0 >> 4) * wy0 >> 16) + ((h1 >> 4) * wy1 >> 16) + 2) >> 2}, clamped, narrowed to bytes and
 * stored in order, the row's end with a mask.
 * </ul>
 * Every lane performs Java's {@code int} operations of the reference in its order (wrapping, arithmetic
 * shifts), so the bytes are the reference's, bit for bit.
 */
final class VectorResize {
    /**
     * The machine's own int vector, at least 8 lanes: 16 lanes on AVX-512, 8 on AVX2.
     * A fixed 512-bit species is not intrinsified on AVX2 and ran 20-70x slower there (the Vector API
     * falls back to Java code per lane), so the width follows {@code SPECIES_PREFERRED}.
     */
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED.length() >= 8 ? IntVector.SPECIES_PREFERRED : IntVector.SPECIES_256;
    /** One byte lane per int lane (128 bits for 16 lanes, 64 for 8), for the widening and narrowing conversions. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, jdk.incubator.vector.VectorShape.forBitSize(I.length() * 8));
    /** Two bytes per int lane: a 1-channel pixel's two taps, as one {@code short}. */
    private static final VectorSpecies<Byte> B2 = VectorSpecies.of(byte.class, jdk.incubator.vector.VectorShape.forBitSize(I.length() * 16));
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private VectorResize() {
    }

    /** Whether these passes take images of {@code channels} bytes per pixel: 1, 3 or 4. */
    static boolean supports(int channels) {
        return channels == 1 || channels == 3 || channels == 4;
    }

    /** Ints of a row for {@code dstW} pixels of {@code channels} bytes, a whole number of vectors. */
    static int rowLength(int dstW, int channels) {
        return (dstW * channels + I.length() - 1) / I.length() * I.length();
    }

    /**
     * Scratch of one part: the per-lane tables of one image's columns and the two tap rows.
     * {@code col[dx]} is the byte offset of the pixel's first tap, {@code w0}, {@code w1} its weights
     * repeated over the pixel's lanes (0 in the padding lanes).
     */
    static final class Columns {
        final int[] col;
        final int[] w0;
        final int[] w1;
        private final byte[] tap0;
        private final byte[] tap1;
        /** The second row's taps, for {@link #fused}. */
        private final byte[] tap2;
        private final byte[] tap3;

        private final int channels;

        Columns(int dstW, int channels) {
            this.channels = channels;
            int n = rowLength(dstW, channels);
            col = new int[dstW];
            w0 = new int[n];
            w1 = new int[n];
            // 4 bytes more: a 3-channel pixel's 4-byte store reaches one byte past its lanes.
            // 1 channel: both taps in tap0 (and tap2), two bytes a lane.
            tap0 = new byte[2 * n + 4];
            tap1 = new byte[n + 4];
            tap2 = new byte[2 * n + 4];
            tap3 = new byte[n + 4];
        }

        /** Loads the columns of image {@code n} from {@code xTab} (four ints per output column). */
        void load(int[] xTab, int n, int dstW) {
            for (int dx = 0, t = n * dstW * 4; dx < dstW; dx++, t += 4) {
                col[dx] = xTab[t];
                for (int c = 0; c < channels; c++) {
                    w0[dx * channels + c] = xTab[t + 2];
                    w1[dx * channels + c] = xTab[t + 3];
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
        stage(src, off, k.col, k.channels, dstW, k.tap0, k.tap1);
        widen(k, h);
    }

    /** {@link #row}'s scalar half: the two taps of every column of the row at {@code off} into {@code a} and {@code b}. */
    private static void stage(byte[] src, int off, int[] col, int channels, int dstW, byte[] a, byte[] b) {
        switch (channels) {
            case 1 -> {
                // Both taps as read, one 2-byte store: sums() splits them in the vector lanes.
                for (int dx = 0; dx < dstW; dx++) SHORT_LE.set(a, dx * 2, (short) SHORT_LE.get(src, off + col[dx]));
            }
            case 3 -> {
                // In ascending order: each store's fourth byte is the next pixel's first, rewritten next.
                for (int dx = 0; dx < dstW; dx++) {
                    long x = (long) LONG_LE.get(src, off + col[dx]);
                    INT_LE.set(a, dx * 3, (int) x);
                    INT_LE.set(b, dx * 3, (int) (x >>> 24));
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
    }

    /**
     * One output row from two source rows that no other output row of the part reads: {@link #row} of
     * the rows at {@code off0} and {@code off1} and {@link #vertical} in one vector loop, the horizontal
     * sums kept in registers instead of stored as rows and read back (same lanes, same operations, same
     * bytes). The caller has checked what {@link #row} needs for both rows.
     */
    static void fused(byte[] src, int off0, int off1, Columns k, int dstW, int wy0, int wy1, byte[] dst, int out) {
        int ch = k.channels, len = dstW * ch;
        if (ch == 3) {
            stage3Pair(src, off0, off1, k.col, dstW, k.tap0, k.tap1, k.tap2, k.tap3);
        } else {
            stage(src, off0, k.col, ch, dstW, k.tap0, k.tap1);
            stage(src, off1, k.col, ch, dstW, k.tap2, k.tap3);
        }
        for (int i = 0; i < len; i += I.length()) {
            IntVector w0 = IntVector.fromArray(I, k.w0, i), w1 = IntVector.fromArray(I, k.w1, i);
            IntVector h0 = sums(ch, k.tap0, k.tap1, w0, w1, i);
            IntVector h1 = sums(ch, k.tap2, k.tap3, w0, w1, i);
            store(rounded(h0, h1, wy0, wy1), dst, out, i, len);
        }
    }

    /**
     * {@link #stage} of two 3-channel rows in one loop: each column's offset is read once for both rows
     * and the loop's own work is shared (about 10% of a 224x224 resize on one Zen 3 thread: 210-236 µs
     * against 230-275 µs best, 640x480 and 1920x1080). Same stores, same bytes.
     */
    private static void stage3Pair(byte[] src, int off0, int off1, int[] col, int dstW, byte[] a, byte[] b, byte[] c, byte[] d) {
        for (int dx = 0; dx < dstW; dx++) {              // ascending: see stage's 3-channel case
            int o = col[dx];
            long x = (long) LONG_LE.get(src, off0 + o);
            long y = (long) LONG_LE.get(src, off1 + o);
            INT_LE.set(a, dx * 3, (int) x);
            INT_LE.set(b, dx * 3, (int) (x >>> 24));
            INT_LE.set(c, dx * 3, (int) y);
            INT_LE.set(d, dx * 3, (int) (y >>> 24));
        }
    }

    /**
     * The horizontal sums {@code p0 * w0 + p1 * w1} of lanes {@code i..} from tap rows {@code a} and
     * {@code b}; for 1 channel {@code a} holds both taps of pixel {@code dx} at bytes {@code 2 * dx} and
     * {@code 2 * dx + 1} (one store per pixel instead of two) and {@code b} is not read.
     */
    private static IntVector sums(int channels, byte[] a, byte[] b, IntVector w0, IntVector w1, int i) {
        if (channels == 1) {
            IntVector both = (IntVector) ByteVector.fromArray(B2, a, 2 * i).reinterpretAsShorts()
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            return both.and(0xFF).mul(w0).add(both.lanewise(VectorOperators.LSHR, 8).mul(w1));
        }
        return widened(a, i).mul(w0).add(widened(b, i).mul(w1));
    }

    /** {@code I.length()} tap bytes from {@code i}, zero-extended to {@code int}. */
    private static IntVector widened(byte[] taps, int i) {
        return (IntVector) ByteVector.fromArray(B, taps, i).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
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
            for (int dx = 0; dx < dstW; dx++) SHORT_LE.set(a, dx * 2, src.get(SEG_SHORT, off + col[dx]));
        } else {
            int ch = k.channels, split = ch * 8;
            for (int dx = 0; dx < dstW; dx++) {              // ascending: see the heap row's 3-channel case
                long x = src.get(SEG_LONG, off + col[dx]);
                INT_LE.set(a, dx * ch, (int) x);
                INT_LE.set(b, dx * ch, (int) (x >>> split));
            }
        }
        widen(k, h);
    }

    /** {@code h = tap0 * w0 + tap1 * w1} over whole vectors, the tap bytes widened to {@code int}. */
    private static void widen(Columns k, int[] h) {
        for (int i = 0; i < h.length; i += I.length()) {
            sums(k.channels, k.tap0, k.tap1, IntVector.fromArray(I, k.w0, i), IntVector.fromArray(I, k.w1, i), i).intoArray(h, i);
        }
    }

    /**
     * The vertical pass of one output row of {@code dstW} pixels of {@code channels} bytes from rows
     * made by {@link #row}, into {@code dst} from {@code out}; nothing past the row's last byte is written.
     */
    static void vertical(int[] h0, int[] h1, int wy0, int wy1, byte[] dst, int out, int dstW, int channels) {
        int len = dstW * channels;
        for (int i = 0; i < len; i += I.length()) {
            store(rounded(IntVector.fromArray(I, h0, i), IntVector.fromArray(I, h1, i), wy0, wy1), dst, out, i, len);
        }
    }

    /** Lanes {@code i..} of a row of {@code len} output bytes narrowed into {@code dst} from {@code out + i}, the row's end with a mask. */
    private static void store(IntVector v, byte[] dst, int out, int i, int len) {
        ByteVector bytes = (ByteVector) v.convertShape(VectorOperators.I2B, B, 0);
        if (i + I.length() <= len) {
            bytes.intoArray(dst, out + i);
        } else {
            bytes.intoArray(dst, out + i, VectorMask.fromLong(B, (1L << (len - i)) - 1));
        }
    }

    /** {@link ImageResize#linearPixel}'s vertical rounding of horizontal sums {@code h0}, {@code h1}, clamped to 0..255. */
    private static IntVector rounded(IntVector h0, IntVector h1, int wy0, int wy1) {
        IntVector a = h0.lanewise(VectorOperators.ASHR, 4).mul(wy0).lanewise(VectorOperators.ASHR, 16);
        IntVector b = h1.lanewise(VectorOperators.ASHR, 4).mul(wy1).lanewise(VectorOperators.ASHR, 16);
        return a.add(b).add(2).lanewise(VectorOperators.ASHR, 2).max(0).min(255);
    }
}

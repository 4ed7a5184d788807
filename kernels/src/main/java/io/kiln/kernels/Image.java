package io.kiln.kernels;

import io.kiln.ByteArray;

import java.util.Objects;

/**
 * An 8-bit image on the host: {@code height} rows of {@code width} pixels, each pixel
 * {@code channels} consecutive bytes (interleaved HWC, bytes read as unsigned 0..255), row-major
 * with no padding. The pixels are a Java array ({@link #Image(byte[], int, int, int)}) or off-heap
 * memory ({@link #wrap(ByteArray, int, int, int)}, for a decoder that writes straight into native
 * memory); every image operation takes both kinds and gives the same results for them. The
 * constructors check that the sizes agree with the data, so every operation that takes an
 * {@code Image} can rely on them.
 *
 * <p>Neither kind copies the pixels: the image is a view of the caller's array, and an off-heap
 * image stays valid only while its {@link ByteArray} is open (Kiln never closes it).
 */
public final class Image {
    private final byte[] data;
    private final ByteArray offHeap;
    private final int width;
    private final int height;
    private final int channels;

    /**
     * An image over a Java array.
     *
     * @param data     the pixels, {@code width * height * channels} bytes, shared (not copied)
     * @param width    pixels per row, at least 1
     * @param height   rows, at least 1
     * @param channels bytes per pixel, 1 (grey), 3 (RGB or BGR) or 4 (RGBA or BGRA)
     * @throws IllegalArgumentException if the sizes are not positive, the channels not 1, 3 or 4, or
     *                                  the array does not hold exactly {@code width * height * channels} bytes
     */
    public Image(byte[] data, int width, int height, int channels) {
        Objects.requireNonNull(data, "image data is null: pass width * height * channels bytes");
        checkSize(width, height, channels);
        checkLength(data.length, width, height, channels);
        this.data = data;
        this.offHeap = null;
        this.width = width;
        this.height = height;
        this.channels = channels;
    }

    private Image(ByteArray offHeap, int width, int height, int channels) {
        this.data = null;
        this.offHeap = offHeap;
        this.width = width;
        this.height = height;
        this.channels = channels;
    }

    /**
     * An image over off-heap memory (not copied), laid out as a heap image: the entry point for a
     * decoder that writes pixels straight into a {@link ByteArray} (for several images in one buffer
     * see {@link ImageBatch#wrap(ByteArray, int[], int[], int[], int)}).
     *
     * @throws IllegalArgumentException if the sizes are not positive, the channels not 1, 3 or 4, or
     *                                  the array does not hold exactly {@code width * height * channels}
     *                                  bytes (wrap a slice of a larger buffer: {@code ByteArray.wrap(segment.asSlice(...))})
     * @throws IllegalStateException    if the array is closed
     */
    public static Image wrap(ByteArray pixels, int width, int height, int channels) {
        Objects.requireNonNull(pixels, "image pixels are null: pass a ByteArray of width * height * channels bytes");
        checkSize(width, height, channels);
        checkLength(pixels.length(), width, height, channels);
        if (pixels.isClosed()) {
            throw new IllegalStateException(pixels + " is closed: wrap an open array");
        }
        return new Image(pixels, width, height, channels);
    }

    /** A new black image of the given size, on the heap. */
    public static Image blank(int width, int height, int channels) {
        checkSize(width, height, channels);
        return new Image(new byte[width * height * channels], width, height, channels);
    }

    /**
     * The pixels of a heap image (not copied).
     *
     * @throws IllegalStateException if the image is off-heap ({@link #isOffHeap()}): use {@link #offHeap()},
     *                               or {@link #toHeap()} for a heap copy
     */
    public byte[] data() {
        if (data == null) {
            throw new IllegalStateException(this + " is off-heap: read its pixels with offHeap(), or copy them with toHeap()");
        }
        return data;
    }

    /**
     * The pixels of an off-heap image (not copied).
     *
     * @throws IllegalStateException if the image is on the heap: use {@link #data()}
     */
    public ByteArray offHeap() {
        if (offHeap == null) {
            throw new IllegalStateException(this + " is on the heap: read its pixels with data()");
        }
        return offHeap;
    }

    /** Whether the pixels are off-heap memory ({@link #wrap}) rather than a Java array. */
    public boolean isOffHeap() {
        return offHeap != null;
    }

    /** This image if it is on the heap, else a heap copy of it. */
    public Image toHeap() {
        return offHeap == null ? this : new Image(offHeap.toArray(), width, height, channels);
    }

    /** Pixels per row. */
    public int width() {
        return width;
    }

    /** Rows. */
    public int height() {
        return height;
    }

    /** Bytes per pixel: 1, 3 or 4. */
    public int channels() {
        return channels;
    }

    /** The number of bytes, {@code width * height * channels}. */
    public int byteSize() {
        return width * height * channels;
    }

    /** The value 0..255 of channel {@code c} of the pixel in column {@code x}, row {@code y}. */
    public int get(int x, int y, int c) {
        int i = (y * width + x) * channels + c;
        return (data != null ? data[i] : offHeap.get(i)) & 0xFF;
    }

    /** The pixel array as a task graph takes it: the {@code byte[]} or the {@link ByteArray}. */
    Object pixels() {
        return data != null ? data : offHeap;
    }

    /** Copies the pixels into {@code dst} from {@code at}. */
    void copyTo(byte[] dst, int at) {
        if (data != null) {
            System.arraycopy(data, 0, dst, at, data.length);
        } else {
            offHeap.copyTo(0, dst, at, byteSize());
        }
    }

    static void checkSize(int width, int height, int channels) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " is not positive: width and height must be at least 1");
        }
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new IllegalArgumentException("images have 1, 3 or 4 channels, not " + channels);
        }
        if ((long) width * height * channels > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("image of " + width + "x" + height + "x" + channels
                    + " exceeds the 2^31-byte limit of a Java array: split it into tiles");
        }
    }

    private static void checkLength(long length, int width, int height, int channels) {
        long need = (long) width * height * channels;
        if (length != need) {
            throw new IllegalArgumentException("image of " + width + "x" + height + "x" + channels + " needs " + need
                    + " bytes but the array holds " + length + ": pass exactly width * height * channels bytes");
        }
    }

    @Override
    public String toString() {
        return "Image[" + width + "x" + height + "x" + channels + (offHeap != null ? ", off-heap" : "") + "]";
    }

    /** Equal when sizes, channels and every pixel agree, whether the pixels are on the heap or off it. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Image i && i.width == width && i.height == height && i.channels == channels
                && java.util.Arrays.equals(i.toHeap().data, toHeap().data);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(toHeap().data) * 31 + width * 7 + height * 3 + channels;
    }
}

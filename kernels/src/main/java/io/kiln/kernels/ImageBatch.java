package io.kiln.kernels;

import io.kiln.ByteArray;

import java.util.List;
import java.util.Objects;

/**
 * Images of possibly different sizes packed into one byte array, as the batched kernels read them:
 * image {@code i} starts at byte {@link #offset(int)} and is {@link #width(int)} x {@link #height(int)}
 * pixels of {@link #channels()} bytes, rows without padding. The array is a Java array or off-heap
 * memory ({@link #wrap(ByteArray, int[], int[], int[], int)}: a loader decodes a whole batch straight
 * into one native buffer); every batched operation takes both and gives the same results.
 */
public final class ImageBatch {
    private final byte[] data;
    private final ByteArray offHeap;
    private final int[] offsets;
    private final int[] widths;
    private final int[] heights;
    private final int channels;

    private ImageBatch(byte[] data, ByteArray offHeap, int[] offsets, int[] widths, int[] heights, int channels) {
        this.data = data;
        this.offHeap = offHeap;
        this.offsets = offsets;
        this.widths = widths;
        this.heights = heights;
        this.channels = channels;
    }

    /**
     * Packs {@code images} (copied) in order.
     *
     * @throws IllegalArgumentException if the list is empty, the images differ in channels, or they
     *                                  hold more than 2^31 bytes together
     */
    public static ImageBatch of(List<Image> images) {
        Objects.requireNonNull(images, "images is null");
        if (images.isEmpty()) {
            throw new IllegalArgumentException("an image batch needs at least one image");
        }
        int n = images.size();
        int[] offsets = new int[n];
        int[] widths = new int[n];
        int[] heights = new int[n];
        int channels = Objects.requireNonNull(images.get(0), "image 0 is null").channels();
        long total = 0;
        for (int i = 0; i < n; i++) {
            Image im = Objects.requireNonNull(images.get(i), "image " + i + " is null");
            if (im.channels() != channels) {
                throw new IllegalArgumentException("image " + i + " has " + im.channels() + " channels but image 0 has " + channels
                        + ": convert them to one layout first (ImageGeometry.toGrey, ...)");
            }
            offsets[i] = (int) Math.min(total, Integer.MAX_VALUE);
            widths[i] = im.width();
            heights[i] = im.height();
            total += im.byteSize();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the batch holds " + total + " bytes, more than a Java array can: split it");
        }
        byte[] data = new byte[(int) total];
        for (int i = 0; i < n; i++) {
            images.get(i).copyTo(data, offsets[i]);
        }
        return new ImageBatch(data, null, offsets, widths, heights, channels);
    }

    /**
     * A batch over pixels already packed in {@code data} (not copied), for example decoded straight
     * into one reusable buffer: image {@code i} is {@code widths[i] x heights[i]} pixels starting at
     * byte {@code offsets[i]}. The arrays are copied.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or an image reaches
     *                                  outside {@code data}
     */
    public static ImageBatch wrap(byte[] data, int[] offsets, int[] widths, int[] heights, int channels) {
        Objects.requireNonNull(data, "data is null");
        checkLayout(data.length, offsets, widths, heights, channels);
        return new ImageBatch(data, null, offsets.clone(), widths.clone(), heights.clone(), channels);
    }

    /**
     * A batch over pixels packed in off-heap memory (not copied), laid out as in
     * {@link #wrap(byte[], int[], int[], int[], int)}: the entry point for a loader that decodes a
     * batch straight into one native (for devices: pinned, {@code ByteArray.allocatePinned}) buffer.
     * The images must end within the first 2^31 - 8 bytes of {@code data} (the kernels' tables hold
     * {@code int} offsets); the batch is valid while {@code data} is open.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or an image reaches
     *                                  outside {@code data} or past byte 2^31 - 8
     * @throws IllegalStateException    if {@code data} is closed
     */
    public static ImageBatch wrap(ByteArray data, int[] offsets, int[] widths, int[] heights, int channels) {
        Objects.requireNonNull(data, "data is null");
        if (data.isClosed()) {
            throw new IllegalStateException(data + " is closed: wrap an open array");
        }
        checkLayout(Math.min(data.length(), Integer.MAX_VALUE - 8), offsets, widths, heights, channels);
        return new ImageBatch(null, data, offsets.clone(), widths.clone(), heights.clone(), channels);
    }

    private static void checkLayout(long length, int[] offsets, int[] widths, int[] heights, int channels) {
        Objects.requireNonNull(offsets, "offsets is null");
        Objects.requireNonNull(widths, "widths is null");
        Objects.requireNonNull(heights, "heights is null");
        int n = offsets.length;
        if (n == 0 || widths.length != n || heights.length != n) {
            throw new IllegalArgumentException("offsets, widths and heights hold " + offsets.length + ", " + widths.length + " and "
                    + heights.length + " values: pass one of each per image, at least one image");
        }
        for (int i = 0; i < n; i++) {
            Image.checkSize(widths[i], heights[i], channels);
            long end = (long) offsets[i] + (long) widths[i] * heights[i] * channels;
            if (offsets[i] < 0 || end > length) {
                throw new IllegalArgumentException("image " + i + " (" + widths[i] + "x" + heights[i] + "x" + channels + " at byte "
                        + offsets[i] + ") reaches outside the first " + length + " bytes of the array");
            }
        }
    }

    /**
     * The packed pixels of a heap batch (not copied: the kernels read this array).
     *
     * @throws IllegalStateException if the batch is off-heap: use {@link #offHeap()}
     */
    public byte[] data() {
        if (data == null) {
            throw new IllegalStateException("the batch is off-heap: read its pixels with offHeap()");
        }
        return data;
    }

    /**
     * The packed pixels of an off-heap batch (not copied).
     *
     * @throws IllegalStateException if the batch is on the heap: use {@link #data()}
     */
    public ByteArray offHeap() {
        if (offHeap == null) {
            throw new IllegalStateException("the batch is on the heap: read its pixels with data()");
        }
        return offHeap;
    }

    /** Whether the pixels are off-heap memory rather than a Java array. */
    public boolean isOffHeap() {
        return offHeap != null;
    }

    /**
     * Image {@code i} as an {@link Image}: for a heap batch a copy of its pixels, for an off-heap batch
     * a view of them (no copy, valid while the batch's array is open).
     */
    public Image image(int i) {
        int len = widths[i] * heights[i] * channels;
        if (data != null) {
            return new Image(java.util.Arrays.copyOfRange(data, offsets[i], offsets[i] + len), widths[i], heights[i], channels);
        }
        return Image.wrap(ByteArray.wrap(offHeap.segment().asSlice(offsets[i], len)), widths[i], heights[i], channels);
    }

    /** The pixel array as a task graph takes it: the {@code byte[]} or the {@link ByteArray}. */
    Object pixels() {
        return data != null ? data : offHeap;
    }

    /** Number of images. */
    public int size() {
        return offsets.length;
    }

    /** Bytes per pixel, the same for every image. */
    public int channels() {
        return channels;
    }

    /** Where image {@code i} starts in {@link #data()}. */
    public int offset(int i) {
        return offsets[i];
    }

    /** Width of image {@code i}. */
    public int width(int i) {
        return widths[i];
    }

    /** Height of image {@code i}. */
    public int height(int i) {
        return heights[i];
    }
}

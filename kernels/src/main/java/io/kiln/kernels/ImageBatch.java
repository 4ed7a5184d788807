package io.kiln.kernels;

import java.util.List;
import java.util.Objects;

/**
 * Images of possibly different sizes packed into one byte array, as the batched kernels read them:
 * image {@code i} starts at byte {@link #offset(int)} and is {@link #width(int)} x {@link #height(int)}
 * pixels of {@link #channels()} bytes, rows without padding.
 */
public final class ImageBatch {
    private final byte[] data;
    private final int[] offsets;
    private final int[] widths;
    private final int[] heights;
    private final int channels;

    private ImageBatch(byte[] data, int[] offsets, int[] widths, int[] heights, int channels) {
        this.data = data;
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
            total += im.data().length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("the batch holds " + total + " bytes, more than a Java array can: split it");
        }
        byte[] data = new byte[(int) total];
        for (int i = 0; i < n; i++) {
            byte[] d = images.get(i).data();
            System.arraycopy(d, 0, data, offsets[i], d.length);
        }
        return new ImageBatch(data, offsets, widths, heights, channels);
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
            if (offsets[i] < 0 || end > data.length) {
                throw new IllegalArgumentException("image " + i + " (" + widths[i] + "x" + heights[i] + "x" + channels + " at byte "
                        + offsets[i] + ") reaches outside the " + data.length + "-byte array");
            }
        }
        return new ImageBatch(data, offsets.clone(), widths.clone(), heights.clone(), channels);
    }

    /** The packed pixels (not copied: the kernels read this array). */
    public byte[] data() {
        return data;
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

package io.kiln.kernels;

import java.util.Objects;

/**
 * An 8-bit image on the host: {@code height} rows of {@code width} pixels, each pixel
 * {@code channels} consecutive bytes (interleaved HWC, bytes read as unsigned 0..255), row-major
 * with no padding. The constructor checks that the sizes agree with the data, so every operation
 * that takes an {@code Image} can rely on them.
 *
 * @param data     the pixels, {@code width * height * channels} bytes, shared (not copied)
 * @param width    pixels per row, at least 1
 * @param height   rows, at least 1
 * @param channels bytes per pixel, 1 (grey), 3 (RGB or BGR) or 4 (RGBA or BGRA)
 */
public record Image(byte[] data, int width, int height, int channels) {

    /** Checks sizes and channels against the data. */
    public Image {
        Objects.requireNonNull(data, "image data is null: pass width * height * channels bytes");
        checkSize(width, height, channels);
        long need = (long) width * height * channels;
        if (data.length != need) {
            throw new IllegalArgumentException("image of " + width + "x" + height + "x" + channels + " needs " + need
                    + " bytes but the array holds " + data.length + ": pass exactly width * height * channels bytes");
        }
    }

    /** A new black image of the given size. */
    public static Image blank(int width, int height, int channels) {
        checkSize(width, height, channels);
        return new Image(new byte[width * height * channels], width, height, channels);
    }

    /** The value 0..255 of channel {@code c} of the pixel in column {@code x}, row {@code y}. */
    public int get(int x, int y, int c) {
        return data[(y * width + x) * channels + c] & 0xFF;
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

    @Override
    public String toString() {
        return "Image[" + width + "x" + height + "x" + channels + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image i && i.width == width && i.height == height && i.channels == channels
                && java.util.Arrays.equals(i.data, data);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(data) * 31 + width * 7 + height * 3 + channels;
    }
}

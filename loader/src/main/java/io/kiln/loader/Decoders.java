package io.kiln.loader;

import io.kiln.kernels.Image;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Decoding one sample: TurboJPEG for JPEG (when chosen and present), ImageIO for everything else and
 * as the fallback when TurboJPEG rejects a file it cannot convert (CMYK, ...). Output goes straight into
 * the slot's pixel buffer when there is room. Each decode thread keeps its own TurboJPEG handle.
 */
final class Decoders {
    private static final ThreadLocal<TurboJpeg> TURBO = new ThreadLocal<>();

    private Decoders() {
    }

    /**
     * A decoded image: {@code width x height} pixels at {@code offset} of the slot's buffer, or in
     * {@code own} when the buffer had no room ({@code offset} is then -1).
     */
    record Decoded(int width, int height, int offset, byte[] own, String decoder) {
        /** The pixels as an {@link Image} (copied). */
        Image toImage(byte[] pixels, int channels) {
            int len = width * height * channels;
            byte[] px = own != null ? own.clone() : java.util.Arrays.copyOfRange(pixels, offset, offset + len);
            return new Image(px, width, height, channels);
        }

        /** An image's pixels placed into the slot (reserving room, or in an own array). */
        static Decoded copyOf(Image img, String decoder, Slot slot) {
            int len = img.data().length;
            int off = slot.reserve(len);
            if (off < 0) return new Decoded(img.width(), img.height(), -1, img.data().clone(), decoder);
            System.arraycopy(img.data(), 0, slot.pixels, off, len);
            return new Decoded(img.width(), img.height(), off, null, decoder);
        }
    }

    /** Closes the calling thread's TurboJPEG handle (decode threads call it as they end). */
    static void closeThreadDecoder() {
        TurboJpeg t = TURBO.get();
        if (t != null) {
            TURBO.remove();
            t.close();
        }
    }

    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    /**
     * Decodes {@code data} into {@code channels} bytes per pixel.
     *
     * @param minSide with DCT scaling, the smallest side a scaled decode may have (0: never scale)
     * @throws DecodeException with the failure's kind
     */
    static Decoded decode(byte[] data, Decoder choice, int channels, long maxPixels, int minSide, Slot slot) {
        if (data.length == 0) throw new DecodeException(FailureKind.CORRUPT, "empty file");
        if (choice == Decoder.TURBOJPEG && isJpeg(data)) {
            TurboJpeg tj = TURBO.get();
            if (tj == null) {
                tj = TurboJpeg.open();
                TURBO.set(tj);
            }
            int[] wh = tj.header(data);
            checkSize(wh[0], wh[1], maxPixels);
            int w = wh[0], h = wh[1];
            String name = "turbojpeg";
            if (minSide > 0) {
                int[] best = scaled(w, h, minSide);
                if (best[3] != best[2]) name = "turbojpeg " + best[2] + "/" + best[3];
                w = best[0];
                h = best[1];
            }
            long len = (long) w * h * channels;
            int off = slot.reserve(len);
            byte[] own = off < 0 ? new byte[(int) len] : null;
            try {
                tj.decode(data, w, h, channels, own != null ? own : slot.pixels, own != null ? 0 : off);
            } catch (DecodeException e) {
                if (e.getMessage().startsWith("damaged")) throw e;
                // a JPEG libjpeg-turbo cannot convert (CMYK, 12-bit, ...): ImageIO may read it
                try {
                    return imageIo(data, channels, maxPixels, slot);
                } catch (DecodeException again) {
                    throw e;
                }
            }
            return new Decoded(w, h, own != null ? -1 : off, own, name);
        }
        return imageIo(data, channels, maxPixels, slot);
    }

    /**
     * The smallest libjpeg-turbo scaling (below 1) whose shorter side is still at least {@code minSide}:
     * {w, h, num, denom} ({@code TJSCALED}: {@code ceil(side * num / denom)}); {w, h, 1, 1} when none is.
     */
    static int[] scaled(int w, int h, int minSide) {
        int[] best = {w, h, 1, 1};
        for (int[] f : TurboJpeg.scalingFactors()) {
            if (f[0] >= f[1]) continue;
            int sw = (int) (((long) w * f[0] + f[1] - 1) / f[1]), sh = (int) (((long) h * f[0] + f[1] - 1) / f[1]);
            if (Math.min(sw, sh) >= minSide && (long) sw * sh < (long) best[0] * best[1]) best = new int[] {sw, sh, f[0], f[1]};
        }
        return best;
    }

    private static void checkSize(int w, int h, long maxPixels) {
        if (w < 1 || h < 1) throw new DecodeException(FailureKind.WRONG_SIZE, "image of " + w + "x" + h + " pixels");
        if ((long) w * h > maxPixels) {
            throw new DecodeException(FailureKind.WRONG_SIZE, "image of " + w + "x" + h + " has more than the " + maxPixels
                    + " pixels allowed (raise maxPixels to load it)");
        }
    }

    /** ImageIO's decode, converted to {@code channels} bytes per pixel (RGB order); a decoder warning (a truncated file) is a failure. */
    static Decoded imageIo(byte[] data, int channels, long maxPixels, Slot slot) {
        BufferedImage bi;
        ImageReader reader = null;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new DecodeException(FailureKind.CORRUPT, "not an image ImageIO can read (unknown format)");
            reader = readers.next();
            reader.setInput(in, true, true);
            String[] warning = {null};
            reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader source, String message) {
                    if (warning[0] == null) warning[0] = message;
                }
            });
            checkSize(reader.getWidth(0), reader.getHeight(0), maxPixels);
            bi = reader.read(0);
            if (warning[0] != null) throw new DecodeException(FailureKind.CORRUPT, "damaged image (ImageIO warning): " + warning[0]);
        } catch (DecodeException e) {
            throw e;
        } catch (IIOException e) {
            throw new DecodeException(FailureKind.CORRUPT, "corrupt image: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DecodeException(FailureKind.CORRUPT, "unreadable image data: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new DecodeException(FailureKind.DECODER_CRASH, "ImageIO failed: " + e, e);
        } finally {
            if (reader != null) reader.dispose();
        }
        int w = bi.getWidth(), h = bi.getHeight();
        long len = (long) w * h * channels;
        int off = slot.reserve(len);
        byte[] dst = off < 0 ? new byte[(int) len] : slot.pixels;
        int at = off < 0 ? 0 : off;
        toBytes(bi, channels, dst, at);
        return new Decoded(w, h, off < 0 ? -1 : off, off < 0 ? dst : null, "imageio");
    }

    /** A decoded image as interleaved bytes: RGB, grey (ITU-R 601 luma as OpenCV's 15-bit weights) or RGBA. */
    static void toBytes(BufferedImage bi, int channels, byte[] dst, int at) {
        int w = bi.getWidth(), h = bi.getHeight();
        if (bi.getType() == BufferedImage.TYPE_3BYTE_BGR && channels == 3) {
            byte[] bgr = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
            for (int i = 0, n = w * h * 3; i < n; i += 3) {
                dst[at + i] = bgr[i + 2];
                dst[at + i + 1] = bgr[i + 1];
                dst[at + i + 2] = bgr[i];
            }
            return;
        }
        if (bi.getType() == BufferedImage.TYPE_BYTE_GRAY && channels == 1) {
            System.arraycopy(((DataBufferByte) bi.getRaster().getDataBuffer()).getData(), 0, dst, at, w * h);
            return;
        }
        int[] row = new int[w];
        boolean grey = bi.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < h; y++) {
            if (grey) {
                // getRGB would pass grey through a colour space conversion; the samples are what the file holds
                bi.getRaster().getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) row[x] = 0xFF000000 | row[x] * 0x010101;
            } else {
                bi.getRGB(0, y, w, 1, row, 0, w);
            }
            int o = at + y * w * channels;
            for (int x = 0; x < w; x++) {
                int p = row[x], r = (p >>> 16) & 0xFF, g = (p >>> 8) & 0xFF, b = p & 0xFF;
                switch (channels) {
                    case 1 -> dst[o + x] = (byte) ((9798 * r + 19235 * g + 3735 * b + (1 << 14)) >> 15);
                    case 3 -> {
                        dst[o + 3 * x] = (byte) r;
                        dst[o + 3 * x + 1] = (byte) g;
                        dst[o + 3 * x + 2] = (byte) b;
                    }
                    default -> {
                        dst[o + 4 * x] = (byte) r;
                        dst[o + 4 * x + 1] = (byte) g;
                        dst[o + 4 * x + 2] = (byte) b;
                        dst[o + 4 * x + 3] = (byte) (p >>> 24);
                    }
                }
            }
        }
    }
}

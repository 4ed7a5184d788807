package io.kiln.loader;

import io.kiln.Devices;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImagePresets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.kiln.loader.LoaderFixtures.assumeTurboJpeg;
import static io.kiln.loader.LoaderFixtures.smallImages;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TurboJPEG against ImageIO, the fallback when TurboJPEG is absent, DCT scaling, and corrupt input at the native boundary. */
@Timeout(120)
class DecoderTest {

    private static Image crop(Image src, int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) System.arraycopy(src.data(), y * src.width() * 3, px, y * w * 3, w * 3);
        return new Image(px, w, h, 3);
    }

    private static Slot scratch() {
        return new Slot(0, null, 1, 3);
    }

    @Test
    void turboJpegDecodesWhatImageIoDecodes() throws IOException {
        assumeTurboJpeg();
        // the sample set (4:2:0, quality 85-95) plus odd sizes (partial MCUs) and a grey JPEG
        List<byte[]> files = new java.util.ArrayList<>();
        for (Sample s : SampleSource.directory(smallImages()).listed()) files.add(Files.readAllBytes(s.path()));
        Image big = SampleImages.render(9, 3, 400);
        for (int[] wh : new int[][] {{1, 1}, {1, 17}, {17, 1}, {15, 9}, {299, 101}}) files.add(SampleImages.encode(crop(big, wh[0], wh[1]), 0.9f));
        java.awt.image.BufferedImage grey = new java.awt.image.BufferedImage(97, 61, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 61; y++) for (int x = 0; x < 97; x++) grey.getRaster().setSample(x, y, 0, big.get(x, y, 1));
        java.io.ByteArrayOutputStream g = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(grey, "jpeg", g);
        files.add(g.toByteArray());
        int worst = 0, worstFile = -1;
        long differing = 0, total = 0;
        try (TurboJpeg tj = TurboJpeg.open()) {
            for (int k = 0; k < files.size(); k++) {
                byte[] f = files.get(k);
                Image ref = LoaderFixtures.imageIoRgb(f);
                int[] wh = tj.header(f);
                assertEquals(ref.width(), wh[0]);
                assertEquals(ref.height(), wh[1]);
                byte[] got = new byte[wh[0] * wh[1] * 3];
                tj.decode(f, wh[0], wh[1], 3, got, 0);
                for (int i = 0; i < got.length; i++) {
                    int d = Math.abs((got[i] & 0xFF) - (ref.data()[i] & 0xFF));
                    if (d > worst) worstFile = k;
                    worst = Math.max(worst, d);
                    if (d != 0) differing++;
                }
                total += got.length;
            }
        }
        System.out.printf("turbojpeg vs ImageIO over %d files: max |diff| %d (file %d), %d of %d bytes differ%n", files.size(), worst, worstFile, differing, total);
        // libjpeg-turbo 2.1 and the JDK's IJG 6b both use the accurate integer IDCT and fancy upsampling:
        // the bound is 1 (SIMD colour conversion rounds differently in rare cases); measured: see the line above
        assertTrue(worst <= 1, "turbojpeg differs from ImageIO by " + worst);
        assertTrue(differing <= total / 100, differing + " of " + total + " bytes differ");
    }

    @Test
    void corruptInputAtTheNativeBoundaryIsAnExceptionNotACrash() throws IOException {
        assumeTurboJpeg();
        byte[] jpeg = Files.readAllBytes(SampleSource.directory(smallImages()).listed().get(0).path());
        Random r = new Random(2024);
        long seed = 2024;
        System.out.println("corruption seed " + seed);
        int rejected = 0;
        try (TurboJpeg tj = TurboJpeg.open()) {
            int[] wh = tj.header(jpeg);
            byte[] out = new byte[wh[0] * wh[1] * 3];
            for (int cut = 0; cut < jpeg.length; cut += 97) {
                byte[] t = Arrays.copyOf(jpeg, cut);
                try {
                    int[] h = tj.header(t);
                    tj.decode(t, h[0], h[1], 3, new byte[h[0] * h[1] * 3], 0);
                } catch (DecodeException e) {
                    assertEquals(FailureKind.CORRUPT, e.kind);
                    rejected++;
                }
            }
            for (int k = 0; k < 200; k++) {
                byte[] t = jpeg.clone();
                for (int j = 0; j < 1 + r.nextInt(20); j++) t[r.nextInt(t.length)] = (byte) r.nextInt();
                try {
                    int[] h = tj.header(t);
                    if ((long) h[0] * h[1] > 1 << 22) continue;
                    tj.decode(t, h[0], h[1], 3, new byte[h[0] * h[1] * 3], 0);
                } catch (DecodeException e) {
                    rejected++;
                }
            }
            // still decodes a good file exactly as before
            byte[] before = new byte[out.length];
            try (TurboJpeg fresh = TurboJpeg.open()) {
                fresh.decode(jpeg, wh[0], wh[1], 3, before, 0);
            }
            tj.header(jpeg);
            tj.decode(jpeg, wh[0], wh[1], 3, out, 0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(before, out);
        }
        assertTrue(rejected > jpeg.length / 97 - 2, "every truncated file is rejected: " + rejected);
        // a too small output buffer is refused before the native call
        try (TurboJpeg tj = TurboJpeg.open()) {
            assertThrows(IllegalArgumentException.class, () -> tj.decode(jpeg, 64, 64, 3, new byte[10], 0));
        }
    }

    @Test
    void withoutTurboJpegTheLoaderFallsBackToImageIo() {
        String old = System.getProperty(Decoder.TURBOJPEG_PROPERTY);
        System.setProperty(Decoder.TURBOJPEG_PROPERTY, "false");
        try {
            assertTrue(!Decoder.turboJpegAvailable());
            assertTrue(Decoder.turboJpegStatus().contains("disabled"), Decoder.turboJpegStatus());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ImageLoader.builder(SampleSource.directory(smallImages())).decoder(Decoder.TURBOJPEG).build());
            assertTrue(e.getMessage().contains("libturbojpeg"), e.getMessage());
            try (ImageLoader l = ImageLoader.builder(SampleSource.directory(smallImages())).batchSize(16).name("t-fallback").build()) {
                assertEquals(Decoder.IMAGEIO, l.decoder());
                int n = 0;
                for (Batch b : l) {
                    try (b) {
                        n += b.size();
                    }
                }
                assertEquals(40, n);
                assertEquals(Map.of("imageio", 40L), l.report().decoders());
            }
        } finally {
            if (old == null) System.clearProperty(Decoder.TURBOJPEG_PROPERTY);
            else System.setProperty(Decoder.TURBOJPEG_PROPERTY, old);
        }
    }

    @Test
    void theLoaderUsesTurboJpegWhenPresentAndStaysCloseToImageIo() {
        assumeTurboJpeg();
        float[] turbo, imageio;
        try (ImageLoader l = ImageLoader.builder(SampleSource.directory(smallImages())).batchSize(40).name("t-turbo").build()) {
            assertEquals(Decoder.TURBOJPEG, l.decoder());
            try (Batch b = l.iterator().next()) {
                turbo = b.toArray();
            }
            assertEquals(Map.of("turbojpeg", 40L), l.report().decoders());
        }
        try (ImageLoader l = ImageLoader.builder(SampleSource.directory(smallImages())).batchSize(40).name("t-turbo")
                .decoder(Decoder.IMAGEIO).build()) {
            try (Batch b = l.iterator().next()) {
                imageio = b.toArray();
            }
        }
        // decoded bytes differ by at most 1, so the normalised floats by at most 1 / (255 * 0.224)
        float worst = 0;
        for (int i = 0; i < turbo.length; i++) worst = Math.max(worst, Math.abs(turbo[i] - imageio[i]));
        System.out.println("eval chain, turbojpeg vs ImageIO decode: max |diff| " + worst);
        assertTrue(worst <= 1f / (255 * 0.224f) + 1e-6f, "max diff " + worst);
    }

    @Test
    void dctScalingDecodesLargeImagesSmallerAndKeepsTheResultClose() {
        assumeTurboJpeg();
        // 4 images of about 1000 x 1000: at 1/4 (about 250 x 250) the shorter side is still >= 224
        List<Sample> big = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) big.add(Sample.of("big" + i, SampleImages.jpeg(i, 5, 1000)));
        float[] full, scaled;
        String decoder;
        try (ImageLoader l = ImageLoader.builder(SampleSource.samples(big)).batchSize(4).name("t-dct").build()) {
            try (Batch b = l.iterator().next()) {
                full = b.toArray();
            }
        }
        try (ImageLoader l = ImageLoader.builder(SampleSource.samples(big)).batchSize(4).name("t-dct").dctScaling(true).build()) {
            try (Batch b = l.iterator().next()) {
                scaled = b.toArray();
            }
            decoder = l.report().decoders().keySet().toString();
        }
        System.out.println("dct scaling used " + decoder);
        assertTrue(decoder.contains("turbojpeg 1/") || decoder.contains("turbojpeg 3/"), decoder);
        double err = 0;
        for (int i = 0; i < full.length; i++) err += Math.abs(full[i] - scaled[i]);
        err /= full.length;
        System.out.println("dct scaling: mean |diff| " + err + " (normalised units)");
        // the samples are noisy: a DCT downscale averages the noise away, a bilinear shrink samples it,
        // so the two differ by about 10 grey levels on average (0.19 here); a wrong decode differs by ~1
        assertTrue(err < 0.35, "DCT-scaled decode is far from the full decode: " + err);
        assertTrue(!Arrays.equals(full, scaled), "the option changes pixels, as documented");
    }

    @Test
    void scaledSizesFollowTurboJpegsRule() {
        assumeTurboJpeg();
        // libjpeg-turbo 2.x scales by n/8: 1000 x 800 at 3/8 is 375 x 300, at 1/4 the shorter side (200) is below 224
        assertArrayEquals(new int[] {375, 300, 3, 8}, Decoders.scaled(1000, 800, 224));
        assertArrayEquals(new int[] {250, 250, 1, 4}, Decoders.scaled(1000, 1000, 224));
        assertArrayEquals(new int[] {313, 313, 5, 8}, Decoders.scaled(500, 500, 256));
        assertArrayEquals(new int[] {200, 150, 1, 1}, Decoders.scaled(200, 150, 224));
        // TJSCALED rounds up
        assertArrayEquals(new int[] {126, 126, 1, 8}, Decoders.scaled(1001, 1001, 100));
    }

    private static void assertArrayEquals(int[] e, int[] a) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(e, a);
    }

    @Test
    void imageIoReadsPngAndGrey() throws IOException {
        Image img = SampleImages.render(3, 3, 40);
        java.awt.image.BufferedImage grey = new java.awt.image.BufferedImage(img.width(), img.height(), java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < img.height(); y++) for (int x = 0; x < img.width(); x++) grey.getRaster().setSample(x, y, 0, (x * 7 + y * 3) & 0xFF);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(grey, "png", png);
        Slot slot = scratch();
        Decoders.Decoded d = Decoders.imageIo(png.toByteArray(), 3, 1 << 20, slot);
        byte[] px = d.toImage(slot.pixels, 3).data();
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int v = (x * 7 + y * 3) & 0xFF;
                for (int c = 0; c < 3; c++) assertEquals(v, px[(y * img.width() + x) * 3 + c] & 0xFF, "grey is replicated, not colour-managed");
            }
        }
        float[] viaLoader;
        try (ImageLoader l = ImageLoader.builder(SampleSource.bytes(List.of(png.toByteArray()))).batchSize(1).name("t-png").build()) {
            try (Batch b = l.iterator().next()) {
                viaLoader = b.toArray();
            }
        }
        float[] ref = ImagePresets.imagenetEval().apply(new Image(px, img.width(), img.height(), 3), Devices.get("cpu"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(ref, viaLoader, 0f);
    }
}

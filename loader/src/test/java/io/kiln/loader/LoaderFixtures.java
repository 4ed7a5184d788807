package io.kiln.loader;

import io.kiln.kernels.Image;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Shared test data: small sample folders made once per JVM, and checks on the loader's threads. */
final class LoaderFixtures {
    private LoaderFixtures() {
    }

    private static Path small;

    /** 40 sample JPEGs of about 64 x 64 (sides 48..83), seed 7, in a folder made once per test JVM. */
    static synchronized Path smallImages() {
        if (small == null) {
            try {
                small = Files.createTempDirectory("kiln-loader-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SampleImages.ensure(small, 40, 7, 64);
            small.toFile().deleteOnExit();
        }
        return small;
    }

    /** The reference decode: ImageIO to RGB, independent of the loader's conversion code. */
    static Image imageIoRgb(byte[] file) {
        try {
            BufferedImage bi = ImageIO.read(new ByteArrayInputStream(file));
            int w = bi.getWidth(), h = bi.getHeight();
            byte[] px = new byte[w * h * 3];
            if (bi.getType() == BufferedImage.TYPE_BYTE_GRAY) {
                // the file's grey samples, not getRGB's colour-managed version of them
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int v = bi.getRaster().getSample(x, y, 0);
                        for (int c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = (byte) v;
                    }
                }
                return new Image(px, w, h, 3);
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = bi.getRGB(x, y);
                    int o = (y * w + x) * 3;
                    px[o] = (byte) (p >> 16);
                    px[o + 1] = (byte) (p >> 8);
                    px[o + 2] = (byte) p;
                }
            }
            return new Image(px, w, h, 3);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Skips (or, under CI=true, fails) when libturbojpeg is not there. */
    static void assumeTurboJpeg() {
        if (Decoder.turboJpegAvailable()) return;
        String why = Decoder.turboJpegStatus() + " (install libturbojpeg0)";
        if ("true".equals(System.getenv("CI"))) Assertions.fail("CI must have libturbojpeg: " + why);
        Assumptions.abort(why);
    }

    /** The names of live platform threads that start with {@code prefix}. */
    static Set<String> liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).collect(Collectors.toSet());
    }

    /** Every batch's ids, in delivery order, closing each batch. */
    static List<List<String>> idsOf(Iterable<Batch> loader) {
        List<List<String>> out = new ArrayList<>();
        for (Batch b : loader) {
            try (b) {
                out.add(List.copyOf(b.ids()));
            }
        }
        return out;
    }
}

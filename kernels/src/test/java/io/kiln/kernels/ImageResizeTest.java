package io.kiln.kernels;

import io.kiln.Device;
import io.kiln.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencv.imgproc.Imgproc;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link ImageResize} on the {@code cpu} device against OpenCV 4.9's {@code Imgproc.resize} itself,
 * on random and smooth images, edge sizes (1xN, Nx1, odd, prime), enlarging and shrinking, 1/3/4
 * channels. The other devices run the same kernels in {@code ImageOnDevicesTest}.
 */
class ImageResizeTest {
    static {
        ImageOpenCv.init();
    }

    static final Device CPU = Devices.get("cpu");

    /** Source and output sizes: {sw, sh, dw, dh}. */
    static final int[][] SIZES = {
            {1, 1, 1, 1}, {1, 1, 5, 3}, {7, 5, 1, 1}, {2, 1, 4, 1}, {3, 3, 2, 2}, {13, 11, 29, 17}, {97, 89, 31, 23},
            {64, 48, 32, 24}, {64, 48, 16, 12}, {60, 45, 20, 15}, {101, 7, 50, 3}, {17, 19, 53, 19}, {31, 37, 100, 113},
            {1, 61, 1, 13}, {59, 1, 9, 1}, {211, 149, 67, 300}, {30, 20, 90, 60}, {5, 5, 2, 2}, {640, 480, 224, 224},
            {100, 100, 33, 77}, {37, 41, 37, 13}, {90, 60, 30, 60}, {128, 96, 40, 30}, {12, 12, 8, 8}};

    static Stream<int[]> cases() {
        return withChannels(SIZES);
    }

    /** Each size {sw, sh, dw, dh} with 1, 3 and 4 channels: {sw, sh, dw, dh, channels}. */
    static Stream<int[]> withChannels(int[][] sizes) {
        List<int[]> out = new ArrayList<>();
        for (int[] s : sizes) {
            for (int ch : new int[] {1, 3, 4}) {
                out.add(new int[] {s[0], s[1], s[2], s[3], ch});
            }
        }
        return out.stream();
    }

    static Image random(long seed, int w, int h, int ch) {
        return TestImages.random(seed, w, h, ch);
    }

    static Image smooth(long seed, int w, int h, int ch) {
        return TestImages.smooth(seed, w, h, ch);
    }

    static List<Image> inputs(int[] c) {
        long seed = c[0] * 1_000_003L + c[1] * 1009L + c[2] * 31L + c[3] * 7L + c[4];
        System.out.println("resize inputs " + c[0] + "x" + c[1] + "x" + c[4] + " seed " + seed);
        return List.of(random(seed, c[0], c[1], c[4]), smooth(seed + 1, c[0], c[1], c[4]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void nearestModesEqualOpenCv(int[] c) {
        for (Image src : inputs(c)) {
            assertSame(ImageOpenCv.resize(src, c[2], c[3], Imgproc.INTER_NEAREST),
                    ImageResize.resize(src, c[2], c[3], ImageResize.Mode.NEAREST, CPU), "INTER_NEAREST", 0);
            assertSame(ImageOpenCv.resize(src, c[2], c[3], Imgproc.INTER_NEAREST_EXACT),
                    ImageResize.resize(src, c[2], c[3], ImageResize.Mode.NEAREST_EXACT, CPU), "INTER_NEAREST_EXACT", 0);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bilinearMatchesOpenCv(int[] c) {
        for (Image src : inputs(c)) {
            Image got = ImageResize.resize(src, c[2], c[3], ImageResize.Mode.BILINEAR, CPU);
            assertSame(ImageOpenCv.resize(src, c[2], c[3], Imgproc.INTER_LINEAR), got, "INTER_LINEAR", 0);
            // the table-driven kernel and the original one-kernel form agree bit for bit
            byte[] direct = new byte[got.data().length];
            ImageOps.resizeBilinearU8(src.data(), c[0], c[1], c[4], direct, c[2], c[3]);
            if (c[0] != c[2] || c[1] != c[3]) {
                assertSame(new Image(direct, c[2], c[3], c[4]), got, "resizeBilinearU8", 0);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void areaMatchesOpenCv(int[] c) {
        for (Image src : inputs(c)) {
            assertSame(ImageOpenCv.resize(src, c[2], c[3], Imgproc.INTER_AREA),
                    ImageResize.resize(src, c[2], c[3], ImageResize.Mode.AREA, CPU), "INTER_AREA", 0);
        }
    }

    @Test
    void batchEqualsOneByOne() {
        List<Image> images = List.of(random(1, 31, 17, 3), smooth(2, 64, 48, 3), random(3, 1, 1, 3), smooth(4, 224, 224, 3),
                random(5, 500, 3, 3));
        for (ImageResize.Mode m : new ImageResize.Mode[] {ImageResize.Mode.NEAREST, ImageResize.Mode.NEAREST_EXACT,
                ImageResize.Mode.BILINEAR}) {
            byte[] batch = ImageResize.resizeBatch(images, 224, 224, m, CPU);
            for (int i = 0; i < images.size(); i++) {
                Image one = ImageResize.resize(images.get(i), 224, 224, m, CPU);
                byte[] slice = java.util.Arrays.copyOfRange(batch, i * one.data().length, (i + 1) * one.data().length);
                assertSame(one, new Image(slice, 224, 224, 3), "batch " + m + " image " + i, 0);
            }
        }
    }

    @Test
    void badArgumentsSayWhatWasWrong() {
        Image src = random(1, 8, 8, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageResize.resize(src, 0, 4, ImageResize.Mode.BILINEAR, CPU));
        assertEquals("image size 0x4 is not positive: width and height must be at least 1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Image(new byte[10], 2, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> new Image(new byte[4], 2, 1, 2));
        assertThrows(NullPointerException.class, () -> ImageResize.resize(src, 4, 4, null, CPU));
        assertThrows(IllegalArgumentException.class,
                () -> ImageResize.resizeBatch(List.of(src, random(2, 8, 8, 1)), 4, 4, ImageResize.Mode.BILINEAR, CPU));
        assertThrows(IllegalArgumentException.class,
                () -> ImageResize.resizeBatch(List.of(src, random(2, 8, 8, 4)), 4, 4, ImageResize.Mode.AREA, CPU));
        assertThrows(IllegalArgumentException.class,
                () -> ImageResize.resizeBatch(List.of(src), 0, 4, ImageResize.Mode.BICUBIC_ANTIALIAS, CPU));
    }

    /** See {@link TestImages#assertSame}. */
    static void assertSame(Image expected, Image actual, String what, int tolerance) {
        TestImages.assertSame(expected, actual, what, tolerance);
    }
}

package io.kiln.kernels;

import io.kiln.Device;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;

import java.util.ArrayList;
import java.util.List;

import static io.kiln.kernels.ImageResizeTest.assertSame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link ImageGeometry} on {@code cpu} against OpenCV 4.9 ({@code submat}, {@code flip}, {@code rotate}, {@code copyMakeBorder}, {@code cvtColor}, {@code split}). */
class ImageGeometryTest {
    static {
        ImageOpenCv.init();
    }

    static final Device CPU = ImageResizeTest.CPU;
    static final int[][] SIZES = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {13, 11}, {64, 48}, {97, 89}, {31, 2}};

    static List<Image> images() {
        List<Image> out = new ArrayList<>();
        for (int[] s : SIZES) {
            for (int ch : new int[] {1, 3, 4}) {
                long seed = s[0] * 7919L + s[1] * 31L + ch;
                out.add(ImageResizeTest.random(seed, s[0], s[1], ch));
            }
        }
        System.out.println("geometry inputs: seeds w * 7919 + h * 31 + channels");
        return out;
    }

    @Test
    void cropAndCenterCropEqualSubmatrices() {
        for (Image src : images()) {
            int w = Math.max(1, src.width() / 2 + 1), h = Math.max(1, src.height() / 3 + 1);
            int x = src.width() - w, y = (src.height() - h) / 2;
            Mat ref = ImageOpenCv.mat(src).submat(new Rect(x, y, w, h)).clone();
            assertSame(ImageOpenCv.image(ref), ImageGeometry.crop(src, x, y, w, h, CPU), "crop", 0);
            Image cc = ImageGeometry.centerCrop(src, w, h, CPU);
            int left = (int) Math.rint((src.width() - w) / 2.0), top = (int) Math.rint((src.height() - h) / 2.0);
            assertSame(ImageOpenCv.image(ImageOpenCv.mat(src).submat(new Rect(left, top, w, h)).clone()), cc, "centre crop", 0);
        }
    }

    @Test
    void centerOffsetsRoundHalfToEvenLikeTorchvision() {
        // torchvision: int(round((H - h) / 2.0)); Python rounds half to even
        assertEquals(4, ImageGeometry.centerOffset(10, 3)); // 3.5 -> 4
        assertEquals(2, ImageGeometry.centerOffset(9, 4));  // 2.5 -> 2
        assertEquals(16, ImageGeometry.centerOffset(256, 224));
        assertEquals(0, ImageGeometry.centerOffset(225, 224)); // 0.5 -> 0
        assertEquals(2, ImageGeometry.centerOffset(227, 224)); // 1.5 -> 2
    }

    @Test
    void flipsAndRotationsEqualOpenCv() {
        for (Image src : images()) {
            Mat m = ImageOpenCv.mat(src);
            for (int code : new int[] {0, 1, -1}) {
                Mat ref = new Mat();
                Core.flip(m, ref, code);
                assertSame(ImageOpenCv.image(ref), ImageGeometry.flip(src, code != 0, code <= 0, CPU), "flip " + code, 0);
            }
            int[] cv = {Core.ROTATE_90_CLOCKWISE, Core.ROTATE_180, Core.ROTATE_90_COUNTERCLOCKWISE};
            for (ImageGeometry.Rotation r : ImageGeometry.Rotation.values()) {
                Mat ref = new Mat();
                Core.rotate(m, ref, cv[r.ordinal()]);
                assertSame(ImageOpenCv.image(ref), ImageGeometry.rotate(src, r, CPU), "rotate " + r, 0);
            }
        }
    }

    @Test
    void padEqualsCopyMakeBorder() {
        int[] cv = {Core.BORDER_CONSTANT, Core.BORDER_REPLICATE, Core.BORDER_REFLECT, Core.BORDER_REFLECT_101};
        int[][] margins = {{0, 0, 0, 0}, {1, 2, 3, 4}, {5, 0, 0, 9}, {20, 17, 23, 30}};
        for (Image src : images()) {
            for (ImageGeometry.Border b : ImageGeometry.Border.values()) {
                for (int[] mg : margins) {
                    Mat ref = new Mat();
                    Core.copyMakeBorder(ImageOpenCv.mat(src), ref, mg[0], mg[1], mg[2], mg[3], cv[b.ordinal()],
                            new Scalar(77, 77, 77, 77));
                    assertSame(ImageOpenCv.image(ref), ImageGeometry.pad(src, mg[0], mg[1], mg[2], mg[3], b, 77, CPU),
                            "pad " + b + " " + java.util.Arrays.toString(mg), 0);
                }
            }
        }
    }

    @Test
    void colourConversionsEqualCvtColor() {
        for (Image src : images()) {
            if (src.channels() == 1) {
                continue;
            }
            Mat m = ImageOpenCv.mat(src);
            Mat ref = new Mat();
            boolean four = src.channels() == 4;
            Imgproc.cvtColor(m, ref, four ? Imgproc.COLOR_RGBA2BGRA : Imgproc.COLOR_RGB2BGR);
            assertSame(ImageOpenCv.image(ref), ImageGeometry.swapRedBlue(src, CPU), "swapRedBlue", 0);
            Imgproc.cvtColor(m, ref, four ? Imgproc.COLOR_RGBA2GRAY : Imgproc.COLOR_RGB2GRAY);
            assertSame(ImageOpenCv.image(ref), ImageGeometry.toGrey(src, false, CPU), "RGB2GRAY", 0);
            Imgproc.cvtColor(m, ref, four ? Imgproc.COLOR_BGRA2GRAY : Imgproc.COLOR_BGR2GRAY);
            assertSame(ImageOpenCv.image(ref), ImageGeometry.toGrey(src, true, CPU), "BGR2GRAY", 0);
        }
        // the extremes: white stays white, black black
        Image white = new Image(new byte[] {-1, -1, -1}, 1, 1, 3);
        assertEquals(255, ImageGeometry.toGrey(white, false, CPU).get(0, 0, 0));
    }

    @Test
    void planarLayoutEqualsSplitAndRoundTrips() {
        for (Image src : images()) {
            List<Mat> planes = new ArrayList<>();
            Core.split(ImageOpenCv.mat(src), planes);
            byte[] chw = ImageGeometry.toChw(src, CPU);
            int plane = src.width() * src.height();
            for (int c = 0; c < src.channels(); c++) {
                byte[] p = new byte[plane];
                planes.get(c).get(0, 0, p);
                assertArrayEquals(p, java.util.Arrays.copyOfRange(chw, c * plane, (c + 1) * plane), src + " plane " + c);
            }
            assertSame(src, ImageGeometry.fromChw(chw, src.width(), src.height(), src.channels(), CPU), "fromChw", 0);
        }
    }

    @Test
    void badArgumentsSayWhatWasWrong() {
        Image src = ImageResizeTest.random(1, 10, 8, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageGeometry.crop(src, 5, 0, 6, 8, CPU));
        assertEquals("crop 6x8 at (5, 0) reaches outside Image[10x8x3]: keep x + w <= 10 and y + h <= 8 with x, y >= 0",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageGeometry.crop(src, -1, 0, 2, 2, CPU));
        assertThrows(IllegalArgumentException.class, () -> ImageGeometry.crop(src, 0, 0, 0, 2, CPU));
        assertThrows(IllegalArgumentException.class, () -> ImageGeometry.centerCrop(src, 11, 8, CPU));
        assertThrows(IllegalArgumentException.class, () -> ImageGeometry.pad(src, -1, 0, 0, 0, ImageGeometry.Border.CONSTANT, 0, CPU));
        assertThrows(IllegalArgumentException.class, () -> ImageGeometry.pad(src, 1, 0, 0, 0, ImageGeometry.Border.CONSTANT, 256, CPU));
        assertThrows(IllegalArgumentException.class, () -> ImageGeometry.toGrey(Image.blank(2, 2, 1), false, CPU));
        assertThrows(NullPointerException.class, () -> ImageGeometry.flip(src, true, false, null));
    }
}

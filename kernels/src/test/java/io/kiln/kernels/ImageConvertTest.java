package io.kiln.kernels;

import io.kiln.Device;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

import static io.kiln.kernels.ImageResizeTest.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link ImageConvert} on {@code cpu}: floats against float64 and OpenCV's {@code convertTo}; the blur against {@code GaussianBlur}. */
class ImageConvertTest {
    static {
        ImageOpenCv.init();
    }

    static final Device CPU = ImageResizeTest.CPU;
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    @Test
    void toFloatEqualsFloat64AndConvertTo() {
        Image src = ImageResizeTest.random(11, 37, 23, 3);
        float[] got = ImageConvert.toFloat(src, 255f, CPU);
        Mat ref = new Mat();
        ImageOpenCv.mat(src).convertTo(ref, CvType.CV_32F, 1 / 255.0);
        float[] cv = ImageOpenCv.floats(ref);
        for (int i = 0; i < got.length; i++) {
            double exact = (src.data()[i] & 0xFF) / 255.0;
            assertEquals((float) exact, got[i], 0f, "byte " + i + ": v / 255 correctly rounded");
            // OpenCV multiplies by 1/255 instead of dividing: at most one float ulp apart
            assertEquals(cv[i], got[i], Math.ulp(got[i]), "byte " + i + " against convertTo");
        }
        float[] raw = ImageConvert.toFloat(new Image(new byte[] {0, 1, (byte) 128, (byte) 255}, 4, 1, 1), 1f, CPU);
        assertEquals(java.util.List.of(0f, 1f, 128f, 255f), java.util.List.of(raw[0], raw[1], raw[2], raw[3]));
    }

    @Test
    void normalizeAndCropMirrorNormalizeEqualFloat64() {
        for (int[] s : new int[][] {{1, 1}, {37, 23}, {64, 48}, {5, 97}}) {
            long seed = s[0] * 131L + s[1];
            System.out.println("crop-mirror-normalize seed " + seed);
            Image src = ImageResizeTest.random(seed, s[0], s[1], 3);
            float[] hwc = ImageConvert.toFloat(src, 255f, CPU);
            ImageConvert.normalize(hwc, MEAN, STD, CPU);
            int w = Math.max(1, s[0] - 3), h = Math.max(1, s[1] / 2), x0 = s[0] - w, y0 = s[1] - h;
            for (boolean mirror : new boolean[] {false, true}) {
                float[] chw = ImageConvert.cropMirrorNormalize(src, x0, y0, w, h, mirror, 255f, MEAN, STD, CPU);
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int sx = x0 + (mirror ? w - 1 - x : x);
                            double ref = (src.get(sx, y0 + y, c) / 255.0 - MEAN[c]) / STD[c];
                            float got = chw[(c * h + y) * w + x];
                            // two float roundings (v / 255, then (f - m) / s) against float64
                            if (Math.abs(got - ref) > 4e-7 * Math.max(1, Math.abs(ref))) {
                                fail("CMN " + src + " mirror " + mirror + " at " + x + "," + y + "," + c + ": " + got + " vs float64 " + ref);
                            }
                            if (!mirror) {
                                assertEquals(hwc[((y0 + y) * s[0] + sx) * 3 + c], got, 0f, "normalize and CMN agree");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void gaussianBlurEqualsOpenCv() {
        int[][] sizes = {{1, 1}, {1, 9}, {9, 1}, {2, 3}, {13, 11}, {64, 48}, {97, 61}};
        double[] sigmas = {0, 0.5, 1.0, 1.7, 3.0};
        int exact = 0, total = 0;
        for (int[] s : sizes) {
            for (int ch : new int[] {1, 3, 4}) {
                for (int k : new int[] {1, 3, 5, 7, 9, 15}) {
                    for (double sigma : sigmas) {
                        long seed = s[0] * 101L + s[1] * 7L + ch + k * 13L;
                        Image src = (k % 2 == 1 && sigma == 1.0) ? ImageResizeTest.smooth(seed, s[0], s[1], ch)
                                : ImageResizeTest.random(seed, s[0], s[1], ch);
                        Mat ref = new Mat();
                        Imgproc.GaussianBlur(ImageOpenCv.mat(src), ref, new Size(k, k), sigma, sigma, Core.BORDER_REFLECT_101);
                        Image expected = ImageOpenCv.image(ref);
                        Image got = ImageConvert.gaussianBlur(src, k, sigma, CPU);
                        assertSame(expected, got, "GaussianBlur k=" + k + " sigma=" + sigma + " seed " + seed, 1);
                        total++;
                        if (expected.equals(got)) {
                            exact++;
                        }
                    }
                }
            }
        }
        System.out.println("GaussianBlur: " + exact + " of " + total + " cases byte-exact");
        assertEquals(total, exact, "GaussianBlur cases that are not byte-exact");
    }

    @Test
    void badArgumentsSayWhatWasWrong() {
        Image src = ImageResizeTest.random(1, 10, 8, 3);
        assertThrows(IllegalArgumentException.class, () -> ImageConvert.gaussianBlur(src, 4, 1, CPU));
        assertThrows(IllegalArgumentException.class, () -> ImageConvert.gaussianBlur(src, 3, Double.NaN, CPU));
        assertThrows(IllegalArgumentException.class, () -> ImageConvert.toFloat(src, 0f, CPU));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageConvert.cropMirrorNormalize(src, 0, 0, 4, 4, false, 255f, new float[] {0.5f}, STD, CPU));
        assertEquals("mean has 1 and std 3 values: pass one of each per channel (3 for RGB images, 1 for grey)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageConvert.cropMirrorNormalize(src, 0, 0, 4, 4, false, 255f, new float[] {0.5f}, new float[] {0.2f}, CPU));
        assertEquals("mean has 1 and std 1 values for 3 channels: pass one of each per channel", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImagePresets.imagenetEval().withMeanStd(new float[] {1f}, STD));
        assertEquals("mean has 1 and std 3 values: pass one of each per channel (3 for RGB images, 1 for grey)", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ImageConvert.cropMirrorNormalize(src, 8, 0, 4, 4, false, 255f, MEAN, STD, CPU));
        assertThrows(IllegalArgumentException.class,
                () -> ImageConvert.normalize(new float[7], MEAN, STD, CPU));
        assertThrows(IllegalArgumentException.class,
                () -> ImageConvert.normalize(new float[6], MEAN, new float[] {1, 0, 1}, CPU));
    }
}

package io.kiln.kernels;

import io.kiln.Device;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The presets on {@code cpu} against the same chains composed from OpenCV calls, and against float64. */
class ImagePresetsTest {
    static {
        ImageOpenCv.init();
    }

    static final Device CPU = ImageResizeTest.CPU;
    static final float[] MEAN = ImagePresets.imagenetMean();
    static final float[] STD = ImagePresets.imagenetStd();

    static List<Image> images(long seed) {
        int[][] sizes = {{256, 256}, {300, 200}, {200, 300}, {500, 375}, {224, 224}, {257, 1000}, {241, 239}, {1000, 257}};
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            long s = seed + i;
            out.add(i % 2 == 0 ? ImageResizeTest.smooth(s, sizes[i][0], sizes[i][1], 3) : ImageResizeTest.random(s, sizes[i][0], sizes[i][1], 3));
        }
        System.out.println("preset inputs seeds " + seed + ".." + (seed + sizes.length - 1));
        return out;
    }

    /** The chain composed from OpenCV calls: resize, crop, flip, then torchvision's float steps. */
    static float[] openCvChain(Image src, int rw, int rh, Rect window, boolean cropFirst, boolean mirror) {
        Mat m = ImageOpenCv.mat(src);
        Mat resized = new Mat();
        Mat out;
        if (cropFirst) {
            Imgproc.resize(m.submat(window).clone(), resized, new Size(224, 224), 0, 0, Imgproc.INTER_LINEAR);
            out = resized;
        } else {
            Imgproc.resize(m, resized, new Size(rw, rh), 0, 0, Imgproc.INTER_LINEAR);
            out = resized.submat(window).clone();
        }
        if (mirror) {
            Mat f = new Mat();
            Core.flip(out, f, 1);
            out = f;
        }
        Image im = ImageOpenCv.image(out);
        float[] chw = new float[3 * 224 * 224];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 224; y++) {
                for (int x = 0; x < 224; x++) {
                    int v = im.get(x, y, c);
                    chw[(c * 224 + y) * 224 + x] = (v / 255f - MEAN[c]) / STD[c];
                    double ideal = (v / 255.0 - MEAN[c]) / STD[c];
                    assertTrue(Math.abs(chw[(c * 224 + y) * 224 + x] - ideal) < 1e-6, "float steps against float64");
                }
            }
        }
        return chw;
    }

    @Test
    void evalChainEqualsOpenCvComposition() {
        List<Image> imgs = images(100);
        float[] batch = ImagePresets.imagenetEval().applyBatch(imgs, CPU);
        int per = 3 * 224 * 224;
        assertEquals(imgs.size() * per, batch.length);
        for (int i = 0; i < imgs.size(); i++) {
            Image src = imgs.get(i);
            int w = src.width(), h = src.height();
            int rw = w <= h ? 256 : 256 * w / h, rh = w <= h ? 256 * h / w : 256;
            Rect window = new Rect((int) Math.rint((rw - 224) / 2.0), (int) Math.rint((rh - 224) / 2.0), 224, 224);
            float[] ref = openCvChain(src, rw, rh, window, false, false);
            assertArrayEquals(ref, Arrays.copyOfRange(batch, i * per, (i + 1) * per), 0f, "eval chain image " + i + " " + src);
        }
        // one image alone gives its slice of the batch
        assertArrayEquals(Arrays.copyOfRange(batch, per, 2 * per), ImagePresets.imagenetEval().apply(imgs.get(1), CPU), 0f);
    }

    @Test
    void evalChainWithAntialiasEqualsKilnComposition() {
        List<Image> imgs = images(200).subList(0, 3);
        float[] batch = ImagePresets.imagenetEval().withMode(ImageResize.Mode.BILINEAR_ANTIALIAS).applyBatch(imgs, CPU);
        int per = 3 * 224 * 224;
        for (int i = 0; i < imgs.size(); i++) {
            Image src = imgs.get(i);
            int w = src.width(), h = src.height();
            int rw = w <= h ? 256 : 256 * w / h, rh = w <= h ? 256 * h / w : 256;
            Image r = ImageResize.resize(src, rw, rh, ImageResize.Mode.BILINEAR_ANTIALIAS, CPU);
            float[] ref = ImageConvert.cropMirrorNormalize(r, ImageGeometry.centerOffset(rw, 224), ImageGeometry.centerOffset(rh, 224),
                    224, 224, false, 255f, MEAN, STD, CPU);
            assertArrayEquals(ref, Arrays.copyOfRange(batch, i * per, (i + 1) * per), 0f, "antialiased eval image " + i);
        }
    }

    @Test
    void trainChainIsSeededAndEqualsOpenCvComposition() {
        List<Image> imgs = images(300);
        float[] a = ImagePresets.imagenetTrain(42).applyBatch(imgs, CPU);
        float[] b = ImagePresets.imagenetTrain(42).applyBatch(imgs, CPU);
        assertArrayEquals(a, b, 0f, "same seed, same batch");
        ImagePipeline other = ImagePresets.imagenetTrain(43);
        assertFalse(Arrays.equals(a, other.applyBatch(imgs, CPU)), "another seed, other crops");
        List<ImagePipeline.Choice> choices = ImagePresets.imagenetTrain(42).choose(ImageBatch.of(imgs));
        int per = 3 * 224 * 224, mirrored = 0;
        for (int i = 0; i < imgs.size(); i++) {
            ImagePipeline.Choice c = choices.get(i);
            Image src = imgs.get(i);
            double areaFraction = (double) c.w() * c.h() / (src.width() * src.height());
            double aspect = (double) c.w() / c.h();
            // torchvision's bounds (rounding to whole pixels widens them slightly)
            assertTrue(areaFraction > 0.07 && areaFraction <= 1 && aspect > 0.7 && aspect < 1.4 || c.w() == src.width()
                    || c.h() == src.height(), "crop " + c + " of " + src);
            mirrored += c.mirror() ? 1 : 0;
            float[] ref = openCvChain(src, 0, 0, new Rect(c.x(), c.y(), c.w(), c.h()), true, c.mirror());
            assertArrayEquals(ref, Arrays.copyOfRange(a, i * per, (i + 1) * per), 0f, "train chain image " + i + " " + c);
        }
        System.out.println("train chain: " + mirrored + " of " + imgs.size() + " mirrored");
        // successive batches draw new crops
        ImagePipeline p = ImagePresets.imagenetTrain(42);
        assertFalse(Arrays.equals(p.applyBatch(imgs, CPU), p.applyBatch(imgs, CPU)));
    }

    @Test
    void evalChainIntoAFloatArrayEqualsTheFloatArrayForm() {
        List<Image> imgs = images(400).subList(0, 3);
        float[] expected = ImagePresets.imagenetEval().applyBatch(imgs, CPU);
        try (io.kiln.FloatArray out = io.kiln.FloatArray.allocate(expected.length + 5)) {
            out.fill(Float.NaN);
            ImagePresets.imagenetEval().applyBatch(imgs, out, CPU);
            float[] got = new float[expected.length];
            out.copyTo(0, got, 0, got.length);
            assertArrayEquals(expected, got, 0f, "off-heap output on cpu");
            assertTrue(Float.isNaN(out.get(expected.length)), "nothing written past the batch");
            assertThrows(IllegalArgumentException.class, () -> ImagePresets.imagenetEval().applyBatch(
                    List.of(imgs.get(0), imgs.get(1), imgs.get(2), imgs.get(0)), out, CPU));
        }
    }

    @Test
    void badInputsSayWhatWasWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImagePresets.imagenetEval().apply(Image.blank(300, 300, 1), CPU));
        assertEquals("the images have 1 channels but mean and std have 3 values: use withMeanStd(...) with one value per channel",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImagePresets.imagenetEval().applyBatch(List.of(), CPU));
        float[] grey = ImagePresets.imagenetEval().withMeanStd(new float[] {0.5f}, new float[] {0.25f})
                .apply(ImageResizeTest.random(5, 300, 260, 1), CPU);
        assertEquals(224 * 224, grey.length);
        for (float f : grey) {
            if (!(f >= -2.0001f && f <= 2.0001f)) {
                fail("grey value out of range: " + f);
            }
        }
    }
}

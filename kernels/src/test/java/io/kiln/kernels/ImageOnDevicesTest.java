package io.kiln.kernels;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.FloatArray;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Every image operation on every device Kiln finds (PoCL as {@code opencl:0}, the test-only PTX
 * interpreter), compared bit for bit with the {@code cpu} device, whose results the other image
 * tests check against OpenCV and Pillow. Without an OpenCL device this fails when {@code CI=true}
 * and skips with the reason elsewhere.
 */
class ImageOnDevicesTest {
    static final Device CPU = Devices.get("cpu");

    @TestFactory
    List<DynamicNode> imageOperationsMatchCpuOnEveryDevice() {
        List<DynamicNode> nodes = new ArrayList<>();
        boolean openCl = Devices.list().stream().anyMatch(d -> d.backend() == Backend.OPENCL);
        if (!openCl) {
            String why = "no OpenCL device, so the image kernels did not run on OpenCL: " + Devices.unavailable();
            nodes.add(DynamicTest.dynamicTest("opencl", () -> {
                if ("true".equals(System.getenv("CI"))) {
                    Assertions.fail(why + " (CI=true: .ci/run installs PoCL; OpenCL tests must run in CI)");
                }
                Assumptions.abort(why);
            }));
        }
        for (Device d : Devices.list()) {
            if (d.id().equals(CPU.id())) {
                continue;
            }
            boolean small = io.kiln.cuda.PtxInterpreterProvider.isInterpreter(d);
            List<DynamicTest> tests = new ArrayList<>();
            add(tests, "resize, every mode", () -> resize(d, small));
            add(tests, "resize batch", () -> batch(d, small));
            add(tests, "geometry", () -> geometry(d, small));
            add(tests, "conversion and blur", () -> convert(d, small));
            add(tests, "presets", () -> presets(d, small));
            if (d.backend() == Backend.OPENCL) {
                add(tests, "preset into a FloatArray", () -> offHeap(d));
                add(tests, "off-heap input", () -> offHeapInput(d));
            }
            nodes.add(DynamicContainer.dynamicContainer(d.id(), tests));
        }
        return nodes;
    }

    /** Off-heap images and batches ({@link Image#wrap}, {@link ImageBatch#wrap(io.kiln.ByteArray, int[], int[], int[], int)}) on the device against heap ones on cpu. */
    private static void offHeapInput(Device d) {
        for (int ch : new int[] {1, 3, 4}) {
            Image src = image(30 + ch, 97, 61, ch);
            try (io.kiln.ByteArray px = io.kiln.ByteArray.allocate(src.byteSize())) {
                Image off = Image.wrap(px.copyFrom(src.data()), 97, 61, ch);
                for (ImageResize.Mode m : ImageResize.Mode.values()) {
                    same(ImageResize.resize(src, 31, 23, m, CPU), ImageResize.resize(off, 31, 23, m, d), m + " off-heap on " + d.id());
                }
                float[] mean = new float[ch], std = new float[ch];
                java.util.Arrays.fill(mean, 0.5f);
                java.util.Arrays.fill(std, 0.25f);
                assertArrayEquals(ImageConvert.cropMirrorNormalize(src, 3, 2, 50, 40, true, 255f, mean, std, CPU),
                        ImageConvert.cropMirrorNormalize(off, 3, 2, 50, 40, true, 255f, mean, std, d), 0f, "cmn off-heap");
            }
        }
        List<Image> imgs = List.of(image(41, 300, 260, 3), image(42, 260, 300, 3));
        ImageBatch heap = ImageBatch.of(imgs);
        try (io.kiln.ByteArray px = io.kiln.ByteArray.allocate(heap.data().length);
             io.kiln.FloatArray dst = io.kiln.FloatArray.allocate(2L * 3 * 224 * 224)) {
            px.copyFrom(heap.data());
            ImageBatch off = ImageBatch.wrap(px, new int[] {heap.offset(0), heap.offset(1)}, new int[] {300, 260},
                    new int[] {260, 300}, 3);
            assertArrayEquals(ImageResize.resizeBatch(heap, 50, 40, ImageResize.Mode.BILINEAR, CPU),
                    ImageResize.resizeBatch(off, 50, 40, ImageResize.Mode.BILINEAR, d), "resizeBatch off-heap");
            float[] expected = ImagePresets.imagenetEval().applyBatch(heap, CPU);
            assertArrayEquals(expected, ImagePresets.imagenetEval().applyBatch(off, d), 0f, "eval preset off-heap into float[]");
            ImagePresets.imagenetEval().applyBatch(off, dst, d);
            assertArrayEquals(expected, dst.toArray(), 0f, "eval preset off-heap into a FloatArray");
        }
    }

    private static void add(List<DynamicTest> tests, String name, Executable e) {
        tests.add(DynamicTest.dynamicTest(name, e));
    }

    /** Random and smooth test images; the interpreter gets small ones. */
    static Image image(long seed, int w, int h, int ch) {
        System.out.println("device test image " + w + "x" + h + "x" + ch + " seed " + seed);
        return seed % 2 == 0 ? TestImages.random(seed, w, h, ch) : TestImages.smooth(seed, w, h, ch);
    }

    static void same(Image cpu, Image dev, String what) {
        TestImages.assertSame(cpu, dev, what, 0);
    }

    private static void resize(Device d, boolean small) {
        int[][] cases = small ? new int[][] {{13, 11, 7, 5}, {5, 3, 11, 9}, {12, 8, 6, 4}, {1, 7, 3, 2}}
                : new int[][] {{97, 89, 31, 23}, {31, 37, 100, 113}, {64, 48, 16, 12}, {640, 480, 224, 224}, {1, 61, 1, 13}};
        for (int[] c : cases) {
            for (int ch : new int[] {1, 3, 4}) {
                Image src = image(c[0] * 31L + c[2] + ch, c[0], c[1], ch);
                for (ImageResize.Mode m : ImageResize.Mode.values()) {
                    same(ImageResize.resize(src, c[2], c[3], m, CPU), ImageResize.resize(src, c[2], c[3], m, d), m + " on " + d.id());
                }
            }
        }
    }

    private static void batch(Device d, boolean small) {
        // Shrinking by fractions and by 2x2, enlarging, one axis each way, 1x1: every kind of the batched AREA kernel.
        List<Image> imgs = small ? List.of(image(1, 9, 7, 3), image(2, 4, 13, 3), image(3, 12, 10, 3), image(4, 6, 5, 3))
                : List.of(image(1, 97, 61, 3), image(2, 40, 130, 3), image(3, 1, 1, 3), image(4, 150, 120, 3),
                image(5, 100, 80, 3));
        int w = small ? 6 : 50, h = small ? 5 : 40;
        for (ImageResize.Mode m : ImageResize.Mode.values()) {
            assertArrayEquals(ImageResize.resizeBatch(imgs, w, h, m, CPU), ImageResize.resizeBatch(imgs, w, h, m, d),
                    "resizeBatch " + m + " on " + d.id());
        }
    }

    private static void geometry(Device d, boolean small) {
        for (int ch : new int[] {1, 3, 4}) {
            Image src = small ? image(10 + ch, 7, 5, ch) : image(10 + ch, 61, 43, ch);
            same(ImageGeometry.crop(src, 2, 1, 4, 3, CPU), ImageGeometry.crop(src, 2, 1, 4, 3, d), "crop");
            same(ImageGeometry.flip(src, true, true, CPU), ImageGeometry.flip(src, true, true, d), "flip");
            for (ImageGeometry.Rotation r : ImageGeometry.Rotation.values()) {
                same(ImageGeometry.rotate(src, r, CPU), ImageGeometry.rotate(src, r, d), "rotate " + r);
            }
            for (ImageGeometry.Border b : ImageGeometry.Border.values()) {
                same(ImageGeometry.pad(src, 3, 9, 1, 8, b, 9, CPU), ImageGeometry.pad(src, 3, 9, 1, 8, b, 9, d), "pad " + b);
            }
            assertArrayEquals(ImageGeometry.toChw(src, CPU), ImageGeometry.toChw(src, d), "toChw");
            if (ch > 1) {
                same(ImageGeometry.swapRedBlue(src, CPU), ImageGeometry.swapRedBlue(src, d), "swapRedBlue");
                same(ImageGeometry.toGrey(src, true, CPU), ImageGeometry.toGrey(src, true, d), "toGrey");
            }
        }
    }

    private static void convert(Device d, boolean small) {
        Image src = small ? image(21, 9, 6, 3) : image(21, 97, 61, 3);
        float[] mean = ImagePresets.imagenetMean(), std = ImagePresets.imagenetStd();
        assertArrayEquals(ImageConvert.toFloat(src, 255f, CPU), ImageConvert.toFloat(src, 255f, d), 0f, "toFloat");
        float[] a = ImageConvert.toFloat(src, 255f, CPU), b = a.clone();
        ImageConvert.normalize(a, mean, std, CPU);
        ImageConvert.normalize(b, mean, std, d);
        assertArrayEquals(a, b, 0f, "normalize");
        assertArrayEquals(ImageConvert.cropMirrorNormalize(src, 1, 2, 5, 3, true, 255f, mean, std, CPU),
                ImageConvert.cropMirrorNormalize(src, 1, 2, 5, 3, true, 255f, mean, std, d), 0f, "cropMirrorNormalize");
        for (int k : new int[] {3, 5}) {
            same(ImageConvert.gaussianBlur(src, k, 1.2, CPU), ImageConvert.gaussianBlur(src, k, 1.2, d), "gaussianBlur " + k);
        }
    }

    private static void presets(Device d, boolean small) {
        if (small) {
            // the interpreter is too slow for 224 x 224 x 3 outputs: the preset's kernel on a small output
            List<Image> imgs = List.of(image(31, 9, 7, 3), image(32, 5, 11, 3));
            ImagePipeline p = new ImagePipeline(8, 6, 6, ImageResize.Mode.BILINEAR, 255f, ImagePresets.imagenetMean(),
                    ImagePresets.imagenetStd(), false, new double[] {1, 1}, new double[] {1, 1}, 0.5, 3);
            assertArrayEquals(p.withSeed(3).applyBatch(imgs, CPU), p.withSeed(3).applyBatch(imgs, d), 0f, "small eval chain");
            return;
        }
        List<Image> imgs = List.of(image(31, 300, 200, 3), image(32, 256, 290, 3));
        assertArrayEquals(ImagePresets.imagenetEval().applyBatch(imgs, CPU), ImagePresets.imagenetEval().applyBatch(imgs, d), 0f, "eval");
        assertArrayEquals(ImagePresets.imagenetTrain(5).applyBatch(imgs, CPU), ImagePresets.imagenetTrain(5).applyBatch(imgs, d), 0f, "train");
    }

    private static void offHeap(Device d) {
        List<Image> imgs = List.of(image(41, 300, 200, 3), image(42, 256, 290, 3));
        float[] expected = ImagePresets.imagenetEval().applyBatch(imgs, CPU);
        try (FloatArray out = FloatArray.allocate(expected.length)) {
            ImagePresets.imagenetEval().applyBatch(imgs, out, d);
            float[] got = new float[expected.length];
            for (int i = 0; i < got.length; i++) {
                got[i] = out.get(i);
            }
            assertArrayEquals(expected, got, 0f, "eval chain into a FloatArray on " + d.id());
        }
    }
}

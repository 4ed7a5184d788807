package io.kiln.kernels;

import io.kiln.ByteArray;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-heap image input ({@link Image#wrap}, {@link ImageBatch#wrap(ByteArray, int[], int[], int[], int)}):
 * every image operation gives for an off-heap image the bytes and floats it gives for the same pixels on
 * the heap (whose results the other image tests check against OpenCV and Pillow), on {@code cpu} with its
 * Java variants and with the portable kernels (variants off), and each off-heap kernel run as plain Java
 * equals its heap kernel. Off-heap images start at odd addresses (slices of a larger buffer) so that no
 * alignment is assumed.
 */
class ImageOffHeapTest {
    static final Device CPU = ImageResizeTest.CPU;
    private static Arena arena;
    private static KilnRuntime reference;

    @BeforeAll
    static void open() {
        arena = Arena.ofShared();
        reference = KilnRuntime.create().useVariants(false);
    }

    @AfterAll
    static void close() {
        reference.close();
        arena.close();
    }

    /** The pixels of {@code img} copied into off-heap memory that starts at an odd address. */
    static Image offHeap(Image img) {
        ByteArray buffer = ByteArray.allocate(img.byteSize() + 3L, arena);
        ByteArray slice = ByteArray.wrap(buffer.segment().asSlice(3, img.byteSize()));
        slice.copyFrom(img.data());
        return Image.wrap(slice, img.width(), img.height(), img.channels());
    }

    static Image image(long seed, int w, int h, int ch) {
        System.out.println("off-heap test image " + w + "x" + h + "x" + ch + " seed " + seed);
        return seed % 2 == 0 ? ImageResizeTest.random(seed, w, h, ch) : ImageResizeTest.smooth(seed, w, h, ch);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.kiln.kernels.ImageResizeTest#cases")
    void resizeEveryModeEqualsHeap(int[] c) {
        for (Image heap : ImageResizeTest.inputs(c)) {
            Image off = offHeap(heap);
            for (ImageResize.Mode m : ImageResize.Mode.values()) {
                Image expected = ImageResize.resize(heap, c[2], c[3], m, CPU);
                ImageResizeTest.assertSame(expected, ImageResize.resize(off, c[2], c[3], m, CPU), m + " off-heap", 0);
            }
        }
    }

    @Test
    void largeResizesEqualHeapWithAndWithoutVariants() {
        int[][] cases = {{1920, 1080, 224, 224}, {640, 480, 224, 224}, {448, 448, 224, 224}, {999, 700, 333, 100}, {97, 89, 900, 801}};
        for (int[] c : cases) {
            for (int ch : new int[] {1, 3, 4}) {
                Image heap = image(c[0] * 7L + c[2] + ch, c[0], c[1], ch);
                Image off = offHeap(heap);
                for (ImageResize.Mode m : new ImageResize.Mode[] {ImageResize.Mode.BILINEAR, ImageResize.Mode.AREA,
                        ImageResize.Mode.NEAREST}) {
                    Image expected = ImageResize.resize(heap, c[2], c[3], m, CPU);
                    ImageResizeTest.assertSame(expected, ImageResize.resize(off, c[2], c[3], m, CPU), m + " variant", 0);
                }
            }
        }
    }

    @Test
    void theCpuRunsTheOffHeapVariantsAndTheyEqualThePortableKernels() {
        Image heap = image(41, 301, 211, 3);
        Image off = offHeap(heap);
        int[] xt = ImageResize.xTable(ImageResize.Mode.BILINEAR, 301, 97, 3, 0, 301, false);
        int[] yt = ImageResize.yTable(ImageResize.Mode.BILINEAR, 211, 61, 301 * 3, 0, 0, 211);
        byte[][] out = new byte[2][];
        for (int v = 0; v < 2; v++) {
            byte[] dst = new byte[97 * 61 * 3];
            TaskGraph g = new TaskGraph("t").transferToDevice(Transfer.EVERY_RUN, off.offHeap(), xt, yt)
                    .task("k", ImageResize::twoTapOffHeapU8, off.offHeap(), 3, xt, yt, dst, 1, 97, 61)
                    .transferToHost(Transfer.EVERY_RUN, dst);
            try (ExecutionPlan plan = g.plan(v == 0 ? KilnRuntime.shared() : reference, CPU)) {
                RunResult r = plan.run();
                assertEquals(v == 0 ? "CpuImage.twoTapOffHeapU8 (Java variant)" : "ImageResize.twoTapOffHeapU8",
                        r.task("k").implementation());
            }
            out[v] = dst;
        }
        assertArrayEquals(out[1], out[0], "variant vs portable kernel on cpu");
        assertArrayEquals(ImageResize.resize(heap, 97, 61, ImageResize.Mode.BILINEAR, CPU).data(), out[0], "off-heap vs heap");
    }

    @Test
    void resizeIntoAGivenImage() {
        for (int ch : new int[] {1, 3, 4}) {
            Image src = image(50 + ch, 83, 59, ch);
            Image expected = ImageResize.resize(src, 31, 17, ImageResize.Mode.AREA, CPU);
            Image heapDst = Image.blank(31, 17, ch);
            Image offDst = offHeap(Image.blank(31, 17, ch));
            ImageResize.resize(offHeap(src), heapDst, ImageResize.Mode.AREA, CPU);
            ImageResize.resize(src, offDst, ImageResize.Mode.AREA, CPU);
            assertEquals(expected, heapDst, "off-heap src into a heap image");
            assertEquals(expected, offDst, "heap src into an off-heap image");
        }
        assertThrows(IllegalArgumentException.class,
                () -> ImageResize.resize(Image.blank(4, 4, 3), Image.blank(2, 2, 1), ImageResize.Mode.BILINEAR, CPU));
    }

    /** The images of {@code images} packed off-heap with gaps between them, from an odd address. */
    static ImageBatch offHeapBatch(List<Image> images) {
        int n = images.size();
        int[] offsets = new int[n], widths = new int[n], heights = new int[n];
        long total = 5;
        for (int i = 0; i < n; i++) {
            offsets[i] = (int) total;
            widths[i] = images.get(i).width();
            heights[i] = images.get(i).height();
            total += images.get(i).byteSize() + 7;
        }
        ByteArray data = ByteArray.allocate(total, arena);
        data.fill((byte) 0x5A); // the gaps: a kernel that read them would show it
        for (int i = 0; i < n; i++) {
            data.copyFrom(images.get(i).data(), 0, offsets[i], images.get(i).byteSize());
        }
        return ImageBatch.wrap(data, offsets, widths, heights, images.get(0).channels());
    }

    @Test
    void resizeBatchEqualsHeap() {
        for (int ch : new int[] {1, 3, 4}) {
            List<Image> imgs = List.of(image(60 + ch, 97, 61, ch), image(61 + ch, 1, 1, ch), image(62 + ch, 40, 130, ch),
                    image(63 + ch, 50, 40, ch));
            ImageBatch off = offHeapBatch(imgs);
            for (ImageResize.Mode m : new ImageResize.Mode[] {ImageResize.Mode.BILINEAR, ImageResize.Mode.NEAREST,
                    ImageResize.Mode.NEAREST_EXACT}) {
                byte[] expected = ImageResize.resizeBatch(imgs, 50, 40, m, CPU);
                assertArrayEquals(expected, ImageResize.resizeBatch(off, 50, 40, m, CPU), m + " batch, " + ch + " channels");
                try (ByteArray dst = ByteArray.allocate(expected.length + 10L)) {
                    ImageResize.resizeBatch(off, 50, 40, m, dst, CPU);
                    byte[] got = new byte[expected.length];
                    dst.copyTo(0, got, 0, got.length);
                    assertArrayEquals(expected, got, m + " batch into a ByteArray");
                }
            }
            for (int i = 0; i < imgs.size(); i++) {
                assertEquals(imgs.get(i), off.image(i), "image " + i + " of the batch");
                assertTrue(off.image(i).isOffHeap(), "a view, not a copy");
            }
        }
    }

    @Test
    void geometryConversionAndBlurEqualHeap() {
        float[] mean3 = ImagePresets.imagenetMean(), std3 = ImagePresets.imagenetStd();
        for (int ch : new int[] {1, 3, 4}) {
            for (int[] size : new int[][] {{61, 43}, {1, 1}, {1, 17}, {23, 1}}) {
                int w = size[0], h = size[1];
                Image heap = image(70 + ch + w, w, h, ch);
                Image off = offHeap(heap);
                assertEquals(ImageGeometry.crop(heap, 0, 0, w, h, CPU), ImageGeometry.crop(off, 0, 0, w, h, CPU), "crop");
                assertEquals(ImageGeometry.centerCrop(heap, 1, 1, CPU), ImageGeometry.centerCrop(off, 1, 1, CPU), "centerCrop");
                assertEquals(ImageGeometry.flip(heap, true, true, CPU), ImageGeometry.flip(off, true, true, CPU), "flip");
                for (ImageGeometry.Rotation r : ImageGeometry.Rotation.values()) {
                    assertEquals(ImageGeometry.rotate(heap, r, CPU), ImageGeometry.rotate(off, r, CPU), "rotate " + r);
                }
                for (ImageGeometry.Border b : ImageGeometry.Border.values()) {
                    assertEquals(ImageGeometry.pad(heap, 3, 9, 1, 8, b, 9, CPU), ImageGeometry.pad(off, 3, 9, 1, 8, b, 9, CPU), "pad " + b);
                }
                assertArrayEquals(ImageGeometry.toChw(heap, CPU), ImageGeometry.toChw(off, CPU), "toChw");
                if (ch > 1) {
                    assertEquals(ImageGeometry.swapRedBlue(heap, CPU), ImageGeometry.swapRedBlue(off, CPU), "swapRedBlue");
                    assertEquals(ImageGeometry.toGrey(heap, false, CPU), ImageGeometry.toGrey(off, false, CPU), "toGrey");
                }
                assertArrayEquals(ImageConvert.toFloat(heap, 255f, CPU), ImageConvert.toFloat(off, 255f, CPU), 0f, "toFloat");
                assertEquals(ImageConvert.gaussianBlur(heap, 5, 0, CPU), ImageConvert.gaussianBlur(off, 5, 0, CPU), "blur");
                float[] mean = java.util.Arrays.copyOf(mean3, ch), std = java.util.Arrays.copyOf(std3, ch);
                for (int c = 3; c < ch; c++) {
                    mean[c] = 0.5f;
                    std[c] = 0.25f;
                }
                for (boolean mirror : new boolean[] {false, true}) {
                    int cw = Math.max(1, w - 2), chh = Math.max(1, h - 1);
                    assertArrayEquals(ImageConvert.cropMirrorNormalize(heap, w - cw, 0, cw, chh, mirror, 255f, mean, std, CPU),
                            ImageConvert.cropMirrorNormalize(off, w - cw, 0, cw, chh, mirror, 255f, mean, std, CPU), 0f,
                            "cropMirrorNormalize mirror=" + mirror);
                }
            }
        }
    }

    @Test
    void presetsEqualHeapIntoArraysAndFloatArrays() {
        List<Image> imgs = List.of(image(80, 500, 375, 3), image(81, 256, 300, 3), image(82, 224, 224, 3), image(83, 640, 480, 3));
        ImageBatch heap = ImageBatch.of(imgs);
        ImageBatch off = offHeapBatch(imgs);
        List<ImagePipeline> pipelines = new ArrayList<>(List.of(ImagePresets.imagenetEval(),
                ImagePresets.imagenetEval().withMode(ImageResize.Mode.BILINEAR_ANTIALIAS),
                ImagePresets.imagenetEval().withMode(ImageResize.Mode.AREA)));
        for (ImagePipeline p : pipelines) {
            float[] expected = p.applyBatch(heap, CPU);
            assertArrayEquals(expected, p.applyBatch(off, CPU), 0f, p + " into float[]");
            try (FloatArray dst = FloatArray.allocate(expected.length)) {
                p.applyBatch(off, dst, CPU);
                assertArrayEquals(expected, dst.toArray(), 0f, p + " into a FloatArray");
            }
        }
        long seed = new SplittableRandom().nextLong();
        System.out.println("train preset seed " + seed);
        float[] train = ImagePresets.imagenetTrain(seed).applyBatch(heap, CPU);
        assertArrayEquals(train, ImagePresets.imagenetTrain(seed).applyBatch(off, CPU), 0f, "train preset, seed " + seed);
    }

    @Test
    void oneBatchPlanTakesHeapAndOffHeapBatchesInTurn() {
        List<Image> a = List.of(image(90, 300, 260, 3), image(91, 260, 300, 3));
        List<Image> b = List.of(image(92, 640, 480, 3), image(93, 256, 256, 3));
        ImagePipeline p = ImagePresets.imagenetEval();
        float[] ea = p.applyBatch(a, CPU), eb = p.applyBatch(b, CPU);
        try (FloatArray dst = FloatArray.allocate(2L * 3 * 224 * 224);
             ImagePipeline.BatchPlan plan = p.batchPlan(2, dst, CPU)) {
            ImageBatch[] order = {offHeapBatch(a), ImageBatch.of(b), offHeapBatch(b), ImageBatch.of(a), offHeapBatch(a)};
            float[][] expected = {ea, eb, eb, ea, ea};
            for (int i = 0; i < order.length; i++) {
                plan.prepare(order[i]);
                plan.run();
                assertArrayEquals(expected[i], dst.toArray(), 0f, "run " + i + (order[i].isOffHeap() ? " off-heap" : " heap"));
            }
        }
    }

    @Test
    void offHeapKernelsAsPlainJavaEqualTheHeapKernels() {
        SplittableRandom rnd = new SplittableRandom(1234);
        for (int trial = 0; trial < 12; trial++) {
            int sw = rnd.nextInt(1, 60), sh = rnd.nextInt(1, 60), dw = rnd.nextInt(1, 60), dh = rnd.nextInt(1, 60);
            int ch = new int[] {1, 3, 4}[rnd.nextInt(3)];
            Image heap = image(rnd.nextLong(), sw, sh, ch);
            ByteArray off = offHeap(heap).offHeap();
            byte[] src = heap.data();
            String what = sw + "x" + sh + "x" + ch + " -> " + dw + "x" + dh;
            int[] xt = ImageResize.xTable(ImageResize.Mode.BILINEAR, sw, dw, ch, 0, sw, rnd.nextBoolean());
            int[] yt = ImageResize.yTable(ImageResize.Mode.BILINEAR, sh, dh, sw * ch, 0, 0, sh);
            byte[] a = new byte[dw * dh * ch], b = new byte[a.length];
            ImageResize.twoTapU8(src, ch, xt, yt, a, 1, dw, dh);
            ImageResize.twoTapOffHeapU8(off, ch, xt, yt, b, 1, dw, dh);
            assertArrayEquals(a, b, "twoTap " + what);

            int kx = rnd.nextInt(1, 4), ky = rnd.nextInt(1, 4);
            int aw = Math.max(1, sw / kx), ah = Math.max(1, sh / ky);
            if (aw * kx <= sw && ah * ky <= sh) {
                a = new byte[aw * ah * ch];
                b = new byte[a.length];
                ImageResize.areaIntegerU8(src, sw, ch, kx, ky, a, aw, ah);
                ImageResize.areaIntegerOffHeapU8(off, sw, ch, kx, ky, b, aw, ah);
                assertArrayEquals(a, b, "areaInteger " + what);
            }
            ImageResize.AreaTable ax = ImageResize.areaTable(sw, Math.min(dw, sw), ch);
            ImageResize.AreaTable ay = ImageResize.areaTable(sh, Math.min(dh, sh), sw * ch);
            int fw = Math.min(dw, sw), fh = Math.min(dh, sh);
            a = new byte[fw * fh * ch];
            b = new byte[a.length];
            ImageResize.areaU8(src, ch, ax.start(), ax.offset(), ax.weight(), ay.start(), ay.offset(), ay.weight(), a, fw, fh);
            ImageResize.areaOffHeapU8(off, ch, ax.start(), ax.offset(), ax.weight(), ay.start(), ay.offset(), ay.weight(), b, fw, fh);
            assertArrayEquals(a, b, "area " + what);

            ImageResize.TapTable t = ImageResize.tapTable(sw, dw, rnd.nextBoolean(), ch);
            a = new byte[dw * sh * ch];
            b = new byte[a.length];
            ImageResize.tapsU8(src, sw * ch, ch, t.first(), t.count(), t.coef(), t.taps(), a, sh, dw * ch, ch, false);
            ImageResize.tapsOffHeapU8(off, sw * ch, ch, t.first(), t.count(), t.coef(), t.taps(), b, sh, dw * ch, ch, false);
            assertArrayEquals(a, b, "taps " + what);

            float[] mean = new float[ch], std = new float[ch];
            for (int c = 0; c < ch; c++) {
                mean[c] = (float) rnd.nextDouble();
                std[c] = (float) rnd.nextDouble(0.1, 1);
            }
            float[] f = new float[dw * dh * ch], g = new float[f.length];
            ImageConvert.twoTapToChwF32(src, ch, xt, yt, 255f, mean, std, f, 1, dw, dh);
            ImageConvert.twoTapOffHeapToChwF32(off, ch, xt, yt, 255f, mean, std, g, 1, dw, dh);
            assertArrayEquals(f, g, 0f, "twoTapToChwF32 " + what);
            try (FloatArray fa = FloatArray.allocate(f.length)) {
                ImageConvert.twoTapOffHeapToChwOffHeap(off, ch, xt, yt, 255f, mean, std, fa, 1, dw, dh);
                assertArrayEquals(f, fa.toArray(), 0f, "twoTapOffHeapToChwOffHeap " + what);
            }
            f = new float[sw * sh * ch];
            g = new float[f.length];
            ImageConvert.cropMirrorNormalizeU8(src, sw, ch, 0, 0, sw, sh, true, 255f, mean, std, f);
            ImageConvert.cropMirrorNormalizeOffHeapU8(off, sw, ch, 0, 0, sw, sh, true, 255f, mean, std, g);
            assertArrayEquals(f, g, 0f, "cropMirrorNormalize " + what);
        }
    }

    @Test
    void offHeapImagesSayWhatIsWrong() {
        Image off = offHeap(Image.blank(4, 3, 3));
        assertTrue(off.isOffHeap());
        assertTrue(assertThrows(IllegalStateException.class, off::data).getMessage().contains("off-heap"));
        assertThrows(IllegalStateException.class, () -> Image.blank(2, 2, 1).offHeap());
        assertArrayEquals(new byte[36], off.toHeap().data());
        try (ByteArray small = ByteArray.allocate(10)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Image.wrap(small, 2, 2, 3)).getMessage().contains("needs 12"));
            assertThrows(IllegalArgumentException.class,
                    () -> ImageBatch.wrap(small, new int[] {4}, new int[] {2}, new int[] {1}, 4));
        }
        ByteArray closed = ByteArray.allocate(12);
        closed.close();
        assertThrows(IllegalStateException.class, () -> Image.wrap(closed, 2, 2, 3));
        assertThrows(IllegalStateException.class, () -> ImageBatch.of(List.of(Image.blank(1, 1, 1))).offHeap());
    }
}

package io.kiln.kernels;

import io.kiln.ByteArray;
import io.kiln.Device;
import io.kiln.KernelCompiler;
import io.kiln.Target;
import io.kiln.ptx.Ptxas;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ImageResize#resizeBatch} in every mode (one launch, {@link ImageResizeBatch}'s kernels for a
 * shrinking AREA and the antialiased modes) against {@link ImageResize#resize} image by image, which
 * {@code ImageResizeTest} and {@code ImageAntialiasTest} check against OpenCV and Pillow. Batches mix
 * 1x1, 1xN, Nx1, prime, odd and even sizes, integer (2x2 and larger) and fractional shrinks, enlarging,
 * one axis each way and the output size itself, with 1, 3 and 4 channels; images are random with a
 * printed seed, or smooth.
 */
class ImageResizeBatchTest {
    static {
        ImageOpenCv.init();
    }

    static final Device CPU = ImageResizeTest.CPU;

    /** Output sizes {w, h}: 1x1, prime, one axis 1, a common one. */
    static final int[][] OUTPUTS = {{1, 1}, {7, 5}, {31, 23}, {1, 13}, {24, 24}};

    /**
     * Source sizes for output {@code w x h}: fixed edge sizes, integer multiples (2x2, 3x2, 4x4), the
     * output size, a larger and a smaller random one.
     */
    static List<int[]> sources(int w, int h, SplittableRandom rnd) {
        List<int[]> s = new ArrayList<>(List.of(new int[] {1, 1}, new int[] {97, 89}, new int[] {1, 61}, new int[] {59, 1},
                new int[] {2 * w, 2 * h}, new int[] {3 * w, 2 * h}, new int[] {4 * w, 4 * h}, new int[] {w, h},
                new int[] {w + 1, 3 * h + 2}, new int[] {5 * w + 3, Math.max(1, h - 1)}));
        s.add(new int[] {1 + rnd.nextInt(4 * w + 40), 1 + rnd.nextInt(4 * h + 40)});
        s.add(new int[] {1 + rnd.nextInt(w + 1), 1 + rnd.nextInt(h + 1)});
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ImageResize.Mode.class)
    void batchEqualsOneByOne(ImageResize.Mode mode) {
        long seed = seed("ImageResizeBatchTest." + mode);
        SplittableRandom rnd = new SplittableRandom(seed);
        int batches = 0;
        for (int ch : new int[] {1, 3, 4}) {
            for (int[] out : OUTPUTS) {
                List<Image> images = new ArrayList<>();
                int k = 0;
                for (int[] s : sources(out[0], out[1], rnd)) {
                    long imageSeed = rnd.nextLong();
                    images.add(k++ % 2 == 0 ? ImageResizeTest.random(imageSeed, s[0], s[1], ch)
                            : ImageResizeTest.smooth(imageSeed, s[0], s[1], ch));
                }
                checkBatch(images, out[0], out[1], mode, mode + " " + ch + " channels to " + out[0] + "x" + out[1]);
                batches++;
            }
        }
        assertEquals(15, batches);
    }

    /** The ImageNet sizes: photographs of different sizes to 224x224. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ImageResize.Mode.class, names = {"AREA", "BILINEAR_ANTIALIAS", "BICUBIC_ANTIALIAS"})
    void photoSizesTo224(ImageResize.Mode mode) {
        long seed = seed("ImageResizeBatchTest.photoSizesTo224." + mode);
        List<Image> images = List.of(ImageResizeTest.random(seed, 640, 480, 3), ImageResizeTest.smooth(seed + 1, 448, 448, 3),
                ImageResizeTest.random(seed + 2, 500, 375, 3), ImageResizeTest.smooth(seed + 3, 200, 150, 3));
        checkBatch(images, 224, 224, mode, mode + " photo sizes");
    }

    /** An off-heap batch with gaps between its images gives the heap batch's bytes, into byte[] and into a ByteArray. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ImageResize.Mode.class, names = {"AREA", "BILINEAR_ANTIALIAS", "BICUBIC_ANTIALIAS"})
    void offHeapBatchEqualsHeap(ImageResize.Mode mode) {
        long seed = seed("ImageResizeBatchTest.offHeap." + mode);
        List<Image> images = List.of(ImageResizeTest.random(seed, 37, 29, 4), ImageResizeTest.random(seed + 1, 10, 8, 4),
                ImageResizeTest.smooth(seed + 2, 5, 3, 4));
        byte[] expected = ImageResize.resizeBatch(images, 10, 8, mode, CPU);
        int[] offsets = new int[3], widths = new int[3], heights = new int[3];
        int at = 3;
        try (ByteArray px = ByteArray.allocate(3 * 37 * 29 * 4 + 64); ByteArray dst = ByteArray.allocate(expected.length + 5)) {
            for (int i = 0; i < 3; i++) {
                Image img = images.get(i);
                offsets[i] = at;
                widths[i] = img.width();
                heights[i] = img.height();
                px.copyFrom(img.data(), 0, at, img.byteSize());
                at += img.byteSize() + 7;
            }
            ImageBatch off = ImageBatch.wrap(px, offsets, widths, heights, 4);
            assertArrayEquals(expected, ImageResize.resizeBatch(off, 10, 8, mode, CPU), mode + " off-heap");
            ImageResize.resizeBatch(off, 10, 8, mode, dst, CPU);
            byte[] got = new byte[expected.length];
            dst.copyTo(0, got, 0, got.length);
            assertArrayEquals(expected, got, mode + " off-heap into a ByteArray");
        }
    }

    /** The batched kernels compile to PTX that ptxas accepts. */
    @Test
    void thePtxAssemblesWithPtxas() {
        Assumptions.assumeTrue(Ptxas.available(), Ptxas.absentReason());
        for (String method : new String[] {"areaU8", "tapsU8"}) {
            Ptxas.Outcome o = Ptxas.assemble(KernelCompiler.emit(ImageResizeBatch.class, method, Target.PTX));
            assertTrue(o.clean(), "ptxas on ImageResizeBatch." + method + ": exit " + o.exitCode() + "\n" + o.output());
        }
    }

    /** A fresh seed, or {@code -Dkiln.seed=N}, printed with how to rerun it (kernels does not depend on test-support). */
    static long seed(String test) {
        String fixed = System.getProperty("kiln.seed");
        long s = fixed == null || fixed.isBlank() ? new java.security.SecureRandom().nextLong() : Long.parseLong(fixed.trim());
        System.out.println(test + " seed " + s + " (rerun with -Dkiln.seed=" + s + ")");
        return s;
    }

    /** Each image of the batch tensor equals resizing that image alone; prints the sizes on a failure. */
    static void checkBatch(List<Image> images, int w, int h, ImageResize.Mode mode, String what) {
        byte[] batch = ImageResize.resizeBatch(images, w, h, mode, CPU);
        int size = w * h * images.get(0).channels();
        assertEquals(images.size() * size, batch.length, what + ": tensor size");
        for (int i = 0; i < images.size(); i++) {
            Image src = images.get(i);
            Image one = ImageResize.resize(src, w, h, mode, CPU);
            ImageResizeTest.assertSame(one, new Image(Arrays.copyOfRange(batch, i * size, (i + 1) * size), w, h, src.channels()),
                    what + ", image " + i + " (" + src.width() + "x" + src.height() + ")", 0);
        }
    }
}

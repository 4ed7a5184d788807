package io.kiln.kernels;

import io.kiln.Device;
import io.kiln.Devices;
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
import org.opencv.imgproc.Imgproc;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code cpu} variants of {@link CpuImage} against the portable kernels run as plain Java (bit
 * for bit) and against OpenCV 4.9 itself, on random and smooth images, edge sizes (1xN, Nx1, prime,
 * enlarging, shrinking, one axis only), 1/3/4 channels, outputs large enough to be cut into several
 * parts; and through the engine: on {@code cpu} the variant runs ({@code TaskRun.implementation()}),
 * with variants off the reference, with the same result.
 */
class CpuImageTest {
    static {
        ImageOpenCv.init();
    }

    /** {sw, sh, dw, dh}: the resize test's sizes plus outputs that the variants cut into several parts. */
    static final int[][] SIZES = concat(ImageResizeTest.SIZES, new int[][] {
            {1920, 1080, 224, 224}, {640, 480, 1000, 700}, {97, 89, 900, 801}, {1009, 997, 500, 300}, {500, 375, 455, 256},
            {300, 1, 1000, 1}, {1, 300, 1, 1000}, {448, 448, 224, 224}, {1000, 800, 250, 200}, {999, 700, 333, 100}});

    private static KilnRuntime reference;

    @BeforeAll
    static void referenceRuntime() {
        reference = KilnRuntime.create().useVariants(false);
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    static int[][] concat(int[][] a, int[][] b) {
        int[][] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static Stream<int[]> cases() {
        return ImageResizeTest.withChannels(SIZES);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void twoTapVariantEqualsKernelAndOpenCv(int[] c) {
        int sw = c[0], sh = c[1], dw = c[2], dh = c[3], ch = c[4];
        for (Image src : ImageResizeTest.inputs(c)) {
            for (ImageResize.Mode mode : new ImageResize.Mode[] {ImageResize.Mode.NEAREST, ImageResize.Mode.NEAREST_EXACT,
                    ImageResize.Mode.BILINEAR, ImageResize.Mode.AREA}) {
                if (ImageResize.kernelFor(mode, sw, sh, dw, dh) != ImageResize.Kernel.TWO_TAP) continue;
                int[] xt = ImageResize.xTable(mode, sw, dw, ch, 0, sw, false);
                int[] yt = ImageResize.yTable(mode, sh, dh, sw * ch, 0, 0, sh);
                byte[] expected = new byte[dw * dh * ch];
                byte[] got = new byte[expected.length];
                ImageResize.twoTapU8(src.data(), ch, xt, yt, expected, 1, dw, dh);
                CpuImage.twoTapU8(src.data(), ch, xt, yt, got, 1, dw, dh);
                assertArrayEquals(expected, got, mode + " variant vs kernel");
                if (sw != dw || sh != dh) {
                    int interp = switch (mode) {
                        case NEAREST -> Imgproc.INTER_NEAREST;
                        case NEAREST_EXACT -> Imgproc.INTER_NEAREST_EXACT;
                        case BILINEAR -> Imgproc.INTER_LINEAR;
                        default -> Imgproc.INTER_AREA;
                    };
                    assertArrayEquals(ImageOpenCv.resize(src, dw, dh, interp).data(), got, mode + " variant vs OpenCV");
                }
            }
        }
    }

    /**
     * The Vector API path ({@link VectorResize}) for 1, 3 and 4 channels at every output width 1..21 (its
     * vectors hold 8 or 16 output bytes; a row's last ones are stored with a mask) and 221..227, output
     * heights 1 and 7..11, shrinking and enlarging, from sources of one row or one column too, batched,
     * from heap and off-heap pixels: equal to the kernel and to OpenCV, and no byte
     * written past the output (a sentinel tail) or into another image's rows (each part writes its own rows).
     */
    @Test
    void quadPathAtEveryRowTailEqualsKernelAndOpenCv() {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.kiln.kernels.linalg.CpuGemm.vectorized(),
                "jdk.incubator.vector is not resolved (add --add-modules jdk.incubator.vector, as kiln.test.argLine does): the quad path does not run");
        int cases = 0;
        for (int ch : new int[] {1, 3, 4})
        for (int[] source : new int[][] {{37, 23}, {641, 479}, {5, 3}, {1, 13}, {13, 1}}) {
            for (Image src : ImageResizeTest.inputs(new int[] {source[0], source[1], 0, 0, ch})) {
                io.kiln.ByteArray offHeap = io.kiln.ByteArray.allocate(src.byteSize()).copyFrom(src.data());
                for (int dw = 1; dw <= 227; dw = dw == 21 ? 221 : dw + 1) {
                    int dh = dw % 3 == 0 ? 1 : 7 + dw % 5, count = 2;         // 1-row outputs too
                    int[] x1 = ImageResize.xTable(ImageResize.Mode.BILINEAR, source[0], dw, ch, 0, source[0], false);
                    int[] y1 = ImageResize.yTable(ImageResize.Mode.BILINEAR, source[1], dh, source[0] * ch, 0, 0, source[1]);
                    // Two images: the same one twice, tables repeated per image (as resizeBatch lays them out).
                    int[] xt = concat(x1, x1), yt = concat(y1, y1);
                    byte[] expected = new byte[count * dw * dh * ch + 64], got = new byte[expected.length];
                    byte[] gotOffHeap = new byte[expected.length];
                    java.util.Arrays.fill(expected, (byte) 0x5A);
                    java.util.Arrays.fill(got, (byte) 0x5A);
                    java.util.Arrays.fill(gotOffHeap, (byte) 0x5A);
                    ImageResize.twoTapU8(src.data(), ch, xt, yt, expected, count, dw, dh);
                    CpuImage.twoTapU8(src.data(), ch, xt, yt, got, count, dw, dh);
                    CpuImage.twoTapOffHeapU8(offHeap, ch, xt, yt, gotOffHeap, count, dw, dh);
                    String what = ch + "-channel path " + source[0] + "x" + source[1] + " -> " + dw + "x" + dh;
                    assertArrayEquals(expected, got, what);
                    assertArrayEquals(expected, gotOffHeap, what + ", off-heap");
                    byte[] cv = ImageOpenCv.resize(src, dw, dh, Imgproc.INTER_LINEAR).data();
                    assertArrayEquals(cv, java.util.Arrays.copyOfRange(got, 0, cv.length), "quad path vs OpenCV, " + dw + "x" + dh);
                    assertArrayEquals(cv, java.util.Arrays.copyOfRange(got, cv.length, 2 * cv.length), "second image vs OpenCV, " + dw + "x" + dh);
                    cases++;
                }
                offHeap.close();
            }
        }
        System.out.println("[cpu-image] vector path: " + cases + " cases equal to the kernel and OpenCV");
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void areaVariantsEqualKernelAndOpenCv(int[] c) {
        int sw = c[0], sh = c[1], dw = c[2], dh = c[3], ch = c[4];
        ImageResize.Kernel k = ImageResize.kernelFor(ImageResize.Mode.AREA, sw, sh, dw, dh);
        if (k == ImageResize.Kernel.TWO_TAP || (sw == dw && sh == dh)) return; // enlarging: the two-tap test
        for (Image src : ImageResizeTest.inputs(c)) {
            byte[] expected = new byte[dw * dh * ch];
            byte[] got = new byte[expected.length];
            if (k == ImageResize.Kernel.AREA_INTEGER) {
                ImageResize.areaIntegerU8(src.data(), sw, ch, sw / dw, sh / dh, expected, dw, dh);
                CpuImage.areaIntegerU8(src.data(), sw, ch, sw / dw, sh / dh, got, dw, dh);
            } else {
                ImageResize.AreaTable xt = ImageResize.areaTable(sw, dw, ch);
                ImageResize.AreaTable yt = ImageResize.areaTable(sh, dh, sw * ch);
                ImageResize.areaU8(src.data(), ch, xt.start(), xt.offset(), xt.weight(), yt.start(), yt.offset(), yt.weight(),
                        expected, dw, dh);
                CpuImage.areaU8(src.data(), ch, xt.start(), xt.offset(), xt.weight(), yt.start(), yt.offset(), yt.weight(),
                        got, dw, dh);
            }
            assertArrayEquals(expected, got, k + " variant vs kernel");
            assertArrayEquals(ImageOpenCv.resize(src, dw, dh, Imgproc.INTER_AREA).data(), got, k + " variant vs OpenCV");
        }
    }

    /**
     * Tables no resize makes (any columns and rows, weights up to 5000, which the packed 3-channel loop
     * must refuse) still give the portable kernel's bytes and floats: the variants' plain loops take over.
     */
    @Test
    void arbitraryTablesEqualKernel() {
        for (int ch : new int[] {1, 3, 4}) {
            long seed = 4242 + ch;
            System.out.println("arbitrary tables seed " + seed + ", " + ch + " channels");
            SplittableRandom rnd = new SplittableRandom(seed);
            int w = 37, h = 29, dw = 53, dh = 41, count = 2;
            byte[] px = ImageOpsTest.randomImage(seed, w, h * count, ch);
            int[] xt = new int[count * dw * 4], yt = new int[count * dh * 4];
            for (int i = 0; i < count * dw; i++) {
                boolean adjacent = rnd.nextBoolean();
                int c0 = rnd.nextInt(w - 1);
                xt[i * 4] = c0 * ch;
                xt[i * 4 + 1] = (adjacent ? c0 + 1 : rnd.nextInt(w)) * ch;
                xt[i * 4 + 2] = rnd.nextInt(i % 7 == 0 ? 5000 : 2049);
                xt[i * 4 + 3] = rnd.nextInt(2049);
            }
            for (int i = 0; i < count * dh; i++) {
                int n = i / dh;
                yt[i * 4] = (n * h + rnd.nextInt(h)) * w * ch;
                yt[i * 4 + 1] = rnd.nextInt(4) == 0 ? yt[i * 4] : (n * h + rnd.nextInt(h)) * w * ch;
                yt[i * 4 + 2] = rnd.nextInt(2049);
                yt[i * 4 + 3] = rnd.nextInt(2049);
            }
            byte[] expected = new byte[count * dw * dh * ch], got = new byte[expected.length];
            ImageResize.twoTapU8(px, ch, xt, yt, expected, count, dw, dh);
            CpuImage.twoTapU8(px, ch, xt, yt, got, count, dw, dh);
            assertArrayEquals(expected, got, "twoTapU8 on arbitrary tables, " + ch + " channels");
            float[] mean = new float[ch], std = new float[ch];
            java.util.Arrays.fill(mean, 0.5f);
            java.util.Arrays.fill(std, 0.25f);
            float[] fe = new float[count * ch * dw * dh], fg = new float[fe.length];
            ImageConvert.twoTapToChwF32(px, ch, xt, yt, 255f, mean, std, fe, count, dw, dh);
            CpuImage.twoTapToChwF32(px, ch, xt, yt, 255f, mean, std, fg, count, dw, dh);
            assertBits(fe, fg, "twoTapToChwF32 on arbitrary tables, " + ch + " channels");
        }
    }

    /**
     * Area tables no resize makes: any taps, weights negative, huge, infinite, NaN and halves (sums
     * exactly between two integers, out of 0..255, NaN), 1/3/4 channels: the variant's rounding and
     * clamping give the kernel's bytes.
     */
    @Test
    void arbitraryAreaTablesEqualKernel() {
        float[] odd = {0.5f, 1f, 1.5f, -0.5f, 2.5f, 1f, 1e6f, -1e6f, 3e38f, Float.POSITIVE_INFINITY, Float.NaN, 0.25f, 1f / 3};
        for (int ch : new int[] {1, 3, 4}) {
          for (boolean halves : new boolean[] {false, true}) {
            // halves: one column tap of weight 0.5 and one row tap of weight 1, so every odd pixel sums to k + 0.5
            long seed = 5150 + ch;
            System.out.println("arbitrary area tables seed " + seed + ", " + ch + " channels" + (halves ? ", half sums" : ""));
            SplittableRandom rnd = new SplittableRandom(seed);
            int w = 23, h = 19, dw = 31, dh = 17;
            byte[] px = ImageOpsTest.randomImage(seed, w, h, ch);
            int[] xs = new int[dw + 1], ys = new int[dh + 1];
            List<Integer> xo = new ArrayList<>(), yo = new ArrayList<>();
            List<Float> xw = new ArrayList<>(), yw = new ArrayList<>();
            for (int d = 0; d < dw; d++) {
                xs[d] = xo.size();
                for (int k = halves ? 1 : rnd.nextInt(5); k > 0; k--) {
                    xo.add(rnd.nextInt(w) * ch);
                    xw.add(halves ? 0.5f : rnd.nextInt(4) == 0 ? odd[rnd.nextInt(odd.length)] : rnd.nextFloat() * 2 - 0.5f);
                }
            }
            xs[dw] = xo.size();
            for (int d = 0; d < dh; d++) {
                ys[d] = yo.size();
                for (int k = halves ? 1 : 1 + rnd.nextInt(4); k > 0; k--) {
                    yo.add(rnd.nextInt(h) * w * ch);
                    yw.add(halves ? 1f : rnd.nextInt(6) == 0 ? odd[rnd.nextInt(odd.length)] : rnd.nextFloat());
                }
            }
            ys[dh] = yo.size();
            int[] xoa = xo.stream().mapToInt(Integer::intValue).toArray(), yoa = yo.stream().mapToInt(Integer::intValue).toArray();
            float[] xwa = new float[xw.size()], ywa = new float[yw.size()];
            for (int i = 0; i < xwa.length; i++) xwa[i] = xw.get(i);
            for (int i = 0; i < ywa.length; i++) ywa[i] = yw.get(i);
            byte[] expected = new byte[dw * dh * ch], got = new byte[expected.length];
            ImageResize.areaU8(px, ch, xs, xoa, xwa, ys, yoa, ywa, expected, dw, dh);
            CpuImage.areaU8(px, ch, xs, xoa, xwa, ys, yoa, ywa, got, dw, dh);
            assertArrayEquals(expected, got, "areaU8 on arbitrary tables, " + ch + " channels" + (halves ? ", half sums" : ""));
          }
        }
    }

    /** A batch of differently sized images with eval-chain tables: shorter side 256, centre crop 224, random mirrors. */
    record Batch(ImageBatch images, int[] xt, int[] yt) {
    }

    static Batch batch(long seed, int count, int ch, int out) {
        System.out.println("eval batch seed " + seed + ", " + count + " images, " + ch + " channels, " + out + "x" + out);
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Image> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int w = i == 0 ? out : rnd.nextInt(out, 700), h = i == 1 ? out : rnd.nextInt(out, 700);
            byte[] px = rnd.nextBoolean() ? ImageOpsTest.randomImage(rnd.nextLong(), w, h, ch) : ImageOpsTest.smoothImage(rnd.nextLong(), w, h, ch);
            list.add(new Image(px, w, h, ch));
        }
        ImageBatch b = ImageBatch.of(list);
        int[] xt = new int[count * out * 4], yt = new int[count * out * 4];
        for (int i = 0; i < count; i++) {
            int w = b.width(i), h = b.height(i);
            int s = Math.max(out, Math.min(w, h) * 256 / 300);
            int rw = w <= h ? s : (int) ((long) s * w / h), rh = w <= h ? (int) ((long) s * h / w) : s;
            int x0 = ImageGeometry.centerOffset(rw, out), y0 = ImageGeometry.centerOffset(rh, out);
            boolean mirror = rnd.nextBoolean();
            int[] fx = ImageResize.xTable(ImageResize.Mode.BILINEAR, w, rw, ch, 0, w, false);
            int[] fy = ImageResize.yTable(ImageResize.Mode.BILINEAR, h, rh, w * ch, b.offset(i), 0, h);
            for (int d = 0; d < out; d++) {
                System.arraycopy(fx, (mirror ? x0 + out - 1 - d : x0 + d) * 4, xt, (i * out + d) * 4, 4);
            }
            System.arraycopy(fy, y0 * 4, yt, i * out * 4, out * 4);
        }
        return new Batch(b, xt, yt);
    }

    @Test
    void evalChainVariantsEqualKernel() {
        for (int ch : new int[] {1, 3, 4}) {
            for (int out : new int[] {1, 7, 224}) {
                Batch b = batch(ch * 1000L + out, ch == 3 && out == 224 ? 9 : 3, ch, out);
                float[] mean = new float[ch], std = new float[ch];
                for (int c = 0; c < ch; c++) {
                    mean[c] = 0.485f - 0.03f * c;
                    std[c] = 0.229f + 0.01f * c;
                }
                int n = b.images().size();
                float[] expected = new float[n * ch * out * out];
                float[] got = new float[expected.length];
                byte[] px = b.images().data();
                ImageConvert.twoTapToChwF32(px, ch, b.xt(), b.yt(), 255f, mean, std, expected, n, out, out);
                CpuImage.twoTapToChwF32(px, ch, b.xt(), b.yt(), 255f, mean, std, got, n, out, out);
                assertBits(expected, got, "twoTapToChwF32, " + ch + " channels, " + out);
                try (FloatArray offHeap = FloatArray.allocate(expected.length + 5).fill(-7f)) {
                    CpuImage.twoTapToChwOffHeap(px, ch, b.xt(), b.yt(), 255f, mean, std, offHeap, n, out, out);
                    float[] back = offHeap.toArray();
                    assertBits(expected, java.util.Arrays.copyOf(back, expected.length), "twoTapToChwOffHeap");
                    assertEquals(-7f, back[expected.length], "the off-heap variant writes only the batch's floats");
                }
            }
        }
    }

    /** Each variant through a task graph on {@code cpu}: recorded as the variant, and equal to the reference run with variants off. */
    @Test
    void theEngineRunsTheVariantsOnCpu() {
        Device cpu = Devices.get("cpu");
        Device refCpu = reference.device("cpu");
        Image src = ImageResizeTest.random(77, 640, 480, 3);
        int[] xt = ImageResize.xTable(ImageResize.Mode.BILINEAR, 640, 224, 3, 0, 640, false);
        int[] yt = ImageResize.yTable(ImageResize.Mode.BILINEAR, 480, 224, 640 * 3, 0, 0, 480);
        byte[][] bytes = new byte[2][224 * 224 * 3];
        for (int v = 0; v < 2; v++) {
            TaskGraph g = new TaskGraph("two-tap").transferToDevice(Transfer.EVERY_RUN, src.data(), xt, yt)
                    .task("k", ImageResize::twoTapU8, src.data(), 3, xt, yt, bytes[v], 1, 224, 224)
                    .transferToHost(Transfer.EVERY_RUN, bytes[v]);
            assertImplementation(g, v == 0 ? cpu : refCpu, v == 0 ? "CpuImage.twoTapU8 (Java variant)" : "ImageResize.twoTapU8");
        }
        assertArrayEquals(bytes[1], bytes[0], "twoTapU8 variant vs reference on cpu");

        ImageResize.AreaTable ax = ImageResize.areaTable(640, 224, 3), ay = ImageResize.areaTable(480, 224, 640 * 3);
        for (int v = 0; v < 2; v++) {
            TaskGraph g = new TaskGraph("area").transferToDevice(Transfer.EVERY_RUN, src.data())
                    .task("k", ImageResize::areaU8, src.data(), 3, ax.start(), ax.offset(), ax.weight(), ay.start(), ay.offset(),
                            ay.weight(), bytes[v], 224, 224)
                    .transferToHost(Transfer.EVERY_RUN, bytes[v]);
            assertImplementation(g, v == 0 ? cpu : refCpu, v == 0 ? "CpuImage.areaU8 (Java variant)" : "ImageResize.areaU8");
        }
        assertArrayEquals(bytes[1], bytes[0], "areaU8 variant vs reference on cpu");

        byte[][] quarter = new byte[2][160 * 120 * 3];
        for (int v = 0; v < 2; v++) {
            TaskGraph g = new TaskGraph("area-int").transferToDevice(Transfer.EVERY_RUN, src.data())
                    .task("k", ImageResize::areaIntegerU8, src.data(), 640, 3, 4, 4, quarter[v], 160, 120)
                    .transferToHost(Transfer.EVERY_RUN, quarter[v]);
            assertImplementation(g, v == 0 ? cpu : refCpu, v == 0 ? "CpuImage.areaIntegerU8 (Java variant)" : "ImageResize.areaIntegerU8");
        }
        assertArrayEquals(quarter[1], quarter[0], "areaIntegerU8 variant vs reference on cpu");

        Batch b = batch(5, 4, 3, 224);
        float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
        float[][] floats = new float[2][4 * 3 * 224 * 224];
        for (int v = 0; v < 2; v++) {
            byte[] px = b.images().data();
            TaskGraph g = new TaskGraph("chw").transferToDevice(Transfer.EVERY_RUN, px, b.xt(), b.yt(), mean, std)
                    .task("k", ImageConvert::twoTapToChwF32, px, 3, b.xt(), b.yt(), 255f, mean, std, floats[v], 4, 224, 224)
                    .transferToHost(Transfer.EVERY_RUN, floats[v]);
            assertImplementation(g, v == 0 ? cpu : refCpu, v == 0 ? "CpuImage.twoTapToChwF32 (Java variant)" : "ImageConvert.twoTapToChwF32");
        }
        assertBits(floats[1], floats[0], "twoTapToChwF32 variant vs reference on cpu");

        float[][] offHeap = new float[2][];
        for (int v = 0; v < 2; v++) {
            byte[] px = b.images().data();
            try (FloatArray dst = FloatArray.allocate(floats[0].length)) {
                TaskGraph g = new TaskGraph("chw-off-heap").transferToDevice(Transfer.EVERY_RUN, px, b.xt(), b.yt(), mean, std)
                        .task("k", ImageConvert::twoTapToChwOffHeap, px, 3, b.xt(), b.yt(), 255f, mean, std, dst, 4, 224, 224)
                        .transferToHost(Transfer.EVERY_RUN, dst);
                assertImplementation(g, v == 0 ? cpu : refCpu,
                        v == 0 ? "CpuImage.twoTapToChwOffHeap (Java variant)" : "ImageConvert.twoTapToChwOffHeap");
                offHeap[v] = dst.toArray();
            }
        }
        assertBits(offHeap[1], offHeap[0], "twoTapToChwOffHeap variant vs reference on cpu");
        assertBits(floats[0], offHeap[0], "off-heap and on-heap forms");
    }

    private static void assertImplementation(TaskGraph g, Device device, String expected) {
        boolean variant = expected.endsWith("(Java variant)");
        try (ExecutionPlan plan = g.plan(variant ? KilnRuntime.shared() : reference, device)) {
            RunResult run = plan.run();
            assertEquals(expected, run.task("k").implementation(), device.id());
            assertEquals(variant, run.task("k").ranVariant());
        }
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
        assertTrue(expected.length > 0);
    }
}

package io.kiln.benchmarks;

import io.kiln.ByteArray;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImageResize;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Resizing an 8-bit image ({@code channels} = 3 unless given: {@code -p channels=1,3,4}) to 224 x 224, Kiln against OpenCV Java 4.9 on the same two
 * threads ({@code Core.setNumThreads(2)}; Kiln's {@code cpu} device has one worker per core):
 * bilinear ({@code INTER_LINEAR}) and area ({@code INTER_AREA}). {@code kilnBilinearPlan} runs a plan
 * made once (the tables built once, as for a stream of same-sized images); {@code kilnBilinear} and
 * {@code kilnArea} call {@link ImageResize#resize}, which builds its tables and plan on every call;
 * {@code kilnBilinearPlanOffHeap} is the plan over the same pixels in a {@link ByteArray} (off-heap input).
 * Each Kiln state first checks that its output equals OpenCV's byte for byte.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx2g"})
public class ImageResizeBenchmark {

    static byte[] photoLike(long seed, int w, int h) {
        return photoLike(seed, w, h, 3);
    }

    static byte[] photoLike(long seed, int w, int h, int channels) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] img = new byte[w * h * channels];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < channels; c++) {
                    double v = 127.5 + 100 * Math.sin(0.05 * x + c) * Math.cos(0.03 * y) + rnd.nextInt(-12, 13);
                    img[(y * w + x) * channels + c] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
                }
            }
        }
        return img;
    }

    static int[] size(String s) {
        String[] p = s.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    static void loadOpenCv() {
        try {
            nu.pattern.OpenCV.loadLocally();
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("OpenCV Java is not on the class path: run with -cp benchmarks/target/benchmarks.jar:"
                    + "$HOME/.m2/repository/org/openpnp/opencv/4.9.0-0/opencv-4.9.0-0.jar org.openjdk.jmh.Main (docs/benchmarks.md)", e);
        }
        Core.setNumThreads(2);
    }

    /** OpenCV's side: the source as a Mat, the output Mat reused. */
    @State(Scope.Benchmark)
    public static class CvState {
        @Param({"1920x1080", "640x480"})
        public String source;
        @Param("3")
        public int channels;
        Mat src;
        Mat dst;

        @Setup(Level.Trial)
        public void setup() {
            loadOpenCv();
            int[] s = size(source);
            src = new Mat(s[1], s[0], CvType.CV_8UC(channels));
            src.put(0, 0, photoLike(1, s[0], s[1], channels));
            dst = new Mat(224, 224, CvType.CV_8UC(channels));
        }
    }

    /** Kiln's side on {@code device}; checked against OpenCV once. */
    @State(Scope.Benchmark)
    public static class KilnState {
        @Param({"1920x1080", "640x480"})
        public String source;
        @Param("cpu")
        public String device;
        @Param("3")
        public int channels;
        Device d;
        Image src;
        byte[] out;
        byte[] outOffHeap;
        ByteArray pixels;
        ExecutionPlan plan;
        ExecutionPlan offHeapPlan;

        @Setup(Level.Trial)
        public void setup() {
            loadOpenCv();
            d = BenchmarkDevices.get(device);
            int[] s = size(source);
            int ch = channels;
            out = new byte[224 * 224 * ch];
            outOffHeap = new byte[out.length];
            src = new Image(photoLike(1, s[0], s[1], ch), s[0], s[1], ch);
            pixels = ByteArray.allocate(src.byteSize()).copyFrom(src.data());
            int[] xt = ImageResize.xTable(ImageResize.Mode.BILINEAR, s[0], 224, ch, 0, s[0], false);
            int[] yt = ImageResize.yTable(ImageResize.Mode.BILINEAR, s[1], 224, s[0] * ch, 0, 0, s[1]);
            plan = new TaskGraph("resize-plan")
                    .transferToDevice(Transfer.EVERY_RUN, src.data())
                    .transferToDevice(Transfer.FIRST_RUN, xt, yt)
                    .task("resize", ImageResize::twoTapU8, src.data(), ch, xt, yt, out, 1, 224, 224)
                    .transferToHost(Transfer.EVERY_RUN, out)
                    .plan(d);
            plan.run();
            offHeapPlan = new TaskGraph("resize-plan-off-heap")
                    .transferToDevice(Transfer.EVERY_RUN, pixels)
                    .transferToDevice(Transfer.FIRST_RUN, xt, yt)
                    .task("resize", ImageResize::twoTapOffHeapU8, pixels, ch, xt, yt, outOffHeap, 1, 224, 224)
                    .transferToHost(Transfer.EVERY_RUN, outOffHeap)
                    .plan(d);
            offHeapPlan.run();
            Mat m = new Mat(s[1], s[0], CvType.CV_8UC(ch));
            m.put(0, 0, src.data());
            for (int interp : new int[] {Imgproc.INTER_LINEAR, Imgproc.INTER_AREA}) {
                Mat r = new Mat();
                Imgproc.resize(m, r, new Size(224, 224), 0, 0, interp);
                byte[] expected = new byte[224 * 224 * ch];
                r.get(0, 0, expected);
                ImageResize.Mode mode = interp == Imgproc.INTER_LINEAR ? ImageResize.Mode.BILINEAR : ImageResize.Mode.AREA;
                if (!Arrays.equals(expected, ImageResize.resize(src, 224, 224, mode, d).data())
                        || (mode == ImageResize.Mode.BILINEAR && !(Arrays.equals(expected, out) && Arrays.equals(expected, outOffHeap)))) {
                    throw new IllegalStateException(mode + " on " + device + " differs from OpenCV: not benchmarking a wrong kernel");
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
            if (offHeapPlan != null) offHeapPlan.close();
            if (pixels != null) pixels.close();
        }
    }

    /** OpenCV {@code resize(..., INTER_LINEAR)}, two threads. */
    @Benchmark
    public Mat opencvBilinear(CvState s) {
        Imgproc.resize(s.src, s.dst, new Size(224, 224), 0, 0, Imgproc.INTER_LINEAR);
        return s.dst;
    }

    /** OpenCV {@code resize(..., INTER_AREA)}, two threads. */
    @Benchmark
    public Mat opencvArea(CvState s) {
        Imgproc.resize(s.src, s.dst, new Size(224, 224), 0, 0, Imgproc.INTER_AREA);
        return s.dst;
    }

    /** Kiln's bilinear kernel, plan and tables made once. */
    @Benchmark
    public byte[] kilnBilinearPlan(KilnState s) {
        s.plan.run();
        return s.out;
    }

    /** The same plan over the same pixels in off-heap memory ({@link ImageResize#twoTapOffHeapU8}). */
    @Benchmark
    public byte[] kilnBilinearPlanOffHeap(KilnState s) {
        s.offHeapPlan.run();
        return s.outOffHeap;
    }

    /** {@code ImageResize.resize(src, 224, 224, BILINEAR, device)}: tables, graph, plan and run per call. */
    @Benchmark
    public Image kilnBilinear(KilnState s) {
        return ImageResize.resize(s.src, 224, 224, ImageResize.Mode.BILINEAR, s.d);
    }

    /** {@code ImageResize.resize(src, 224, 224, AREA, device)}. */
    @Benchmark
    public Image kilnArea(KilnState s) {
        return ImageResize.resize(s.src, 224, 224, ImageResize.Mode.AREA, s.d);
    }
}

package io.kiln.benchmarks;

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
 * Resizing a 3-channel 8-bit image to 224 x 224, Kiln against OpenCV Java 4.9 on the same two
 * threads ({@code Core.setNumThreads(2)}; Kiln's {@code cpu} device has one worker per core):
 * bilinear ({@code INTER_LINEAR}) and area ({@code INTER_AREA}). {@code kilnBilinearPlan} runs a plan
 * made once (the tables built once, as for a stream of same-sized images); {@code kilnBilinear} and
 * {@code kilnArea} call {@link ImageResize#resize}, which builds its tables and plan on every call.
 * Each Kiln state first checks that its output equals OpenCV's byte for byte.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx2g"})
public class ImageResizeBenchmark {

    static byte[] photoLike(long seed, int w, int h) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] img = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    double v = 127.5 + 100 * Math.sin(0.05 * x + c) * Math.cos(0.03 * y) + rnd.nextInt(-12, 13);
                    img[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
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
        Mat src;
        Mat dst;

        @Setup(Level.Trial)
        public void setup() {
            loadOpenCv();
            int[] s = size(source);
            src = new Mat(s[1], s[0], CvType.CV_8UC3);
            src.put(0, 0, photoLike(1, s[0], s[1]));
            dst = new Mat(224, 224, CvType.CV_8UC3);
        }
    }

    /** Kiln's side on {@code device}; checked against OpenCV once. */
    @State(Scope.Benchmark)
    public static class KilnState {
        @Param({"1920x1080", "640x480"})
        public String source;
        @Param("cpu")
        public String device;
        Device d;
        Image src;
        byte[] out = new byte[224 * 224 * 3];
        ExecutionPlan plan;

        @Setup(Level.Trial)
        public void setup() {
            loadOpenCv();
            d = BenchmarkDevices.get(device);
            int[] s = size(source);
            src = new Image(photoLike(1, s[0], s[1]), s[0], s[1], 3);
            int[] xt = ImageResize.xTable(ImageResize.Mode.BILINEAR, s[0], 224, 3, 0, s[0], false);
            int[] yt = ImageResize.yTable(ImageResize.Mode.BILINEAR, s[1], 224, s[0] * 3, 0, 0, s[1]);
            plan = new TaskGraph("resize-plan")
                    .transferToDevice(Transfer.EVERY_RUN, src.data())
                    .transferToDevice(Transfer.FIRST_RUN, xt, yt)
                    .task("resize", ImageResize::twoTapU8, src.data(), 3, xt, yt, out, 1, 224, 224)
                    .transferToHost(Transfer.EVERY_RUN, out)
                    .plan(d);
            plan.run();
            Mat m = new Mat(s[1], s[0], CvType.CV_8UC3);
            m.put(0, 0, src.data());
            for (int interp : new int[] {Imgproc.INTER_LINEAR, Imgproc.INTER_AREA}) {
                Mat r = new Mat();
                Imgproc.resize(m, r, new Size(224, 224), 0, 0, interp);
                byte[] expected = new byte[224 * 224 * 3];
                r.get(0, 0, expected);
                ImageResize.Mode mode = interp == Imgproc.INTER_LINEAR ? ImageResize.Mode.BILINEAR : ImageResize.Mode.AREA;
                if (!Arrays.equals(expected, ImageResize.resize(src, 224, 224, mode, d).data())
                        || (mode == ImageResize.Mode.BILINEAR && !Arrays.equals(expected, out))) {
                    throw new IllegalStateException(mode + " on " + device + " differs from OpenCV: not benchmarking a wrong kernel");
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
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

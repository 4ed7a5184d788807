package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImageBatch;
import io.kiln.kernels.ImagePipeline;
import io.kiln.kernels.ImagePresets;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ImageNet evaluation chain (shorter side to 256 bilinear, centre crop 224, / 255, mean/std,
 * CHW floats) on a batch of 3-channel images of {@code source} size: Kiln's
 * {@link ImagePresets#imagenetEval()} (one launch for the batch) against the same chain composed from
 * OpenCV Java calls image by image on two threads ({@code resize}, {@code submat},
 * {@code convertTo}, {@code subtract}, {@code divide}, {@code split}, copy into the batch tensor).
 * Both are checked to agree before timing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx2g"})
public class ImagePresetBenchmark {
    static final int BATCH = 8;

    @State(Scope.Benchmark)
    public static class Images {
        @Param({"1920x1080", "640x480"})
        public String source;
        @Param("cpu")
        public String device;
        List<Image> images = new ArrayList<>();
        ImageBatch packed;
        List<Mat> mats = new ArrayList<>();
        ImagePipeline eval = ImagePresets.imagenetEval();
        Device d;
        float[] out = new float[BATCH * 3 * 224 * 224];

        @Setup(Level.Trial)
        public void setup() {
            ImageResizeBenchmark.loadOpenCv();
            int[] s = ImageResizeBenchmark.size(source);
            for (int i = 0; i < BATCH; i++) {
                Image im = new Image(ImageResizeBenchmark.photoLike(i, s[0], s[1]), s[0], s[1], 3);
                images.add(im);
                Mat m = new Mat(s[1], s[0], CvType.CV_8UC3);
                m.put(0, 0, im.data());
                mats.add(m);
            }
            packed = ImageBatch.of(images);
            d = BenchmarkDevices.get(device);
            float[] kiln = eval.applyBatch(images, d);
            openCvChain(mats, out);
            for (int i = 0; i < out.length; i++) {
                if (Math.abs(out[i] - kiln[i]) > 1e-5f) {
                    throw new IllegalStateException("eval chain on " + device + " differs from OpenCV's at " + i + ": " + kiln[i]
                            + " vs " + out[i] + ": not benchmarking a wrong chain");
                }
            }
        }
    }

    static final Scalar MEAN = new Scalar(0.485, 0.456, 0.406);
    static final Scalar STD = new Scalar(0.229, 0.224, 0.225);

    static void openCvChain(List<Mat> mats, float[] out) {
        int plane = 224 * 224;
        float[] buf = new float[plane];
        for (int i = 0; i < mats.size(); i++) {
            Mat m = mats.get(i);
            int w = m.cols(), h = m.rows();
            int rw = w <= h ? 256 : 256 * w / h, rh = w <= h ? 256 * h / w : 256;
            Mat r = new Mat();
            Imgproc.resize(m, r, new Size(rw, rh), 0, 0, Imgproc.INTER_LINEAR);
            Mat crop = r.submat(new Rect((int) Math.rint((rw - 224) / 2.0), (int) Math.rint((rh - 224) / 2.0), 224, 224));
            Mat f = new Mat();
            crop.convertTo(f, CvType.CV_32FC3, 1 / 255.0);
            Core.subtract(f, MEAN, f);
            Core.divide(f, STD, f);
            List<Mat> planes = new ArrayList<>(3);
            Core.split(f, planes);
            for (int c = 0; c < 3; c++) {
                planes.get(c).get(0, 0, buf);
                System.arraycopy(buf, 0, out, (i * 3 + c) * plane, plane);
                planes.get(c).release();
            }
            r.release();
            f.release();
        }
    }

    /** The chain from OpenCV calls, image by image, into one N x 3 x 224 x 224 float array. */
    @Benchmark
    public float[] opencvEvalChain(Images s) {
        openCvChain(s.mats, s.out);
        return s.out;
    }

    /**
     * {@code imagenetEval().applyBatch(batch, device)} on images already packed in one buffer (as a
     * decoder writing into a reusable batch buffer leaves them): tables, one launch, a new tensor.
     */
    @Benchmark
    public float[] kilnEvalChain(Images s) {
        return s.eval.applyBatch(s.packed, s.d);
    }

    /** {@code imagenetEval().applyBatch(List<Image>, device)}: the same after copying the images into one buffer. */
    @Benchmark
    public float[] kilnEvalChainFromList(Images s) {
        return s.eval.applyBatch(s.images, s.d);
    }
}

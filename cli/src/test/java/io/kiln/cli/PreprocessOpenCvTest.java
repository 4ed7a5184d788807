package io.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.cli.preprocess.NpyFile;
import io.kiln.kernels.ImagePresets;
import io.kiln.loader.Decoder;
import io.kiln.loader.SampleImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kiln preprocess --preset imagenet-eval} against the same chain composed from OpenCV 4.9 calls,
 * decoding included: {@code imread} (OpenCV's libjpeg), BGR to RGB, {@code resize(INTER_LINEAR)} of the
 * shorter side to 256, the centre 224 x 224 {@code submat}, then torchvision's {@code /255} and
 * normalisation. The resize and crop are bit-exact in the library (kernels' ImagePresetsTest); only the
 * JPEG decoder can differ. libjpeg-turbo (the default decoder where installed) decodes as OpenCV does,
 * so that output is equal bit for bit; ImageIO's IDCT and chroma upsampling differ, so its bound is in
 * 8-bit steps of the decoded pixels:
 * every value within {@value #MAX_STEPS} steps ({@code MAX_STEPS / 255 / std[c]}), the mean absolute
 * difference within {@value #MEAN_STEPS} steps.
 */
class PreprocessOpenCvTest {
    static final int MAX_STEPS = 8;
    static final double MEAN_STEPS = 0.75;

    /** With libjpeg-turbo (the default where installed), equal to the OpenCV chain bit for bit: OpenCV decodes with libjpeg-turbo too. */
    @Test
    void withTurboJpegImagenetEvalEqualsTheOpenCvChain(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Decoder.turboJpegAvailable(), Decoder.turboJpegStatus() + ": install libturbojpeg0");
        double[] d = differences(dir, "turbojpeg");
        assertEquals(0, d[0], "max difference in 8-bit steps");
    }

    /** With ImageIO's decoder, within the bound. */
    @Test
    void withImageIoImagenetEvalIsWithinTheBoundOfTheOpenCvChain(@TempDir Path dir) throws Exception {
        double[] d = differences(dir, "imageio");
        assertTrue(d[0] <= MAX_STEPS + 1e-3, "max difference " + d[0] + " steps");
        assertTrue(d[1] <= MEAN_STEPS, "mean difference " + d[1] + " steps");
    }

    /** {max, mean} difference in 8-bit steps between the command's output and the OpenCV chain. */
    static double[] differences(Path dir, String decoder) throws Exception {
        nu.pattern.OpenCV.loadLocally();
        Core.setNumThreads(1);
        Path images = dir.resolve("images");
        SampleImages.ensure(images, 6, 11, 160);
        Path out = dir.resolve("out");
        KilnCliTest.Result r = KilnCliTest.run("preprocess", "--in", images.toString(), "--out", out.toString(), "--device", "cpu", "-q",
                "--decoder", decoder);
        assertEquals(0, r.exit(), r::toString);
        JsonNode m = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        NpyFile npy = NpyFile.read(out.resolve("data.npy"));
        float[] mean = ImagePresets.imagenetMean(), std = ImagePresets.imagenetStd();
        int per = 3 * 224 * 224;
        double worst = 0, sum = 0;
        long n = 0;
        for (JsonNode s : m.get("samples")) {
            Mat bgr = Imgcodecs.imread(s.get("id").asText(), Imgcodecs.IMREAD_COLOR);
            Mat rgb = new Mat();
            Imgproc.cvtColor(bgr, rgb, Imgproc.COLOR_BGR2RGB);
            int w = rgb.cols(), h = rgb.rows();
            int rw = w <= h ? 256 : 256 * w / h, rh = w <= h ? 256 * h / w : 256;
            Mat resized = new Mat();
            Imgproc.resize(rgb, resized, new Size(rw, rh), 0, 0, Imgproc.INTER_LINEAR);
            Mat crop = resized.submat(new Rect((int) Math.rint((rw - 224) / 2.0), (int) Math.rint((rh - 224) / 2.0), 224, 224)).clone();
            byte[] px = new byte[224 * 224 * 3];
            crop.get(0, 0, px);
            int base = s.get("offset").asInt() * per;
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 224 * 224; i++) {
                    float ref = ((px[i * 3 + c] & 0xFF) / 255f - mean[c]) / std[c];
                    double steps = Math.abs(npy.data()[base + c * 224 * 224 + i] - ref) * 255 * std[c];
                    worst = Math.max(worst, steps);
                    sum += steps;
                    n++;
                }
            }
        }
        double meanSteps = sum / n;
        System.out.printf(Locale.ROOT, "imagenet-eval (%s) vs OpenCV chain: max %.3f, mean %.4f 8-bit steps over %d values%n", decoder,
                worst, meanSteps, n);
        return new double[] {worst, meanSteps};
    }
}

package io.kiln.benchmarks;

import io.kiln.kernels.CpuImage;
import io.kiln.kernels.ImageResize;
import io.kiln.kernels.linalg.CpuGemm;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

import java.util.Arrays;

/**
 * {@link ImageResizeBenchmark}'s {@code opencvBilinear} and {@code kilnBilinearPlan} alternated call by
 * call in one process (the order rotating round by round), so that both see the same load on a shared machine (JMH's separate forks gave
 * ratios from 0.7x to 2.2x for the same code under a load average of 12). Each round times a batch of
 * calls of each; the speed of a round is OpenCV's time over Kiln's (above 1: Kiln faster):
 * <pre>{@code
 * CP=benchmarks/target/benchmarks.jar:$HOME/.m2/repository/org/openpnp/opencv/4.9.0-0/opencv-4.9.0-0.jar
 * java --add-modules jdk.incubator.vector -cp $CP io.kiln.benchmarks.ImageResizeAlternating 1920x1080 200 20
 * }</pre>
 * Arguments: the source size, rounds, calls per round, channels (1, 3 or 4; 3 unless given). Prints the median and the best time per call
 * of each (and of the cpu variant called without a plan: the plan's own cost is the difference) and the
 * median speed; the plan is checked against OpenCV first ({@link ImageResizeBenchmark.KilnState}).
 */
public final class ImageResizeAlternating {
    private ImageResizeAlternating() {
    }

    /** Runs {@code args = source [rounds [calls [channels]]]}. */
    public static void main(String[] args) {
        ImageResizeBenchmark.CvState cv = new ImageResizeBenchmark.CvState();
        ImageResizeBenchmark.KilnState kiln = new ImageResizeBenchmark.KilnState();
        cv.source = kiln.source = args[0];
        kiln.device = "cpu";
        // The states' JMH @Param defaults do not apply outside JMH: set every parameter here.
        cv.channels = kiln.channels = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int ch = cv.channels;
        if (ch != 1 && ch != 3 && ch != 4) {
            throw new IllegalArgumentException("channels " + ch + ": give 1, 3 or 4");
        }
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        cv.setup();
        kiln.setup();
        int[] wh = ImageResizeBenchmark.size(args[0]);
        int[] xt = ImageResize.xTable(ImageResize.Mode.BILINEAR, wh[0], 224, ch, 0, wh[0], false);
        int[] yt = ImageResize.yTable(ImageResize.Mode.BILINEAR, wh[1], 224, wh[0] * ch, 0, 0, wh[1]);
        byte[] direct = new byte[224 * 224 * ch];
        double[] tc = new double[rounds], tk = new double[rounds], td = new double[rounds], speed = new double[rounds];
        double[] planOverDirect = new double[rounds];
        Size size = new Size(224, 224);
        try {
            for (int r = -rounds / 4; r < rounds; r++) {                 // the first quarter warms up
                // The order rotates round by round: OpenCV's worker threads spin for a while after a call
                // and slowed whichever ran right after them (the plan, in a fixed order).
                long[] t = new long[3];
                for (int j = 0; j < 3; j++) {
                    int which = Math.floorMod(r + j, 3);
                    long t0 = System.nanoTime();
                    switch (which) {
                        case 0 -> {
                            for (int i = 0; i < calls; i++) Imgproc.resize(cv.src, cv.dst, size, 0, 0, Imgproc.INTER_LINEAR);
                        }
                        case 1 -> {
                            for (int i = 0; i < calls; i++) kiln.plan.run();
                        }
                        default -> {
                            for (int i = 0; i < calls; i++) CpuImage.twoTapU8(kiln.src.data(), ch, xt, yt, direct, 1, 224, 224);
                        }
                    }
                    t[which] = System.nanoTime() - t0;
                }
                if (r >= 0) {
                    tc[r] = t[0] / 1e3 / calls;
                    tk[r] = t[1] / 1e3 / calls;
                    td[r] = t[2] / 1e3 / calls;
                    speed[r] = tc[r] / tk[r];
                    planOverDirect[r] = tk[r] / td[r];
                }
            }
        } finally {
            kiln.tearDown();
        }
        Arrays.sort(tc);
        Arrays.sort(tk);
        Arrays.sort(speed);
        Arrays.sort(td);
        Arrays.sort(planOverDirect);
        System.out.printf("%s -> 224x224, %d channels, %d rounds of %d calls, Vector API %s%n", args[0], ch, rounds, calls, CpuGemm.vectorized());
        System.out.printf("opencvBilinear   median %7.1f us, best %7.1f us%n", tc[rounds / 2], tc[0]);
        System.out.printf("kilnBilinearPlan median %7.1f us, best %7.1f us%n", tk[rounds / 2], tk[0]);
        System.out.printf("CpuImage.twoTapU8 called directly (no plan): median %7.1f us, best %7.1f us%n", td[rounds / 2], td[0]);
        System.out.printf("plan time / direct time in the same round: median %.2f%n", planOverDirect[rounds / 2]);
        System.out.printf("speed (OpenCV time / Kiln time): median %.2fx, of the best times %.2fx%n", speed[rounds / 2], tc[0] / tk[0]);
    }
}

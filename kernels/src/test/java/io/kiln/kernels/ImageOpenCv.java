package io.kiln.kernels;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/** OpenCV Java (openpnp 4.9.0) as the oracle of the image tests: conversions between {@link Image} and {@link Mat}. */
final class ImageOpenCv {
    private ImageOpenCv() {
    }

    static {
        nu.pattern.OpenCV.loadLocally();
        Core.setNumThreads(1);
    }

    static Mat mat(Image im) {
        Mat m = new Mat(im.height(), im.width(), CvType.CV_8UC(im.channels()));
        m.put(0, 0, im.data());
        return m;
    }

    static Image image(Mat m) {
        byte[] b = new byte[(int) (m.total() * m.channels())];
        Mat c = m.isContinuous() ? m : m.clone();
        c.get(0, 0, b);
        return new Image(b, m.cols(), m.rows(), m.channels());
    }

    static float[] floats(Mat m) {
        float[] f = new float[(int) (m.total() * m.channels())];
        m.get(0, 0, f);
        return f;
    }

    static Image resize(Image src, int w, int h, int interpolation) {
        Mat dst = new Mat();
        Imgproc.resize(mat(src), dst, new Size(w, h), 0, 0, interpolation);
        return image(dst);
    }

    static void init() {
        // the static initialiser loads the native library
    }
}

package io.kiln.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test images and their comparison, without OpenCV: the device tests ({@code ImageOnDevicesTest}) use
 * these, so that they also run where OpenCV's natives are not at hand (the GPU check's bundle,
 * scripts/gpu-bundle.sh, leaves them out to fit a device call).
 */
final class TestImages {
    private TestImages() {
    }

    static Image random(long seed, int w, int h, int ch) {
        return new Image(ImageOpsTest.randomImage(seed, w, h, ch), w, h, ch);
    }

    static Image smooth(long seed, int w, int h, int ch) {
        return new Image(ImageOpsTest.smoothImage(seed, w, h, ch), w, h, ch);
    }

    /**
     * Compares with a reference: equal bytes, or within {@code tolerance} where the reference's own
     * code paths disagree in rounding (the caller says why); prints how many differ.
     */
    static void assertSame(Image expected, Image actual, String what, int tolerance) {
        assertEquals(expected.width(), actual.width(), what + " width");
        assertEquals(expected.height(), actual.height(), what + " height");
        assertEquals(expected.channels(), actual.channels(), what + " channels");
        int differ = 0;
        for (int i = 0; i < expected.data().length; i++) {
            int e = expected.data()[i] & 0xFF, a = actual.data()[i] & 0xFF;
            if (e != a) {
                differ++;
                if (Math.abs(e - a) > tolerance) {
                    int ch = expected.channels();
                    fail(what + " " + expected + ": pixel " + (i / ch % expected.width()) + "," + (i / ch / expected.width())
                            + " channel " + (i % ch) + " is " + a + ", reference " + e);
                }
            }
        }
        if (differ > 0) {
            System.out.println(what + " " + expected + ": " + differ + " of " + expected.data().length + " bytes differ by 1");
        }
    }
}

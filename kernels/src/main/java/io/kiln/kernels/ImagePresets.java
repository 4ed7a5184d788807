package io.kiln.kernels;

/**
 * Ready-made preprocessing chains ({@link ImagePipeline}s) for the usual ImageNet models, to apply to
 * an image or a batch on any device:
 * <pre>{@code
 * float[] tensor = ImagePresets.imagenetEval().applyBatch(images, Devices.get("cpu")); // N x 3 x 224 x 224
 * }</pre>
 */
public final class ImagePresets {
    private ImagePresets() {
    }

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** ImageNet's channel means of RGB images in [0, 1], (0.485, 0.456, 0.406); a new array each call. */
    public static float[] imagenetMean() {
        return IMAGENET_MEAN.clone();
    }

    /** ImageNet's channel standard deviations of RGB images in [0, 1], (0.229, 0.224, 0.225); a new array each call. */
    public static float[] imagenetStd() {
        return IMAGENET_STD.clone();
    }

    /**
     * The standard ImageNet evaluation chain on RGB images: resize the shorter side to 256 (the longer
     * to {@code floor(256 * long / short)}) with OpenCV's {@code INTER_LINEAR}, centre crop 224 x 224
     * ({@code round((size - 224) / 2)}, half to even), {@code / 255}, normalise with
     * {@link #imagenetMean()} and {@link #imagenetStd()}, CHW. One launch per batch. For torchvision's
     * antialiased resize use {@code imagenetEval().withMode(ImageResize.Mode.BILINEAR_ANTIALIAS)}.
     */
    public static ImagePipeline imagenetEval() {
        return new ImagePipeline(256, 224, 224, ImageResize.Mode.BILINEAR, 255f, IMAGENET_MEAN, IMAGENET_STD,
                false, new double[] {1, 1}, new double[] {1, 1}, 0, 0);
    }

    /**
     * The standard ImageNet training chain on RGB images, seeded: torchvision's
     * {@code RandomResizedCrop(224)} (area fraction uniform in [0.08, 1], aspect ratio log-uniform in
     * [3/4, 4/3], ten attempts, then the central fallback), bilinear resize of the window to
     * 224 x 224, a horizontal flip with probability 0.5, {@code / 255}, ImageNet mean and std, CHW.
     * The same seed gives the same crops and flips in the same order.
     */
    public static ImagePipeline imagenetTrain(long seed) {
        return new ImagePipeline(0, 224, 224, ImageResize.Mode.BILINEAR, 255f, IMAGENET_MEAN, IMAGENET_STD,
                true, new double[] {0.08, 1.0}, new double[] {3.0 / 4, 4.0 / 3}, 0.5, seed);
    }
}

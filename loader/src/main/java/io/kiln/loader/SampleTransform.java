package io.kiln.loader;

import io.kiln.kernels.Image;

import java.util.SplittableRandom;

/**
 * A per-sample CPU transform that runs on the decode pool right after decoding, before the batch's
 * pipeline on the device (for example a random colour jitter, or a crop the pipeline cannot do).
 * The random generator belongs to the calling decode thread: each thread's stream is split from the
 * loader's seed, so threads draw different numbers. With more than one decode thread, which sample
 * gets which draw depends on scheduling; use the sample's index for a per-sample seed when that
 * matters.
 */
@FunctionalInterface
public interface SampleTransform {

    /**
     * Transforms one decoded image (RGB, interleaved). May return {@code image} itself.
     *
     * @throws RuntimeException to reject the sample ({@link FailureKind#TRANSFORM}); the loader's policy decides
     */
    Image apply(Image image, long index, String id, SplittableRandom random);
}

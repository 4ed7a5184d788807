package io.kiln.loader;

/** The stages of a loader's pipeline, in the order a sample goes through them. */
public enum Stage {
    /** Reading a sample's bytes (files on virtual threads, a bounded number in flight). */
    READ,
    /** Decoding an image or parsing rows, plus per-sample CPU transforms, on the platform pool. */
    DECODE,
    /** Packing decoded samples into a batch's staging buffer and handing complete batches on in order. */
    ASSEMBLE,
    /** The image pipeline on the target device, one run per batch. */
    DEVICE,
    /** The consumer: time between taking a batch and asking for the next one. */
    CONSUMER
}

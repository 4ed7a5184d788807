package io.kiln.loader;

import java.util.Iterator;

/** The running pipeline of an {@link ImageLoader}. */
final class ImageRun implements AutoCloseable {
    private final ImageLoader.Builder config;

    ImageRun(ImageLoader.Builder config) {
        this.config = config;
    }

    Iterator<Batch> start() {
        throw new UnsupportedOperationException("the loader pipeline lands in phase 2");
    }

    Decoder jpegDecoder() {
        return config.decoder == Decoder.IMAGEIO || !Decoder.turboJpegAvailable() ? Decoder.IMAGEIO : Decoder.TURBOJPEG;
    }

    long expectedSamples() {
        return -1;
    }

    LoaderReport report() {
        throw new UnsupportedOperationException("the loader pipeline lands in phase 2");
    }

    @Override
    public void close() {
    }
}

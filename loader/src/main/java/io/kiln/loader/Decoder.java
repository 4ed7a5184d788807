package io.kiln.loader;

/**
 * The image decoder a loader uses. JPEG files can go through libjpeg-turbo (its TurboJPEG API,
 * called with the FFM API); everything else, and JPEG when libjpeg-turbo is absent, through
 * {@code javax.imageio}. {@link LoaderReport#decoders()} says which decoder ran how often.
 */
public enum Decoder {
    /** TurboJPEG for JPEG when {@code libturbojpeg.so.0} loads, otherwise ImageIO; ImageIO for other formats. The default. */
    AUTO,
    /**
     * TurboJPEG for JPEG, ImageIO for other formats (PNG, ...). Building a loader with it throws
     * {@link IllegalStateException} when libturbojpeg cannot be loaded ({@link #turboJpegStatus()} says why).
     */
    TURBOJPEG,
    /** {@code javax.imageio} for every format: always present, slower. */
    IMAGEIO;

    /**
     * The system property that, set to {@code false}, makes the loader act as if libturbojpeg were
     * absent (to test or compare the fallback): {@code -Dkiln.loader.turbojpeg=false}.
     */
    public static final String TURBOJPEG_PROPERTY = "kiln.loader.turbojpeg";

    /**
     * Decodes one encoded image (JPEG, PNG, ...) as this decoder does inside a loader, to {@code channels}
     * bytes per pixel (1 grey, 3 RGB, 4 RGBA): for checking a loader's output one image at a time, and
     * for measuring decode speed. {@link #AUTO} and {@link #TURBOJPEG} use TurboJPEG for JPEG when
     * it is present (a handle per call), ImageIO otherwise.
     *
     * @throws IllegalArgumentException if the data is not an image this decoder reads (corrupt, truncated, unknown format)
     * @throws IllegalStateException    for {@link #TURBOJPEG} when libturbojpeg is absent
     */
    public io.kiln.kernels.Image decode(byte[] encoded, int channels) {
        java.util.Objects.requireNonNull(encoded, "encoded is null");
        if (channels != 1 && channels != 3 && channels != 4) throw new IllegalArgumentException("channels " + channels + ": decode to 1, 3 or 4");
        if (this == TURBOJPEG && !turboJpegAvailable()) throw new IllegalStateException(turboJpegStatus());
        Decoder use = this == IMAGEIO || !turboJpegAvailable() ? IMAGEIO : TURBOJPEG;
        Slot scratch = new Slot(0, null, 0, channels);
        try {
            Decoders.Decoded d = Decoders.decode(encoded, use, channels, Long.MAX_VALUE, 0, scratch);
            return d.toImage(scratch.pixels, channels);
        } catch (DecodeException e) {
            throw new IllegalArgumentException(e.kind + ": " + e.getMessage(), e);
        } finally {
            if (use == TURBOJPEG) Decoders.closeThreadDecoder();
        }
    }

    /** Whether libjpeg-turbo's TurboJPEG library can be used here (loaded, its functions found, not disabled). */
    public static boolean turboJpegAvailable() {
        return TurboJpeg.available();
    }

    /** A line that says whether TurboJPEG is used and, when not, why (the library is missing, disabled by the property, ...). */
    public static String turboJpegStatus() {
        return TurboJpeg.status();
    }
}
